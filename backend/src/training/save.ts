// Phase 5 — save and finish: the model artifact (and v2025 analytics CSV) on disk, then the result
// summary in the running wire's shape.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Ctx } from "../context.ts";
import { CLASS_NAMES } from "../features.ts";
import { listModels, modelDir } from "../models.ts";
import type { ModelArtifact } from "../models.ts";
import type { EpochRecord, Operation } from "../operations.ts";
import type { TrainingConfig } from "../strategies.ts";
import { isoDate, isoMicros, nowMicros, round } from "../util.ts";
import type { JsonObject } from "../util.ts";
import type { Evaluation } from "./evaluate.ts";
import type { ModelState } from "./model-state.ts";
import type { PreparedData } from "./prepare-data.ts";
import type { TrainingRequest } from "./request.ts";

/** Everything a finished run produced, for its result summary. */
export interface FinishedRun {
  op: Operation;
  req: TrainingRequest;
  state: ModelState;
  data: PreparedData;
  evaluation: Evaluation;
  saved: SavedTraining;
}

export interface SavedTraining {
  /** `models/<strategy>/<name>_v<N>` */
  modelRef: string;
  modelSize: number;
  analyticsDir: string | null;
  trainingMetrics: JsonObject;
  totalSeconds: number;
  earlyStopped: boolean;
}

function lastEpoch(epochs: EpochRecord[]): EpochRecord {
  return epochs[epochs.length - 1]!;
}

/** Write the model artifact (and, with detailed analytics, the epoch metrics CSV). */
export function saveModel(
  ctx: Ctx,
  op: Operation,
  req: TrainingRequest,
  cfg: TrainingConfig,
  state: ModelState,
  data: PreparedData,
  evaluation: Evaluation,
  outcome: { earlyStopped: boolean; totalSeconds: number },
): SavedTraining {
  const epochs = state.epochs;
  const last = lastEpoch(epochs);
  const dir = modelDir(ctx, req.strategy.name);
  mkdirSync(dir, { recursive: true });
  const version = (listModels(ctx, req.strategy.name).at(-1)?.version ?? 0) + 1;
  // v2025 names models by symbols and timeframes, v2026 by timeframes only.
  const name =
    ctx.opts.wire === "v2026"
      ? `${req.timeframes.join("-")}_v${version}`
      : `${req.symbols.join("-")}_${req.timeframes.join("-")}_v${version}`;
  mkdirSync(join(dir, name), { recursive: true });
  const analytics = op.metadata.parameters.analytics_enabled === true;
  const analyticsDir = join(ctx.analyticsDir, op.id, "analytics");
  if (analytics) {
    mkdirSync(analyticsDir, { recursive: true });
    const metricsCsv = [
      "epoch,train_loss,val_loss,train_accuracy,val_accuracy",
      ...epochs.map((e) => `${e.epoch},${e.train_loss},${e.val_loss},${e.train_accuracy},${e.val_accuracy}`),
    ];
    writeFileSync(join(analyticsDir, "epoch_metrics.csv"), `${metricsCsv.join("\n")}\n`);
  }
  const trainingMetrics: JsonObject = {
    final_train_loss: last.train_loss,
    final_val_loss: last.val_loss,
    final_train_accuracy: last.train_accuracy,
    final_val_accuracy: last.val_accuracy,
    epochs_completed: epochs.length,
    early_stopped: outcome.earlyStopped,
    training_time_minutes: round(outcome.totalSeconds / 60, 4),
  };
  const artifact: ModelArtifact = {
    strategy_name: req.strategy.name,
    symbols: req.symbols,
    timeframes: req.timeframes,
    version,
    created_at: isoMicros(nowMicros()),
    operation_id: op.id,
    feature_names: data.featureNames,
    classes: [...CLASS_NAMES],
    scaler: data.scaler,
    thresholds: data.thresholds,
    config: cfg,
    model: evaluation.model.toJSON(),
    metrics: { training_metrics: { ...trainingMetrics, best_epoch: state.bestEpoch }, test_metrics: evaluation.testMetrics },
  };
  const text = JSON.stringify(artifact);
  writeFileSync(join(dir, name, "model.json"), text);
  return {
    modelRef: `models/${req.strategy.name}/${name}`,
    modelSize: Buffer.byteLength(text),
    analyticsDir: analytics ? analyticsDir : null,
    trainingMetrics,
    totalSeconds: outcome.totalSeconds,
    earlyStopped: outcome.earlyStopped,
  };
}

function dataSummary(req: TrainingRequest, data: PreparedData): JsonObject {
  return {
    symbols: req.symbols,
    timeframes: req.timeframes,
    start_date: req.startDate ?? isoDate(data.firstBar),
    end_date: req.endDate ?? isoDate(data.lastBar),
    total_samples: data.totalBars,
    feature_count: data.dim,
  };
}

/** v2026/030: the worker's result (model path at the top, the epoch history under training_metrics). */
export function summaryV2026({ op, req, state, data, evaluation, saved }: FinishedRun): JsonObject {
  const epochs = state.epochs;
  const last = lastEpoch(epochs);
  const t = evaluation.testMetrics;
  const params = evaluation.model.parameterCount;
  return {
    artifacts: { feature_importance: null, per_symbol_metrics: null },
    model_info: { architecture: "v3_mlp", parameters_count: params, trainable_parameters: params },
    model_path: saved.modelRef,
    data_summary: dataSummary(req, data),
    session_info: {
      symbols: req.symbols,
      end_date: req.endDate ?? isoDate(data.lastBar),
      start_date: req.startDate ?? isoDate(data.firstBar),
      timeframes: req.timeframes,
      operation_id: op.id,
      strategy_name: req.strategy.name,
      training_mode: "local",
      use_host_service: false,
    },
    test_metrics: {
      recall: t.recall!,
      f1_score: t.f1_score!,
      precision: t.precision!,
      test_loss: t.test_loss!,
      test_accuracy: t.test_accuracy!,
    },
    resource_usage: { training_mode: "local" },
    training_metrics: {
      history: {
        val_loss: epochs.map((e) => e.val_loss),
        train_loss: epochs.map((e) => e.train_loss),
        val_accuracy: epochs.map((e) => e.val_accuracy),
        train_accuracy: epochs.map((e) => e.train_accuracy),
      },
      training_time: round(saved.totalSeconds, 4),
      epochs_trained: epochs.length,
      final_val_loss: last.val_loss,
      final_train_loss: last.train_loss,
      best_val_accuracy: Math.max(...epochs.map((e) => e.val_accuracy)),
      final_val_accuracy: last.val_accuracy,
      best_train_accuracy: Math.max(...epochs.map((e) => e.train_accuracy)),
      final_train_accuracy: last.train_accuracy,
    },
  };
}

/** v2025's result summary (v2025-fixed-tensor/ shows it as the serialisation bug hides it). */
export function summaryV2025({ op, req, state, data, evaluation, saved }: FinishedRun): JsonObject {
  const epochs = state.epochs;
  const bestRec = epochs.find((e) => e.epoch === state.bestEpoch) ?? lastEpoch(epochs);
  const params = evaluation.model.parameterCount;
  return {
    // Upstream leaves best_epoch and final_learning_rate empty (null).
    training_metrics: { ...saved.trainingMetrics, best_epoch: null, final_learning_rate: null },
    validation_metrics: { val_loss: bestRec.val_loss, val_accuracy: bestRec.val_accuracy },
    test_metrics: evaluation.testMetrics,
    resource_usage: { gpu_used: false, peak_memory_mb: null, training_mode: "local" },
    artifacts: {
      model_path: saved.modelRef,
      analytics_dir: saved.analyticsDir,
      checkpoints: [],
      feature_importance: evaluation.importance,
      per_symbol_metrics: evaluation.perSymbol as unknown as JsonObject,
    },
    session_info: {
      operation_id: op.id,
      strategy_name: req.strategy.name,
      symbols: req.symbols,
      timeframes: req.timeframes,
      training_mode: "local",
      use_host_service: false,
      start_date: req.startDate,
      end_date: req.endDate,
      data_summary: { ...dataSummary(req, data), symbol_distribution: data.barsPerSymbol },
    },
    model_info: {
      model_size_bytes: saved.modelSize,
      parameters_count: params,
      trainable_parameters: params,
      architecture: `multi_symbol_mlp_${req.symbols.length}symbols`,
      symbol_embedding_dim: 16,
    },
  };
}
