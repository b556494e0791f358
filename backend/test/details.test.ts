// The Phase 2 details on both wires, each recorded bug as a quirk on and off: v2025 backtest details
// (v2025-backtest-route-any-op), KTRDR's retry on v2025 (retry-ghost), strategies
// (v2025-strategy-versions-empty; validate on both wires; v2026 features), models
// (models-never-found), gap analysis (gap-analysis-tz-500), indicator calculation
// (v2026-indicator-ids-unknown) and /data/info (data-info-python-reprs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, call, loadData, startTestBackend, until, waitForOp } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

const RANGE = { start_date: "2024-01-01", end_date: "2024-12-31" };

describe("v2025", () => {
  let b: TestBackend;
  const api = (method: string, path: string, body?: unknown) => call(b.url, method, path, body);
  const quirk = (name: string, on: boolean) => admin(b, "POST", "/__quirks", on ? { enable: [name] } : { disable: [name] });
  let trainingId = "";
  beforeAll(async () => {
    b = await startTestBackend({ wire: "v2025", faults: true });
    await loadData(b.url, "v2025", { symbol: "EURUSD", timeframe: "1h", mode: "tail", ...RANGE });
    trainingId = (
      await api("POST", "/trainings/start", { strategy_name: "mcp_smoke_fast", symbols: ["EURUSD"], timeframes: ["1h"], ...RANGE })
    ).body.task_id;
    await until("the training", async () => (await api("GET", "/operations?operation_type=training")).body.data[0]?.status === "completed");
  });
  afterAll(() => b.close());

  it("backtest details: 404 'not completed yet' while running and when cancelled; unknown → 404; the record route answers a training (v2025-backtest-route-any-op)", async () => {
    const start = await api("POST", "/backtests/", { strategy_name: "mcp_smoke_fast", symbol: "EURUSD", timeframe: "1h", ...RANGE });
    const id = start.body.backtest_id;
    const running = (await api("GET", `/backtests/${id}`)).body;
    expect(running).toMatchObject({ success: true, backtest_id: id, strategy_name: "mcp_smoke_fast", symbol: "EURUSD", error: null });
    expect(Number.isInteger(running.progress)).toBe(true);
    for (const part of ["results", "trades", "equity_curve"]) {
      expect(await api("GET", `/backtests/${id}/${part}`)).toMatchObject({
        status: 404,
        body: { detail: `Backtest ${id} is not completed yet` },
      });
    }
    await waitForOp(b.url, id);
    expect((await api("GET", `/backtests/${id}/trades`)).body).toMatchObject({ success: true, backtest_id: id, trades: expect.any(Array) });
    const curve = (await api("GET", `/backtests/${id}/equity_curve`)).body;
    expect(curve.timestamps.length).toBe(curve.values.length);
    for (const part of ["", "/results", "/trades", "/equity_curve"]) {
      expect(await api("GET", `/backtests/op_backtesting_20990101_000000_deadbeef${part}`)).toMatchObject({
        status: 404,
        body: { detail: "Backtest op_backtesting_20990101_000000_deadbeef not found" },
      });
    }
    expect((await api("GET", `/backtests/${trainingId}`)).body).toMatchObject({
      backtest_id: trainingId,
      status: "completed",
      progress: 100,
    });
    await quirk("v2025-backtest-route-any-op", false);
    expect((await api("GET", `/backtests/${trainingId}`)).status).toBe(404);
    await quirk("v2025-backtest-route-any-op", true);
  });

  it("retry-ghost: the retried operation is a pending record nobody runs; a DELETE cancels it", async () => {
    await admin(b, "POST", "/__ib", { connected: false });
    const load = await api("POST", "/data/load", { symbol: "EURUSD", timeframe: "1h", mode: "tail" });
    const failed = await waitForOp(b.url, load.body.data.operation_id);
    expect(failed).toMatchObject({
      status: "failed",
      error_message:
        "Symbol validation failed: Host service connection failed: HTTP error for POST /data/validate: All connection attempts failed",
      progress: { percentage: 10, steps_completed: 1, steps_total: 10, context: { operation: "symbol_validation" } },
    });
    await admin(b, "POST", "/__ib", { connected: true });
    const ghost = (await api("POST", `/operations/${failed.operation_id}/retry`)).body.data;
    expect(ghost).toMatchObject({ status: "pending", operation_type: "data_load", started_at: null });
    await new Promise((r) => setTimeout(r, 300));
    expect((await api("GET", `/operations/${ghost.operation_id}`)).body.data.status).toBe("pending");
    expect((await api("DELETE", `/operations/${ghost.operation_id}`)).body.data).toMatchObject({
      status: "cancelled",
      task_cancelled: false,
      training_session_cancelled: false,
    });
    expect((await api("GET", `/operations/${ghost.operation_id}`)).body.data.status).toBe("cancelled");
  });

  it("strategies: a trained strategy lists no versions (v2025-strategy-versions-empty); validate: valid / invalid with issues / unknown 404", async () => {
    expect((await api("GET", "/strategies/mcp_smoke_fast")).body).toMatchObject({
      training_status: "trained",
      available_versions: [],
      latest_version: null,
    });
    await quirk("v2025-strategy-versions-empty", false);
    expect((await api("GET", "/strategies/mcp_smoke_fast")).body.available_versions.length).toBeGreaterThan(0);
    await quirk("v2025-strategy-versions-empty", true);
    expect((await api("POST", "/strategies/validate/mcp_smoke_fast")).body).toMatchObject({
      success: true,
      valid: true,
      issues: [],
      message: "Strategy 'mcp_smoke_fast' is valid",
    });
    const invalid = (await api("POST", "/strategies/validate/mcp_rec_invalid")).body;
    expect(invalid).toMatchObject({ success: true, valid: false, message: "Strategy 'mcp_rec_invalid' has 2 error(s)" });
    expect(invalid.issues[0]).toMatchObject({
      severity: "error",
      category: "indicators",
      details: { missing_indicators: ["not_a_real_indicator"] },
    });
    expect(invalid.issues[0].message).toMatch(
      /^Missing indicators: not_a_real_indicator referenced by the strategy\. Available indicators are: /,
    );
    expect(invalid.issues[1]).toMatchObject({ category: "fuzzy_sets", details: { invalid_references: ["rsi"] } });
    expect(await api("POST", "/strategies/validate/no_such_strategy_xyz")).toMatchObject({
      status: 404,
      body: { detail: "Strategy file not found: no_such_strategy_xyz.yaml" },
    });
    expect((await api("GET", "/strategies/no_such/features")).status).toBe(404); // v2026 only
  });

  it("indicator calculation: RSI over a month, paged; too few points → 500; an unknown id → 400", async () => {
    const month = {
      symbol: "EURUSD",
      timeframe: "1h",
      indicators: [{ id: "RSIIndicator", parameters: { period: 14 } }],
      start_date: "2024-01-02",
      end_date: "2024-01-31",
    };
    const r = (await api("POST", "/indicators/calculate?page=1&page_size=10", month)).body;
    expect(r.dates).toHaveLength(10);
    expect(r.dates[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(r.indicators.rsi_14).toHaveLength(10);
    expect(r.metadata).toMatchObject({ symbol: "EURUSD", current_page: 1, page_size: 10, has_next: true, has_prev: false });
    const short = await api("POST", "/indicators/calculate", {
      ...month,
      start_date: "2024-01-02T00:00:00",
      end_date: "2024-01-02T10:00:00",
    });
    expect(short.status).toBe(500);
    expect(short.body.detail.error).toMatchObject({
      code: "PROC-CalculationFailed",
      details: {
        error: expect.stringMatching(/^Failed to compute indicator RSIIndicator: Insufficient data: \d+ points available, 15 required$/),
      },
    });
    expect(
      (await api("POST", "/indicators/calculate", { ...month, indicators: [{ id: "NoSuchIndicator", parameters: {} }] })).body.detail.error,
    ).toMatchObject({
      code: "CONFIG-UnknownIndicator",
      message: "[CONFIG-UnknownIndicator] Unknown indicator: NoSuchIndicator",
    });
  });
});

describe("v2026", () => {
  let b: TestBackend;
  const api = (method: string, path: string, body?: unknown) => call(b.url, method, path, body);
  const quirk = (name: string, on: boolean) => admin(b, "POST", "/__quirks", on ? { enable: [name] } : { disable: [name] });
  let modelPath = "";
  beforeAll(async () => {
    b = await startTestBackend({ wire: "v2026", faults: true, workerReleaseMs: 0 });
    await loadData(b.url, "v2026", { symbol: "EURUSD", timeframe: "1h", mode: "tail", ...RANGE });
    const t = (await api("POST", "/trainings/start", { strategy_name: "mcp_smoke_fast", ...RANGE })).body.task_id;
    await waitForOp(b.url, t);
    modelPath = (await api("GET", `/operations/${t}/results`)).body.results.model_path;
    // A finished v2026 training keeps its epoch history in /results.
    expect((await api("GET", `/operations/${t}/results`)).body.results.training_metrics.history.val_loss).toHaveLength(3);
  });
  afterAll(() => b.close());

  it("models (models-never-found): empty names, load 404, predict 400, save 400; off: they work", async () => {
    const list = (await api("GET", "/models")).body.models;
    expect(list[0]).toEqual({
      model_id: "",
      model_name: "",
      symbol: "EURUSD",
      timeframe: "1h",
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
      training_accuracy: 0,
      test_accuracy: 0,
      description: "",
    });
    expect(await api("POST", "/models/mcp_smoke_fast/load")).toMatchObject({
      status: 404,
      body: { detail: "Model 'mcp_smoke_fast' not found" },
    });
    expect(await api("POST", "/models/predict", { model_name: "mcp_smoke_fast", symbol: "EURUSD", timeframe: "1h" })).toMatchObject({
      status: 400,
      body: { detail: "Model 'mcp_smoke_fast' is not loaded. Load it first." },
    });
    const ops = (await api("GET", "/operations?operation_type=training&limit=1")).body.data;
    expect((await api("POST", "/models/save", { task_id: ops[0]?.operation_id ?? "x", model_name: "saved" })).body).toEqual({
      detail: "Trained model file not found",
    });
    await quirk("models-never-found", false);
    expect((await api("GET", "/models")).body.models[0]).toMatchObject({ model_name: "mcp_smoke_fast", model_id: modelPath });
    expect((await api("POST", "/models/mcp_smoke_fast/load")).body).toMatchObject({ success: true, loaded: true, model_path: modelPath });
    const p = (
      await api("POST", "/models/predict", { model_name: "mcp_smoke_fast", symbol: "EURUSD", timeframe: "1h", test_date: "2024-06-03" })
    ).body;
    expect(p).toMatchObject({ success: true, prediction: { signal: expect.stringMatching(/^(BUY|SELL|HOLD)$/) } });
    const probs = p.prediction.probabilities;
    expect(probs.down + probs.flat + probs.up).toBeCloseTo(1, 2);
    expect(await api("POST", "/models/no_such_model/load")).toMatchObject({ status: 404 });
    await quirk("models-never-found", true);
  });

  it("strategies: the list is empty (v2026-empty-strategy-list) but validate and features work; an invalid strategy's features → 500", async () => {
    expect((await api("GET", "/strategies/mcp_smoke_fast")).status).toBe(404);
    expect((await api("POST", "/strategies/validate/mcp_smoke_fast")).body).toMatchObject({ valid: true, issues: [] });
    const invalid = (await api("POST", "/strategies/validate/mcp_rec_invalid")).body;
    expect(invalid).toMatchObject({ valid: false, message: "Strategy 'mcp_rec_invalid' has 1 error(s)" });
    expect(invalid.issues).toEqual([
      { severity: "error", category: "indicators", message: expect.stringMatching(/^Strategy validation failed:\n {2}- /), details: null },
    ]);
    const features = (await api("GET", "/strategies/mcp_smoke_fast/features")).body;
    expect(features).toMatchObject({ success: true, strategy_name: "mcp_smoke_fast", count: 3 });
    expect(features.features[0]).toEqual({
      feature_id: "1h_rsi_14_oversold",
      timeframe: "1h",
      fuzzy_set: "rsi_14",
      membership: "oversold",
      indicator_id: "rsi_14",
      indicator_output: null,
    });
    const bad = await api("GET", "/strategies/mcp_rec_invalid/features");
    expect(bad.status).toBe(500);
    expect(bad.body.detail).toMatch(/^Failed to get strategy features: Strategy validation failed:\n/);
    expect(await api("GET", "/strategies/no_such_strategy_xyz/features")).toMatchObject({
      status: 404,
      body: { detail: "Strategy file not found: no_such_strategy_xyz.yaml" },
    });
  });

  it("gap analysis (gap-analysis-tz-500): 500 for a symbol with data, zero gaps for an unknown one, 422 without dates, the batch's per-symbol errors; off: real gaps", async () => {
    const q = "?start_date=2024-01-01&end_date=2024-01-31";
    expect((await api("GET", "/gap-analysis/health")).body.data).toMatchObject({ status: "healthy", service: "gap_analysis" });
    expect(await api("GET", `/gap-analysis/data/EURUSD/1h/summary${q}`)).toMatchObject({
      status: 500,
      body: { detail: "Internal server error" },
    });
    expect(await api("GET", `/gap-analysis/data/EURUSD/1h/gaps${q}`)).toMatchObject({
      status: 500,
      body: { detail: "Internal server error during gap analysis" },
    });
    expect((await api("GET", `/gap-analysis/data/ZZZZ/1h/summary${q}`)).body.data.summary).toMatchObject({
      total_gaps: 0,
      total_missing_hours: 720,
    });
    const noDates = await api("GET", "/gap-analysis/data/EURUSD/1h/summary");
    expect(noDates.status).toBe(422);
    expect(noDates.body.error.details.map((d: { field: string }) => d.field)).toEqual(["query -> start_date", "query -> end_date"]);
    expect((await api("POST", "/gap-analysis/data/batch", { symbols: ["EURUSD"], timeframes: ["1h"], ...RANGE })).status).toBe(422);
    const batch = (await api("POST", "/gap-analysis/data/batch", { symbols: ["EURUSD", "ZZZZ"], timeframe: "1h", ...RANGE })).body.data;
    expect(batch.overall_summary).toMatchObject({ symbols_requested: 2, symbols_successful: 1, symbols_failed: 1 });
    expect(batch.overall_summary.errors).toEqual([
      { symbol: "EURUSD", error: "Cannot localize tz-aware Timestamp, use tz_convert for conversions" },
    ]);
    await quirk("gap-analysis-tz-500", false);
    // The cache holds 2024 only: the first days of 2025 are a gap.
    const real = (await api("GET", "/gap-analysis/data/EURUSD/1h/summary?start_date=2024-12-20&end_date=2025-01-10")).body.data;
    expect(real.summary.total_gaps).toBeGreaterThan(0);
    expect(real.gaps[0]).toMatchObject({ start_time: expect.stringMatching(/^2024-12-31|^2025-01/), classification: "critical" });
    expect((await api("GET", `/gap-analysis/data/EURUSD/1h/summary${q}`)).body.data.summary).toMatchObject({
      total_gaps: 0,
      coverage_percentage: 100,
    });
    await quirk("gap-analysis-tz-500", true);
  });

  it("indicator calculation knows no id (v2026-indicator-ids-unknown), after a data check; off: computed", async () => {
    const body = {
      symbol: "EURUSD",
      timeframe: "1h",
      indicators: [{ id: "rsi", parameters: { period: 14 } }],
      start_date: "2024-01-02",
      end_date: "2024-01-31",
    };
    expect((await api("POST", "/indicators/calculate", body)).body.detail.error.code).toBe("CONFIG-UnknownIndicator");
    const short = await api("POST", "/indicators/calculate", {
      ...body,
      start_date: "2024-01-02T00:00:00",
      end_date: "2024-01-02T10:00:00",
    });
    expect(short.body.detail.error.details.error).toMatch(/^Insufficient data: \d+ points available, 15 required$/);
    await quirk("v2026-indicator-ids-unknown", false);
    expect((await api("POST", "/indicators/calculate", body)).body.indicators.rsi_14.length).toBeGreaterThan(100);
    await quirk("v2026-indicator-ids-unknown", true);
  });

  it("/data/info lists Python dict reprs (data-info-python-reprs); off: objects", async () => {
    const info = (await api("GET", "/data/info")).body.data;
    expect(info.available_symbols[0]).toMatch(/^\{'symbol': 'EURUSD', 'name': 'EURUSD', 'type': 'unknown', /);
    expect(info.symbol_types).toEqual({ unknown: 1 });
    expect(info.timeframes_available[0]).toMatch(/^\{'id': '1m', /);
    await quirk("data-info-python-reprs", false);
    const clean = (await api("GET", "/data/info")).body.data;
    expect(clean.available_symbols[0]).toMatchObject({ symbol: "EURUSD", type: "forex", available_timeframes: ["1h"] });
    await quirk("data-info-python-reprs", true);
  });
});
