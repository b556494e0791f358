// A simulated backend restart (POST /__restart). v2025 keeps operations in memory only, so it forgets
// them all. v2026 restarts its API process: the in-memory cache is emptied and rebuilt from the
// database on reads (v2026-list-cache: the list stays nearly empty), tasks that ran in the backend
// die with it (research cycles are failed at start-up, as upstream's reconciliation does; other
// local operations stay `running` in the database for the orphan detector), worker jobs go on, and
// the workers register again a few seconds later (GET /workers is empty until then).
import type { Ctx } from "./context.ts";
import { paced } from "./context.ts";
import { isActiveStatus } from "./operations.ts";
import { nowMicros } from "./util.ts";
import type { JsonObject } from "./util.ts";

export function restartBackend(ctx: Ctx, workersAfterMs?: number | null): JsonObject {
  ctx.startedAt = Date.now();
  const wire = ctx.opts.wire;
  if (wire === "v2025") {
    const forgotten = ctx.ops.all().length;
    ctx.ops.clear();
    return { restarted: true, wire, operations_forgotten: forgotten };
  }
  const was = ctx.ops.forgetCache();
  for (const op of was) {
    if (op.remote || !op.hasTask || !isActiveStatus(op.status) || op.killed) continue;
    op.killed = true;
    op.abort.abort();
    if (op.backendLocal) {
      const checkpoint = ctx.db.checkpoint(op.id) !== undefined;
      ctx.db.update(op.id, {
        status: "failed",
        completed_at: nowMicros(),
        progress_percent: 0,
        error_message: checkpoint ? "Backend restarted - checkpoint available for resume" : "Backend restarted - no checkpoint available",
      });
    }
  }
  const afterMs = paced(workersAfterMs ?? ctx.opts.reregisterMs, 4000, ctx.opts.pace);
  ctx.workers.backendRestarted(afterMs);
  if (!ctx.quirks.has("v2026-restart-loses-progress")) {
    // A clean backend finds the jobs its workers still run and follows them again.
    for (const row of ctx.db.all()) {
      const job = ctx.workers.jobOf(row.operation_id)?.job;
      if (!job?.record.remote || !isActiveStatus(job.record.status)) continue;
      job.record.listed = false;
      job.record.view = "db";
      job.record.proxied = true;
      ctx.ops.adopt(job.record);
    }
  }
  let listed = 0;
  if (!ctx.quirks.has("v2026-list-cache")) {
    for (const row of ctx.db.all()) {
      const op = ctx.ops.get(row.operation_id);
      if (op) {
        op.listed = true;
        listed++;
      }
    }
  }
  ctx.orphans.start();
  return { restarted: true, wire, operations_kept: ctx.db.all().length, listed, workers_register_after_ms: afterMs };
}
