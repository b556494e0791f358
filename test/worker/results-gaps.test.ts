/**
 * Issue 16, item 3: no gap filled with a default. A completed operation whose results the server
 * could not read is never reported `success: true` with `results: {}`: `unknown` names `results`
 * and the note says why and what to do — through get_operation_results, get_operation_status,
 * the 2025 `tasks/result` (SDK 1.x session) and the 2026 `tasks/get` (stateless), for every
 * operation type, including one this server does not know. Empty results are reported as empty
 * only when KTRDR's record positively holds an empty summary, and then with a note.
 *
 * One row per operation type × backend fault; the fake KTRDR (`fake-backend.ts`) answers as real
 * KTRDR does (`/results` fills a missing summary with `{}`, like the backend's `result_summary or {}`).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import worker from "../../src/index";
import { startedOutput } from "../../src/tools/started";
import {
  CF_502_HTML,
  DATA_LOAD_RESULT_SUMMARY,
  DEFAULT_BASE,
  FakeBackend,
  json,
  type RecordedRequest,
  TRAINING_RESULT_SUMMARY,
} from "./fake-backend";
import { expectOk, harness } from "./helpers";

// ---- the operations: one completed operation of each type ---------------------------------------

interface OpType {
  type: string;
  id: string;
  summary: Record<string, unknown>;
  /** A key the concise results view shows when the results were read. */
  shows: string;
}

const TYPES: OpType[] = [
  { type: "data_load", id: "op_data_load_20251004_170000_0000a001", summary: DATA_LOAD_RESULT_SUMMARY, shows: "bars_loaded" },
  { type: "training", id: "op_training_20251004_170000_0000a002", summary: TRAINING_RESULT_SUMMARY, shows: "model_path" },
  {
    type: "backtesting",
    id: "op_backtesting_20251004_170000_0000a003",
    summary: {
      strategy_name: "mlp_basic",
      symbol: "AAPL",
      timeframe: "1h",
      metrics: {
        total_return: 2333.06,
        total_return_pct: 0.0233,
        sharpe_ratio: 1.21,
        max_drawdown: 512.5,
        total_trades: 14,
        win_rate: 0.57,
      },
      config: { initial_capital: 100000 },
      equity_curve_length: 860,
    },
    shows: "sharpe_ratio",
  },
  {
    type: "dummy",
    id: "op_dummy_20251004_170000_0000a004",
    summary: { status: "completed", iterations_completed: 100, message: "Completed 100 iterations" },
    shows: "iterations_completed",
  },
  // A type this server does not know (a newer KTRDR): its results are shown as sent.
  {
    type: "model_export",
    id: "op_model_export_20251004_170000_0000a005",
    summary: { exported_file: "models/mlp_basic/1h_v3.onnx", size_bytes: 48213 },
    shows: "exported_file",
  },
];

function seed(b: FakeBackend, t: OpType, summary: Record<string, unknown> | null): void {
  b.operations.push({
    operation_id: t.id,
    operation_type: t.type,
    status: "completed",
    created_at: "2025-10-04T17:00:00.000000Z",
    started_at: "2025-10-04T17:00:01.000000Z",
    completed_at: "2025-10-04T17:05:01.000000Z",
    progress: {
      percentage: 100,
      current_step: "Done",
      steps_completed: 0,
      steps_total: 0,
      items_processed: 0,
      items_total: null,
      current_item: null,
      context: {},
    },
    metadata: { symbol: null, timeframe: null, mode: null, start_date: null, end_date: null, parameters: {} },
    error_message: null,
    warnings: [],
    errors: [],
    result_summary: summary,
    ...(b.version === "v2026" ? { metrics: null, parent_operation_id: null, is_backend_local: true } : {}),
  });
}

// ---- the faults ----------------------------------------------------------------------------------

const isRecord = (id: string) => (r: RecordedRequest) => r.method === "GET" && r.path === `/operations/${id}`;
const isResults = (id: string) => (r: RecordedRequest) => r.method === "GET" && r.path === `/operations/${id}/results`;
const isPerformance = (id: string) => (r: RecordedRequest) => r.method === "GET" && r.path === `/trainings/${id}/performance`;
const http500 = () => Promise.resolve(json({ detail: "Internal failure in operations service" }, 500));
const tunnel502 = () => Promise.resolve(new Response(CF_502_HTML, { status: 502, headers: { "content-type": "text/html" } }));

/** What the agent must be told. */
type Expect =
  /** The results were not read: success false, unknown names results, a note. */
  | "unknown"
  /** The results were read (from whichever endpoint could give them). */
  | "read"
  /** KTRDR's record positively holds an empty summary: empty results, said so in a note. */
  | "empty";

interface Fault {
  name: string;
  /** The record's result_summary. */
  summary: "present" | "none" | "empty";
  inject: (b: FakeBackend, t: OpType) => void;
  expect: Expect;
  /** What the note must say (beyond naming results). */
  note?: RegExp;
}

const FAULTS: Fault[] = [
  {
    name: "record and /results answer 500 (the list still works)",
    summary: "present",
    inject: (b, t) => {
      b.fault(http500, { match: (r) => isRecord(t.id)(r) || isResults(t.id)(r) || isPerformance(t.id)(r) });
    },
    expect: "unknown",
    note: /HTTP 500/,
  },
  {
    name: "/results answers 500 for good, the record holds no result summary",
    summary: "none",
    inject: (b, t) => {
      b.fault(http500, { match: isResults(t.id) });
    },
    expect: "unknown",
    note: /HTTP 500/,
  },
  {
    name: "/results fails transiently (tunnel 502, after retries), the record holds no result summary",
    summary: "none",
    inject: (b, t) => {
      b.fault(tunnel502, { match: isResults(t.id) });
    },
    expect: "unknown",
    note: /502/,
  },
  {
    name: "/results answers the completed operation with results {}, the record holds no result summary",
    summary: "none",
    inject: () => {},
    expect: "unknown",
    note: /none/,
  },
  {
    name: "/results answers the completed operation with results null, the record holds no result summary",
    summary: "none",
    inject: (b, t) => {
      b.fault(
        () => Promise.resolve(json({ success: true, operation_id: t.id, operation_type: t.type, status: "completed", results: null })),
        {
          match: isResults(t.id),
        },
      );
    },
    expect: "unknown",
    note: /none/,
  },
  {
    name: "no /results route (KTRDR of early October 2025), the record holds no result summary",
    summary: "none",
    // FastAPI's answer for a route it does not have (what such a KTRDR sends).
    inject: (b, t) => {
      b.fault(() => Promise.resolve(json({ detail: "Not Found" }, 404)), { match: isResults(t.id) });
    },
    expect: "unknown",
    note: /no results endpoint/,
  },
  // The same faults where another endpoint holds the results: they are read, not dropped.
  {
    name: "/results answers 500 for good, the record holds the results",
    summary: "present",
    inject: (b, t) => {
      b.fault(http500, { match: isResults(t.id) });
    },
    expect: "read",
  },
  {
    name: "/results fails transiently (tunnel 502, after retries), the record holds the results",
    summary: "present",
    inject: (b, t) => {
      b.fault(tunnel502, { match: isResults(t.id) });
    },
    expect: "read",
  },
  {
    name: "/results answers results {} while the record holds the results",
    summary: "present",
    inject: (b, t) => {
      b.fault(
        () => Promise.resolve(json({ success: true, operation_id: t.id, operation_type: t.type, status: "completed", results: {} })),
        {
          match: isResults(t.id),
        },
      );
    },
    expect: "read",
  },
  {
    name: "the record holds an empty result summary ({}): KTRDR positively says there are none",
    summary: "empty",
    inject: () => {},
    expect: "empty",
  },
];

/** Every row has an operation of its own (its faults match its id), so rows can share one backend. */
const ROWS = FAULTS.flatMap((fault, fi) =>
  TYPES.map((t, ti) => ({
    ...fault,
    op: { ...t, id: `op_${t.type}_20251004_17${String(fi).padStart(2, "0")}00_0000b${String(ti).padStart(3, "0")}` },
    label: `${t.type}: ${fault.name}`,
  })),
);
type Row = (typeof ROWS)[number];

/** Seeds the row's operation, with the record's result summary the row calls for, and injects its fault. */
function setUp(b: FakeBackend, row: Row): void {
  seed(b, row.op, row.summary === "present" ? row.op.summary : row.summary === "empty" ? {} : null);
  row.inject(b, row.op);
}

// ---- what each answer must say ---------------------------------------------------------------------

const NEXT_STEP = /\b(retry|call|run|check|ask)\b/i;

/** get_operation_results' answer (also what the task paths carry under `operation`). */
function checkResults(row: Row, out: Record<string, any>, where: string, detail = "concise"): void {
  const m = `${where} — ${row.label}: ${JSON.stringify(out).slice(0, 600)}`;
  expect(out.status, m).toBe("completed");
  expect(out.operation_type, m).toBe(row.op.type);
  if (row.expect === "unknown") {
    expect(out.success, m).toBe(false);
    expect(out.unknown, m).toContain("results");
    expect(out.note, m).toMatch(/result/i);
    expect(out.note, m).toMatch(NEXT_STEP);
    if (row.note) expect(out.note, m).toMatch(row.note);
  } else if (row.expect === "read") {
    expect(out.success, m).toBe(true);
    expect(out.unknown ?? [], m).not.toContain("results");
    if (detail === "concise") expect(JSON.stringify(out.results), m).toContain(row.op.shows);
    else expect(Object.keys(out.results ?? {}).length, m).toBeGreaterThan(0);
  } else {
    expect(out.success, m).toBe(true);
    expect(out.results, m).toEqual({});
    expect(out.unknown ?? [], m).not.toContain("results");
    expect(out.note, m).toMatch(/empty result summary/i);
  }
  // Never the default that reads as "here are your results, there are none".
  if (out.success === true && Object.keys(out.results ?? {}).length === 0) expect(out.note, m).toBeTruthy();
}

/** get_operation_status' answer: no result headline it did not read; unknown results named. */
function checkStatus(row: Row, out: Record<string, any>): void {
  const m = `get_operation_status — ${row.label}: ${JSON.stringify(out).slice(0, 600)}`;
  expect(out.status, m).toBe("completed");
  // The status read only asks for the record (and, when it fails, the list): where the record holds
  // the results, they are known there even if /results fails.
  const recordHasThem = row.summary === "present" && row.name !== FAULTS[0]!.name;
  if (recordHasThem) {
    expect(out.unknown ?? [], m).not.toContain("results");
  } else if (row.summary === "empty") {
    expect(out.result, m).toBeUndefined();
    expect(out.note, m).toMatch(/empty result summary/i);
  } else {
    expect(out.result, m).toBeUndefined();
    expect(out.unknown, m).toContain("results");
    expect(out.note, m).toMatch(/result/i);
    expect(out.note, m).toMatch(NEXT_STEP);
  }
}

// ---- the tools -------------------------------------------------------------------------------------

describe.each(["v2025", "v2026"] as const)("results gaps through the tools (%s)", (version) => {
  it.concurrent.each(ROWS)("$label", async (row) => {
    const h = harness(version);
    setUp(h.backend, row);
    for (const detail of ["concise", "full"]) {
      checkResults(
        row,
        expectOk(await h.run("get_operation_results", { operation_id: row.op.id, detail })),
        `get_operation_results ${detail}`,
        detail,
      );
    }
    checkStatus(row, expectOk(await h.run("get_operation_status", { operation_id: row.op.id })));
  });
});

// ---- the task paths, through the real /mcp endpoint -------------------------------------------------

let current: FakeBackend | undefined;
const quiet = { log: console.log, info: console.info, warn: console.warn };

beforeAll(() => {
  for (const k of ["log", "info", "warn"] as const) console[k] = () => {};
  const real = globalThis.fetch.bind(globalThis);
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(DEFAULT_BASE)) {
      if (!current) throw new TypeError("no backend");
      return current.fetch(input, init);
    }
    return real(input, init);
  });
});
afterAll(() => {
  vi.restoreAllMocks();
  Object.assign(console, quiet);
});

async function send(req: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, env as never, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function lastMessage(text: string, contentType: string): Record<string, any> {
  if (contentType.includes("application/json")) return JSON.parse(text);
  const data = text
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).trim())
    .filter(Boolean);
  return JSON.parse(data.at(-1) ?? "{}");
}

const ACCEPT = { accept: "application/json, text/event-stream", "content-type": "application/json" };

/** One 2025-11-25 session (SDK 1.x, the session's Durable Object). */
async function session2025(): Promise<(method: string, params: unknown) => Promise<Record<string, any>>> {
  const init = await send(
    new Request("http://localhost/mcp", {
      method: "POST",
      headers: ACCEPT,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "results-gaps", version: "0" } },
      }),
    }),
  );
  const sid = init.headers.get("mcp-session-id");
  await init.text();
  if (!sid) throw new Error(`initialize → HTTP ${init.status}`);
  const headers = { ...ACCEPT, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" };
  await (
    await send(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      }),
    )
  ).text();
  let id = 1;
  return async (method, params) => {
    id += 1;
    const res = await send(
      new Request("http://localhost/mcp", { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id, method, params }) }),
    );
    return lastMessage(await res.text(), res.headers.get("content-type") ?? "");
  };
}

/** One stateless 2026-07-28 request with the tasks extension declared. */
async function request2026(method: string, params: Record<string, unknown>): Promise<Record<string, any>> {
  const body = {
    jsonrpc: "2.0",
    id: 7,
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
        "io.modelcontextprotocol/clientInfo": { name: "results-gaps", version: "0" },
      },
    },
  };
  const headers = {
    ...ACCEPT,
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...(typeof params.taskId === "string" ? { "mcp-name": params.taskId } : {}),
  };
  const res = await send(new Request("http://localhost/mcp", { method: "POST", headers, body: JSON.stringify(body) }));
  return lastMessage(await res.text(), res.headers.get("content-type") ?? "");
}

/** A task's result in the start tool's shape: success only with results read; the operation is what get_operation_results says. */
function checkTaskResult(row: Row, result: Record<string, any> | undefined, where: string): void {
  const m = `${where} — ${row.label}: ${JSON.stringify(result).slice(0, 600)}`;
  expect(result, m).toBeDefined();
  const sc = z.object(startedOutput).strict().parse(result!.structuredContent);
  expect(JSON.parse(result!.content[0].text), m).toEqual(result!.structuredContent);
  expect(sc.status, m).toBe("completed");
  checkResults(row, sc.operation as Record<string, any>, where);
  if (row.expect === "unknown") {
    expect(sc.success, m).toBe(false);
    expect(sc.message, m).toMatch(/results could not be read/i);
    expect(sc.note, m).toBe((sc.operation as Record<string, any>).note);
  } else {
    expect(sc.success, m).toBe(true);
  }
}

describe.each(["v2025", "v2026"] as const)("results gaps through the task paths (%s backend)", (version) => {
  let call2025: Awaited<ReturnType<typeof session2025>>;
  beforeAll(async () => {
    // One backend for all rows (each row's faults match its own operation), so rows run concurrently.
    current = new FakeBackend({ version, base: DEFAULT_BASE });
    for (const row of ROWS) setUp(current, row);
    call2025 = await session2025();
  });

  it.concurrent.each(ROWS)("$label", async (row) => {
    const r2025 = await call2025("tasks/result", { taskId: row.op.id });
    expect(r2025.error, JSON.stringify(r2025.error)).toBeUndefined();
    checkTaskResult(row, r2025.result, "2025 tasks/result");

    const r2026 = await request2026("tasks/get", { taskId: row.op.id });
    expect(r2026.error, JSON.stringify(r2026.error)).toBeUndefined();
    expect(r2026.result?.status).toBe("completed");
    checkTaskResult(row, r2026.result?.result, "2026 tasks/get");
  });
});

describe("results in a layout this server does not know", () => {
  it("a completed data load whose summary has none of the known figures shows them as sent, never {}", async () => {
    const h = harness("v2026");
    const t = TYPES[0]!;
    seed(h.backend, t, { status: "success", rows_written: 812, target: "AAPL_1h.parquet" });
    const out = expectOk(await h.run("get_operation_results", { operation_id: t.id }));
    expect(out).toMatchObject({
      success: true,
      status: "completed",
      results: { status: "success", rows_written: 812, target: "AAPL_1h.parquet" },
    });
  });
});
