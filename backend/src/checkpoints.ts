// Training checkpoints. Both wires write the model state to `checkpoints/<op id>.json` when a cancel is
// noticed; v2026 also keeps upstream's `operation_checkpoints` rows (db.ts) — a `periodic` one every
// N epochs (10 for the recorded strategies), a `cancellation` one when a cancel reaches the worker, a
// `failure` one when a research cycle fails — one row per operation (a new one replaces it), deleted
// when the training completes. GET/DELETE /checkpoints read and drop them; resume reads them back.
import { existsSync, rmSync, statSync } from "node:fs";
import type { Ctx } from "./context.ts";
import type { CheckpointRow } from "./db.ts";
import type { Operation } from "./operations.ts";
import { checkpointPath, writeCheckpointFile } from "./training/checkpoint-file.ts";
import type { ModelState } from "./training/model-state.ts";
import { snapshot } from "./training/model-state.ts";
import type { TrainingRequest } from "./training/request.ts";
import { isoMicros, nowMicros } from "./util.ts";
import type { JsonObject } from "./util.ts";

/** A periodic checkpoint after every this many epochs (0-based epoch index 10, 20, …), unless the strategy says otherwise. */
export const DEFAULT_CHECKPOINT_EVERY = 10;

/** The state upstream stores: the last epoch's figures, the request, and this run's history. */
function trainingState(req: TrainingRequest, state: ModelState, runStart: number): JsonObject {
  const epochs = state.epochs;
  const last = epochs[epochs.length - 1];
  const run = epochs.slice(runStart);
  return {
    epoch: epochs.length - 1,
    val_loss: last?.val_loss ?? null,
    train_loss: last?.train_loss ?? null,
    val_accuracy: last?.val_accuracy ?? null,
    best_val_loss: Number.isFinite(state.bestVal) ? state.bestVal : null,
    learning_rate: last?.learning_rate ?? null,
    train_accuracy: last?.train_accuracy ?? null,
    original_request: {
      symbols: req.symbols,
      end_date: req.endDate,
      start_date: req.startDate,
      timeframes: req.timeframes,
      strategy_path: req.strategy.path,
    },
    training_history: {
      val_loss: run.map((e) => e.val_loss),
      train_loss: run.map((e) => e.train_loss),
      val_accuracy: run.map((e) => e.val_accuracy),
      train_accuracy: run.map((e) => e.train_accuracy),
    },
  };
}

/**
 * Save a training checkpoint (the model state on disk; on v2026 the database row too).
 * `runStart`: how many epochs were done when this run started (its history starts there).
 */
export function saveTrainingCheckpoint(
  ctx: Ctx,
  op: Operation,
  req: TrainingRequest,
  state: ModelState,
  kind: "periodic" | "cancellation",
  spentSeconds: number,
  runStart: number,
): void {
  const { path, bytes } = writeCheckpointFile(ctx, { operation_id: op.id, ...snapshot(state, spentSeconds) });
  if (ctx.opts.wire !== "v2026") return;
  ctx.db.saveCheckpoint({
    operation_id: op.id,
    checkpoint_type: kind,
    created_at: nowMicros(),
    state: trainingState(req, state, runStart),
    artifacts_path: path,
    artifacts_size_bytes: bytes,
  });
}

/** A failed research cycle's checkpoint (its phase; no artifacts). */
export function saveFailureCheckpoint(ctx: Ctx, op: Operation, state: JsonObject): void {
  ctx.db.saveCheckpoint({
    operation_id: op.id,
    checkpoint_type: "failure",
    created_at: nowMicros(),
    state,
    artifacts_path: null,
    artifacts_size_bytes: 0,
  });
}

/** Drop an operation's checkpoint (row and artifacts); returns whether there was one. */
export function deleteCheckpoint(ctx: Ctx, opId: string): boolean {
  const row = ctx.db.deleteCheckpoint(opId);
  const file = checkpointPath(ctx, opId);
  if (existsSync(file)) rmSync(file, { force: true });
  return row !== undefined;
}

/** The checkpoint's artifacts on disk, if they are still there. */
export function checkpointArtifacts(row: CheckpointRow): string | null {
  return row.artifacts_path && existsSync(row.artifacts_path) && statSync(row.artifacts_path).isFile() ? row.artifacts_path : null;
}

/** GET /checkpoints/{id}. */
export function checkpointView(row: CheckpointRow): JsonObject {
  return {
    operation_id: row.operation_id,
    checkpoint_type: row.checkpoint_type,
    created_at: isoMicros(row.created_at),
    state: row.state,
    artifacts_path: row.artifacts_path,
  };
}

/** A row of GET /checkpoints. */
export function checkpointSummary(row: CheckpointRow): JsonObject {
  return {
    operation_id: row.operation_id,
    checkpoint_type: row.checkpoint_type,
    created_at: isoMicros(row.created_at),
    state_summary: row.state,
    artifacts_size_bytes: row.artifacts_size_bytes,
  };
}
