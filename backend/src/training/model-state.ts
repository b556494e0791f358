// Phase 2 — build the model: a fresh MLP seeded by strategy/symbols/timeframes, or the state a
// checkpoint saved (weights, best weights, epoch history), so a resumed training goes on where it stopped.
import { symbolSeed } from "../market-data.ts";
import { MLP } from "../mlp.ts";
import type { MlpJson } from "../mlp.ts";
import type { EpochRecord } from "../operations.ts";
import type { TrainingConfig } from "../strategies.ts";
import type { TrainingRequest } from "./request.ts";

/** Everything the epoch loop changes, and what a checkpoint saves. */
export interface ModelState {
  model: MLP;
  /** The weights of the best validation epoch so far. */
  best: MlpJson | null;
  bestVal: number;
  bestEpoch: number;
  /** Finished epochs (1-based `epoch`). */
  epochs: EpochRecord[];
  /** Training time spent before this run (a resumed training carries its earlier time). */
  trainingSeconds: number;
  seed: number;
}

/** What a checkpoint keeps of the model state (serialised as JSON on disk). */
export interface ModelSnapshot {
  epoch: number;
  model: MlpJson;
  best_model: MlpJson | null;
  best_val_loss: number;
  best_epoch: number;
  epochs: EpochRecord[];
  training_seconds: number;
}

export function trainingSeed(req: TrainingRequest): number {
  return symbolSeed(`${req.strategy.name}|${req.symbols.join(",")}|${req.timeframes.join(",")}`);
}

/**
 * A fresh model, or the one a checkpoint saved. `epochs` is the operation's own epoch list (the wire
 * renders it), filled with the checkpoint's history on resume.
 */
export function buildModel(
  req: TrainingRequest,
  cfg: TrainingConfig,
  dim: number,
  epochs: EpochRecord[],
  from: ModelSnapshot | null,
): ModelState {
  const seed = trainingSeed(req);
  epochs.length = 0;
  if (from) {
    epochs.push(...from.epochs);
    return {
      model: MLP.fromJSON(from.model),
      best: from.best_model,
      bestVal: from.best_val_loss,
      bestEpoch: from.best_epoch,
      epochs,
      trainingSeconds: from.training_seconds,
      seed,
    };
  }
  return {
    model: new MLP([dim, ...cfg.hiddenLayers, 3], cfg.activation, seed),
    best: null,
    bestVal: Infinity,
    bestEpoch: 0,
    epochs,
    trainingSeconds: 0,
    seed,
  };
}

/** The model state as a checkpoint keeps it; `spentSeconds` is this run's training time so far. */
export function snapshot(state: ModelState, spentSeconds: number): ModelSnapshot {
  return {
    epoch: state.epochs.length,
    model: state.model.toJSON(),
    best_model: state.best,
    best_val_loss: state.bestVal,
    best_epoch: state.bestEpoch,
    epochs: state.epochs,
    training_seconds: state.trainingSeconds + spentSeconds,
  };
}
