// Training as an operation, in named phases:
//   dispatch → prepare data → build model → epoch loop (checkpoints) → evaluate → save → summary.
// `from` resumes from a checkpoint (the model state and epoch history it saved).
import type { Ctx } from "../context.ts";
import { CancelledError } from "../operations.ts";
import type { Operation } from "../operations.ts";
import { trainingConfig } from "../strategies.ts";
import { isoMicros, nowMicros, pause } from "../util.ts";
import type { JsonObject } from "../util.ts";
import { readCheckpointFile, writeCheckpointFile } from "./checkpoint-file.ts";
import type { CheckpointFile } from "./checkpoint-file.ts";
import { batchProgress, preparationProgress, runEpochs } from "./epochs.ts";
import { evaluate } from "./evaluate.ts";
import { buildModel, snapshot } from "./model-state.ts";
import type { ModelState } from "./model-state.ts";
import { loadBars, prepareData } from "./prepare-data.ts";
import type { TrainingRequest } from "./request.ts";
import { saveModel, summaryV2025, summaryV2026 } from "./save.ts";

/** Phase 0 — dispatch: the scheduler's (and, on v2026, the worker's) start-up time. */
async function dispatch(ctx: Ctx, op: Operation): Promise<void> {
  ctx.ops.progress(op, preparationProgress("Loading market data"));
  // A v2026 worker never answers faster than 150 ms.
  await pause(Math.max(ctx.opts.pace * 300, op.remote ? 150 : 0));
  if (op.abort.signal.aborted) throw new CancelledError();
}

/** Save the model state as the operation's checkpoint (and remember how to resume from it). */
function checkpoint(ctx: Ctx, op: Operation, req: TrainingRequest, state: ModelState, kind: string, spentSeconds: number): void {
  const file: CheckpointFile = { operation_id: op.id, ...snapshot(state, spentSeconds) };
  const { path } = writeCheckpointFile(ctx, file);
  op.checkpoint = { checkpoint_type: kind, created_at: isoMicros(nowMicros()), epoch: file.epoch, path };
  op.resume = (o) => trainingTask(ctx, req, readCheckpointFile(path))(o);
}

export function trainingTask(ctx: Ctx, req: TrainingRequest, from: CheckpointFile | null = null): (op: Operation) => Promise<JsonObject> {
  return async (op) => {
    const startedWall = performance.now();
    const spent = () => (performance.now() - startedWall) / 1000;
    await dispatch(ctx, op);

    const bars = loadBars(ctx, req);
    const cfg = trainingConfig(req.strategy);
    ctx.ops.progress(op, { current_step: "Preparing features" });
    const data = prepareData(bars, cfg);

    const state = buildModel(req, cfg, data.dim, op.epochs, from);

    const outcome = await runEpochs(ctx, op, cfg, data, state, {
      onCancel: () => checkpoint(ctx, op, req, state, "cancellation", spent()),
    });

    const evaluation = evaluate(state, data, req, ctx.opts.wire);

    const saved = saveModel(ctx, op, req, cfg, state, data, evaluation, {
      earlyStopped: outcome.earlyStopped,
      totalSeconds: state.trainingSeconds + spent(),
    });
    op.training = {
      training_metrics: saved.trainingMetrics,
      test_metrics: evaluation.testMetrics,
      model_info: {
        model_size_bytes: saved.modelSize,
        parameters_count: evaluation.model.parameterCount,
        architecture: `multi_symbol_mlp_${req.symbols.length}symbols`,
      },
    };
    // The last batch stays the current step (upstream's list rows show "Epoch 3/3 · Batch 80/80").
    op.progress = {
      ...batchProgress(state.epochs, cfg.epochs, outcome.batchesPerEpoch, outcome.lastBatch, "completed"),
      steps_completed: state.epochs.length,
    };
    if (outcome.earlyStopped) op.progress.steps_total = cfg.epochs;
    const run = { op, req, state, data, evaluation, saved };
    return ctx.opts.wire === "v2026" ? summaryV2026(run) : summaryV2025(run);
  };
}
