/** Helpers for the access-control worker tests: key minting, env overrides, MCP over fetch. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";

export interface TestKey {
  key: string;
  entry: { name: string; sha256: string; scopes: string[] };
}

export async function mintKey(name: string, scopes: string[]): Promise<TestKey> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = `ktrdr_${btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  const sha256 = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { key, entry: { name, sha256, scopes } };
}

export type Vars = Record<string, string>;

/** Calls the Worker's fetch handler with the test bindings plus `vars`. */
export async function call(vars: Vars, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, init), { ...env, ...vars } as never, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const MCP_HEADERS = { accept: "application/json, text/event-stream", "content-type": "application/json" };

/** The JSON-RPC message in a response that is either JSON or an SSE stream. */
export async function rpcBody(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const data = text
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trim())
      .filter(Boolean);
    return JSON.parse(data[data.length - 1] ?? "{}") as Record<string, unknown>;
  }
  return JSON.parse(text) as Record<string, unknown>;
}

export function initializeBody(id = 1): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "auth-test", version: "1.0.0" } },
  });
}

/** Opens a session with `headers`; returns its id (throws unless the server accepted). */
export async function openSession(vars: Vars, base: string, headers: Record<string, string>): Promise<string> {
  const res = await call(vars, `${base}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...headers }, body: initializeBody() });
  if (res.status !== 200) throw new Error(`initialize → ${res.status} ${await res.text()}`);
  const sid = res.headers.get("mcp-session-id");
  await res.text();
  if (!sid) throw new Error("no mcp-session-id");
  await call(vars, `${base}/mcp`, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  }).then((r) => r.text());
  return sid;
}

export async function rpc(
  vars: Vars,
  base: string,
  headers: Record<string, string>,
  sid: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await call(vars, `${base}/mcp`, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method, params }),
  });
  return { status: res.status, body: await rpcBody(res) };
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export interface Grant {
  clientId: string;
  accessToken: string;
  refreshToken: string;
}

const CALLBACK = "https://claude.ai/api/mcp/auth_callback";

/** Registers an OAuth client named `clientName` (dynamic client registration); returns its id. */
export async function registerClient(vars: Vars, base: string, clientName: string): Promise<string> {
  const reg = await call(vars, `${base}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: clientName,
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  if (reg.status !== 201) throw new Error(`registration → ${reg.status} ${await reg.text()}`);
  return ((await reg.json()) as { client_id: string }).client_id;
}

/**
 * One whole OAuth grant, as a client drives it: authorize with PKCE, consent with `accessKey`,
 * exchange the code. `clientId` reuses a registered client (a second grant through the same client).
 */
export async function oauthGrant(vars: Vars, base: string, accessKey: string, clientId: string): Promise<Grant> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const q = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: CALLBACK,
    scope: "ktrdr:read ktrdr:operate",
    state: "s",
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: `${base}/mcp`,
  });
  const url = `${base}/authorize?${q}`;
  const page = await call(vars, url);
  const html = await page.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1];
  if (page.status !== 200 || !handle) throw new Error(`consent page → ${page.status}`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const form = new URLSearchParams({ handle, decision: "approve", access_key: accessKey });
  form.append("scope", "ktrdr:read");
  form.append("scope", "ktrdr:operate");
  const consent = await call(vars, url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: base },
    body: form,
  });
  const code = new URL(consent.headers.get("location") ?? "about:blank").searchParams.get("code");
  if (consent.status !== 302 || !code) throw new Error(`consent → ${consent.status} ${await consent.text()}`);
  const token = await call(vars, `${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${base}/mcp`,
    }),
  });
  if (token.status !== 200) throw new Error(`token → ${token.status} ${await token.text()}`);
  const t = (await token.json()) as { access_token: string; refresh_token: string };
  return { clientId, accessToken: t.access_token, refreshToken: t.refresh_token };
}

/** A refresh of `grant`: a new access token of the same grant. */
export async function refreshGrant(vars: Vars, base: string, grant: Grant): Promise<Grant> {
  const res = await call(vars, `${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: grant.refreshToken,
      client_id: grant.clientId,
      resource: `${base}/mcp`,
    }),
  });
  if (res.status !== 200) throw new Error(`refresh → ${res.status} ${await res.text()}`);
  const t = (await res.json()) as { access_token: string; refresh_token: string };
  return { clientId: grant.clientId, accessToken: t.access_token, refreshToken: t.refresh_token };
}

/** DELETE of a session (the streamable-HTTP way to end it). */
export async function deleteSession(vars: Vars, base: string, headers: Record<string, string>, sid: string): Promise<Response> {
  return call(vars, `${base}/mcp`, {
    method: "DELETE",
    headers: { ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
  });
}
