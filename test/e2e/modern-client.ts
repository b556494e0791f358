/**
 * The 2026-era MCP client for the e2e tests: `@modelcontextprotocol/client` 2.4 (its own
 * `StreamableHTTPClientTransport`, era chosen by `versionNegotiation`) over a fetch that records
 * every HTTP request, and `@modelcontextprotocol/ext-tasks` 0.2.2 for calls the server may answer
 * with a task. The SDK client itself refuses a `resultType: "task"` answer to tools/call, so
 * ext-tasks drives 2026 task traffic through a raw dispatch: one POST per request, with the
 * envelope ext-tasks frames and the routing headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name)
 * the 2026-07-28 transport requires.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createTaskSessionFromClient, type RawClientDispatch, type TaskEnabledSession } from "@modelcontextprotocol/ext-tasks/client";

export const MODERN = "2026-07-28";
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
export const CLIENT_INFO = { name: "ktrdr-e2e-modern", version: "1.0.0" };
export const TASK_CAPABILITIES = { extensions: { [TASKS_EXTENSION]: {} } };

export type Mode = "pin" | "auto" | "legacy";

/** One HTTP request as the server saw it: method, MCP method (header, else body), status. */
export interface WireRecord {
  http: string;
  mcpMethod: string | undefined;
  status: number;
}

/** A fetch that records every request it makes. */
export function recordingFetch(): { fetch: typeof fetch; log: WireRecord[] } {
  const log: WireRecord[] = [];
  const f: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    let mcpMethod = headers.get("mcp-method") ?? undefined;
    if (!mcpMethod && typeof init?.body === "string") {
      try {
        mcpMethod = (JSON.parse(init.body) as { method?: string }).method;
      } catch {
        // not JSON: leave it undefined
      }
    }
    const res = await fetch(input, init);
    log.push({ http: init?.method ?? "GET", mcpMethod, status: res.status });
    return res;
  };
  return { fetch: f, log };
}

export interface ModernClient {
  client: Client;
  /** Every HTTP request of this client (its transport and its raw task dispatch). */
  wire: WireRecord[];
  /** The requests `connect` made. */
  connectWire: WireRecord[];
  fetch: typeof fetch;
  close(): Promise<void>;
}

/** Connects the 2.4 client in one era mode; declares the tasks extension unless told otherwise. */
export async function connectClient(url: string, mode: Mode, o: { tasks?: boolean } = {}): Promise<ModernClient> {
  const { fetch: f, log } = recordingFetch();
  const client = new Client(CLIENT_INFO, {
    capabilities: o.tasks === false ? {} : TASK_CAPABILITIES,
    versionNegotiation: { mode: mode === "pin" ? { pin: MODERN } : mode },
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: f }));
  const connectWire = [...log];
  return { client, wire: log, connectWire, fetch: f, close: () => client.close() };
}

/** Non-visible-ASCII header values go base64-wrapped, as the 2026-07-28 transport specifies. */
function headerValue(v: string): string {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(v) && !v.startsWith("=?base64?")
    ? v
    : `=?base64?${Buffer.from(v, "utf8").toString("base64")}?=`;
}

const NAME_PARAM: Record<string, string> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** The raw 2026 request path ext-tasks needs: one POST per request, JSON or SSE answer. */
export function rawDispatch(url: string, f: typeof fetch, headers: Record<string, string> = {}): RawClientDispatch {
  let n = 0;
  return async (request, options = {}) => {
    const body = { jsonrpc: "2.0", id: `raw-${++n}`, ...(request as object) } as unknown as {
      id: string;
      method: string;
      params: Record<string, unknown> & { _meta: Record<string, unknown> };
    };
    const h = new Headers({ ...headers, ...(options.context?.headers ?? {}) });
    h.set("content-type", "application/json");
    h.set("accept", "application/json, text/event-stream");
    h.set("mcp-protocol-version", String(body.params._meta["io.modelcontextprotocol/protocolVersion"]));
    h.set("mcp-method", body.method);
    const nameParam = NAME_PARAM[body.method];
    if (nameParam && typeof body.params[nameParam] === "string") h.set("mcp-name", headerValue(body.params[nameParam] as string));
    const res = await f(url, { method: "POST", headers: h, body: JSON.stringify(body), signal: options.signal });
    const type = res.headers.get("content-type") ?? "";
    const text = await res.text();
    let msg: { id?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } } | undefined;
    if (type.includes("text/event-stream")) {
      msg = text
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => JSON.parse(l.slice(5)) as typeof msg)
        .find((m) => m?.id === body.id);
    } else if (type.includes("application/json")) {
      msg = JSON.parse(text) as typeof msg;
    }
    if (!msg) throw new Error(`${body.method}: HTTP ${res.status} without a JSON-RPC answer: ${text.slice(0, 200)}`);
    return msg.error ? { kind: "error", error: msg.error as never } : { kind: "result", result: msg.result as never };
  };
}

/** An ext-tasks session over a connected client: the 2026 raw path on a modern connection, the SDK's own on a legacy one. */
export function taskSession(url: string, c: ModernClient): TaskEnabledSession {
  if (c.client.getProtocolEra() === "modern") {
    return createTaskSessionFromClient(c.client, {
      endpointId: url,
      rawDispatch: rawDispatch(url, c.fetch),
      v2RequestFraming: { protocolVersion: MODERN, clientInfo: CLIENT_INFO, clientCapabilities: TASK_CAPABILITIES },
    });
  }
  return createTaskSessionFromClient(c.client, { endpointId: url });
}

/** One raw 2026-07-28 request (envelope and routing headers set), for wire-level checks: HTTP status and JSON-RPC body. */
export async function rawRequest(
  url: string,
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = {},
): Promise<{
  status: number;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };
}> {
  const h = new Headers();
  h.set("content-type", "application/json");
  h.set("accept", "application/json, text/event-stream");
  h.set("mcp-protocol-version", MODERN);
  h.set("mcp-method", method);
  const nameParam = NAME_PARAM[method];
  if (nameParam && typeof params[nameParam] === "string") h.set("mcp-name", headerValue(params[nameParam] as string));
  const res = await fetch(url, {
    method: "POST",
    headers: h,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": capabilities,
          "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
        },
      },
    }),
  });
  const text = await res.text();
  const json = (res.headers.get("content-type") ?? "").includes("text/event-stream")
    ? text
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => JSON.parse(l.slice(5)) as { id?: unknown })
        .find((m) => m.id === 1)
    : (JSON.parse(text) as unknown);
  return { status: res.status, body: json as never };
}
