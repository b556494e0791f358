// Phase 3 — the epoch loop: shuffled mini-batches with per-batch progress in upstream's shape,
// validation after each epoch, best weights kept, early stopping. Checkpoints are the caller's
// (hooks): after each epoch, and when a cancel is noticed (then the loop throws CancelledError).
import type { Ctx } from "../context.ts";
import { mulberry32 } from "../mlp.ts";
import { CancelledError } from "../operations.ts";
import type { EpochRecord, Operation, Progress } from "../operations.ts";
import type { TrainingConfig } from "../strategies.ts";
import { isoMicros, nowMicros, pause, round, sleep } from "../util.ts";
import type { Json, JsonObject } from "../util.ts";
import type { ModelState } from "./model-state.ts";
import type { PreparedData } from "./prepare-data.ts";

export interface EpochHooks {
  /** After every finished epoch (1-based), before early stopping is decided. */
  afterEpoch?: (epoch: number) => void;
  /** A cancel was noticed: the loop stops right after this (by throwing CancelledError). */
  onCancel?: () => void;
}

/** Where the loop stopped: the last batch (upstream's final progress names it) and whether it stopped early. */
export interface LoopOutcome {
  earlyStopped: boolean;
  lastBatch: { epoch: number; b: number; loss: number; accuracy: number };
  batchesPerEpoch: number;
}

const SERVICE = { operation: "training", service: "TrainingService" };

/** The per-epoch metrics object (v2025 /metrics; v2026 without v2026-metrics-nesting). */
export function epochMetrics(epochs: EpochRecord[], planned: number, bestEpoch: number): JsonObject {
  const last = epochs.length;
  const since = bestEpoch > 0 ? last - bestEpoch : last;
  let overfitting = false;
  if (last >= 4) {
    const e = epochs.slice(-4);
    const valUp = e[3]!.val_loss > e[0]!.val_loss && e[3]!.val_loss > e[2]!.val_loss;
    const trainDown = e[3]!.train_loss < e[0]!.train_loss;
    overfitting = valUp && trainDown;
  }
  return {
    epochs: epochs.map((e) => ({ ...e })) as unknown as Json[],
    total_epochs_planned: planned,
    total_epochs_completed: last,
    best_epoch: bestEpoch > 0 ? bestEpoch : null,
    epochs_since_improvement: since,
    is_overfitting: overfitting,
    is_plateaued: since >= 5,
  };
}

/** The progress of batch b (1-based) of epoch e, in upstream's shape. */
export function batchProgress(
  epochs: EpochRecord[],
  total: number,
  batches: number,
  at: { epoch: number; b: number; loss: number; accuracy: number },
  phase: string,
): Progress {
  const { epoch, b, loss, accuracy } = at;
  const done = (epoch - 1) * batches + b;
  const last = epochs[epochs.length - 1];
  const item = `Epoch ${epoch} · Batch ${b}/${batches}`;
  const context: JsonObject = {
    ...SERVICE,
    phase,
    phase_name: "data_preparation",
    epoch_index: epoch,
    total_epochs: total,
    batch_index: b - 1,
    batch_number: b,
    batch_total_per_epoch: batches,
    current_item: item,
    batch_metrics: {
      epoch: epoch - 1,
      total_epochs: total,
      batch: b - 1,
      total_batches_per_epoch: batches,
      completed_batches: done - 1,
      total_batches: total * batches,
      train_loss: loss,
      train_accuracy: accuracy,
      progress_type: "batch",
      multi_symbol: true,
    },
  };
  if (last) {
    context.epoch_metrics = {
      epoch: last.epoch - 1,
      total_epochs: total,
      train_loss: last.train_loss,
      train_accuracy: last.train_accuracy,
      val_loss: last.val_loss,
      val_accuracy: last.val_accuracy,
      progress_type: "epoch",
      multi_symbol: true,
    };
  }
  return {
    percentage: (done / (total * batches)) * 100,
    current_step: `Epoch ${epoch}/${total} · Batch ${b}/${batches}`,
    steps_completed: epoch - 1,
    steps_total: total,
    items_processed: done,
    items_total: total * batches,
    current_item: item,
    context,
  };
}

/** The "data preparation" progress reported before the first batch. */
export function preparationProgress(step: string): Partial<Progress> {
  return { current_step: step, steps_total: 3, context: { ...SERVICE, phase: "phase", phase_name: "data_preparation" } };
}

function shuffle(rows: Int32Array, rand: () => number): void {
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = t;
  }
}

/** Train from the state's next epoch to the configured number of epochs (or early stopping). */
export async function runEpochs(
  ctx: Ctx,
  op: Operation,
  cfg: TrainingConfig,
  data: PreparedData,
  state: ModelState,
  hooks: EpochHooks = {},
): Promise<LoopOutcome> {
  const E = cfg.epochs;
  const nTrain = data.train.n;
  const B = Math.max(1, Math.ceil(nTrain / cfg.batchSize));
  // Artificial pacing per batch; a minimum epoch length is spread over the batches as real sleeps,
  // so a slow training at pace 0 stays observable without keeping a CPU busy.
  const perBatchMs = Math.max((ctx.opts.pace * cfg.pacedSeconds * 1000) / (E * B), cfg.minEpochMs / B);
  const rows = Int32Array.from({ length: nTrain }, (_, i) => i);
  const rand = mulberry32(state.seed ^ 0xabcdef);
  op.metrics = epochMetrics(state.epochs, E, state.bestEpoch);
  let sinceImprovement = state.bestEpoch > 0 ? state.epochs.length - state.bestEpoch : 0;
  const startEpoch = state.epochs.length + 1;
  const stopIfCancelled = () => {
    if (!op.abort.signal.aborted) return;
    hooks.onCancel?.();
    throw new CancelledError();
  };
  let lastBatch = { epoch: startEpoch, b: 0, loss: 0, accuracy: 0 };
  let owed = 0;
  let earlyStopped = false;
  for (let epoch = startEpoch; epoch <= E; epoch++) {
    const t0 = performance.now();
    shuffle(rows, rand);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < B; b++) {
      stopIfCancelled();
      const s = b * cfg.batchSize;
      const e = Math.min(nTrain, s + cfg.batchSize);
      const r = state.model.trainBatch(data.train.X, data.train.y, rows, s, e, cfg.learningRate);
      lossSum += r.loss * (e - s);
      correct += r.correct;
      seen += e - s;
      lastBatch = { epoch, b: b + 1, loss: lossSum / seen, accuracy: correct / seen };
      ctx.ops.progress(op, batchProgress(state.epochs, E, B, lastBatch, "batch"));
      // Sleep whole milliseconds as the per-batch pacing adds up (timers cannot sleep less).
      owed += perBatchMs;
      if (owed >= 1) {
        const ms = Math.floor(owed);
        owed -= ms;
        await sleep(ms);
      } else await pause(0);
    }
    const val = state.model.evaluate(data.val.X, data.val.y, data.val.n);
    // Stand-in pacing: some strategies (mcp_smoke_slow) must stay observable at pace 0.
    const spent = performance.now() - t0;
    if (spent < cfg.minEpochMs) await sleep(cfg.minEpochMs - spent);
    stopIfCancelled();
    state.epochs.push({
      epoch,
      train_loss: round(lossSum / seen, 6),
      val_loss: round(val.loss, 6),
      train_accuracy: round(correct / seen, 4),
      val_accuracy: round(val.accuracy, 4),
      learning_rate: cfg.learningRate,
      duration_seconds: round((performance.now() - t0) / 1000, 4),
      timestamp: isoMicros(nowMicros()),
    });
    if (val.loss < state.bestVal - cfg.minDelta) {
      state.bestVal = val.loss;
      state.bestEpoch = epoch;
      state.best = state.model.toJSON();
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
    op.metrics = epochMetrics(state.epochs, E, state.bestEpoch);
    ctx.ops.progress(op, { steps_completed: epoch });
    hooks.afterEpoch?.(epoch);
    if (op.finishNow) break;
    if (sinceImprovement >= cfg.patience && epoch < E) {
      earlyStopped = true;
      op.warnings.push(
        `Early stopping at epoch ${epoch}: no validation improvement for ${cfg.patience} epochs (best epoch ${state.bestEpoch})`,
      );
      break;
    }
  }
  stopIfCancelled();
  return { earlyStopped, lastBatch, batchesPerEpoch: B };
}
