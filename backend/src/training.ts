// Training as an operation: cached bars → features/labels → chronological split → MLP trained in
// batches and epochs with early stopping; per-epoch metrics; model artifact; checkpoint on cancel.
import { mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Ctx } from "./context.ts";
import { buildDataset, fitScaler, applyScaler, labelThreshold, CLASS_NAMES } from "./features.ts";
import type { Scaler } from "./features.ts";
import { MLP, mulberry32 } from "./mlp.ts";
import type { MlpJson } from "./mlp.ts";
import { CancelledError } from "./operations.ts";
import type { Operation } from "./operations.ts";
import { trainingConfig } from "./strategies.ts";
import type { StrategyFile, TrainingConfig } from "./strategies.ts";
import { symbolSeed } from "./market-data.ts";
import { isoDate, isoMicros, nowMicros, pause, round, parseDate } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";

export interface TrainingRequest {
  strategy: StrategyFile;
  symbols: string[];
  timeframes: string[];
  startDate: string | null;
  endDate: string | null;
}

interface EpochRecord {
  epoch: number;
  train_loss: number;
  val_loss: number;
  train_accuracy: number;
  val_accuracy: number;
  learning_rate: number;
  duration_seconds: number;
  timestamp: string;
}

interface CheckpointFile {
  operation_id: string;
  epoch: number;
  model: MlpJson;
  best_model: MlpJson | null;
  best_val_loss: number;
  best_epoch: number;
  epochs: EpochRecord[];
  training_seconds: number;
}

/** The artifact written for a completed training. */
export interface ModelArtifact {
  strategy_name: string;
  symbols: string[];
  timeframes: string[];
  version: number;
  created_at: string;
  operation_id: string;
  feature_names: string[];
  classes: string[];
  scaler: Scaler;
  thresholds: Record<string, number>;
  config: TrainingConfig;
  model: MlpJson;
  metrics: JsonObject;
}

export function estimatedMinutes(ctx: Ctx): number {
  return Math.max(1, Math.round(ctx.opts.pace));
}

function epochMetrics(epochs: EpochRecord[], planned: number, bestEpoch: number): JsonObject {
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

function prf(pred: Int32Array, y: Int32Array): { precision: number; recall: number; f1: number } {
  let p = 0;
  let r = 0;
  let f = 0;
  for (let c = 0; c < 3; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < y.length; i++) {
      if (pred[i] === c && y[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (y[i] === c) fn++;
    }
    const pc = tp + fp ? tp / (tp + fp) : 0;
    const rc = tp + fn ? tp / (tp + fn) : 0;
    p += pc / 3;
    r += rc / 3;
    f += pc + rc ? (2 * pc * rc) / (pc + rc) / 3 : 0;
  }
  return { precision: p, recall: r, f1: f };
}

function shuffle(rows: Int32Array, rand: () => number): void {
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = t;
  }
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function concatInt(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function modelDir(ctx: Ctx, strategy: string): string {
  return join(ctx.modelsDir, strategy);
}

/** Saved model versions of a strategy (newest last). */
export function listModels(ctx: Ctx, strategy: string): { path: string; version: number; mtime: number }[] {
  const dir = modelDir(ctx, strategy);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /_v(\d+)\.json$/.exec(f) && { path: join(dir, f), version: Number(/_v(\d+)\.json$/.exec(f)![1]), mtime: statSync(join(dir, f)).mtimeMs })
    .filter((x): x is { path: string; version: number; mtime: number } => !!x)
    .sort((a, b) => a.version - b.version);
}

export function readModel(path: string): ModelArtifact {
  return JSON.parse(readFileSync(path, "utf8")) as ModelArtifact;
}

/** Create the operation's body; `from` resumes from a checkpoint. */
export function trainingTask(ctx: Ctx, req: TrainingRequest, from: CheckpointFile | null = null): (op: Operation) => Promise<JsonObject> {
  return async (op) => {
    const startedWall = performance.now();
    const tag = `${req.strategy.name}`;
    ctx.ops.progress(op, { current_step: `Loading strategy ${tag}`, context: { strategy_name: tag } });
    await pause(ctx.opts.pace * 300);
    const cfg = trainingConfig(req.strategy);
    const startMs = req.startDate ? parseDate(req.startDate) : null;
    const endMs = req.endDate ? parseDate(req.endDate) : null;

    // ---- data ----
    ctx.ops.progress(op, { current_step: `Loading cached data for ${req.symbols.join(", ")} ${req.timeframes.join(", ")}` });
    const trainParts: { X: Float64Array[]; y: Int32Array[] } = { X: [], y: [] };
    const valParts: { X: Float64Array[]; y: Int32Array[] } = { X: [], y: [] };
    const testParts: { X: Float64Array[]; y: Int32Array[]; symbol: string[] } = { X: [], y: [], symbol: [] };
    const thresholds: Record<string, number> = {};
    let featureNames: string[] = [];
    let dim = 0;
    let firstBar = Infinity;
    let lastBar = -Infinity;
    for (const symbol of req.symbols) {
      for (const tf of req.timeframes) {
        const bars = ctx.cache.range(symbol, tf, startMs, endMs);
        if (bars.length === 0) {
          const cachedAny = ctx.cache.has(symbol, tf);
          throw new Error(
            cachedAny
              ? `No cached data for ${symbol} ${tf} between ${req.startDate ?? "the start"} and ${req.endDate ?? "now"}. Load that range first with trigger_data_loading(symbol="${symbol}", timeframe="${tf}", mode="backfill", start_date=...), or train on the cached range.`
              : `No cached data for ${symbol} ${tf}. Load it first with trigger_data_loading(symbol="${symbol}", timeframe="${tf}", mode="tail"), wait for that operation to complete, then start the training again.`,
          );
        }
        if (bars.length < cfg.historyRequired + 50) {
          throw new Error(
            `Not enough data for ${symbol} ${tf}: ${bars.length} bars cached, at least ${cfg.historyRequired + 50} needed. Load more history with trigger_data_loading(symbol="${symbol}", timeframe="${tf}", mode="backfill").`,
          );
        }
        firstBar = Math.min(firstBar, bars[0]!.t);
        lastBar = Math.max(lastBar, bars[bars.length - 1]!.t);
        const thr = labelThreshold(bars, cfg);
        thresholds[`${symbol}_${tf}`] = thr;
        const ds = buildDataset(bars, cfg, thr);
        featureNames = ds.featureNames;
        dim = ds.dim;
        const nTrain = Math.floor(ds.n * cfg.split.train);
        const nVal = Math.floor(ds.n * cfg.split.validation);
        trainParts.X.push(ds.X.slice(0, nTrain * dim));
        trainParts.y.push(ds.y.slice(0, nTrain));
        valParts.X.push(ds.X.slice(nTrain * dim, (nTrain + nVal) * dim));
        valParts.y.push(ds.y.slice(nTrain, nTrain + nVal));
        testParts.X.push(ds.X.slice((nTrain + nVal) * dim));
        testParts.y.push(ds.y.slice(nTrain + nVal));
        for (let i = nTrain + nVal; i < ds.n; i++) testParts.symbol.push(symbol);
      }
    }
    const rawTrainX = concat(trainParts.X);
    const trainY = concatInt(trainParts.y);
    const nTrain = trainY.length;
    const scaler = fitScaler(rawTrainX, dim, nTrain);
    const trainX = applyScaler(rawTrainX, dim, scaler);
    const valY = concatInt(valParts.y);
    const valX = applyScaler(concat(valParts.X), dim, scaler);
    const testY = concatInt(testParts.y);
    const testX = applyScaler(concat(testParts.X), dim, scaler);

    // ---- model ----
    const sizes = [dim, ...cfg.hiddenLayers, 3];
    const seed = symbolSeed(`${req.strategy.name}|${req.symbols.join(",")}|${req.timeframes.join(",")}`);
    let model = new MLP(sizes, cfg.activation, seed);
    let best: MlpJson | null = null;
    let bestVal = Infinity;
    let bestEpoch = 0;
    const epochs: EpochRecord[] = [];
    let trainingSeconds = 0;
    if (from) {
      model = MLP.fromJSON(from.model);
      best = from.best_model;
      bestVal = from.best_val_loss;
      bestEpoch = from.best_epoch;
      epochs.push(...from.epochs);
      trainingSeconds = from.training_seconds;
    }
    const E = cfg.epochs;
    const B = Math.max(1, Math.ceil(nTrain / cfg.batchSize));
    const perBatchMs = (ctx.opts.pace * 60_000) / (E * B);
    const rows = Int32Array.from({ length: nTrain }, (_, i) => i);
    const rand = mulberry32(seed ^ 0xabcdef);
    op.metrics = epochMetrics(epochs, E, bestEpoch);
    let earlyStopped = false;
    let sinceImprovement = bestEpoch > 0 ? epochs.length - bestEpoch : 0;
    const startEpoch = epochs.length + 1;

    const saveCheckpoint = (kind: string) => {
      const path = join(ctx.checkpointsDir, `${op.id}.json`);
      const file: CheckpointFile = {
        operation_id: op.id,
        epoch: epochs.length,
        model: model.toJSON(),
        best_model: best,
        best_val_loss: bestVal,
        best_epoch: bestEpoch,
        epochs,
        training_seconds: trainingSeconds + (performance.now() - startedWall) / 1000,
      };
      writeFileSync(path, JSON.stringify(file));
      op.checkpoint = { checkpoint_type: kind, created_at: isoMicros(nowMicros()), epoch: epochs.length, path };
      op.resume = (o) => trainingTask(ctx, req, JSON.parse(readFileSync(path, "utf8")) as CheckpointFile)(o);
    };

    for (let epoch = startEpoch; epoch <= E; epoch++) {
      const t0 = performance.now();
      shuffle(rows, rand);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < B; b++) {
        if (op.abort.signal.aborted) {
          saveCheckpoint("cancellation");
          throw new CancelledError();
        }
        const s = b * cfg.batchSize;
        const e = Math.min(nTrain, s + cfg.batchSize);
        const r = model.trainBatch(trainX, trainY, rows, s, e, cfg.learningRate);
        lossSum += r.loss * (e - s);
        correct += r.correct;
        seen += e - s;
        const done = (epoch - 1) * B + b + 1;
        const last = epochs[epochs.length - 1];
        const step = `Epoch ${epoch}/${E} · Batch ${b + 1}/${B}`;
        ctx.ops.progress(op, {
          percentage: round((done / (E * B)) * 100, 2),
          current_step: step,
          steps_completed: epoch - 1,
          steps_total: E,
          items_processed: (epoch - 1) * nTrain + seen,
          items_total: E * nTrain,
          current_item: step,
          context: {
            epoch_index: epoch,
            total_epochs: E,
            batch_index: b,
            batch_number: b + 1,
            batch_total_per_epoch: B,
            current_item: step,
            epoch_metrics: last
              ? { train_loss: last.train_loss, val_loss: last.val_loss, train_accuracy: last.train_accuracy, val_accuracy: last.val_accuracy }
              : {},
            batch_metrics: { loss: round(r.loss, 6), accuracy: round(r.correct / (e - s), 4) },
          },
        });
        await pause(perBatchMs);
      }
      const val = model.evaluate(valX, valY, valY.length);
      const rec: EpochRecord = {
        epoch,
        train_loss: round(lossSum / seen, 6),
        val_loss: round(val.loss, 6),
        train_accuracy: round(correct / seen, 4),
        val_accuracy: round(val.accuracy, 4),
        learning_rate: cfg.learningRate,
        duration_seconds: round((performance.now() - t0) / 1000, 4),
        timestamp: isoMicros(nowMicros()),
      };
      epochs.push(rec);
      if (val.loss < bestVal - cfg.minDelta) {
        bestVal = val.loss;
        bestEpoch = epoch;
        best = model.toJSON();
        sinceImprovement = 0;
      } else {
        sinceImprovement++;
      }
      op.metrics = epochMetrics(epochs, E, bestEpoch);
      ctx.ops.progress(op, { steps_completed: epoch });
      if (sinceImprovement >= cfg.patience && epoch < E) {
        earlyStopped = true;
        op.warnings.push(`Early stopping at epoch ${epoch}: no validation improvement for ${cfg.patience} epochs (best epoch ${bestEpoch})`);
        break;
      }
    }

    // ---- evaluation and artifacts ----
    if (best) model = MLP.fromJSON(best);
    ctx.ops.progress(op, { current_step: "Evaluating on test set" });
    const test = model.evaluate(testX, testY, testY.length);
    const { precision, recall, f1 } = prf(test.predictions, testY);
    const importance: Record<string, number> = {};
    const shuffled = new Float64Array(testX);
    const fr = mulberry32(seed);
    for (let d = 0; d < dim; d++) {
      shuffled.set(testX);
      for (let i = testY.length - 1; i > 0; i--) {
        const j = Math.floor(fr() * (i + 1));
        const t = shuffled[i * dim + d]!;
        shuffled[i * dim + d] = shuffled[j * dim + d]!;
        shuffled[j * dim + d] = t;
      }
      importance[featureNames[d]!] = round(Math.max(0, test.accuracy - model.evaluate(shuffled, testY, testY.length).accuracy), 4);
    }
    const perSymbol: Record<string, JsonObject> = {};
    for (const symbol of req.symbols) {
      let n = 0;
      let ok = 0;
      testParts.symbol.forEach((s, i) => {
        if (s === symbol) {
          n++;
          if (test.predictions[i] === testY[i]) ok++;
        }
      });
      perSymbol[symbol] = { test_samples: n, test_accuracy: n ? round(ok / n, 4) : null };
    }
    const lastRec = epochs[epochs.length - 1]!;
    const bestRec = epochs.find((e) => e.epoch === bestEpoch) ?? lastRec;
    const totalSeconds = trainingSeconds + (performance.now() - startedWall) / 1000;
    const architecture = `MLP ${sizes.join("-")} (${cfg.activation}, softmax)`;
    const dir = modelDir(ctx, req.strategy.name);
    mkdirSync(dir, { recursive: true });
    const version = (listModels(ctx, req.strategy.name).at(-1)?.version ?? 0) + 1;
    const modelPath = join(dir, `${req.symbols.join("-")}_${req.timeframes.join("-")}_v${version}.json`);
    const analyticsDir = join(ctx.analyticsDir, op.id, "analytics");
    mkdirSync(analyticsDir, { recursive: true });
    const metricsCsv = ["epoch,train_loss,val_loss,train_accuracy,val_accuracy", ...epochs.map((e) => `${e.epoch},${e.train_loss},${e.val_loss},${e.train_accuracy},${e.val_accuracy}`)];
    writeFileSync(join(analyticsDir, "epoch_metrics.csv"), metricsCsv.join("\n") + "\n");
    const trainingMetrics: JsonObject = {
      final_train_loss: lastRec.train_loss,
      final_val_loss: lastRec.val_loss,
      final_train_accuracy: lastRec.train_accuracy,
      final_val_accuracy: lastRec.val_accuracy,
      epochs_completed: epochs.length,
      early_stopped: earlyStopped,
      training_time_minutes: round(totalSeconds / 60, 4),
      best_epoch: bestEpoch,
      final_learning_rate: cfg.learningRate,
    };
    const testMetrics: JsonObject = {
      test_loss: round(test.loss, 6),
      test_accuracy: round(test.accuracy, 4),
      precision: round(precision, 4),
      recall: round(recall, 4),
      f1_score: round(f1, 4),
    };
    const artifact: ModelArtifact = {
      strategy_name: req.strategy.name,
      symbols: req.symbols,
      timeframes: req.timeframes,
      version,
      created_at: isoMicros(nowMicros()),
      operation_id: op.id,
      feature_names: featureNames,
      classes: [...CLASS_NAMES],
      scaler,
      thresholds,
      config: cfg,
      model: model.toJSON(),
      metrics: { training_metrics: trainingMetrics, test_metrics: testMetrics },
    };
    const artifactText = JSON.stringify(artifact);
    writeFileSync(modelPath, artifactText);
    const checkpoints = op.checkpoint ? [op.checkpoint.path] : [];
    ctx.ops.progress(op, { current_step: `Training complete: ${epochs.length} epochs, best epoch ${bestEpoch}` });
    return {
      training_metrics: trainingMetrics,
      validation_metrics: { val_loss: bestRec.val_loss, val_accuracy: bestRec.val_accuracy },
      test_metrics: testMetrics,
      resource_usage: { gpu_used: false, peak_memory_mb: round(process.memoryUsage().rss / 1048576, 1), training_mode: "local" },
      artifacts: {
        model_path: modelPath,
        analytics_dir: analyticsDir,
        checkpoints,
        feature_importance: importance,
        per_symbol_metrics: perSymbol as unknown as JsonObject,
      },
      session_info: {
        operation_id: op.id,
        strategy_name: req.strategy.name,
        symbols: req.symbols,
        timeframes: req.timeframes,
        training_mode: "local",
        start_date: req.startDate ?? isoDate(firstBar),
        end_date: req.endDate ?? isoDate(lastBar),
      },
      model_info: {
        model_type: "mlp",
        architecture,
        parameters_count: model.parameterCount,
        model_size_bytes: Buffer.byteLength(artifactText),
        input_size: dim,
        output_size: 3,
        feature_names: featureNames,
        classes: [...CLASS_NAMES],
        train_samples: nTrain,
        val_samples: valY.length,
        test_samples: testY.length,
      },
    };
  };
}
