// Training as an operation, in named phases:
//   dispatch → prepare data → build model → epoch loop (checkpoints) → evaluate → save → summary.
// `from` resumes from a checkpoint (the model state and epoch history it saved).
import { deleteCheckpoint, saveTrainingCheckpoint } from "../checkpoints.ts";
import type { Ctx } from "../context.ts";
import { CancelledError } from "../operations.ts";
import type { Operation } from "../operations.ts";
import { trainingConfig } from "../strategies.ts";
import { pause } from "../util.ts";
import type { JsonObject } from "../util.ts";
import type { CheckpointFile } from "./checkpoint-file.ts";
import { batchProgress, preparationProgress, runEpochs } from "./epochs.ts";
import { evaluate } from "./evaluate.ts";
import { buildModel } from "./model-state.ts";
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
    const runStart = state.epochs.length;
    const every = ctx.opts.wire === "v2026" ? cfg.checkpointEvery : 0;

    const outcome = await runEpochs(ctx, op, cfg, data, state, {
      afterEpoch: (epoch) => {
        // Upstream numbers epochs from 0 and checkpoints at index 10, 20, …
        if (every > 0 && (epoch - 1) % every === 0 && epoch > 1) saveTrainingCheckpoint(ctx, op, req, state, "periodic", spent(), runStart);
      },
      // A killed worker writes nothing; a cancel that reached the worker leaves a checkpoint to resume from.
      onCancel: () => {
        if (!op.killed) saveTrainingCheckpoint(ctx, op, req, state, "cancellation", spent(), runStart);
      },
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
    // v2026: "Checkpoint deleted after successful completion".
    if (ctx.opts.wire === "v2026") deleteCheckpoint(ctx, op.id);
    const run = { op, req, state, data, evaluation, saved };
    return ctx.opts.wire === "v2026" ? summaryV2026(run) : summaryV2025(run);
  };
}
