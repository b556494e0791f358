/**
 * The real-KTRDR quirks end to end: a real MCP client → the Worker under wrangler dev → the
 * stand-in backend with the quirks recorded from real KTRDR switched on (its default), over real
 * HTTP. One block per class of the real-KTRDR issue; each asserts what the agent is told.
 */
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import {
  admin,
  backendJson as backend,
  cancelAtBackend,
  openSession,
  RANGE_2024 as RANGE,
  type Session,
  waitUntilFinished,
} from "./mcp-client";
import { until } from "./poll";

const stacks = inject("stacks");

describe("KTRDR v2025 with its recorded quirks", () => {
  const stack = stacks.v2025;
  let s: Session;
  beforeAll(async () => {
    const quirks = (await backend(stack.backendOrigin, "/__quirks")) as { active?: string[] };
    expect(quirks.active).toEqual(expect.arrayContaining(["v2025-tensor-500", "v2025-cancel-fails-training", "dummy-cancel-completes"]));
    s = await openSession(stack.mcpUrl);
    const load = await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", ...RANGE, wait_seconds: 30 });
    expect(load.data.finished, load.text).toBe(true);
  });
  afterAll(async () => s?.close());

  it("1. a completed training whose record KTRDR cannot serialise: completed, with metrics, saying what is missing", async () => {
    const start = await s.call("start_training", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["AAPL"],
      ...RANGE,
      wait_seconds: 40,
      allow_duplicate: true,
    });
    expect(start.isError, start.text).toBe(false);
    const id = String(start.data.operation_id);
    expect(start.data).toMatchObject({ status: "started", finished: true });
    expect((start.data.operation as Record<string, unknown>).status).toBe("completed");
    const direct = await fetch(`${stack.backendUrl}/operations/${id}`);
    expect(direct.status).toBe(500); // the quirk is really on

    const status = await s.call("get_operation_status", { operation_id: id });
    expect(status.data).toMatchObject({ status: "completed" });
    expect(String(status.data.note)).toMatch(/PydanticSerializationError/);
    const results = await s.call("get_operation_results", { operation_id: id });
    expect(results.isError, results.text).toBe(false);
    expect(results.data).toMatchObject({ success: true, status: "completed" });
    expect((results.data.results as Record<string, Record<string, unknown>>).training_metrics?.epochs_completed).toBe(3);
    expect(results.data.unknown).toContain("model_path");
  });

  it("2. a cancelled training KTRDR turns into a failure is reported cancelled, in status, results, lists and a second cancel", async () => {
    const start = await s.call("start_training", { strategy_name: "mcp_smoke_slow", symbols: ["AAPL"], ...RANGE, allow_duplicate: true });
    const id = String(start.data.operation_id);
    onTestFinished(() => cancelAtBackend(stack.backendUrl, id));
    await s.call("get_operation_status", { operation_id: id, wait_seconds: 10, until: "change" });
    const cancel = await s.call("cancel_operation", { operation_id: id, reason: "wrong strategy" });
    expect(cancel.data).toMatchObject({ success: true, status: "cancelled" });
    // KTRDR soon says failed, "Training operation cancelled".
    const raw = await until(
      () => backend<{ data: { status: string; error_message: string } }>(stack.backendUrl, `/operations/${id}`),
      (r) => r.data.status !== "cancelled",
      5_000,
      "KTRDR's status after the cancel",
    );
    expect(raw.data).toMatchObject({ status: "failed", error_message: "Training operation cancelled" });

    const status = await s.call("get_operation_status", { operation_id: id });
    expect(status.data).toMatchObject({ status: "cancelled", unknown: ["cancel_reason"] });
    const results = await s.call("get_operation_results", { operation_id: id });
    expect(results.data).toMatchObject({ success: false, status: "cancelled" });
    const again = await s.call("cancel_operation", { operation_id: id });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/already cancelled \(KTRDR reports it as failed\)/);
    const listed = await s.call("list_operations", { status: "cancelled", operation_type: "training", limit: 50 });
    const row = (listed.data.data as Array<Record<string, unknown>>).find((r) => r.operation_id === id);
    expect(row).toMatchObject({ status: "cancelled", backend_status: "failed" });
    const failed = await s.call("list_operations", { status: "failed", operation_type: "training", limit: 50 });
    expect((failed.data.data as Array<Record<string, unknown>>).map((r) => r.operation_id)).not.toContain(id);
  });

  it("2. a cancelled dummy operation KTRDR marks completed is cancelled, with its reason", async () => {
    const started = (await backend(stack.backendOrigin, "/api/v1/dummy/start", {})) as { data: { operation_id: string } };
    const id = started.data.operation_id;
    await s.call("cancel_operation", { operation_id: id, reason: "not needed" });
    const after = await waitUntilFinished(s, id);
    expect(after.data).toMatchObject({ status: "cancelled", cancel_reason: "not needed" });
    const raw = await until(
      () => backend<{ data: { status: string } }>(stack.backendUrl, `/operations/${id}`),
      (r) => r.data.status !== "cancelled",
      5_000,
      "KTRDR's status after the cancel",
    );
    expect(raw.data.status).toBe("completed");
    const status = await s.call("get_operation_status", { operation_id: id });
    expect(status.data).toMatchObject({ status: "cancelled", cancel_reason: "not needed" });
  });

  it("4. a failed training's results carry its reason", async () => {
    const start = await s.call("start_training", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["NODATA"],
      ...RANGE,
      wait_seconds: 20,
      allow_duplicate: true,
    });
    expect(start.data).toMatchObject({ finished: true });
    const results = await s.call("get_operation_results", { operation_id: String(start.data.operation_id) });
    expect(results.data).toMatchObject({ success: false, status: "failed" });
    expect(String(results.data.error_message).length).toBeGreaterThan(5);
  });

  it("5. get_data_summary does not pass KTRDR's calendar-hour point_count off as a bar count", async () => {
    const summary = await s.call("get_data_summary", { symbol: "AAPL", timeframe: "1h" });
    expect(summary.data).toMatchObject({ available: true });
    expect(summary.data).not.toHaveProperty("point_count");
  });
});

describe("KTRDR v2026 with its recorded quirks", () => {
  const stack = stacks.v2026;
  let a: Session;
  let b: Session;
  beforeAll(async () => {
    a = await openSession(stack.mcpUrl);
    b = await openSession(stack.mcpUrl);
    const load = await a.call("trigger_data_loading", { symbol: "EURUSD", timeframe: "1h", mode: "tail", ...RANGE, wait_seconds: 30 });
    expect(load.data.finished, load.text).toBe(true);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("3. a fresh session finds the training a worker runs, the guard returns it, and a different start is told which operation holds the worker", async () => {
    await admin(stack.backendOrigin, "/__restart", {});
    const start = await a.call("start_training", { strategy_name: "mcp_smoke_slow", symbols: ["EURUSD"], ...RANGE });
    expect(start.isError, start.text).toBe(false);
    const id = String(start.data.operation_id);
    // Whatever happens below, the one training worker is freed for the other tests.
    onTestFinished(() => cancelAtBackend(stack.backendUrl, id));
    // KTRDR's own list does not show it (nobody has read it by id).
    const own = (await (await fetch(`${stack.backendUrl}/operations?active_only=true`)).json()) as {
      data: Array<{ operation_id: string }>;
    };
    expect(own.data.map((r) => r.operation_id)).not.toContain(id);

    const found = await b.call("list_operations", { active_only: true });
    expect((found.data.data as Array<Record<string, unknown>>).map((r) => r.operation_id)).toContain(id);

    const twin = await b.call("start_training", { strategy_name: "mcp_smoke_slow", symbols: ["EURUSD"], ...RANGE });
    expect(twin.data).toMatchObject({ status: "already_running", operation_id: id });

    const other = await b.call("start_training", { strategy_name: "mcp_smoke_fast", symbols: ["EURUSD"], ...RANGE });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/worker is busy \(HTTP 503\), so nothing was started/);
    expect(other.text).toContain(id);

    // v2026's /metrics (a nested list and cursor) once the first epochs are in.
    let epochs: unknown[] = [];
    for (let i = 0; i < 40 && epochs.length === 0; i++) {
      const metrics = await b.call("get_operation_metrics", { operation_id: id });
      expect(metrics.isError, metrics.text).toBe(false);
      epochs = (metrics.data.epochs as unknown[] | undefined) ?? [];
      if (epochs.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(epochs.length).toBeGreaterThan(0);

    await b.call("cancel_operation", { operation_id: id, reason: "done looking" });
    const after = await waitUntilFinished(b, id);
    expect(after.data).toMatchObject({ status: "cancelled", cancel_reason: "done looking", unknown: ["progress"] });
    expect(after.data).not.toHaveProperty("progress_percentage");
  });

  it("5. version facts: no local mode, backtests need a model, an empty strategy list is explained", async () => {
    const local = await a.call("trigger_data_loading", { symbol: "EURUSD", mode: "local", allow_duplicate: true });
    expect(local.isError).toBe(true);
    expect(local.text).toMatch(/no 'local' data-load mode/);
    const bt = await a.call("start_backtest", { strategy_name: "mcp_smoke_fast", symbol: "EURUSD", timeframe: "1h", ...RANGE });
    expect(bt.isError).toBe(true);
    expect(bt.text).toMatch(/needs model_path/);
    const strategies = await a.call("get_available_strategies");
    expect(strategies.data).toMatchObject({ count: 0 });
    expect(String(strategies.data.note)).toMatch(/by name still work/);
  });

  it("5. a trained model's path from the concise results runs a backtest", async () => {
    const t = await a.call("start_training", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["EURUSD"],
      ...RANGE,
      wait_seconds: 40,
      allow_duplicate: true,
    });
    expect(t.data.finished, t.text).toBe(true);
    const results = await a.call("get_operation_results", { operation_id: String(t.data.operation_id) });
    const modelPath = String((results.data.results as Record<string, unknown>).model_path);
    expect(modelPath).toMatch(/mcp_smoke_fast/);
    const bt = await a.call("start_backtest", {
      strategy_name: "mcp_smoke_fast",
      symbol: "EURUSD",
      timeframe: "1h",
      ...RANGE,
      model_path: modelPath,
      wait_seconds: 40,
    });
    expect(bt.isError, bt.text).toBe(false);
    expect((bt.data.operation as Record<string, unknown>).status).toBe("completed");
  });
});
