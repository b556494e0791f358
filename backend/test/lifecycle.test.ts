// Lifecycle: forward-only progress, cancel mid-training with checkpoint, failure paths,
// ten concurrent operations with reads still answered, validation loss falling.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, loadData, sleep, startTestBackend, waitForOp } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

let fast: TestBackend; // pace 0
let paced: TestBackend; // same data dir, slowed down so operations are observable while running

beforeAll(async () => {
  // Clean behaviour (no upstream quirks): cancelled trainings stay cancelled, /metrics exists.
  fast = await startTestBackend({ wire: "v2025", quirks: "none" });
  paced = await startTestBackend({ wire: "v2025", pace: 0.2, dataDir: fast.dataDir, quirks: "none" });
  await loadData(fast.url, "v2025", { symbol: "AAPL", timeframe: "1h", mode: "tail" });
});
afterAll(async () => {
  await paced.close();
  await fast.close();
});

describe("progress", () => {
  it("a data load's progress only moves forward and ends at 100", async () => {
    const r = await call(paced.url, "POST", "/data/load", { symbol: "MSFT", timeframe: "1h", mode: "tail" });
    const id = r.body.data.operation_id;
    const seen: any[] = [];
    for (;;) {
      const op = (await call(paced.url, "GET", `/operations/${id}`)).body.data;
      seen.push(op);
      if (op.status !== "running" && op.status !== "pending") break;
      await sleep(15);
    }
    expect(seen.at(-1).status).toBe("completed");
    expect(seen.some((o) => o.status === "running" && o.progress.percentage > 0 && o.progress.percentage < 100)).toBe(true);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].progress.percentage).toBeGreaterThanOrEqual(seen[i - 1].progress.percentage);
      expect(seen[i].progress.items_processed).toBeGreaterThanOrEqual(seen[i - 1].progress.items_processed);
      expect(seen[i].progress.steps_completed).toBeGreaterThanOrEqual(seen[i - 1].progress.steps_completed);
    }
    const mid = seen.find((o) => o.progress.context.step_total);
    expect(mid.progress.current_step).toMatch(/^Fetch \d+ segments from IB$/);
  });

  it("training progress: context per contract, forward only; cancel stops at the next batch and leaves a checkpoint", async () => {
    const r = await call(paced.url, "POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "mlp_basic" });
    const id = r.body.task_id;
    const seen: any[] = [];
    for (;;) {
      const op = (await call(paced.url, "GET", `/operations/${id}`)).body.data;
      seen.push(op);
      if (op.progress.context.epoch_index >= 3) break;
      expect(["pending", "running"]).toContain(op.status);
      await sleep(15);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i].progress.percentage).toBeGreaterThanOrEqual(seen[i - 1].progress.percentage);
    const ctx = seen.at(-1).progress.context;
    expect(ctx).toMatchObject({
      epoch_index: expect.any(Number),
      total_epochs: 50,
      batch_number: expect.any(Number),
      batch_total_per_epoch: expect.any(Number),
    });
    expect(ctx.epoch_metrics).toMatchObject({
      train_loss: expect.any(Number),
      val_loss: expect.any(Number),
      train_accuracy: expect.any(Number),
      val_accuracy: expect.any(Number),
    });
    expect(seen.at(-1).progress.current_step).toMatch(/^Epoch \d+\/50 · Batch \d+\/\d+$/);

    const c = await call(paced.url, "DELETE", `/operations/${id}`, { reason: "testing cancel" });
    expect(c.body.data).toMatchObject({ task_cancelled: true, training_session_cancelled: false }); // as recorded (v2025/036)
    const checkpoint = `${paced.dataDir}/checkpoints/${id}.json`;
    for (let i = 0; i < 200 && !existsSync(checkpoint); i++) await sleep(10);
    expect(existsSync(checkpoint)).toBe(true);
    const after = (await call(paced.url, "GET", `/operations/${id}`)).body.data;
    await sleep(300);
    const later = (await call(paced.url, "GET", `/operations/${id}`)).body.data;
    expect(later.status).toBe("cancelled");
    expect(later.error_message).toBe("testing cancel");
    expect(later.progress).toEqual(after.progress); // nothing moves after the stop
    expect(later.result_summary).toBeNull();
  });
});

describe("failures", () => {
  it("training without cached data fails with upstream's message", async () => {
    const r = await call(fast.url, "POST", "/trainings/start", { symbols: ["NVDA"], timeframes: ["1h"], strategy_name: "mlp_basic" });
    const op = await waitForOp(fast.url, r.body.task_id);
    expect(op.status).toBe("failed");
    expect(op.error_message).toBe("Data not found for NVDA (1h)"); // recorded: v2025/043
    expect(op.progress).toMatchObject({
      current_step: "Loading market data",
      steps_total: 3,
      context: { operation: "training", service: "TrainingService", phase_name: "data_preparation" },
    });
    expect(op.completed_at).not.toBeNull();
    expect(op.result_summary).toBeNull();
  });
  it("a strategy with an unknown indicator fails with a clear error", async () => {
    const r = await call(fast.url, "POST", "/trainings/start", {
      symbols: ["AAPL"],
      timeframes: ["1h"],
      strategy_name: "broken_indicator",
    });
    const op = await waitForOp(fast.url, r.body.task_id);
    expect(op.status).toBe("failed");
    expect(op.error_message).toMatch(/Unknown indicator 'supertrend'/);
  });
  it("a strategy with an invalid layer configuration fails with a clear error", async () => {
    const r = await call(fast.url, "POST", "/trainings/start", {
      symbols: ["AAPL"],
      timeframes: ["1h"],
      strategy_name: "bad_architecture",
    });
    const op = await waitForOp(fast.url, r.body.task_id);
    expect(op.status).toBe("failed");
    expect(op.error_message).toMatch(/hidden_layers/);
  });
  it("backtest without cached data fails", async () => {
    const r = await call(fast.url, "POST", "/backtests/", {
      strategy_name: "mlp_basic",
      symbol: "AMZN",
      timeframe: "1h",
      start_date: "2020-01-01",
      end_date: "2100-01-01",
    });
    const op = await waitForOp(fast.url, r.body.backtest_id);
    expect(op.status).toBe("failed");
    expect(op.error_message).toContain("trigger_data_loading");
  });
});

describe("learning", () => {
  it("validation loss genuinely falls and beats chance", async () => {
    const r = await call(fast.url, "POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "mlp_basic" });
    const op = await waitForOp(fast.url, r.body.task_id);
    expect(op.status).toBe("completed");
    const m = (await call(fast.url, "GET", `/operations/${op.operation_id}/metrics`)).body.data.metrics;
    const val = m.epochs.map((e: any) => e.val_loss);
    const best = Math.min(...val);
    expect(best).toBeLessThan(val[0]);
    expect(best).toBeLessThan(Math.log(3)); // below a uniform guess over 3 classes
    expect(m.epochs[m.best_epoch - 1].val_loss).toBe(best);
    expect(op.result_summary.training_metrics.final_train_loss).toBeLessThan(m.epochs[0].train_loss);
  });
});

describe("concurrency", () => {
  it("ten concurrent operations run while reads keep being answered", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(
        (await call(paced.url, "POST", "/trainings/start", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "mlp_basic" })).body
          .task_id,
      );
    for (const s of ["GOOGL", "TSLA", "SPY"])
      ids.push((await call(paced.url, "POST", "/data/load", { symbol: s, timeframe: "5m", mode: "tail" })).body.data.operation_id);
    let readsWhileAllActive = 0;
    let maxActive = 0;
    for (let i = 0; i < 40; i++) {
      const [list, one, data] = await Promise.all([
        call(paced.url, "GET", "/operations?active_only=true&limit=100"),
        call(paced.url, "GET", `/operations/${ids[i % ids.length]}`),
        call(paced.url, "GET", "/data/AAPL/1h?start_date=2000-01-01"),
      ]);
      expect([list.status, one.status, data.status]).toEqual([200, 200, 200]);
      maxActive = Math.max(maxActive, list.body.active_count);
      if (list.body.active_count >= 10) readsWhileAllActive++;
    }
    expect(maxActive).toBeGreaterThanOrEqual(10);
    expect(readsWhileAllActive).toBeGreaterThan(5); // reads were served in between the work, not after it
    for (const id of ids) await call(paced.url, "DELETE", `/operations/${id}`);
    const l = await call(paced.url, "GET", "/operations?active_only=true");
    expect(l.body.active_count).toBe(0);
  });
});
