// Quirk selection (option, env, CLI), the runtime admin API (/__quirks, /__restart, /__workers), and
// the quirks the recordings cannot show directly (range-point-count-hours: no recorded /data/range;
// v2026-backtest-needs-model-path: the failed operation is never read in v2026/051).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOptions } from "../src/main.ts";
import { QUIRK_NAMES, parseQuirks, quirksFor } from "../src/quirks.ts";
import { call, loadData, sleep, startTestBackend, waitForOp } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("quirk selection", () => {
  it("default and 'all' = every quirk of the wire; 'none'; lists; '-name'; other wire ignored; unknown → error", () => {
    expect(parseQuirks(undefined, "v2025")).toEqual({ quirks: quirksFor("v2025") });
    expect(parseQuirks("all", "v2026")).toEqual({ quirks: quirksFor("v2026") });
    expect(quirksFor("v2025")).toEqual([
      "v2025-tensor-500",
      "v2025-no-metrics-route",
      "v2025-cancel-fails-training",
      "dummy-cancel-completes",
      "enum-status-text",
      "retry-ghost",
      "models-never-found",
      "gap-analysis-tz-500",
      "data-info-python-reprs",
      "v2025-backtest-route-any-op",
      "v2025-strategy-versions-empty",
      "range-point-count-hours",
    ]);
    expect(quirksFor("v2026")).not.toContain("v2025-tensor-500");
    expect(parseQuirks("none", "v2025")).toEqual({ quirks: [] });
    expect(parseQuirks("enum-status-text,v2026-list-cache", "v2025")).toEqual({ quirks: ["enum-status-text"] });
    expect(parseQuirks("all,-v2025-tensor-500", "v2025")).toEqual({ quirks: quirksFor("v2025").filter((q) => q !== "v2025-tensor-500") });
    expect(parseQuirks(["dummy-cancel-completes"], "v2026")).toEqual({ quirks: ["dummy-cancel-completes"] });
    expect(parseQuirks("bogus", "v2025")).toEqual({ error: expect.stringContaining("unknown quirk 'bogus'") });
    expect(QUIRK_NAMES).toHaveLength(28);
  });

  it("CLI: --quirks and KTRDR_QUIRKS; an unknown name is a clear error", () => {
    expect(parseOptions(["--wire", "v2026", "--quirks", "none", "--worker-release-ms", "250"], {})).toMatchObject({
      quirks: "none",
      workerReleaseMs: 250,
    });
    expect(parseOptions([], { KTRDR_QUIRKS: "enum-status-text" })).toMatchObject({ quirks: "enum-status-text" });
    expect(parseOptions([], {})).toMatchObject({ quirks: "all", workerReleaseMs: null });
    const bad = spawnSync(process.execPath, [MAIN, "--quirks", "v2025-tensor-500,no-such-quirk"], { encoding: "utf8", timeout: 30_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("error: --quirks: unknown quirk 'no-such-quirk'");
    const env = spawnSync(process.execPath, [MAIN], { encoding: "utf8", timeout: 30_000, env: { ...process.env, KTRDR_QUIRKS: "nope" } });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain("unknown quirk 'nope'");
  });
});

describe("admin API (with --faults)", () => {
  let b: TestBackend;
  beforeAll(async () => {
    b = await startTestBackend({ wire: "v2026", faults: true });
  });
  afterAll(() => b.close());
  const admin = (method: string, path: string, body?: unknown) => call(b.root, method, path, body);

  it("GET /__quirks lists the active quirks; POST enables and disables them at run time", async () => {
    const r = await admin("GET", "/__quirks");
    expect(r.body).toMatchObject({ wire: "v2026", active: quirksFor("v2026") });
    expect(r.body.available[0]).toEqual({
      name: expect.any(String),
      active: true,
      summary: expect.any(String),
      recordings: expect.any(String),
    });
    expect((await call(b.url, "GET", "/strategies/")).body.strategies).toEqual([]);
    const off = await admin("POST", "/__quirks", { disable: ["v2026-empty-strategy-list"] });
    expect(off.body.active).not.toContain("v2026-empty-strategy-list");
    expect((await call(b.url, "GET", "/strategies/")).body.strategies.map((s: { name: string }) => s.name)).toContain("mcp_smoke_fast");
    expect((await call(b.url, "GET", "/strategies/mcp_smoke_fast")).body).toMatchObject({
      name: "mcp_smoke_fast",
      training_status: "untrained",
    });
    const on = await admin("POST", "/__quirks", { enable: ["v2026-empty-strategy-list"] });
    expect(on.body.active).toContain("v2026-empty-strategy-list");
    expect(await call(b.url, "GET", "/strategies/mcp_smoke_fast")).toMatchObject({
      status: 404,
      body: { detail: "Strategy 'mcp_smoke_fast' not found" },
    });
    expect((await admin("POST", "/__quirks", { enable: ["nope"] })).status).toBe(400);
    expect((await admin("POST", "/__quirks", { enable: ["v2025-tensor-500"] })).body.error).toContain("applies to v2025 only");
    expect((await admin("POST", "/__quirks", "[1]")).status).toBe(400);
  });

  it("is absent without --faults", async () => {
    const plain = await startTestBackend({ wire: "v2026" });
    try {
      for (const p of ["/__quirks", "/__restart", "/__workers"]) expect((await call(plain.root, "POST", p, {})).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it("v2026-one-worker: a busy worker answers 503 until the next health check; /__workers sets that interval", async () => {
    await loadData(b.url, "v2026", { symbol: "AAPL", timeframe: "1h", mode: "tail", start_date: "2024-01-01", end_date: "2024-12-31" });
    expect((await admin("POST", "/__workers", { release_ms: 600 })).body).toEqual({ release_ms: 600 });
    expect((await admin("POST", "/__workers", { release_ms: -1 })).status).toBe(400);
    const start = (strategy: string) =>
      call(b.url, "POST", "/trainings/start", {
        strategy_name: strategy,
        symbols: ["AAPL"],
        timeframes: ["1h"],
        start_date: "2024-01-01",
        end_date: "2024-12-31",
      });
    const first = await start("mcp_smoke_slow");
    expect(first.status).toBe(200);
    const busy = await start("mcp_smoke_fast");
    expect(busy.status).toBe(503);
    expect(busy.body).toEqual({
      detail: {
        error: "No training workers available",
        worker_type: "training",
        registered_workers: 1,
        backend_uptime_seconds: expect.any(Number),
        hint: "Workers auto-register after startup. Retry in a few seconds, or check worker container logs.",
      },
    });
    const workers = (await call(b.url, "GET", "/workers")).body;
    expect(workers.find((w: { worker_type: string }) => w.worker_type === "training")).toMatchObject({
      status: "busy",
      current_operation_id: first.body.task_id,
      capabilities: { gpu: false },
    });
    expect(workers.find((w: { worker_type: string }) => w.worker_type === "backtesting")).toMatchObject({
      status: "available",
      current_operation_id: null,
    });
    await call(b.url, "DELETE", `/operations/${first.body.task_id}`);
    expect((await start("mcp_smoke_fast")).status).toBe(503); // still busy until the next health check
    let r = await start("mcp_smoke_fast");
    for (let i = 0; i < 40 && r.status === 503; i++) {
      await sleep(50);
      r = await start("mcp_smoke_fast");
    }
    expect(r.status).toBe(200);
    await waitForOp(b.url, r.body.task_id);
    await admin("POST", "/__workers", { release_ms: 0 });
  });

  it("v2026-list-cache and POST /__restart: worker operations are listed once read by id; a restart empties the list", async () => {
    const t = await call(b.url, "POST", "/trainings/start", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      start_date: "2024-01-01",
      end_date: "2024-12-31",
    });
    const d = await call(b.url, "POST", "/dummy/start");
    const ids = async () =>
      (await call(b.url, "GET", "/operations?limit=1000")).body.data.map((x: { operation_id: string }) => x.operation_id);
    expect(await ids()).toContain(d.body.data.operation_id); // backend-local: listed at once
    expect(await ids()).not.toContain(t.body.task_id);
    const op = (await call(b.url, "GET", `/operations/${t.body.task_id}`)).body.data;
    expect(op).toMatchObject({
      is_backend_local: false,
      metadata: { start_date: null, parameters: { worker_id: expect.stringMatching(/^training-worker-/) } },
    });
    expect(op.metadata.parameters.strategy_yaml).toMatch(/^name: mcp_smoke_fast\n/);
    expect(op.metadata.parameters).not.toHaveProperty("strategy_name");
    expect(await ids()).toContain(t.body.task_id);
    expect((await admin("POST", "/__restart")).body).toMatchObject({ restarted: true, listed: 0 });
    expect(await ids()).toEqual([]);
    const again = (await call(b.url, "GET", `/operations/${t.body.task_id}`)).body.data;
    expect(again.metadata.start_date).toBe("2024-01-01T00:00:00"); // the database row now
    expect(await ids()).toEqual([t.body.task_id]);
    await call(b.url, "DELETE", `/operations/${d.body.data.operation_id}`);
    await waitForOp(b.url, t.body.task_id); // frees the training worker
  });

  it("v2026-backtest-needs-model-path: without model_path the backtest starts, then fails; with one an unknown strategy completes", async () => {
    const body = { strategy_name: "mcp_smoke_fast", symbol: "AAPL", timeframe: "1h", start_date: "2024-06-01", end_date: "2024-12-31" };
    const r = await call(b.url, "POST", "/backtests/start", body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: "started", mode: "distributed", message: "Backtest started for AAPL 1h" });
    const failed = await waitForOp(b.url, r.body.operation_id);
    expect(failed).toMatchObject({ status: "failed", error_message: "model_path is required for backtesting" });
    expect((await call(b.url, "GET", `/operations/${r.body.operation_id}/results`)).body).toEqual({
      success: true,
      operation_id: r.body.operation_id,
      operation_type: "backtesting",
      status: "failed",
      results: {},
    });
    const t = await call(b.url, "POST", "/trainings/start", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      start_date: "2024-01-01",
      end_date: "2024-12-31",
    });
    await waitForOp(b.url, t.body.task_id);
    const modelPath = (await call(b.url, "GET", `/operations/${t.body.task_id}/results`)).body.results.model_path;
    expect(modelPath).toMatch(/^models\/mcp_smoke_fast\/1h_v\d+$/);
    const ok = await call(b.url, "POST", "/backtests/start", { ...body, strategy_name: "nope", model_path: modelPath });
    const done = await waitForOp(b.url, ok.body.operation_id);
    expect(done).toMatchObject({ status: "completed", result_summary: { strategy_name: "mcp_smoke_fast", symbol: "AAPL" } });
    // Without the quirk, the strategy's own model (or a rule) is used.
    await admin("POST", "/__quirks", { disable: ["v2026-backtest-needs-model-path"] });
    const clean = await waitForOp(b.url, (await call(b.url, "POST", "/backtests/start", body)).body.operation_id);
    expect(clean.status).toBe("completed");
    await admin("POST", "/__quirks", { enable: ["v2026-backtest-needs-model-path"] });
  });

  it("v2026-no-local-mode", async () => {
    expect(await call(b.url, "POST", "/data/acquire/download", { symbol: "AAPL", timeframe: "1h", mode: "local" })).toMatchObject({
      status: 500,
      body: { detail: "Data acquisition failed: Invalid mode: local. Must be 'tail', 'backfill', or 'full'" },
    });
    await admin("POST", "/__quirks", { disable: ["v2026-no-local-mode"] });
    expect((await call(b.url, "POST", "/data/acquire/download", { symbol: "AAPL", timeframe: "1h", mode: "local" })).status).toBe(200);
    await admin("POST", "/__quirks", { enable: ["v2026-no-local-mode"] });
  });
});

describe("v2025 quirks", () => {
  let b: TestBackend;
  beforeAll(async () => {
    b = await startTestBackend({ wire: "v2025", faults: true });
    await loadData(b.url, "v2025", { symbol: "AAPL", timeframe: "1h", mode: "tail", start_date: "2023-01-01", end_date: "2024-12-31" });
  });
  afterAll(() => b.close());

  it("range-point-count-hours: point_count counts hours between the first and the last bar", async () => {
    const r = (await call(b.url, "POST", "/data/range", { symbol: "AAPL", timeframe: "1h" })).body.data;
    const hours = Math.floor((Date.parse(`${r.end_date}Z`) - Date.parse(`${r.start_date}Z`)) / 3_600_000) + 1;
    expect(r.point_count).toBe(hours);
    const bars = (await call(b.url, "GET", "/data/AAPL/1h")).body.data.dates.length;
    expect(r.point_count).toBeGreaterThan(4 * bars); // stock hours: ~7 bars a weekday vs 24 hours a day
    await call(b.root, "POST", "/__quirks", { disable: ["range-point-count-hours"] });
    expect((await call(b.url, "POST", "/data/range", { symbol: "AAPL", timeframe: "1h" })).body.data.point_count).toBe(bars);
    await call(b.root, "POST", "/__quirks", { enable: ["range-point-count-hours"] });
  });

  it("v2025-tensor-500, v2025-no-metrics-route; /trainings/{id}/performance still answers", async () => {
    const t = await call(b.url, "POST", "/trainings/start", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      start_date: "2023-01-01",
      end_date: "2024-12-31",
    });
    const id = t.body.task_id;
    let r = await call(b.url, "GET", `/operations/${id}`);
    for (let i = 0; i < 200 && r.status === 200; i++) {
      await sleep(20);
      r = await call(b.url, "GET", `/operations/${id}`);
    }
    const err = {
      success: false,
      error: { code: "INTERNAL_SERVER_ERROR", message: "An unexpected error occurred", details: { type: "PydanticSerializationError" } },
    };
    expect(r).toMatchObject({ status: 500, body: err });
    expect(r.headers.get("x-process-time")).toBeNull();
    expect(await call(b.url, "GET", `/operations/${id}/results`)).toMatchObject({ status: 500, body: err });
    expect(await call(b.url, "GET", `/operations/${id}/metrics`)).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    const row = (await call(b.url, "GET", "/operations?operation_type=training")).body.data.find(
      (x: { operation_id: string }) => x.operation_id === id,
    );
    expect(row).toMatchObject({
      status: "completed",
      progress_percentage: 100,
      current_step: expect.stringMatching(/^Epoch 3\/3 · Batch (\d+)\/\1$/),
    });
    const perf = await call(b.url, "GET", `/trainings/${id}/performance`);
    expect(perf.status).toBe(200);
    expect(Object.keys(perf.body.training_metrics).sort()).toEqual([
      "early_stopped",
      "epochs_completed",
      "final_train_accuracy",
      "final_train_loss",
      "final_val_accuracy",
      "final_val_loss",
      "training_time_minutes",
    ]);
    await call(b.root, "POST", "/__quirks", { disable: ["v2025-tensor-500", "v2025-no-metrics-route"] });
    expect((await call(b.url, "GET", `/operations/${id}`)).body.data.result_summary.artifacts.model_path).toMatch(
      /^models\/mcp_smoke_fast\/AAPL_1h_v\d+$/,
    );
    expect((await call(b.url, "GET", `/operations/${id}/metrics`)).body.data.metrics.total_epochs_completed).toBe(3);
    await call(b.root, "POST", "/__quirks", { enable: ["v2025-tensor-500", "v2025-no-metrics-route"] });
  });

  it("v2025-cancel-fails-training and enum-status-text; mcp_smoke_slow still runs at pace 0", async () => {
    const t = await call(b.url, "POST", "/trainings/start", {
      strategy_name: "mcp_smoke_slow",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      start_date: "2023-01-01",
      end_date: "2024-12-31",
    });
    const id = t.body.task_id;
    const running = await waitForOp(b.url, id, (op) => op.progress.steps_completed >= 2);
    expect(running).toMatchObject({ status: "running", progress: { steps_total: 1500, context: { epoch_metrics: expect.any(Object) } } });
    await sleep(1000);
    expect((await call(b.url, "GET", `/operations/${id}`)).body.data.status).toBe("running");
    const c = await call(b.url, "DELETE", `/operations/${id}`, { reason: "enough" });
    expect(c.body.data).toMatchObject({
      status: "cancelled",
      cancellation_reason: "enough",
      task_cancelled: true,
      training_session_cancelled: false,
    });
    const now = (await call(b.url, "GET", `/operations/${id}`)).body.data;
    expect(now).toMatchObject({ status: "cancelled", error_message: "enough" });
    const failed = await waitForOp(b.url, id, (op) => op.status !== "cancelled");
    expect(failed).toMatchObject({ status: "failed", error_message: "Training operation cancelled" });
    expect(failed.progress).toEqual(now.progress);
    expect(failed.completed_at > now.completed_at).toBe(true);
    expect(await call(b.url, "DELETE", `/operations/${id}`)).toMatchObject({
      status: 400,
      body: { detail: `Operation ${id} cannot be cancelled (status: OperationStatus.FAILED)` },
    });
  });

  it("dummy-cancel-completes; without the quirk a cancelled dummy stays cancelled", async () => {
    const d = await call(b.url, "POST", "/dummy/start");
    expect(d.body).toEqual({
      success: true,
      data: { operation_id: expect.stringMatching(/^op_dummy_/), status: "started", message: "Started dummy_task operation" },
      error: null,
    });
    const id = d.body.data.operation_id;
    await call(b.url, "DELETE", `/operations/${id}`, { reason: "stop it" });
    const done = await waitForOp(b.url, id, (op) => op.status !== "cancelled");
    expect(done).toMatchObject({
      status: "completed",
      error_message: "stop it",
      result_summary: { status: "cancelled", iterations_completed: 1, message: "Stopped after 1 iterations" },
    });
    await call(b.root, "POST", "/__quirks", { disable: ["dummy-cancel-completes"] });
    const d2 = (await call(b.url, "POST", "/dummy/start")).body.data.operation_id;
    await call(b.url, "DELETE", `/operations/${d2}`);
    await sleep(900);
    expect((await call(b.url, "GET", `/operations/${d2}`)).body.data.status).toBe("cancelled");
    await call(b.root, "POST", "/__quirks", { enable: ["dummy-cancel-completes"] });
  });
});
