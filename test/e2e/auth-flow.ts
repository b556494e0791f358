/** A headless OAuth 2.1 client (what Claude's connector does), for the access-control e2e tests. */
import { createHash, randomBytes } from "node:crypto";

export const CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback";

export function mintKey(name: string, scopes: string[]): { key: string; entry: { name: string; sha256: string; scopes: string[] } } {
  const key = `ktrdr_${randomBytes(32).toString("base64url")}`;
  return { key, entry: { name, sha256: createHash("sha256").update(key).digest("hex"), scopes } };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface Discovery {
  resource: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string;
}

/** 401 → resource metadata → authorization-server metadata, as an MCP client discovers them. */
export async function discover(mcpUrl: string): Promise<Discovery> {
  const challenge = await fetch(mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: "{}",
  });
  if (challenge.status !== 401) throw new Error(`expected 401, got ${challenge.status}`);
  const m = /resource_metadata="([^"]+)"/.exec(challenge.headers.get("www-authenticate") ?? "");
  if (!m?.[1]) throw new Error("no resource_metadata in the challenge");
  const prm = (await (await fetch(m[1])).json()) as { resource: string; authorization_servers: string[] };
  const issuer = prm.authorization_servers[0];
  const as = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
  return {
    resource: prm.resource,
    authorizationEndpoint: String(as.authorization_endpoint),
    tokenEndpoint: String(as.token_endpoint),
    registrationEndpoint: String(as.registration_endpoint),
  };
}

export async function register(
  d: Discovery,
  name: string,
  redirectUris = [CLAUDE_CALLBACK, "https://claude.com/api/mcp/auth_callback"],
): Promise<string> {
  const res = await fetch(d.registrationEndpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: redirectUris,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  if (res.status !== 201) throw new Error(`registration → ${res.status} ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

export function authorizeUrl(
  d: Discovery,
  clientId: string,
  challenge: string,
  o: { redirectUri?: string; scope?: string; state?: string } = {},
): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: o.redirectUri ?? CLAUDE_CALLBACK,
    scope: o.scope ?? "ktrdr:read ktrdr:operate",
    state: o.state ?? "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: d.resource,
  });
  return `${d.authorizationEndpoint}?${q}`;
}

export interface ConsentPage {
  status: number;
  html: string;
  handle: string;
  cookie: string;
}

/** GET the consent page; returns its one-time handle and the browser-binding cookie. */
export async function openConsent(url: string): Promise<ConsentPage> {
  const res = await fetch(url, { redirect: "manual" });
  const html = await res.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { status: res.status, html, handle, cookie };
}

export async function submitConsent(
  url: string,
  page: ConsentPage,
  fields: { accessKey?: string; scopes?: string[]; decision?: "approve" | "deny" },
): Promise<Response> {
  const form = new URLSearchParams({ handle: page.handle, decision: fields.decision ?? "approve" });
  if (fields.accessKey !== undefined) form.set("access_key", fields.accessKey);
  for (const s of fields.scopes ?? ["ktrdr:read", "ktrdr:operate"]) form.append("scope", s);
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: page.cookie, origin: new URL(url).origin },
    body: form,
  });
}

export async function exchangeCode(d: Discovery, clientId: string, code: string, verifier: string): Promise<Response> {
  return fetch(d.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: CLAUDE_CALLBACK,
      client_id: clientId,
      code_verifier: verifier,
      resource: d.resource,
    }),
  });
}
