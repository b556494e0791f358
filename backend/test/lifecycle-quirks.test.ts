// The v2026 life cycle beyond start → finish, with each upstream quirk on and off: checkpoints,
// resume (v2026-resume-untracked, v2026-resume-without-checkpoint-fails), the cancel that does not
// reach the worker (v2026-undelivered-cancel), a backend restart (v2026-restart-loses-progress), a
// lost worker and the orphan detector (v2026-worker-claims-dead-op), KTRDR's retry (retry-ghost),
// PATCH /status (v2026-patch-status-drops-message) and the dummy cancelled early
// (v2026-dummy-early-cancel-fails). Driven through the admin routes the e2e tests use.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { admin, call, dbRow, loadData, sleep, startTestBackend, until, waitForOp } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

let b: TestBackend;
const api = (method: string, path: string, body?: unknown) => call(b.url, method, path, body);
const quirks = (o: { enable?: string[]; disable?: string[] }) => admin(b, "POST", "/__quirks", o);
const SLOW = { strategy_name: "mcp_smoke_slow", symbols: ["EURUSD"], timeframes: ["1h"], start_date: "2024-01-01", end_date: "2024-12-31" };

/** A slow training that has finished at least `epochs` epochs. */
async function runningTraining(epochs = 12): Promise<string> {
  const r = await until("the training worker", async () => {
    const s = await api("POST", "/trainings/start", SLOW);
    return s.status === 200 ? s : null;
  });
  const id = r.body.task_id as string;
  await waitForOp(b.url, id, (op) => op.status === "running" && op.progress.steps_completed >= epochs);
  return id;
}

const checkpoint = async (id: string) => {
  const r = await api("GET", `/checkpoints/${id}`);
  return r.status === 200 ? r.body.data : null;
};
const trainingWorker = async () => (await api("GET", "/workers")).body.find((w: { worker_type: string }) => w.worker_type === "training");
/** Let a training finish after its current epoch (admin), then wait until its database row ends. */
async function finish(id: string): Promise<any> {
  await admin(b, "POST", `/__jobs/${id}/finish`);
  return until(`${id} to end in the database`, async () => {
    const row = await dbRow(b, id);
    return row && row.status !== "running" && row.status !== "cancelled" && row.status !== "pending" ? row : null;
  });
}

beforeAll(async () => {
  b = await startTestBackend({ wire: "v2026", faults: true, workerReleaseMs: 0, researchPollMs: 20 });
  await loadData(b.url, "v2026", { symbol: "EURUSD", timeframe: "1h", mode: "tail", start_date: "2024-01-01", end_date: "2024-12-31" });
});
afterAll(() => b.close());
// A test that failed half-way may leave a 1,500-epoch training on the worker: end it.
afterEach(async () => {
  const w = await admin(b, "GET", "/__workers");
  for (const p of w.body.processes as { job: string | null }[]) if (p.job) await admin(b, "POST", `/__jobs/${p.job}/finish`);
});
beforeEach(async () => {
  await quirks({ enable: ["all"] });
  await admin(b, "POST", "/__workers", { release_ms: 0 });
  await admin(b, "POST", "/__orphans", { timeout_ms: 60_000, interval_ms: 15_000 });
  // The one training worker must be free for the next test.
  await until("a free training worker", async () => (await trainingWorker())?.status === "available", 60_000);
});

describe("checkpoints", () => {
  it("none at first; a periodic one every 10 epochs, replaced by a cancellation one; the routes and their errors", async () => {
    expect((await api("GET", "/checkpoints/op_unknown_123")).body).toEqual({ detail: "Checkpoint not found: op_unknown_123" });
    const id = await runningTraining(1);
    const first = await until("the first periodic checkpoint", () => checkpoint(id));
    expect(first).toMatchObject({ operation_id: id, checkpoint_type: "periodic", state: { epoch: 10 } });
    expect(Object.keys(first.state).sort()).toEqual(
      [
        "best_val_loss",
        "epoch",
        "learning_rate",
        "original_request",
        "train_accuracy",
        "train_loss",
        "training_history",
        "val_accuracy",
        "val_loss",
      ].sort(),
    );
    expect(first.state.training_history.val_loss).toHaveLength(11); // this run's epochs 0…10
    expect(first.state.original_request).toMatchObject({ symbols: ["EURUSD"], timeframes: ["1h"], start_date: "2024-01-01" });
    const list = (await api("GET", "/checkpoints")).body;
    expect(list.total_count).toBe(1);
    expect(list.data[0]).toMatchObject({ operation_id: id, checkpoint_type: "periodic", artifacts_size_bytes: expect.any(Number) });
    expect(list.data[0]).toHaveProperty("state_summary");
    expect((await api("GET", "/checkpoints?older_than_days=0")).body.total_count).toBe(1);
    const stats = (await api("GET", "/checkpoints/stats")).body;
    expect(stats).toMatchObject({ success: true, total_checkpoints: 1, oldest_checkpoint: expect.stringMatching(/Z$/) });
    expect(stats.total_size_bytes).toBeGreaterThan(0);
    expect((await api("DELETE", `/operations/${id}`, { reason: "pause" })).body.data.remote_cancelled).toBe(true);
    const cancelled = await until("the cancellation checkpoint", async () => {
      const c = await checkpoint(id);
      return c?.checkpoint_type === "cancellation" ? c : null;
    });
    expect(cancelled.state.epoch).toBeGreaterThanOrEqual(10);
    expect((await api("POST", "/checkpoints/cleanup")).body).toEqual({
      success: true,
      checkpoints_deleted: 0,
      orphan_artifacts_cleaned: 0,
    });
    const bad = await api("POST", "/checkpoints/cleanup?max_age_days=0");
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0]).toMatchObject({
      field: "query -> max_age_days",
      message: "Input should be greater than or equal to 1",
    });
    expect((await api("DELETE", `/checkpoints/${id}`)).body).toEqual({ success: true, message: "Checkpoint deleted" });
    expect((await api("DELETE", `/checkpoints/${id}`)).status).toBe(404);
    expect((await api("GET", "/checkpoints/stats")).body).toMatchObject({ total_checkpoints: 0, oldest_checkpoint: null });
  });

  it("a training that completes has its checkpoint deleted", async () => {
    const id = await runningTraining(12);
    expect(await checkpoint(id)).not.toBeNull();
    const row = await finish(id);
    expect(row).toMatchObject({ status: "completed", progress_percent: 100 });
    expect(await checkpoint(id)).toBeNull();
    expect(await api("POST", `/operations/${id}/resume`)).toMatchObject({
      status: 409,
      body: { detail: `Operation ${id} is already completed` },
    });
  });
});

describe("resume", () => {
  it("503 while the worker frees; then the same id resumes from the checkpoint — over the API resuming at 0 % (v2026-resume-untracked)", async () => {
    const id = await runningTraining(12);
    // Health checks every 1.5 s from now: the worker reads busy for a while after the cancel.
    await admin(b, "POST", "/__workers", { release_ms: 1500 });
    await api("DELETE", `/operations/${id}`, { reason: "pause" });
    await until("the cancellation checkpoint", async () => (await checkpoint(id))?.checkpoint_type === "cancellation");
    expect(await api("POST", `/operations/${id}/resume`)).toMatchObject({
      status: 503,
      body: { detail: "No training worker available to resume operation" },
    });
    const resumed = await until("the worker to free", async () => {
      const r = await api("POST", `/operations/${id}/resume`);
      return r.status === 200 ? r.body : null;
    });
    const from = resumed.data.resumed_from;
    expect(resumed).toEqual({
      success: true,
      data: {
        operation_id: id,
        status: "resuming",
        resumed_from: { checkpoint_type: "cancellation", created_at: expect.any(String), epoch: from.epoch },
      },
    });
    // The worker trains on from the checkpoint (its periodic checkpoints move past it)…
    await until("a later periodic checkpoint", async () => {
      const c = await checkpoint(id);
      return c?.checkpoint_type === "periodic" && c.state.epoch > from.epoch;
    });
    const later = await checkpoint(id);
    expect(later.state.training_history.val_loss.length).toBe(later.state.epoch - from.epoch); // this run's history only
    // …while the API says resuming at 0 % without metrics; the database says running.
    const op = (await api("GET", `/operations/${id}`)).body.data;
    expect(op).toMatchObject({ status: "resuming", progress: { percentage: 0, current_step: null }, metrics: null });
    expect((await api("GET", `/operations/${id}/metrics`)).body.data.metrics).toEqual([[], 0]);
    expect((await dbRow(b, id)).status).toBe("running");
    const list = (await api("GET", "/operations?operation_type=training&limit=100")).body;
    expect(list.data.find((r: { operation_id: string }) => r.operation_id === id)).toMatchObject({
      status: "resuming",
      progress_percentage: 0,
    });
    expect(await until("the worker's health check", async () => (await trainingWorker()).current_operation_id === id)).toBe(true);
    await finish(id);
    // Not recorded (every recorded resumed run was cancelled): once the worker completes, the API follows the database.
    expect((await waitForOp(b.url, id)).status).toBe("completed");
  });

  it("without v2026-resume-untracked the resumed training reports progress", async () => {
    await quirks({ disable: ["v2026-resume-untracked"] });
    const id = await runningTraining(12);
    await api("DELETE", `/operations/${id}`);
    await until("the cancellation checkpoint", async () => (await checkpoint(id))?.checkpoint_type === "cancellation");
    const r = await until("the resume", async () => {
      const x = await api("POST", `/operations/${id}/resume`);
      return x.status === 200 ? x.body : null;
    });
    const from = r.data.resumed_from.epoch;
    const op = await waitForOp(b.url, id, (o) => o.status === "running" && o.progress.steps_completed > from + 2);
    expect(op.progress.percentage).toBeGreaterThan(0);
    await api("DELETE", `/operations/${id}`);
  });

  it("a deleted checkpoint: 404, and the operation turns failed (v2026-resume-without-checkpoint-fails); off, it stays cancelled", async () => {
    for (const quirk of [true, false]) {
      await quirks(quirk ? { enable: ["v2026-resume-without-checkpoint-fails"] } : { disable: ["v2026-resume-without-checkpoint-fails"] });
      const id = await runningTraining(2);
      await api("DELETE", `/operations/${id}`);
      await until("the cancellation checkpoint", () => checkpoint(id));
      expect((await api("DELETE", `/checkpoints/${id}`)).status).toBe(200);
      expect(await api("POST", `/operations/${id}/resume`)).toMatchObject({
        status: 404,
        body: { detail: `No checkpoint available for operation ${id}` },
      });
      const op = (await api("GET", `/operations/${id}`)).body.data;
      if (quirk) expect(op).toMatchObject({ status: "failed", error_message: null, progress: { percentage: 0 } });
      else expect(op.status).toBe("cancelled");
    }
  });

  it("unknown → 404; a dummy has no checkpoint → 404", async () => {
    expect(await api("POST", "/operations/op_training_20990101_000000_deadbeef/resume")).toMatchObject({
      status: 404,
      body: { detail: "Operation not found: op_training_20990101_000000_deadbeef" },
    });
    const d = (await api("POST", "/dummy/start")).body.data.operation_id;
    await api("DELETE", `/operations/${d}`);
    expect(await api("POST", `/operations/${d}/resume`)).toMatchObject({
      status: 404,
      body: { detail: `No checkpoint available for operation ${d}` },
    });
  });
});

describe("the cancel that does not reach the worker", () => {
  async function resumedTraining(): Promise<string> {
    const id = await runningTraining(12);
    await api("DELETE", `/operations/${id}`);
    await until("the cancellation checkpoint", async () => (await checkpoint(id))?.checkpoint_type === "cancellation");
    await until("the resume", async () => (await api("POST", `/operations/${id}/resume`)).status === 200);
    return id;
  }

  it("v2026-undelivered-cancel: a resumed training cancelled — the worker trains on; the database ends completed with the reason, the API says cancelled", async () => {
    const id = await resumedTraining();
    const before = (await until("a periodic checkpoint", async () => {
      const c = await checkpoint(id);
      return c?.checkpoint_type === "periodic" ? c : null;
    })) as { state: { epoch: number } };
    const c = await api("DELETE", `/operations/${id}`, { reason: "stop the resumed one" });
    expect(c.body.data).toMatchObject({ status: "cancelled", task_cancelled: false, remote_cancelled: false, children_cancelled: [] });
    expect((await api("GET", `/operations/${id}`)).body.data).toMatchObject({ status: "cancelled", error_message: "stop the resumed one" });
    expect((await dbRow(b, id)).status).toBe("cancelled");
    expect(await until("the worker to report it", async () => (await trainingWorker()).current_operation_id === id)).toBe(true);
    await until("the checkpoint to move on after the cancel", async () => {
      const now = await checkpoint(id);
      return now?.checkpoint_type === "periodic" && now.state.epoch > before.state.epoch + 10;
    });
    const row = await finish(id);
    expect(row).toMatchObject({ status: "completed", progress_percent: 100, error_message: "stop the resumed one" });
    expect((await api("GET", `/operations/${id}`)).body.data.status).toBe("cancelled");
    expect(await api("GET", `/operations/${id}/results`)).toMatchObject({
      status: 400,
      body: { detail: "Operation not finished (status: cancelled)" },
    });
    expect(await checkpoint(id)).toBeNull(); // deleted at completion
    expect(await api("POST", `/operations/${id}/resume`)).toMatchObject({
      status: 409,
      body: { detail: `Cannot resume operation ${id} from status cancelled` },
    });
  });

  it("off: the cancel reaches the worker (a cancellation checkpoint; the database stays cancelled)", async () => {
    await quirks({ disable: ["v2026-undelivered-cancel"] });
    const id = await resumedTraining();
    const c = await api("DELETE", `/operations/${id}`, { reason: "stop" });
    expect(c.body.data.remote_cancelled).toBe(true);
    await until("the cancellation checkpoint", async () => (await checkpoint(id))?.checkpoint_type === "cancellation");
    await until("the worker to be free", async () => (await trainingWorker()).status === "available");
    expect((await dbRow(b, id)).status).toBe("cancelled");
  });
});

describe("backend restart (POST /__restart)", () => {
  it("v2026-restart-loses-progress: running at 0 % while the worker trains on; no workers until they register again; the cancel does not reach the worker", async () => {
    const id = await runningTraining(12);
    const r = await admin(b, "POST", "/__restart", { workers_after_ms: 300 });
    expect(r.body).toMatchObject({ restarted: true, wire: "v2026", listed: 0, workers_register_after_ms: 300 });
    expect((await api("GET", "/workers")).body).toEqual([]);
    const busy = await api("POST", "/trainings/start", SLOW);
    expect(busy.status).toBe(503);
    expect(busy.body.detail).toMatchObject({ error: "No training workers available", registered_workers: 0 });
    expect((await api("GET", "/operations")).body).toMatchObject({ data: [], total_count: 0, active_count: 0 });
    const op = (await api("GET", `/operations/${id}`)).body.data;
    expect(op).toMatchObject({ status: "running", progress: { percentage: 0, current_step: null, steps_completed: 0 }, metrics: null });
    expect((await api("GET", "/operations")).body.data.map((x: { operation_id: string }) => x.operation_id)).toEqual([id]);
    // The worker trains on: its checkpoints move, and once it registered again /workers shows it busy.
    const cp = (await checkpoint(id)).state.epoch;
    await until("a later checkpoint", async () => (await checkpoint(id)).state.epoch > cp);
    expect(await until("the workers to register again", async () => (await trainingWorker())?.current_operation_id === id)).toBe(true);
    const c = await api("DELETE", `/operations/${id}`, { reason: "after the restart" });
    expect(c.body.data).toMatchObject({ status: "cancelled", remote_cancelled: false });
    expect((await trainingWorker()).current_operation_id).toBe(id);
    const row = await finish(id);
    expect(row).toMatchObject({ status: "completed", error_message: "after the restart" });
    expect((await api("GET", `/operations/${id}`)).body.data.status).toBe("cancelled");
  });

  it("off (and the cancel delivered): the restarted backend follows the worker's progress again", async () => {
    await quirks({ disable: ["v2026-restart-loses-progress", "v2026-undelivered-cancel"] });
    const id = await runningTraining(12);
    await admin(b, "POST", "/__restart", { workers_after_ms: 0 });
    const op = await waitForOp(b.url, id, (o) => o.progress.steps_completed > 12);
    expect(op.progress.percentage).toBeGreaterThan(0);
    expect((await api("DELETE", `/operations/${id}`)).body.data.remote_cancelled).toBe(true);
    await until("the cancellation checkpoint", async () => (await checkpoint(id))?.checkpoint_type === "cancellation");
  });
});

describe("a lost worker (POST /__workers/training/kill and /start)", () => {
  it("the operation stays running in the database until the orphan detector fails it", async () => {
    await admin(b, "POST", "/__workers", { release_ms: 100 });
    await admin(b, "POST", "/__orphans", { timeout_ms: 400, interval_ms: 100 });
    const id = await runningTraining(12);
    const killed = await admin(b, "POST", "/__workers/training/kill");
    expect(killed.body).toMatchObject({ operation_id: id });
    const stale = (await api("GET", `/operations/${id}`)).body.data;
    expect(stale.status).toBe("running");
    expect(stale.progress.percentage).toBeGreaterThan(0); // the last progress it pulled
    expect((await dbRow(b, id)).status).toBe("running");
    // The dead worker is dropped after two failed health checks; then the detector notes the operation…
    await until(
      "the detector to note it",
      async () => (await api("GET", "/health")).body.orphan_detector.potential_orphans_count === 1,
      5000,
    );
    // …and fails it once the timeout has passed.
    const failed = await waitForOp(b.url, id, (o) => o.status === "failed", 5000);
    expect(failed.error_message).toBe("Operation was RUNNING but no worker claimed it");
    expect(await dbRow(b, id)).toMatchObject({ status: "failed", error_message: "Operation was RUNNING but no worker claimed it" });
    expect((await admin(b, "POST", "/__workers/training/start")).body).toMatchObject({ claims: null });
    // A failed training with a checkpoint can be resumed, from the last periodic checkpoint.
    expect((await checkpoint(id))?.checkpoint_type).toBe("periodic");
    const r = await until("the resume", async () => {
      const x = await api("POST", `/operations/${id}/resume`);
      return x.status === 200 ? x.body : null;
    });
    expect(r.data.resumed_from).toMatchObject({ checkpoint_type: "periodic", epoch: 10 });
    await finish(id);
  });

  it("v2026-worker-claims-dead-op: a fresh worker reports the dead operation as its own; it stays running at 0 % until cancelled", async () => {
    await admin(b, "POST", "/__workers", { release_ms: 100 });
    await admin(b, "POST", "/__orphans", { timeout_ms: 300, interval_ms: 100 });
    const id = await runningTraining(2);
    const dead = (await admin(b, "POST", "/__workers/training/kill")).body.killed;
    const fresh = await admin(b, "POST", "/__workers/training/start");
    expect(fresh.body).toMatchObject({ claims: id });
    expect(fresh.body.started).not.toBe(dead);
    const w = await until("the fresh worker's first health check", async () => {
      const x = await trainingWorker();
      return x.status === "busy" ? x : null;
    });
    expect(w).toMatchObject({ worker_id: fresh.body.started, current_operation_id: id });
    const op = (await api("GET", `/operations/${id}`)).body.data;
    expect(op).toMatchObject({ status: "running", progress: { percentage: 0, current_step: null } });
    await sleep(700); // well past the orphan timeout: claimed, so never failed
    expect((await api("GET", `/operations/${id}`)).body.data.status).toBe("running");
    expect((await api("GET", "/health")).body.orphan_detector.potential_orphans_count).toBe(0);
    expect((await api("DELETE", `/operations/${id}`)).body.data.remote_cancelled).toBe(true);
    await until("the worker to be free", async () => (await trainingWorker()).status === "available");
  });

  it("off: the fresh worker starts idle and the orphan detector fails the dead operation", async () => {
    await quirks({ disable: ["v2026-worker-claims-dead-op"] });
    await admin(b, "POST", "/__workers", { release_ms: 100 });
    await admin(b, "POST", "/__orphans", { timeout_ms: 300, interval_ms: 100 });
    const id = await runningTraining(2);
    await admin(b, "POST", "/__workers/training/kill");
    expect((await admin(b, "POST", "/__workers/training/start")).body.claims).toBeNull();
    expect((await waitForOp(b.url, id, (o) => o.status === "failed", 5000)).error_message).toBe(
      "Operation was RUNNING but no worker claimed it",
    );
  });

  it("admin errors: an unknown type, killing nothing, starting beside a live worker", async () => {
    expect((await admin(b, "POST", "/__workers/gpu/kill")).status).toBe(404);
    expect((await admin(b, "POST", "/__workers/training/start")).status).toBe(409);
    await admin(b, "POST", "/__workers/backtesting/kill");
    expect((await admin(b, "POST", "/__workers/backtesting/kill")).status).toBe(409);
    await admin(b, "POST", "/__workers/backtesting/start");
  });
});

describe("KTRDR's retry", () => {
  it("retry-ghost: a pending record nobody runs, not in the database, listed and counted; a DELETE and it is gone; off: the work again", async () => {
    await admin(b, "POST", "/__ib", { connected: false });
    const load = await api("POST", "/data/acquire/download", { symbol: "EURUSD", timeframe: "1h", mode: "tail" });
    const failed = await waitForOp(b.url, load.body.operation_id);
    expect(failed).toMatchObject({
      status: "failed",
      error_message: "Host service connection failed: HTTP error for POST /data/validate: All connection attempts failed",
    });
    const r = await api("POST", `/operations/${failed.operation_id}/retry`);
    expect(r.status).toBe(200);
    const ghost = r.body.data;
    expect(ghost).toMatchObject({ operation_type: "data_load", status: "pending", parent_operation_id: null, metadata: failed.metadata });
    expect(ghost.operation_id).toMatch(/^op_retry_data_load_/);
    await sleep(300);
    expect((await api("GET", `/operations/${ghost.operation_id}`)).body.data).toMatchObject({ status: "pending", started_at: null });
    expect(await dbRow(b, ghost.operation_id)).toBeNull();
    const active = (await api("GET", "/operations?active_only=true")).body;
    expect(active.data.map((x: { operation_id: string }) => x.operation_id)).toContain(ghost.operation_id);
    expect(active.active_count).toBeGreaterThanOrEqual(1);
    expect(await api("GET", `/operations/${ghost.operation_id}/results`)).toMatchObject({
      status: 400,
      body: { detail: "Operation not finished (status: pending)" },
    });
    const c = await api("DELETE", `/operations/${ghost.operation_id}`, { reason: "never runs" });
    expect(c.body.data).toMatchObject({ status: "cancelled", task_cancelled: false, remote_cancelled: false });
    expect((await api("GET", `/operations/${ghost.operation_id}`)).status).toBe(404);
    const done = (await api("GET", "/operations?operation_type=training&status=completed")).body.data[0];
    if (done) {
      expect(await api("POST", `/operations/${done.operation_id}/retry`)).toMatchObject({
        status: 400,
        body: { detail: `Operation ${done.operation_id} cannot be retried (status: OperationStatus.COMPLETED)` },
      });
    }
    await quirks({ disable: ["retry-ghost"] });
    await admin(b, "POST", "/__ib", { connected: true });
    const again = (await api("POST", `/operations/${failed.operation_id}/retry`)).body.data;
    expect((await waitForOp(b.url, again.operation_id)).status).toBe("completed");
    expect((await dbRow(b, again.operation_id)).status).toBe("completed");
  });
});

describe("PATCH /operations/{id}/status", () => {
  it("sets the status (and completed_at) but drops the message (v2026-patch-status-drops-message); off: keeps it", async () => {
    const d = (await api("POST", "/dummy/start")).body.data.operation_id;
    expect(await api("PATCH", `/operations/${d}/status`, { status: "FAILED", error_message: "probe" })).toMatchObject({
      status: 200,
      body: { success: true, operation_id: d, previous_status: "running", new_status: "failed" },
    });
    expect((await api("GET", `/operations/${d}`)).body.data).toMatchObject({ status: "failed", error_message: null });
    expect((await dbRow(b, d)).status).toBe("failed");
    await quirks({ disable: ["v2026-patch-status-drops-message"] });
    await api("PATCH", `/operations/${d}/status`, { status: "failed", error_message: "kept" });
    expect((await api("GET", `/operations/${d}`)).body.data.error_message).toBe("kept");
    expect(await api("PATCH", "/operations/op_unknown_20990101/status", { status: "CANCELLED" })).toMatchObject({
      status: 404,
      body: { detail: "Operation not found: op_unknown_20990101" },
    });
    expect(await api("PATCH", `/operations/${d}/status`, { status: "bogus" })).toMatchObject({
      status: 400,
      body: {
        success: false,
        error: { code: "OPERATIONS-StatusUpdateError", details: { operation_id: d, error: "'bogus' is not a valid OperationStatus" } },
      },
    });
  });
});

describe("a dummy cancelled in its first iteration", () => {
  it("v2026-dummy-early-cancel-fails: failed (error null) — the database first, the API an iteration later; off: completed", async () => {
    const d = (await api("POST", "/dummy/start")).body.data.operation_id;
    await api("DELETE", `/operations/${d}`, { reason: "early" });
    expect((await api("GET", `/operations/${d}`)).body.data.status).toBe("cancelled");
    await until("the database row to fail", async () => (await dbRow(b, d))?.status === "failed");
    const op = await waitForOp(b.url, d, (o) => o.status !== "cancelled");
    expect(op).toMatchObject({ status: "failed", error_message: null });
    await quirks({ disable: ["v2026-dummy-early-cancel-fails"] });
    const d2 = (await api("POST", "/dummy/start")).body.data.operation_id;
    await api("DELETE", `/operations/${d2}`);
    expect((await waitForOp(b.url, d2, (o) => o.status !== "cancelled")).status).toBe("completed");
  });
});
