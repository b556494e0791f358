/** A real MCP client session (SDK Client + StreamableHTTPClientTransport) for the e2e tests. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface ToolReply {
  isError: boolean;
  text: string;
  data: Record<string, unknown>;
}

export interface Session {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolReply>;
  close(): Promise<void>;
}

export async function openSession(mcpUrl: string, headers: Record<string, string> = {}): Promise<Session> {
  const client = new Client({ name: "ktrdr-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } });
  await client.connect(transport);
  return {
    client,
    async call(name, args = {}) {
      const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = res.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      return { isError: res.isError === true, text, data: (res.structuredContent ?? {}) as Record<string, unknown> };
    },
    close: () => client.close(),
  };
}

/** Polls get_operation_status until the operation leaves pending/running (bounded). */
export async function waitUntilFinished(s: Session, operationId: string, timeoutMs = 90_000): Promise<ToolReply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await s.call("get_operation_status", { operation_id: operationId });
    if (r.isError) throw new Error(`status failed: ${r.text}`);
    if (!["pending", "running", "resuming"].includes(String(r.data.status))) return r;
    if (Date.now() > deadline) throw new Error(`operation ${operationId} still ${String(r.data.status)} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Calls a backend admin endpoint of the local stand-in (fault injection, reset, pace). */
export async function admin(origin: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${origin}${path}`, {
    method: body === undefined ? "DELETE" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${path} → ${res.status} ${await res.text()}`);
}

/** Reads (GET) or posts to a stand-in endpoint and returns its JSON answer. */
export async function backendJson<T = Record<string, unknown>>(origin: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as T;
}

/** Cancels an operation straight at the backend (cleanup when a test failed half-way); never throws. */
export async function cancelAtBackend(backendUrl: string, operationId: string): Promise<void> {
  await fetch(`${backendUrl}/operations/${operationId}`, {
    method: "DELETE",
    headers: { "content-type": "application/json" },
    body: "{}",
  }).catch(() => {});
}

/** The 2024 range of AAPL 1h bars the long test trainings (mcp_smoke_slow) use. */
export const RANGE_2024 = { start_date: "2024-01-01", end_date: "2024-12-31" };

/** Makes sure the stand-in has AAPL 1h bars for 2024 (a tail load, waited for). */
export async function ensureAapl2024(mcpUrl: string): Promise<void> {
  const s = await openSession(mcpUrl);
  try {
    const load = await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", ...RANGE_2024, wait_seconds: 30 });
    if (load.data.finished !== true) throw new Error(`AAPL 1h 2024 not loaded: ${load.text}`);
  } finally {
    await s.close();
  }
}
