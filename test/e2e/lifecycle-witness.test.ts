/**
 * The two witnesses of KTRDR v2026, end to end (design-18 §8.4 items 1, 2, 5, 6, 7, 13): a real MCP
 * client → the Worker under wrangler dev → the stand-in over HTTP, driven through its admin routes
 * (`POST /__restart`, `/__clocks`, `/__quirks`, `/__jobs/{id}/finish`, `/__workers/training/kill|start`). What the agent is told when
 * KTRDR's record loses a training's progress in a restart, when a cancel cannot reach the worker,
 * what a list after a restart says it cannot see — and that, with the stand-in's quirks off, nothing
 * is flagged (no false alarms).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { admin, cancelAtBackend, openSession, RANGE_2024, type Session, type ToolReply } from "./mcp-client";

const stacks = inject("stacks");
const stack = stacks.v2026;

/** The quirks these scenarios rest on (all on by default in the e2e stand-in). */
const QUIRKS = ["v2026-restart-loses-progress", "v2026-undelivered-cancel"];
// EURUSD (mcp_smoke_slow's own symbol): run after tasks/agent-economy, AAPL 1h trainings here failed "No data found in
// cache for AAPL 1h" although the load completed (cause not traced); no other e2e file trains on EURUSD 1h.
const SLOW = { strategy_name: "mcp_smoke_slow", symbols: ["EURUSD"], timeframes: ["1h"], ...RANGE_2024, allow_duplicate: true };

let s: Session;
const started: string[] = [];

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(last).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the slow training, retrying while the one training worker is still being released (503). */
async function startSlow(): Promise<string> {
  const r = await until(
    "start_training",
    () => s.call("start_training", SLOW),
    (x) => !x.isError || !/busy \(HTTP 503\)/.test(x.text),
    30_000,
  );
  expect(r.isError, r.text).toBe(false);
  const id = String(r.data.operation_id);
  started.push(id);
  return id;
}

const status = (id: string) => s.call("get_operation_status", { operation_id: id });
const restart = () => admin(stack.backendOrigin, "/__restart", { workers_after_ms: 300 });

beforeAll(async () => {
  s = await openSession(stack.mcpUrl);
  // EURUSD 1h for 2024, loaded and completed (a load that ends failed would leave the trainings nothing to train on).
  const load = await s.call("trigger_data_loading", { symbol: "EURUSD", timeframe: "1h", mode: "tail", ...RANGE_2024, wait_seconds: 30 });
  expect(load.isError, load.text).toBe(false);
  expect((load.data.operation as { status?: string } | undefined)?.status, load.text).toBe("completed");
  // Health checks every 200 ms (the e2e stand-in checks at once: then no worker is ever 'unchecked').
  // The orphan detector as KTRDR's (60 s, every 15 s): at pace 0 it would fail a restarted training at once.
  await admin(stack.backendOrigin, "/__clocks", { release_ms: 200, orphan_timeout_ms: 60_000, orphan_interval_ms: 15_000 });
});
afterAll(async () => {
  for (const id of started) {
    await cancelAtBackend(stack.backendUrl, id);
    await fetch(`${stack.backendOrigin}/__jobs/${id}/finish`, { method: "POST" }).catch(() => {});
  }
  await admin(stack.backendOrigin, "/__quirks", { enable: QUIRKS }).catch(() => {});
  await admin(stack.backendOrigin, "/__clocks", { release_ms: 0, orphan_timeout_ms: null, orphan_interval_ms: null }).catch(() => {});
  await s?.close();
});

describe("v2026: a training through a backend restart, and a cancel that cannot reach its worker", () => {
  let cancelledEarlier: string;
  let id: string;

  it("7a. a delivered cancel leaves a cancellation checkpoint (the list finds it again after the restart)", async () => {
    cancelledEarlier = await startSlow();
    // Training on its worker (a cancel before the first epoch leaves no checkpoint to find it by).
    await until(
      "training",
      () => status(cancelledEarlier),
      (r) => Number(r.data.progress_percentage) > 0,
    );
    const c = await s.call("cancel_operation", { operation_id: cancelledEarlier, reason: "witness e2e" });
    expect(c.data).toMatchObject({ success: true, status: "cancelled" });
    expect(c.data.anomaly).toBeUndefined();
    const v = await until(
      "cancelled, confirmed by its checkpoint",
      () => status(cancelledEarlier),
      (r) => r.data.status === "cancelled" && (r.data.checkpoint as { type?: string } | undefined)?.type === "cancellation",
    );
    expect(v.data.anomaly).toBeUndefined();
    expect(v.data.checkpoint).toMatchObject({ resumable: true });
  });

  it("1. a restart mid-training: progress unknown at once (never KTRDR's 0 %), then progress_lost with the checkpoint's epoch", async () => {
    id = await startSlow();
    await until(
      "training",
      () => status(id),
      (r) => r.data.status === "running" && typeof r.data.progress_percentage === "number",
    );
    await restart();
    const first = await status(id);
    expect(first.isError, first.text).toBe(false);
    expect(first.data.status, first.text).toBe("running");
    expect(first.data.progress_percentage).toBeUndefined();
    expect(first.data.unknown).toContain("progress");
    const lost = await until(
      "progress_lost",
      () => status(id),
      (r) => r.data.anomaly === "progress_lost",
    );
    expect(lost.data.status).toBe("running");
    expect(lost.data.progress_percentage).toBeUndefined();
    expect(Number((lost.data.checkpoint as { epoch?: number }).epoch)).toBeGreaterThanOrEqual(10);
    expect(String(lost.data.note)).toMatch(/^KTRDR's record lost this training's progress/);
  });

  it("7. the list after the restart: the cache note, total_at_least, the running training and the checkpointed cancel", async () => {
    const all = await s.call("list_operations", { limit: 100 });
    expect(all.isError, all.text).toBe(false);
    expect(all.data).not.toHaveProperty("total_count");
    expect(all.data).not.toHaveProperty("active_count");
    expect(all.data.total_at_least).toBeTypeOf("number");
    expect(String(all.data.note)).toMatch(/KTRDR v2026 lists only operations read since it started \(a cache\)/);
    const rows = all.data.data as Array<{ operation_id: string; status: string }>;
    expect(rows.find((r) => r.operation_id === id)?.status).toBe("running");
    const cancelled = await s.call("list_operations", { status: "cancelled", limit: 100 });
    const crows = cancelled.data.data as Array<{ operation_id: string; status: string }>;
    expect(crows.map((r) => r.operation_id)).toContain(cancelledEarlier);
    expect(crows.every((r) => r.status === "cancelled")).toBe(true);
  });

  it("7b. a v2025 list keeps KTRDR's counts", async () => {
    const s25 = await openSession(stacks.v2025.mcpUrl);
    try {
      const r = await s25.call("list_operations", {});
      expect(r.data.total_count).toBeTypeOf("number");
      expect(r.data).not.toHaveProperty("total_at_least");
    } finally {
      await s25.close();
    }
  });

  it("2. the cancel after the restart is not delivered: running by belief, checkpoints advance, the task stays cancelled; then outcome_unknown", async () => {
    const c = await s.call("cancel_operation", { operation_id: id, reason: "witness e2e: after restart" });
    expect(c.isError, c.text).toBe(false);
    expect(c.data).toMatchObject({
      success: false,
      status: "running",
      backend_status: "cancelled",
      anomaly: "cancel_not_delivered",
      remote_cancelled: false,
    });
    const one = await until(
      "cancel_not_delivered with a checkpoint",
      () => status(id),
      (r) => r.data.anomaly === "cancel_not_delivered" && typeof (r.data.checkpoint as { epoch?: number } | undefined)?.epoch === "number",
    );
    expect(one.data).toMatchObject({ status: "running", backend_status: "cancelled" });
    const e1 = Number((one.data.checkpoint as { epoch: number }).epoch);
    const two = await until(
      "a later checkpoint",
      () => status(id),
      (r) => Number((r.data.checkpoint as { epoch?: number } | undefined)?.epoch) > e1,
    );
    expect(two.data).toMatchObject({ status: "running", backend_status: "cancelled", anomaly: "cancel_not_delivered" });
    // MCP tasks: a terminal state KTRDR reported is final; the rest is in the message.
    const task = await s.client.experimental.tasks.getTask(id);
    expect(task.status).toBe("cancelled");
    expect(String(task.statusMessage)).toMatch(/cancel_not_delivered/);
    // The worker trains to the end: KTRDR deletes the checkpoint and keeps saying cancelled.
    await admin(stack.backendOrigin, `/__jobs/${id}/finish`, {});
    const after: ToolReply = await until(
      "outcome_unknown",
      () => status(id),
      (r) => r.data.anomaly === "outcome_unknown",
    );
    expect(after.data.status).toBe("cancelled");
    expect(after.data.unknown).toContain("outcome");
  });
});

describe("13. v2026 with the restart and cancel quirks off: no anomaly, no note", () => {
  beforeAll(async () => {
    await admin(stack.backendOrigin, "/__quirks", { disable: QUIRKS });
  });

  it("a restart mid-training and a cancel: plain answers throughout", async () => {
    const id = await startSlow();
    await until(
      "training",
      () => status(id),
      (r) => r.data.status === "running" && typeof r.data.progress_percentage === "number",
    );
    await restart();
    const after = await until(
      "progress after the restart",
      () => status(id),
      (r) => typeof r.data.progress_percentage === "number",
    );
    for (const k of ["anomaly", "backend_status", "note"]) expect(after.data, k).not.toHaveProperty(k);
    const c = await s.call("cancel_operation", { operation_id: id, reason: "witness e2e: quirks off" });
    expect(c.data).toMatchObject({ success: true, status: "cancelled", remote_cancelled: true });
    expect(c.data).not.toHaveProperty("anomaly");
    expect(c.data).not.toHaveProperty("note");
    const v = await until(
      "confirmed by its checkpoint",
      () => status(id),
      (r) => (r.data.checkpoint as { type?: string } | undefined)?.type === "cancellation",
    );
    expect(v.data.status).toBe("cancelled");
    expect(v.data).not.toHaveProperty("anomaly");
    expect(v.data).not.toHaveProperty("backend_status");
  });
});

describe("v2026: a lost worker (design-18 §8.4 items 5, 6)", () => {
  const running = (id: string) =>
    until(
      "training on its worker",
      () => status(id),
      (r) => r.data.status === "running" && Number(r.data.progress_percentage ?? 0) > 0,
    );

  it("5. its worker killed: worker_lost; a fresh worker claims it without training: worker_replaced; a cancel ends it", async () => {
    const id = await startSlow();
    await running(id);
    await admin(stack.backendOrigin, "/__workers/training/kill", {});
    const lost = await until(
      "worker_lost",
      () => status(id),
      (r) => r.data.anomaly === "worker_lost",
    );
    expect(lost.data.status).toBe("running");
    expect(lost.data.note, lost.text).toEqual(expect.any(String));

    await admin(stack.backendOrigin, "/__workers/training/start", {});
    const replaced = await until(
      "worker_replaced",
      () => status(id),
      (r) => r.data.anomaly === "worker_replaced",
    );
    expect(replaced.data.status).toBe("running");
    expect(replaced.data.note, replaced.text).toEqual(expect.any(String));

    const c = await s.call("cancel_operation", { operation_id: id });
    expect(c.isError, c.text).toBe(false);
    expect(c.data).toMatchObject({ success: true, operation_id: id, status: "cancelled" });
  });

  it("6. killed and not replaced: KTRDR's orphan detector fails it, and the agent reads KTRDR's failure", async () => {
    await admin(stack.backendOrigin, "/__clocks", { orphan_timeout_ms: 1500, orphan_interval_ms: 300 });
    try {
      const id = await startSlow();
      await running(id);
      await admin(stack.backendOrigin, "/__workers/training/kill", {});
      const failed = await until(
        "failed by the orphan detector",
        () => status(id),
        (r) => r.data.status === "failed",
        30_000,
      );
      expect(failed.data.error_message, failed.text).toEqual(expect.any(String));
      expect(failed.data).not.toHaveProperty("anomaly");
    } finally {
      await admin(stack.backendOrigin, "/__clocks", { orphan_timeout_ms: 60_000, orphan_interval_ms: 15_000 });
      // The files after this one train too: a training worker again.
      await admin(stack.backendOrigin, "/__workers/training/start", {});
    }
  });
});
