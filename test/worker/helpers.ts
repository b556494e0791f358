/**
 * Shared helpers for the Worker tests: backend configs, running a tool through `runTool` with a
 * fake backend, console capture, and a minimal MCP streamable-HTTP client for the real endpoint.
 */
import { exports } from "cloudflare:workers";
import { beforeEach, vi } from "vitest";
import { z } from "zod";
import { type AuthContext, LOCAL_CONTEXT } from "../../src/auth/context";
import type { BackendConfig } from "../../src/config";
import { runTool, type ToolOutcome } from "../../src/tools/run";
import { START_TOOLS as START_TOOL_DEFS, TOOLS } from "../../src/tools/catalogue";
import type { ToolContext, ToolDefinition } from "../../src/tools/tool";
import { DEFAULT_BASE, FakeBackend, NOW, type FakeOptions, type WireVersion } from "./fake-backend";

export const SECRET = "s3cr3t-SENTINEL";
export const CLIENT_ID = "client-id-SENTINEL.access";

let baseCounter = 0;
/**
 * A base URL no other test has used: the adapter remembers, per base URL, which wire version a
 * backend spoke for versioned routes, so tests that must start from a clean memo use a new one.
 */
export function freshBase(): string {
  baseCounter += 1;
  return `http://ktrdr-${baseCounter}.test:8000/api/v1`;
}

export function config(p: Partial<BackendConfig> = {}): BackendConfig {
  return { baseUrl: DEFAULT_BASE, wireVersion: "auto", timeoutMs: 2_000, ...p };
}

export function tool(name: string): ToolDefinition {
  const def = TOOLS.find((t) => t.name === name);
  if (!def) throw new Error(`no tool ${name}`);
  return def;
}

export interface Harness {
  backend: FakeBackend;
  cfg: BackendConfig;
  run: (name: string, args?: Record<string, unknown>, auth?: AuthContext) => Promise<ToolOutcome>;
}

/**
 * A fake backend plus a `run` that validates the arguments with the tool's own input schema
 * (as the MCP SDK does), runs the tool, and checks any value against its output schema (as the
 * SDK does before answering).
 */
export function harness(
  version: WireVersion,
  opts: Partial<FakeOptions> & { cfg?: Partial<BackendConfig>; now?: () => number; progress?: ToolContext["progress"] } = {},
): Harness {
  const base = opts.base ?? freshBase();
  const backend = new FakeBackend({ ...opts, version, base });
  const cfg = config({ baseUrl: base, ...opts.cfg });
  const run = async (name: string, args: Record<string, unknown> = {}, auth: AuthContext = LOCAL_CONTEXT) => {
    const def = tool(name);
    const parsed = z.object(def.input).parse(args) as Record<string, unknown>;
    const outcome = await runTool(def, parsed, {
      auth,
      backend: cfg,
      signal: new AbortController().signal,
      requestId: "req-test",
      fetch: backend.fetch,
      now: opts.now ?? (() => NOW),
      progress: opts.progress,
    });
    if (outcome.ok) {
      const check = z.object(def.output).safeParse(outcome.value);
      if (!check.success) throw new Error(`${name} output does not match its outputSchema: ${check.error.message}`);
    }
    return outcome;
  };
  return { backend, cfg, run };
}

export function expectOk(o: ToolOutcome): Record<string, unknown> {
  if (!o.ok) throw new Error(`expected ok, got error: ${o.message}`);
  return o.value;
}

export function expectErr(o: ToolOutcome): string {
  if (o.ok) throw new Error(`expected an error, got ${JSON.stringify(o.value)}`);
  return o.message;
}

/** Captures everything written to console.log/info/warn/error/debug while active. */
export function captureConsole(): { lines: () => string; restore: () => void } {
  const out: string[] = [];
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((k) =>
    vi.spyOn(console, k).mockImplementation((...a: unknown[]) => {
      out.push(a.map((x) => (typeof x === "string" ? x : safeString(x))).join(" "));
    }),
  );
  return {
    lines: () => out.join("\n"),
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

/**
 * Call at the top of a test file: every test runs with the console captured (quiet output), and
 * `consoleText()` returns what the current test wrote.
 */
let current: { lines: () => string; restore: () => void } | undefined;
export function quietConsole(): void {
  beforeEach(() => {
    current = captureConsole();
    return () => {
      current?.restore();
      current = undefined;
    };
  });
}
export function consoleText(): string {
  return current?.lines() ?? "";
}

function safeString(x: unknown): string {
  try {
    return x instanceof Error ? `${x.name}: ${x.message}\n${x.stack ?? ""}` : JSON.stringify(x);
  } catch {
    return String(x);
  }
}

/**
 * Valid arguments for every tool, using ids and names the fake backend knows, so a happy-path
 * call reaches the backend.
 */
export const VALID_ARGS: Record<string, Record<string, unknown>> = {
  trigger_data_loading: { symbol: "AAPL", timeframe: "1h", mode: "tail" },
  get_market_data: { symbol: "AAPL", timeframe: "1h" },
  get_data_summary: { symbol: "AAPL", timeframe: "1h" },
  start_training: { strategy_name: "mlp_basic", symbols: ["MSFT"], timeframes: ["1h"] },
  start_backtest: {
    strategy_name: "mlp_basic",
    symbol: "AAPL",
    timeframe: "1h",
    start_date: "2025-01-01",
    end_date: "2025-06-30",
    model_path: "models/mlp_basic/AAPL_1h_v3",
  },
  get_model_performance: { task_id: "op_training_20251003_090000_a1b2c3d4" },
  start_research: { strategy: "mlp_basic" },
  list_operations: {},
  get_operation_status: { operation_id: "op_training_20251004_143530_b5c6d7e8" },
  cancel_operation: { operation_id: "op_training_20251004_143530_b5c6d7e8", reason: "testing" },
  // The fake's failed training, started again from its recorded parameters (both versions record all of them).
  resume_operation: { operation_id: "op_training_20251004_150000_f9e8d7c6", from: "beginning" },
  get_operation_results: { operation_id: "op_training_20251003_090000_a1b2c3d4" },
  get_operation_metrics: { operation_id: "op_training_20251004_143530_b5c6d7e8" },
  check_backend_health: {},
  get_available_symbols: {},
  get_available_indicators: {},
  get_available_strategies: {},
};

/** The tools that start an operation, as their definitions say (tools.test.ts pins which they are). */
export const START_TOOLS: ReadonlySet<string> = new Set(START_TOOL_DEFS.map((d) => d.name));

// ---- MCP over streamable HTTP, against the Worker's default export --------------------------

export interface RpcMessage {
  jsonrpc: "2.0";
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: unknown;
}

/** Parses a streamable-HTTP response body: SSE `data:` lines, or a plain JSON body. */
export function parseMcpBody(text: string, contentType: string): RpcMessage[] {
  if (/application\/json/i.test(contentType)) {
    const v = JSON.parse(text) as RpcMessage | RpcMessage[];
    return Array.isArray(v) ? v : [v];
  }
  const messages: RpcMessage[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data.trim()) messages.push(JSON.parse(data) as RpcMessage);
  }
  return messages;
}

export const MCP_URL = "http://localhost/mcp";

export class McpSession {
  sessionId?: string;
  private nextId = 1;
  /** Status codes of every HTTP response this session got. */
  readonly statuses: number[] = [];

  async post(body: unknown): Promise<{ status: number; messages: RpcMessage[]; headers: Headers; text: string }> {
    const headers: Record<string, string> = { accept: "application/json, text/event-stream", "content-type": "application/json" };
    if (this.sessionId) {
      headers["mcp-session-id"] = this.sessionId;
      headers["mcp-protocol-version"] = "2025-06-18";
    }
    const res = await exports.default.fetch(MCP_URL, { method: "POST", headers, body: JSON.stringify(body) });
    this.statuses.push(res.status);
    const text = await res.text();
    const ct = res.headers.get("content-type") ?? "";
    const messages = res.status === 202 || text.trim() === "" ? [] : parseMcpBody(text, ct);
    return { status: res.status, messages, headers: res.headers, text };
  }

  async request(method: string, params?: unknown): Promise<RpcMessage> {
    const id = this.nextId++;
    const { status, messages, text } = await this.post({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
    const reply = messages.find((m) => m.id === id);
    if (!reply) throw new Error(`no reply to ${method} (HTTP ${status}): ${text.slice(0, 500)}`);
    return reply;
  }

  async initialize(): Promise<RpcMessage> {
    const id = this.nextId++;
    const body = {
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "worker-test", version: "0.0.0" } },
    };
    const headers = { accept: "application/json, text/event-stream", "content-type": "application/json" };
    const res = await exports.default.fetch(MCP_URL, { method: "POST", headers, body: JSON.stringify(body) });
    this.statuses.push(res.status);
    const sid = res.headers.get("mcp-session-id");
    const text = await res.text();
    if (!sid) throw new Error(`initialize gave no mcp-session-id (HTTP ${res.status}): ${text.slice(0, 500)}`);
    this.sessionId = sid;
    const reply = parseMcpBody(text, res.headers.get("content-type") ?? "").find((m) => m.id === id);
    if (!reply) throw new Error(`no initialize reply: ${text.slice(0, 500)}`);
    const ack = await this.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    if (ack.status >= 300) throw new Error(`notifications/initialized answered HTTP ${ack.status}`);
    return reply;
  }

  async callTool(name: string, args: unknown): Promise<{ reply: RpcMessage; result: CallResult | undefined }> {
    const reply = await this.request("tools/call", { name, arguments: args });
    return { reply, result: reply.result as CallResult | undefined };
  }
}

export interface CallResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

/**
 * Serves `backend` for every global fetch to its base URL (the Worker's KtrdrApi uses the global
 * fetch); other URLs go to the real fetch.
 */
export function stubGlobalFetch(backend: FakeBackend): { restore: () => void } {
  const real = globalThis.fetch.bind(globalThis);
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(backend.base)) return backend.fetch(input, init);
    return real(input, init);
  });
  return { restore: () => spy.mockRestore() };
}
