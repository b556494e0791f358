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
