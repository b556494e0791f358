// v2026 checkpoints (GET /checkpoints, /checkpoints/stats, GET/DELETE /checkpoints/{id}, POST
// /checkpoints/cleanup) and resume (POST /operations/{id}/resume).
import { basename } from "node:path";
import { checkpointArtifacts, checkpointSummary, checkpointView, deleteCheckpoint } from "./checkpoints.ts";
import type { Ctx } from "./context.ts";
import type { CheckpointRow } from "./db.ts";
import { isActiveStatus } from "./operations.ts";
import type { Operation } from "./operations.ts";
import { resumeOnWorker } from "./remote.ts";
import type { Router } from "./router.ts";
import { readCheckpointFile } from "./training/checkpoint-file.ts";
import type { TrainingRequest } from "./training/request.ts";
import { trainingTask } from "./training/task.ts";
import { isoMicros, nowMicros } from "./util.ts";
import type { JsonObject } from "./util.ts";
import { QueryCheck } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";
import type { Reply } from "./wire.ts";

const DAY_MS = 86_400_000;

/** The training a checkpoint was taken of, from its `original_request` (the strategy by its file name). */
function requestOf(ctx: Ctx, row: CheckpointRow): TrainingRequest | null {
  const r = row.state.original_request as JsonObject | undefined;
  if (!r || typeof r.strategy_path !== "string") return null;
  const strategy = ctx.strategies.tryLoad(basename(r.strategy_path).replace(/\.ya?ml$/, ""));
  if (!strategy || !Array.isArray(r.symbols) || !Array.isArray(r.timeframes)) return null;
  return {
    strategy,
    symbols: r.symbols.map(String),
    timeframes: r.timeframes.map(String),
    startDate: typeof r.start_date === "string" ? r.start_date : null,
    endDate: typeof r.end_date === "string" ? r.end_date : null,
  };
}

/** v2026-resume-without-checkpoint-fails: the resume has already flipped the record before it finds no checkpoint. */
function failForMissingCheckpoint(ctx: Ctx, op: Operation): void {
  const started = nowMicros();
  op.startedAt = started;
  ctx.db.update(op.id, { started_at: started });
  ctx.ops.fail(op, null);
}

function resume(ctx: Ctx, id: string): Reply {
  const op = ctx.ops.get(id);
  if (!op) return detail(404, `Operation not found: ${id}`);
  if (op.status === "completed") return detail(409, `Operation ${op.id} is already completed`);
  if (isActiveStatus(op.status)) return detail(409, `Operation ${op.id} is already ${op.status}`);
  // Upstream checks the database row (which a worker may have completed after an undelivered cancel).
  const dbStatus = ctx.db.get(op.id)?.status ?? op.status;
  if (dbStatus !== "cancelled" && dbStatus !== "failed") return detail(409, `Cannot resume operation ${op.id} from status ${op.status}`);
  const row = ctx.db.checkpoint(op.id);
  const artifacts = row ? checkpointArtifacts(row) : null;
  const req = row ? requestOf(ctx, row) : null;
  if (!row || !artifacts || !req || op.type !== "training") {
    if (ctx.quirks.has("v2026-resume-without-checkpoint-fails")) failForMissingCheckpoint(ctx, op);
    return detail(404, `No checkpoint available for operation ${op.id}`);
  }
  if (ctx.workers.isBusy("training")) return detail(503, "No training worker available to resume operation");
  const from = readCheckpointFile(artifacts);
  ctx.ops.prepareResume(op);
  resumeOnWorker(ctx, op, trainingTask(ctx, req, from));
  return json(200, {
    success: true,
    data: {
      operation_id: op.id,
      status: "resuming",
      resumed_from: { checkpoint_type: row.checkpoint_type, created_at: isoMicros(row.created_at), epoch: row.state.epoch ?? null },
    },
  });
}

export function registerCheckpointRoutes(router: Router, ctx: Ctx): void {
  const notFound = (id: string): Reply => detail(404, `Checkpoint not found: ${id}`);

  router.add("GET", "/checkpoints", (req) => {
    const check = new QueryCheck(req.query);
    const olderThan = check.int("older_than_days", undefined, 0, 3650);
    if (check.issues.length) return validationError(ctx.opts.wire, check.issues);
    const cutoff = olderThan === undefined ? null : (Date.now() - olderThan * DAY_MS) * 1000;
    const rows = ctx.db
      .allCheckpoints()
      .filter((r) => cutoff === null || r.created_at <= cutoff)
      .sort((a, b) => b.created_at - a.created_at);
    return json(200, { success: true, data: rows.map(checkpointSummary), total_count: rows.length });
  });

  router.add("GET", "/checkpoints/stats", () => {
    const rows = ctx.db.allCheckpoints();
    const oldest = rows.reduce<number | null>((m, r) => (m === null || r.created_at < m ? r.created_at : m), null);
    return json(200, {
      success: true,
      total_checkpoints: rows.length,
      total_size_bytes: rows.reduce((a, r) => a + r.artifacts_size_bytes, 0),
      oldest_checkpoint: oldest === null ? null : isoMicros(oldest),
    });
  });

  router.add("POST", "/checkpoints/cleanup", (req) => {
    const check = new QueryCheck(req.query);
    const maxAge = check.int("max_age_days", 30, 1, 3650)!;
    if (check.issues.length) return validationError(ctx.opts.wire, check.issues);
    const cutoff = (Date.now() - maxAge * DAY_MS) * 1000;
    let deleted = 0;
    for (const r of ctx.db.allCheckpoints()) if (r.created_at < cutoff && deleteCheckpoint(ctx, r.operation_id)) deleted++;
    return json(200, { success: true, checkpoints_deleted: deleted, orphan_artifacts_cleaned: 0 });
  });

  router.add("GET", "/checkpoints/{operation_id}", (_req, p) => {
    const row = ctx.db.checkpoint(p.operation_id!);
    return row ? json(200, { success: true, data: checkpointView(row) }) : notFound(p.operation_id!);
  });

  router.add("DELETE", "/checkpoints/{operation_id}", (_req, p) => {
    if (!deleteCheckpoint(ctx, p.operation_id!)) return notFound(p.operation_id!);
    return json(200, { success: true, message: "Checkpoint deleted" });
  });

  router.add("POST", "/operations/{operation_id}/resume", (_req, p) => resume(ctx, p.operation_id!));
}
