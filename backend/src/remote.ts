// v2026 operations that run on a worker: how the API's record, the worker's job and the database
// row relate. Normally the API's record *is* the record the worker's task writes (upstream pulls the
// worker's progress on every read through its proxy). Three upstream bugs split them (see quirks.ts):
// after a backend restart the API rebuilds its record from the database and has no proxy
// (v2026-restart-loses-progress, v2026-undelivered-cancel); a resumed training runs on a copy the API
// never hears from (v2026-resume-untracked); a killed worker leaves the record as it was until a fresh
// worker registers on its endpoint, which then claims the dead operation (v2026-worker-claims-dead-op).
import type { Ctx } from "./context.ts";
import { emptyProgress, isActiveStatus, newOperation } from "./operations.ts";
import type { Operation, Task } from "./operations.ts";
import type { WorkerProcess, WorkerType } from "./workers.ts";

export function workerTypeOf(op: Operation): WorkerType | null {
  return op.type === "training" ? "training" : op.type === "backtesting" ? "backtesting" : null;
}

/** When a worker's job ends, the database already has its outcome; an API record that lost track follows it. */
function afterJobEnd(ctx: Ctx, record: Operation): void {
  ctx.workers.ended(record);
  const api = ctx.ops.peek(record.id);
  if (!api || api === record || !isActiveStatus(api.status)) return;
  const row = ctx.db.get(record.id);
  if (!row || isActiveStatus(row.status)) return;
  // Not recorded (every recorded detached run was cancelled first): the API takes the row's outcome.
  api.status = row.status;
  api.completedAt = row.completed_at;
  api.resultSummary = row.result_summary;
  api.errorMessage = row.error_message;
  api.progress = { ...emptyProgress(), percentage: row.progress_percent };
  ctx.ops.markEnded(api);
}

/** A worker picks up a dispatched operation this long after the start answered (it reads `pending` until then). */
const PICKUP_MS = 100;

/** Start a worker operation: the worker's job writes this very record (the API tracks it). */
export function runOnWorker(ctx: Ctx, op: Operation, type: WorkerType, task: Task): void {
  op.proxied = true;
  op.onEnd.push(() => afterJobEnd(ctx, op));
  ctx.workers.dispatch(type, op, { markBusy: true, select: type === "backtesting" });
  ctx.ops.persist(op);
  setTimeout(() => ctx.ops.run(op, task), PICKUP_MS);
}

/** The worker id a start will get (the registered worker of that type). */
export function workerIdFor(ctx: Ctx, type: WorkerType): string {
  return ctx.workers.process(type)?.id ?? `${type}-worker`;
}

/**
 * Resume on the worker. Tracked: the API record runs again. Untracked (v2026-resume-untracked): the
 * worker runs a copy of it, the API record stays `resuming` at 0 % and the registry is not told the
 * worker is busy (only `metadata.last_selected` changes) until its next health check.
 */
export function resumeOnWorker(ctx: Ctx, op: Operation, task: Task): void {
  const untracked = ctx.quirks.has("v2026-resume-untracked");
  let record = op;
  if (untracked) {
    record = newOperation(op.id, op.type, op.createdAt, { ...op.metadata });
    record.remote = true;
    record.status = "resuming";
    record.startedAt = op.startedAt;
    record.dbDates = { ...op.dbDates };
    op.proxied = false;
  } else {
    op.proxied = true;
  }
  record.onEnd.push(() => afterJobEnd(ctx, record));
  ctx.workers.dispatch("training", record, { markBusy: !untracked, select: true });
  ctx.ops.run(record, task);
}

/** The live worker on the endpoint an operation was dispatched to (a fresh one after a crash). */
function liveWorker(ctx: Ctx, op: Operation): WorkerProcess | undefined {
  const type = workerTypeOf(op);
  return type ? ctx.workers.process(type) : undefined;
}

/**
 * What a read of the operation learns from its worker (upstream's proxy refresh). A tracked record is
 * the job's own record, so there is nothing to copy — except when its worker died: while no worker
 * answers on the endpoint the last progress stays; once a fresh worker answers without the job, the
 * record falls back to the database row (running, 0 %).
 */
export function observe(ctx: Ctx, op: Operation): void {
  if (!op.remote || !op.proxied || !isActiveStatus(op.status) || !op.killed) return;
  const worker = liveWorker(ctx, op);
  if (!worker || worker.job?.opId === op.id) return;
  if (op.progress.percentage !== 0 || op.progress.current_step !== null) op.progress = emptyProgress();
}

/** Whether a read of a running training may take an epoch snapshot from its worker (v2026-metrics-nesting). */
export function workerEpochs(ctx: Ctx, op: Operation): Operation["epochs"] | null {
  if (!op.remote || !op.proxied) return null;
  if (!op.killed) return op.epochs;
  const worker = liveWorker(ctx, op);
  return worker && worker.job?.opId !== op.id ? [] : null;
}

/**
 * Deliver a cancel to the worker. Returns whether it reached one (`remote_cancelled`). With
 * v2026-undelivered-cancel an API record without a proxy reaches nobody: the worker goes on.
 */
export function deliverCancel(ctx: Ctx, op: Operation, reason: string | null): boolean {
  const worker = liveWorker(ctx, op);
  const runner = ctx.workers.jobOf(op.id);
  if (op.proxied) {
    if (!worker) return false;
    if (worker.claim === op.id) ctx.workers.dropClaim(op.id);
    const record = runner?.alive ? runner.job?.record : undefined;
    if (record && record !== op && isActiveStatus(record.status)) ctx.ops.cancel(record, reason);
    return true;
  }
  if (ctx.quirks.has("v2026-undelivered-cancel")) return false;
  // A clean backend finds the worker that runs it.
  const record = runner?.alive ? runner.job?.record : undefined;
  if (record && isActiveStatus(record.status)) {
    ctx.ops.cancel(record, reason);
    return true;
  }
  if (worker?.claim === op.id) {
    ctx.workers.dropClaim(op.id);
    return true;
  }
  return false;
}
