// Contract tests against the v2025 wire: every endpoint, field set, null and error shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ISO_MICRO_Z,
  OPERATION_INFO_KEYS_V2025,
  OP_ID,
  PROGRESS_KEYS,
  SUMMARY_KEYS,
  call,
  loadData,
  startTestBackend,
  waitForOp,
} from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";
import { backtestDetails } from "../src/backtest.ts";

let b: TestBackend;
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(b.url, method, path, body, headers);
let loadOp: any;
let trainingId: string;

beforeAll(async () => {
  // The clean v2025 wire (quirks are checked against the recordings in recorded-contract.test.ts).
  b = await startTestBackend({ wire: "v2025", quirks: "none" });
  loadOp = await loadData(b.url, "v2025", { symbol: "AAPL", timeframe: "1h", mode: "tail" });
  const t = await api("POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "mlp_basic" });
  trainingId = t.body.task_id;
  await waitForOp(b.url, trainingId);
});
afterAll(() => b.close());

describe("plumbing", () => {
  it("health", async () => {
    const r = await api("GET", "/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok", version: expect.any(String) });
  });
  it("unknown route → 404 Not Found; wrong method → 405", async () => {
    expect(await api("GET", "/nope")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect(await call(b.root, "GET", "/elsewhere")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect(await api("PUT", "/operations")).toMatchObject({ status: 405, body: { detail: "Method Not Allowed" } });
    expect(await api("POST", "/health")).toMatchObject({ status: 405, body: { detail: "Method Not Allowed" } });
  });
  it("X-Process-Time, X-Request-ID and CORS headers", async () => {
    const r = await api("GET", "/health", undefined, { "X-Request-ID": "req-123", Origin: "https://x.example" });
    // As recorded upstream: "1.40ms"; CORS echoes the Origin (no Origin, no CORS headers).
    expect(r.headers.get("x-process-time")).toMatch(/^\d+\.\d{2}ms$/);
    expect(r.headers.get("x-request-id")).toBe("req-123");
    expect(r.headers.get("access-control-allow-origin")).toBe("https://x.example");
    expect((await api("GET", "/health")).headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fetch(`${b.url}/operations`, {
      method: "OPTIONS",
      headers: { Origin: "https://x", "Access-Control-Request-Method": "DELETE" },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://x");
    expect(pre.headers.get("access-control-allow-methods")).toContain("DELETE");
  });
  it("missing trailing slash redirects like FastAPI", async () => {
    const r = await api("GET", "/strategies");
    expect(r.status).toBe(307);
    expect(r.headers.get("location")).toBe(`${b.root}/api/v1/strategies/`); // absolute, as Starlette sends it
    expect((await api("POST", "/backtests", { strategy_name: "mlp_basic" })).status).toBe(307);
  });
  it("v2026-only routes are absent", async () => {
    // /data/acquire/download has the shape of GET /data/{symbol}/{timeframe}: FastAPI answers 405, not 404.
    expect(await api("POST", "/data/acquire/download", { symbol: "AAPL" })).toMatchObject({
      status: 405,
      body: { detail: "Method Not Allowed" },
    });
    expect((await api("GET", `/operations/${trainingId}/children`)).status).toBe(404);
    expect((await api("POST", `/operations/${trainingId}/resume`)).status).toBe(404);
    // POST /backtests/start has the shape of GET /backtests/{backtest_id}: 405 as FastAPI would answer.
    expect((await api("POST", "/backtests/start", {})).status).toBe(405);
  });
});

describe("data", () => {
  it("POST /data/load nests operation_id under data", async () => {
    const r = await api("POST", "/data/load", { symbol: "MSFT", timeframe: "1d", mode: "tail" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      error: null,
      data: {
        status: "started",
        operation_id: expect.stringMatching(OP_ID("data_load")),
        fetched_bars: 0,
        cached_before: false,
        merged_file: "",
        gaps_analyzed: 0,
        segments_fetched: 0,
        ib_requests_made: 0,
        execution_time_seconds: 0,
        error_message: null,
      },
    });
    expect(r.body.operation_id).toBeUndefined();
    await waitForOp(b.url, r.body.data.operation_id);
  });
  it("completed load: result_summary has exactly the contract's keys and progress context", () => {
    expect(loadOp.status).toBe("completed");
    expect(Object.keys(loadOp.result_summary).sort()).toEqual([
      "cached_before",
      "execution_time_seconds",
      "fetched_bars",
      "gaps_analyzed",
      "ib_requests_made",
      "merged_file",
      "segments_fetched",
      "status",
    ]);
    expect(loadOp.result_summary).toMatchObject({ status: "success", cached_before: false, merged_file: "AAPL_1h.csv" });
    expect(loadOp.result_summary.fetched_bars).toBeGreaterThan(1500);
    expect(loadOp.result_summary.segments_fetched).toBeGreaterThanOrEqual(12);
    expect(loadOp.progress.percentage).toBe(100);
    const n = loadOp.result_summary.segments_fetched;
    expect(loadOp.progress.context).toMatchObject({ step_current: n, step_total: n, step_progress: `${n}/${n}` });
    expect(loadOp.progress.context.step_detail).toMatch(new RegExp(`^Segment ${n}/${n}: \\S+ to \\S+$`));
    expect(loadOp.progress.items_processed).toBe(loadOp.result_summary.fetched_bars);
    expect(Object.keys(loadOp).sort()).toEqual(OPERATION_INFO_KEYS_V2025);
    expect(Object.keys(loadOp.progress).sort()).toEqual(PROGRESS_KEYS);
    // v2025's data service registers loads generically (recorded: v2025/011).
    expect(loadOp.metadata).toEqual({
      symbol: "N/A",
      timeframe: "N/A",
      mode: "N/A",
      start_date: null,
      end_date: null,
      parameters: { operation_name: "data_load", service_name: "Data/IB" },
    });
    expect(loadOp.progress).toMatchObject({
      percentage: 100,
      current_step: "Operation data_load completed [100/100] (100.0%)",
      steps_completed: 100,
      steps_total: 100,
    });
  });
  it("unknown symbol → 400 envelope DATA-InvalidSymbol", async () => {
    const r = await api("POST", "/data/load", { symbol: "ZZZZ", timeframe: "1h", mode: "tail" });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ success: false, error: { code: "DATA-InvalidSymbol", message: expect.stringContaining("ZZZZ") } });
  });
  it("validation errors → 422 FastAPI detail list", async () => {
    for (const body of [
      { symbol: "AAPL", timeframe: "7h" },
      { symbol: "AAPL", mode: "everything" },
      { timeframe: "1h" },
      { symbol: "AAPL", start_date: "2025-02-01", end_date: "2025-01-01" },
    ]) {
      const r = await api("POST", "/data/load", body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(Array.isArray(r.body.detail)).toBe(true);
      expect(r.body.detail[0]).toEqual(
        expect.objectContaining({ type: expect.any(String), loc: expect.any(Array), msg: expect.any(String) }),
      );
      expect("input" in r.body.detail[0]).toBe(true);
    }
    const bad = await api("POST", "/data/load", "{not json");
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].type).toBe("json_invalid");
  });
  it("GET /data/{symbol}/{timeframe}: contract shape", async () => {
    const r = await api("GET", "/data/AAPL/1h");
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["data", "error", "success"]);
    const d = r.body.data;
    expect(d.points).toBeNull();
    expect(d.dates.length).toBe(d.ohlcv.length);
    expect(d.dates[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(d.ohlcv[0]).toHaveLength(5);
    for (const [o, h, l, c, v] of d.ohlcv.slice(0, 200)) {
      expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
      expect(l).toBeLessThanOrEqual(Math.min(o, c));
      expect(v).toBeGreaterThan(0);
    }
    expect(d.metadata).toEqual({
      symbol: "AAPL",
      timeframe: "1h",
      start_date: `${d.dates[0]}+00:00`,
      end_date: `${d.dates.at(-1)}+00:00`,
      point_count: d.dates.length,
    });
    const ranged = await api("GET", `/data/AAPL/1h?start_date=${d.dates[10].slice(0, 10)}&end_date=${d.dates[60]}`);
    expect(ranged.body.data.dates[0] >= d.dates[10].slice(0, 10)).toBe(true);
    expect(ranged.body.data.dates.at(-1)).toBe(d.dates[60]);
  });
  it("GET /data: uncached or unknown symbol → 200 empty shape; bad date → 400 DATA-InvalidDate; limit ignored in v2025", async () => {
    for (const path of ["/data/ZZZZ/1h", "/data/TSLA/1h"]) {
      const r = await api("GET", path);
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual({
        dates: [],
        ohlcv: [],
        points: null,
        metadata: { symbol: path.split("/")[2], timeframe: "1h", start: "", end: "", points: 0 },
      });
    }
    const bad = await api("GET", "/data/AAPL/1h?start_date=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: { code: "DATA-InvalidDate" } });
    const lim = await api("GET", "/data/AAPL/1h?limit=5");
    expect(lim.body.data.dates.length).toBeGreaterThan(5);
  });
  it("POST /data/range; uncached → 404 envelope", async () => {
    const r = await api("POST", "/data/range", { symbol: "AAPL", timeframe: "1h" });
    expect(r.body).toEqual({
      success: true,
      data: {
        symbol: "AAPL",
        timeframe: "1h",
        start_date: expect.any(String),
        end_date: expect.any(String),
        point_count: loadOp.result_summary.fetched_bars,
      },
    });
    const nf = await api("POST", "/data/range", { symbol: "TSLA", timeframe: "1h" });
    expect(nf.status).toBe(404);
    expect(nf.body).toMatchObject({ success: false, error: { code: "DATA-NotFound" } });
  });
  it("discovery: symbols, timeframes, info, indicators", async () => {
    const s = await api("GET", "/symbols");
    expect(s.body.success).toBe(true);
    expect(s.body.error).toBeNull();
    const aapl = s.body.data.find((x: any) => x.symbol === "AAPL");
    expect(Object.keys(aapl).sort()).toEqual(["available_timeframes", "currency", "exchange", "name", "symbol", "trading_hours", "type"]);
    expect(s.body.data.find((x: any) => x.symbol === "EURUSD").trading_hours).toBeNull();
    const t = await api("GET", "/timeframes");
    expect(t.body.data).toContainEqual({ id: "1h", name: expect.any(String), description: expect.any(String) });
    const i = await api("GET", "/data/info");
    expect(Object.keys(i.body.data).sort()).toEqual([
      "available_symbols",
      "data_directory",
      "data_sources",
      "features",
      "symbol_types",
      "timeframes_available",
      "total_symbols",
      "total_timeframes",
    ]);
    // Without data-info-python-reprs: objects with the catalogue's names and types.
    expect(i.body.data.available_symbols.map((x: { symbol: string }) => x.symbol)).toContain("AAPL");
    expect(i.body.data.available_symbols.find((x: { symbol: string }) => x.symbol === "AAPL")).toMatchObject({ type: "stock" });
    expect(i.body.data.data_sources).toEqual(["local_files", "ib_gateway"]);
    const ind = await api("GET", "/indicators/");
    expect(ind.body.success).toBe(true);
    expect(ind.body.data.map((x: any) => x.name)).toEqual(expect.arrayContaining(["sma", "rsi", "macd"]));
    expect(ind.body.data[0].parameters.length).toBeGreaterThan(0);
  });
});

describe("operations", () => {
  it("list: shape, exact summary keys, no returned_count, data-load symbol N/A", async () => {
    const r = await api("GET", "/operations");
    expect(Object.keys(r.body).sort()).toEqual(["active_count", "data", "success", "total_count"]);
    for (const row of r.body.data) expect(Object.keys(row).sort()).toEqual(SUMMARY_KEYS);
    const dl = r.body.data.find((x: any) => x.operation_type === "data_load");
    expect(dl.symbol).toBe("N/A");
    expect(r.body.data.find((x: any) => x.operation_id === trainingId).symbol).toBe("AAPL");
  });
  it("list: newest first, default limit 10, offset, total_count before pagination, active_count ignores filters", async () => {
    for (let i = 0; i < 11; i++) await api("POST", "/data/load", { symbol: "AAPL", timeframe: "1h", mode: "local" });
    const all = await api("GET", "/operations?limit=1000");
    const created = all.body.data.map((x: any) => x.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    const def = await api("GET", "/operations");
    expect(def.body.data).toHaveLength(10);
    expect(def.body.total_count).toBe(all.body.total_count);
    const page = await api("GET", "/operations?limit=3&offset=2");
    expect(page.body.data.map((x: any) => x.operation_id)).toEqual(all.body.data.slice(2, 5).map((x: any) => x.operation_id));
    const tr = await api("GET", "/operations?operation_type=training&status=completed");
    expect(tr.body.data.every((x: any) => x.operation_type === "training" && x.status === "completed")).toBe(true);
    expect(tr.body.total_count).toBe(tr.body.data.length);
    expect(tr.body.active_count).toBe(all.body.active_count);
    const active = await api("GET", "/operations?active_only=true");
    expect(active.body.data.every((x: any) => x.status === "pending" || x.status === "running")).toBe(true);
  });
  it("list: invalid params → 422 FastAPI list", async () => {
    for (const q of [
      "status=done",
      "operation_type=magic",
      "limit=0",
      "limit=1001",
      "limit=abc",
      "offset=-1",
      "active_only=maybe",
      "status=resuming",
    ]) {
      const r = await api("GET", `/operations?${q}`);
      expect(r.status, q).toBe(422);
      expect(r.body.detail[0].loc[0]).toBe("query");
    }
    const r = await api("GET", "/operations?status=done");
    expect(r.body.detail[0]).toMatchObject({ type: "enum", loc: ["query", "status"], input: "done" });
    expect(r.body.detail[0].msg).toContain("'cancelled'");
  });
  it("get: OperationInfo with nulls sent, timestamps with microseconds; unknown → 404 detail", async () => {
    const r = await api("GET", `/operations/${trainingId}`);
    const op = r.body.data;
    expect(Object.keys(op).sort()).toEqual(OPERATION_INFO_KEYS_V2025);
    expect(op.created_at).toMatch(ISO_MICRO_Z);
    expect(op.started_at).toMatch(ISO_MICRO_Z);
    expect(op.completed_at).toMatch(ISO_MICRO_Z);
    expect(op.error_message).toBeNull();
    expect("duration_seconds" in op).toBe(false);
    const nf = await api("GET", "/operations/op_training_20250101_000000_deadbeef");
    expect(nf).toMatchObject({ status: 404, body: { detail: "Operation not found: op_training_20250101_000000_deadbeef" } });
  });
  it("cancel: finished → 400; unknown → 404; active → v2025 fields", async () => {
    const done = await api("DELETE", `/operations/${trainingId}`);
    expect(done).toMatchObject({ status: 400, body: { detail: `Operation ${trainingId} cannot be cancelled (status: completed)` } });
    expect((await api("DELETE", "/operations/op_x_1")).status).toBe(404);
    const start = await api("POST", "/data/load", { symbol: "TSLA", timeframe: "1m", mode: "tail" });
    const id = start.body.data.operation_id;
    const c = await api("DELETE", `/operations/${id}`, { reason: "user changed mind" });
    expect(c.status).toBe(200);
    expect(c.body).toEqual({
      success: true,
      data: {
        success: true,
        operation_id: id,
        status: "cancelled",
        cancelled_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/),
        cancellation_reason: "user changed mind",
        task_cancelled: true,
        training_session_cancelled: false,
      },
    });
    const op = (await api("GET", `/operations/${id}`)).body.data;
    expect(op).toMatchObject({ status: "cancelled", error_message: "user changed mind" });
    expect(op.completed_at).toMatch(ISO_MICRO_Z);
    const again = await api("DELETE", `/operations/${id}`);
    expect(again.body.detail).toContain("status: cancelled");
    const res = await api("GET", `/operations/${id}/results`);
    expect(res).toMatchObject({ status: 400, body: { detail: "Operation not finished (status: cancelled)" } });
  });
  it("cancel without a reason uses the default message", async () => {
    const start = await api("POST", "/data/load", { symbol: "NVDA", timeframe: "1m", mode: "tail" });
    const c = await api("DELETE", `/operations/${start.body.data.operation_id}`);
    expect(c.body.data.cancellation_reason).toBeNull();
    expect((await api("GET", `/operations/${start.body.data.operation_id}`)).body.data.error_message).toBe("Operation cancelled by user");
  });
  it("results: flat, for completed and failed; unknown → 404", async () => {
    const r = await api("GET", `/operations/${trainingId}/results`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["operation_id", "operation_type", "results", "status", "success"]);
    expect(r.body).toMatchObject({ success: true, operation_id: trainingId, operation_type: "training", status: "completed" });
    const failed = await loadData(b.url, "v2025", { symbol: "GOOGL", timeframe: "1h", mode: "local" });
    expect(failed.status).toBe("failed");
    const fr = await api("GET", `/operations/${failed.operation_id}/results`);
    expect(fr.body).toMatchObject({ status: "failed", results: {} });
    expect((await api("GET", "/operations/op_nope/results")).body).toEqual({ detail: "Operation not found: op_nope" });
  });
  it("retry: only failed operations; answers the new op_retry_ record, which (without retry-ghost) does the work again", async () => {
    const failed = await loadData(b.url, "v2025", { symbol: "GOOGL", timeframe: "1h", mode: "local" });
    const r = await api("POST", `/operations/${failed.operation_id}/retry`);
    expect(r.status).toBe(200);
    const copy = r.body.data;
    expect(Object.keys(copy).sort()).toEqual(OPERATION_INFO_KEYS_V2025);
    expect(copy).toMatchObject({ operation_type: "data_load", status: "pending", metadata: failed.metadata });
    expect(copy.operation_id).toMatch(/^op_retry_data_load_\d{8}_\d{6}_[0-9a-f]{8}$/);
    // The same local load again, failing the same way (GOOGL is not cached).
    const again = await waitForOp(b.url, copy.operation_id);
    expect(again).toMatchObject({ status: "failed", error_message: failed.error_message });
    expect(await api("POST", `/operations/${trainingId}/retry`)).toMatchObject({
      status: 400,
      body: { detail: `Operation ${trainingId} cannot be retried (status: completed)` },
    });
    expect(await api("POST", "/operations/op_data_load_20990101_000000_deadbeef/retry")).toMatchObject({
      status: 404,
      body: { detail: "Operation not found: op_data_load_20990101_000000_deadbeef" },
    });
  });
  it("metrics: per-epoch training metrics", async () => {
    const r = await api("GET", `/operations/${trainingId}/metrics`);
    expect(r.body).toMatchObject({ success: true, data: { operation_id: trainingId, operation_type: "training" } });
    const m = r.body.data.metrics;
    for (const k of [
      "epochs",
      "total_epochs_planned",
      "total_epochs_completed",
      "best_epoch",
      "epochs_since_improvement",
      "is_overfitting",
      "is_plateaued",
    ])
      expect(m).toHaveProperty(k);
    expect(m.epochs.length).toBe(m.total_epochs_completed);
    expect(m.epochs[0]).toMatchObject({
      epoch: 1,
      train_loss: expect.any(Number),
      val_loss: expect.any(Number),
      train_accuracy: expect.any(Number),
      val_accuracy: expect.any(Number),
    });
  });
});

describe("training", () => {
  it("start: flat, task_id, no operation_id key", async () => {
    const r = await api("POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "mlp_basic" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual([
      "estimated_duration_minutes",
      "message",
      "status",
      "strategy_name",
      "success",
      "symbols",
      "task_id",
      "timeframes",
    ]);
    expect(r.body).toMatchObject({
      success: true,
      status: "training_started",
      message: "Neural network training started for AAPL using mlp_basic strategy",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      strategy_name: "mlp_basic",
    });
    expect(r.body.task_id).toMatch(OP_ID("training"));
    await waitForOp(b.url, r.body.task_id);
  });
  it("start errors: 422 missing fields; 400 detail for an unknown strategy; a symbol without data starts, then fails", async () => {
    const missing = await api("POST", "/trainings/start", { strategy_name: "mlp_basic" });
    expect(missing.status).toBe(422);
    expect(missing.body.detail.map((d: any) => d.loc.join("."))).toEqual(expect.arrayContaining(["body.symbols", "body.timeframes"]));
    const empty = await api("POST", "/trainings/start", { symbols: [], timeframes: ["1h"], strategy_name: "mlp_basic" });
    expect(empty.status).toBe(422);
    expect(empty.body.detail).toEqual([
      {
        type: "value_error",
        loc: ["body", "symbols"],
        msg: "Value error, At least one symbol must be specified",
        input: [],
        ctx: { error: {} },
      },
    ]);
    const nf = await api("POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "no_such" });
    expect(nf.status).toBe(400);
    expect(nf.body.detail).toMatch(/^Strategy file not found: no_such\.yaml \(searched: \/.*mlp_basic\.yaml.*\)$/);
    // Recorded (v2025/042-043): the symbol is not checked at the start.
    const bad = await api("POST", "/trainings/start", { symbols: ["ZZZZ"], timeframes: ["1h"], strategy_name: "mlp_basic" });
    expect(bad.status).toBe(200);
    const failed = await waitForOp(b.url, bad.body.task_id);
    expect(failed).toMatchObject({ status: "failed", error_message: "Data not found for ZZZZ (1h)", result_summary: null });
    const traversal = await api("POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "../package" });
    expect(traversal.status).toBe(400);
  });
  it("result_summary has the contract's structure", async () => {
    const op = (await api("GET", `/operations/${trainingId}`)).body.data;
    const rs = op.result_summary;
    expect(Object.keys(rs).sort()).toEqual([
      "artifacts",
      "model_info",
      "resource_usage",
      "session_info",
      "test_metrics",
      "training_metrics",
      "validation_metrics",
    ]);
    expect(Object.keys(rs.training_metrics).sort()).toEqual([
      "best_epoch",
      "early_stopped",
      "epochs_completed",
      "final_learning_rate",
      "final_train_accuracy",
      "final_train_loss",
      "final_val_accuracy",
      "final_val_loss",
      "training_time_minutes",
    ]);
    expect(Object.keys(rs.validation_metrics).sort()).toEqual(["val_accuracy", "val_loss"]);
    expect(Object.keys(rs.test_metrics).sort()).toEqual(["f1_score", "precision", "recall", "test_accuracy", "test_loss"]);
    expect(Object.keys(rs.resource_usage).sort()).toEqual(["gpu_used", "peak_memory_mb", "training_mode"]);
    expect(Object.keys(rs.artifacts).sort()).toEqual([
      "analytics_dir",
      "checkpoints",
      "feature_importance",
      "model_path",
      "per_symbol_metrics",
    ]);
    expect(Object.keys(rs.session_info).sort()).toEqual([
      "data_summary",
      "end_date",
      "operation_id",
      "start_date",
      "strategy_name",
      "symbols",
      "timeframes",
      "training_mode",
      "use_host_service",
    ]);
    expect(Object.keys(rs.session_info.data_summary).sort()).toEqual([
      "end_date",
      "feature_count",
      "start_date",
      "symbol_distribution",
      "symbols",
      "timeframes",
      "total_samples",
    ]);
    expect(Object.keys(rs.model_info).sort()).toEqual([
      "architecture",
      "model_size_bytes",
      "parameters_count",
      "symbol_embedding_dim",
      "trainable_parameters",
    ]);
    expect(rs.session_info.operation_id).toBe(trainingId);
    // As upstream: relative to the data directory (v2025-fixed-tensor: "models/mcp_smoke_fast/AAPL_1h_v1").
    expect(rs.artifacts.model_path).toMatch(/^models\/mlp_basic\/AAPL_1h_v\d+$/);
    const { existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    expect(existsSync(join(b.dataDir, rs.artifacts.model_path, "model.json"))).toBe(true);
  });
  it("performance: completed → metrics; unknown → 404 detail", async () => {
    const r = await api("GET", `/trainings/${trainingId}/performance`);
    expect(r.body).toMatchObject({
      success: true,
      task_id: trainingId,
      status: "completed",
      training_metrics: expect.any(Object),
      test_metrics: expect.any(Object),
    });
    expect(Object.keys(r.body.model_info).sort()).toEqual(["architecture", "model_size_bytes", "parameters_count"]);
    const nf = await api("GET", "/trainings/op_training_x/performance");
    expect(nf.status).toBe(404);
    expect(typeof nf.body.detail).toBe("string");
  });
  it("strategies list is under `strategies`", async () => {
    const r = await api("GET", "/strategies/");
    expect(Object.keys(r.body).sort()).toEqual(["strategies", "success"]);
    const s = r.body.strategies.find((x: any) => x.name === "mlp_basic");
    expect(Object.keys(s).sort()).toEqual([
      "available_versions",
      "description",
      "fuzzy_config",
      "indicators",
      "latest_metrics",
      "latest_training_date",
      "latest_version",
      "name",
      "symbol",
      "timeframe",
      "training_status",
    ]);
    expect(s.training_status).toBe("trained");
    expect(r.body.strategies.map((x: any) => x.name)).toEqual(expect.arrayContaining(["mlp_basic", "momentum_fx", "broken_indicator"]));
  });
});

describe("backtests (v2025 routes)", () => {
  it("POST /backtests/ → backtest_id; status, results, trades, equity curve", async () => {
    const r = await api("POST", "/backtests/", {
      strategy_name: "mlp_basic",
      symbol: "AAPL",
      timeframe: "1h",
      start_date: "2000-01-01",
      end_date: "2100-01-01",
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["backtest_id", "message", "status", "success"]);
    const id = r.body.backtest_id;
    expect(id).toMatch(OP_ID("backtesting"));
    const op = await waitForOp(b.url, id);
    expect(op.status).toBe("completed");
    const rs = op.result_summary;
    expect(rs).toMatchObject({
      strategy_name: "mlp_basic",
      symbol: "AAPL",
      timeframe: "1h",
      metrics: {
        total_trades: expect.any(Number),
        total_return: expect.any(Number),
        max_drawdown: expect.any(Number),
        sharpe_ratio: expect.any(Number),
      },
    });
    expect(Object.keys(rs.metrics)).toHaveLength(22);
    expect(backtestDetails(id)?.signalSource).toBe("model"); // the model trained above made the decisions
    expect((await api("GET", `/backtests/${id}`)).body).toMatchObject({
      success: true,
      backtest_id: id,
      strategy_name: "mlp_basic",
      status: "completed",
      progress: 100,
    });
    const res = await api("GET", `/backtests/${id}/results`);
    expect(res.body.metrics.total_trades).toBe(rs.metrics.total_trades);
    expect(res.body.summary.final_value).toBeCloseTo(100000 + rs.metrics.total_return, 1);
    const trades = await api("GET", `/backtests/${id}/trades`);
    expect(trades.body.trades).toHaveLength(rs.trade_count);
    const eq = await api("GET", `/backtests/${id}/equity_curve`);
    expect(eq.body.values.length).toBe(eq.body.timestamps.length);
    expect(eq.body.values.length).toBe(rs.equity_curve_length);
    expect(eq.body.values[eq.body.values.length - 1]).toBeCloseTo(100000 + rs.metrics.total_return, 1);
    expect((await api("GET", "/backtests/op_backtesting_nope")).status).toBe(404);
  });
  it("missing fields → 422", async () => {
    const r = await api("POST", "/backtests/", { strategy_name: "mlp_basic" });
    expect(r.status).toBe(422);
  });
});
