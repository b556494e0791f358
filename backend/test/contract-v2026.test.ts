// Contract tests for the v2026 wire differences (and that the shared shapes still hold).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATION_INFO_KEYS_V2026, OP_ID, SUMMARY_KEYS, call, loadData, startTestBackend, waitForOp, sleep } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

let b: TestBackend;
const api = (method: string, path: string, body?: unknown) => call(b.url, method, path, body);

beforeAll(async () => {
  // The clean v2026 wire (quirks are checked against the recordings in recorded-contract.test.ts).
  b = await startTestBackend({ wire: "v2026", quirks: "none" });
});
afterAll(() => b.close());

describe("v2026 wire", () => {
  it("POST /data/load is gone (404); /data/acquire/download answers flat", async () => {
    expect(await api("POST", "/data/load", { symbol: "AAPL", timeframe: "1h" })).toMatchObject({
      status: 404,
      body: { detail: "Not Found" },
    });
    const r = await api("POST", "/data/acquire/download", { symbol: "AAPL", timeframe: "1h", mode: "tail" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      operation_id: expect.stringMatching(OP_ID("data_load")),
      status: "started",
      message: "Started tail download for AAPL 1h",
    });
    const op = await waitForOp(b.url, r.body.operation_id);
    expect(op.status).toBe("completed");
    expect(Object.keys(op).sort()).toEqual(OPERATION_INFO_KEYS_V2026);
    expect(op).toMatchObject({ metrics: null, parent_operation_id: null, is_backend_local: false }); // false even for local ops (recorded)
  });
  it("download errors: unknown symbol → 500 detail; validation → 422 VALIDATION_ERROR envelope", async () => {
    const r = await api("POST", "/data/acquire/download", { symbol: "ZZZZ", timeframe: "1h", mode: "tail" });
    expect(r.status).toBe(500);
    expect(typeof r.body.detail).toBe("string");
    const v = await api("POST", "/data/acquire/download", { symbol: "AAPL", timeframe: "3h" });
    expect(v.status).toBe(422);
    expect(v.body).toMatchObject({ success: false, error: { code: "VALIDATION_ERROR", message: "Request validation failed" } });
    expect(v.body.error.details[0]).toEqual({ field: "body -> timeframe", message: expect.any(String), type: "enum" });
  });
  it("list: resuming is a valid status, agent types valid; bad values → envelope", async () => {
    expect((await api("GET", "/operations?status=resuming")).status).toBe(200);
    expect((await api("GET", "/operations?operation_type=agent_research")).status).toBe(200);
    const r = await api("GET", "/operations?status=nope&limit=0");
    expect(r.status).toBe(422);
    expect(r.body.error.details.map((d: any) => d.field)).toEqual(["query -> status", "query -> limit"]);
    const l = await api("GET", "/operations");
    for (const row of l.body.data) expect(Object.keys(row).sort()).toEqual(SUMMARY_KEYS);
  });
  it("GET /data supports limit (most recent N) and validates it", async () => {
    const all = await api("GET", "/data/AAPL/1h");
    const r = await api("GET", "/data/AAPL/1h?limit=5");
    expect(r.body.data.dates).toEqual(all.body.data.dates.slice(-5));
    expect(r.body.data.metadata.point_count).toBe(5);
    expect((await api("GET", "/data/AAPL/1h?limit=0")).status).toBe(422);
    expect((await api("GET", "/data/AAPL/1h?limit=100001")).status).toBe(422);
  });
  it("training start: symbols/timeframes optional (from the strategy); metrics on the operation", async () => {
    const r = await api("POST", "/trainings/start", { strategy_name: "mlp_basic" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, status: "training_started", symbols: ["AAPL"], timeframes: ["1h"] });
    expect(r.body.operation_id).toBeUndefined();
    const op = await waitForOp(b.url, r.body.task_id);
    expect(op.status).toBe("completed");
    expect(op.metrics.epochs.length).toBe(op.metrics.total_epochs_completed);
  });
  it("training errors: unknown strategy → 400 string detail; a symbol without data starts, then fails", async () => {
    const r = await api("POST", "/trainings/start", { strategy_name: "missing_one" });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/^Strategy file not found: missing_one\.yaml \(searched: .*\)$/);
    const e = await api("POST", "/trainings/start", { strategy_name: "mlp_basic", symbols: [] });
    expect(e.body.error.details).toEqual([
      {
        field: "body -> symbols",
        message: "Value error, At least one symbol must be specified when symbols are provided",
        type: "value_error",
      },
    ]);
    const s = await api("POST", "/trainings/start", { strategy_name: "mlp_basic", symbols: ["ZZZZ"] });
    expect(s.status).toBe(200);
    const op = await waitForOp(b.url, s.body.task_id);
    expect(op).toMatchObject({ status: "failed", error_message: "No data found in cache for ZZZZ 1h" });
  });
  it("cancel: remote_cancelled and children_cancelled replace training_session_cancelled; resume from checkpoint", async () => {
    // A paced second backend so the training is still running when cancelled.
    const slow = await startTestBackend({ wire: "v2026", pace: 0.3, dataDir: b.dataDir, quirks: "none" });
    try {
      const start = await call(slow.url, "POST", "/trainings/start", { strategy_name: "mlp_basic" });
      const id = start.body.task_id;
      await waitForOp(slow.url, id, (op) => op.progress.steps_completed >= 1); // worker progress has no context details
      const c = await call(slow.url, "DELETE", `/operations/${id}`, { reason: "pause for now" });
      expect(c.body.data).toEqual({
        success: true,
        operation_id: id,
        status: "cancelled",
        cancelled_at: expect.stringMatching(/\+00:00$/),
        cancellation_reason: "pause for now",
        task_cancelled: false,
        remote_cancelled: true,
        children_cancelled: [], // a worker operation (recorded: v2026/038)
      });
      expect("training_session_cancelled" in c.body.data).toBe(false);
      // checkpoint is written at the next batch boundary
      let resume: any;
      for (let i = 0; i < 100; i++) {
        resume = await call(slow.url, "POST", `/operations/${id}/resume`);
        if (resume.status === 200) break;
        await sleep(20);
      }
      expect(resume.status).toBe(200);
      expect(resume.body).toEqual({
        success: true,
        data: {
          operation_id: id,
          status: "resuming",
          resumed_from: { checkpoint_type: "cancellation", created_at: expect.any(String), epoch: expect.any(Number) },
        },
      });
      // Upstream numbers epochs from 0: the checkpoint's epoch is the last finished one's index.
      const epoch = resume.body.data.resumed_from.epoch;
      expect(epoch).toBeGreaterThanOrEqual(0);
      const running = await waitForOp(slow.url, id, (op) => op.status === "running" && op.progress.steps_completed > epoch);
      expect(running.progress.current_step).toMatch(/^Epoch \d+\/50 · Batch \d+\/\d+$/);
      expect(running.metrics.epochs.length).toBeGreaterThanOrEqual(epoch);
      const again = await call(slow.url, "POST", `/operations/${id}/resume`);
      expect(again).toMatchObject({ status: 409, body: { detail: `Operation ${id} is already running` } });
      await call(slow.url, "DELETE", `/operations/${id}`);
    } finally {
      await slow.close();
    }
  });
  it("resume: unknown → 404; completed → 409 (lifecycle-v2026/463-464); no checkpoint → 404", async () => {
    expect(await api("POST", "/operations/op_nope/resume")).toMatchObject({
      status: 404,
      body: { detail: "Operation not found: op_nope" },
    });
    const l = await api("GET", "/operations?operation_type=training&status=completed");
    const done = l.body.data[0].operation_id;
    expect(await api("POST", `/operations/${done}/resume`)).toMatchObject({
      status: 409,
      body: { detail: `Operation ${done} is already completed` },
    });
    const failed = await api("POST", "/trainings/start", { strategy_name: "broken_indicator" });
    const op = await waitForOp(b.url, failed.body.task_id);
    expect(op.status).toBe("failed");
    const r = await api("POST", `/operations/${op.operation_id}/resume`);
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain("checkpoint");
  });
  it("/children answers an operations list; unknown → 404", async () => {
    const l = await api("GET", "/operations?limit=1");
    const r = await api("GET", `/operations/${l.body.data[0].operation_id}/children`);
    expect(r.body).toEqual({ success: true, data: [], total_count: 0, active_count: expect.any(Number) });
    expect((await api("GET", "/operations/op_nope/children")).status).toBe(404);
  });
  it("backtests: only POST /backtests/start", async () => {
    expect((await api("POST", "/backtests/", { strategy_name: "mlp_basic" })).status).toBe(404);
    const r = await api("POST", "/backtests/start", { strategy_name: "mlp_basic", start_date: "2000-01-01", end_date: "2100-01-01" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      operation_id: expect.stringMatching(OP_ID("backtesting")),
      status: "started",
      message: "Backtest started for AAPL 1h",
      symbol: "AAPL",
      timeframe: "1h",
      mode: "distributed",
    });
    const op = await waitForOp(b.url, r.body.operation_id);
    expect(op.status).toBe("completed");
    expect(op.result_summary.trade_count).toBeGreaterThanOrEqual(0);
    expect(op.result_summary.metrics.total_trades).toBe(op.result_summary.trade_count);
    expect((await api("GET", `/backtests/${r.body.operation_id}`)).status).toBe(404);
  });
  it("results/metrics endpoints exist in v2026 too", async () => {
    const l = await api("GET", "/operations?operation_type=training&status=completed");
    const id = l.body.data[0].operation_id;
    expect((await api("GET", `/operations/${id}/results`)).body.status).toBe("completed");
    expect((await api("GET", `/operations/${id}/metrics`)).body.data.metrics.epochs.length).toBeGreaterThan(0);
  });
  it("loads data via download for a second symbol", async () => {
    const op = await loadData(b.url, "v2026", { symbol: "EURUSD", timeframe: "1d", mode: "full" });
    expect(op.result_summary.merged_file).toBe("EURUSD_1d.csv");
  });
});
