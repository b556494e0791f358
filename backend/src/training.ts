// Training as an operation: cached bars → features/labels → chronological split → MLP trained in
// batches and epochs with early stopping; per-epoch metrics; model artifact; checkpoint on cancel.
import { mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Ctx } from "./context.ts";
import { buildDataset, fitScaler, applyScaler, labelThreshold, CLASS_NAMES } from "./features.ts";
import type { Scaler } from "./features.ts";
import { MLP, mulberry32 } from "./mlp.ts";
import type { MlpJson } from "./mlp.ts";
import { CancelledError } from "./operations.ts";
import type { EpochRecord, Operation } from "./operations.ts";
import { trainingConfig } from "./strategies.ts";
import type { StrategyFile, TrainingConfig } from "./strategies.ts";
import { symbolSeed } from "./market-data.ts";
import type { Bar } from "./market-data.ts";
import { isoDate, isoMicros, nowMicros, pause, round, parseDate, sleep } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";

export interface TrainingRequest {
  strategy: StrategyFile;
  symbols: string[];
  timeframes: string[];
  startDate: string | null;
  endDate: string | null;
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

/** Upstream answers a fixed guess (30 minutes, even for a two-second training). */
export function estimatedMinutes(): number {
  return 30;
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

export interface SavedModel {
  /** The artifact file (`.../model.json`). */
  path: string;
  /** How the wire names it: `models/<strategy>/<name>_v<N>` (relative to the data directory). */
  ref: string;
  version: number;
  mtime: number;
}

/** Saved model versions of a strategy (newest last): `models/<strategy>/<name>_v<N>/model.json`. */
export function listModels(ctx: Ctx, strategy: string): SavedModel[] {
  const dir = modelDir(ctx, strategy);
  if (!existsSync(dir)) return [];
  const out: SavedModel[] = [];
  for (const f of readdirSync(dir)) {
    const m = /_v(\d+)$/.exec(f);
    const file = join(dir, f, "model.json");
    if (!m || !existsSync(file)) continue;
    out.push({ path: file, ref: `models/${strategy}/${f}`, version: Number(m[1]), mtime: statSync(file).mtimeMs });
  }
  return out.sort((a, b) => a.version - b.version || a.mtime - b.mtime);
}

/** A `model_path` as clients send it (relative to the data directory, or absolute) → the artifact file. */
export function resolveModelPath(ctx: Ctx, given: string): string | null {
  if (given.includes("\0")) return null;
  const base = isAbsolute(given) ? given : join(ctx.opts.dataDir, given);
  if (!base.startsWith(`${ctx.opts.dataDir}/`) && !isAbsolute(given)) return null;
  for (const candidate of [join(base, "model.json"), base, `${base}.json`]) {
    try {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    } catch {
      // not readable
    }
  }
  return null;
}

export function readModel(path: string): ModelArtifact {
  return JSON.parse(readFileSync(path, "utf8")) as ModelArtifact;
}

/** The error upstream reports for a symbol/timeframe without (cached) bars. */
function noDataMessage(ctx: Ctx, symbol: string, tf: string): string {
  return ctx.opts.wire === "v2026" ? `No data found in cache for ${symbol} ${tf}` : `Data not found for ${symbol} (${tf})`;
}

/** Create the operation's body; `from` resumes from a checkpoint. */
export function trainingTask(ctx: Ctx, req: TrainingRequest, from: CheckpointFile | null = null): (op: Operation) => Promise<JsonObject> {
  return async (op) => {
    const startedWall = performance.now();
    const v = ctx.opts.wire;
    const service = { operation: "training", service: "TrainingService" };
    ctx.ops.progress(op, {
      current_step: "Loading market data",
      steps_total: 3,
      context: { ...service, phase: "phase", phase_name: "data_preparation" },
    });
    // Dispatch and data preparation; a v2026 worker never answers faster than 150 ms.
    await pause(Math.max(ctx.opts.pace * 300, op.remote ? 150 : 0));
    if (op.abort.signal.aborted) throw new CancelledError();
    const startMs = req.startDate ? parseDate(req.startDate) : null;
    const endMs = req.endDate ? parseDate(req.endDate) : null;

    // ---- data ----
    const perSymbolBars: Record<string, number> = {};
    const trainParts: { X: Float64Array[]; y: Int32Array[] } = { X: [], y: [] };
    const valParts: { X: Float64Array[]; y: Int32Array[] } = { X: [], y: [] };
    const testParts: { X: Float64Array[]; y: Int32Array[]; symbol: string[] } = { X: [], y: [], symbol: [] };
    const thresholds: Record<string, number> = {};
    let featureNames: string[] = [];
    let dim = 0;
    let firstBar = Infinity;
    let lastBar = -Infinity;
    let totalBars = 0;
    // The cached bars of each symbol/timeframe, in loop order (read once, used again below).
    const ranges: Bar[][] = [];
    for (const symbol of req.symbols) {
      for (const tf of req.timeframes) {
        const bars = ctx.cache.range(symbol, tf, startMs, endMs);
        if (bars.length === 0) throw new Error(noDataMessage(ctx, symbol, tf));
        ranges.push(bars);
        perSymbolBars[symbol] = (perSymbolBars[symbol] ?? 0) + bars.length;
        totalBars += bars.length;
        firstBar = Math.min(firstBar, bars[0]!.t);
        lastBar = Math.max(lastBar, bars[bars.length - 1]!.t);
      }
    }
    const cfg = trainingConfig(req.strategy);
    ctx.ops.progress(op, { current_step: "Preparing features" });
    let rangeIndex = 0;
    for (const symbol of req.symbols) {
      for (const tf of req.timeframes) {
        const bars = ranges[rangeIndex++]!;
        if (bars.length < cfg.historyRequired + 50) {
          throw new Error(
            `Not enough data for ${symbol} ${tf}: ${bars.length} bars cached, at least ${cfg.historyRequired + 50} needed. Load more history with trigger_data_loading(symbol="${symbol}", timeframe="${tf}", mode="backfill").`,
          );
        }
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
    const epochs: EpochRecord[] = op.epochs;
    epochs.length = 0;
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
    // Artificial pacing per batch; a minimum epoch length is spread over the batches as real sleeps,
    // so a slow training at pace 0 stays observable without keeping a CPU busy.
    const perBatchMs = Math.max((ctx.opts.pace * cfg.pacedSeconds * 1000) / (E * B), cfg.minEpochMs / B);
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

    /** The progress of batch b (1-based) of epoch e, in upstream's shape. */
    const batchProgress = (epoch: number, b: number, loss: number, accuracy: number, phase: string) => {
      const done = (epoch - 1) * B + b;
      const last = epochs[epochs.length - 1];
      const step = `Epoch ${epoch}/${E} · Batch ${b}/${B}`;
      const item = `Epoch ${epoch} · Batch ${b}/${B}`;
      const context: JsonObject = {
        ...service,
        phase,
        phase_name: "data_preparation",
        epoch_index: epoch,
        total_epochs: E,
        batch_index: b - 1,
        batch_number: b,
        batch_total_per_epoch: B,
        current_item: item,
        batch_metrics: {
          epoch: epoch - 1,
          total_epochs: E,
          batch: b - 1,
          total_batches_per_epoch: B,
          completed_batches: done - 1,
          total_batches: E * B,
          train_loss: loss,
          train_accuracy: accuracy,
          progress_type: "batch",
          multi_symbol: true,
        },
      };
      if (last) {
        context.epoch_metrics = {
          epoch: last.epoch - 1,
          total_epochs: E,
          train_loss: last.train_loss,
          train_accuracy: last.train_accuracy,
          val_loss: last.val_loss,
          val_accuracy: last.val_accuracy,
          progress_type: "epoch",
          multi_symbol: true,
        };
      }
      return {
        percentage: (done / (E * B)) * 100,
        current_step: step,
        steps_completed: epoch - 1,
        steps_total: E,
        items_processed: done,
        items_total: E * B,
        current_item: item,
        context,
      };
    };

    let lastBatch = { epoch: startEpoch, b: 0, loss: 0, accuracy: 0 };
    let owed = 0;
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
        lastBatch = { epoch, b: b + 1, loss: lossSum / seen, accuracy: correct / seen };
        ctx.ops.progress(op, batchProgress(epoch, b + 1, lastBatch.loss, lastBatch.accuracy, "batch"));
        // Sleep whole milliseconds as the per-batch pacing adds up (timers cannot sleep less).
        owed += perBatchMs;
        if (owed >= 1) {
          const ms = Math.floor(owed);
          owed -= ms;
          await sleep(ms);
        } else await pause(0);
      }
      const val = model.evaluate(valX, valY, valY.length);
      // Stand-in pacing: some strategies (mcp_smoke_slow) must stay observable at pace 0.
      const spent = performance.now() - t0;
      if (spent < cfg.minEpochMs) await sleep(cfg.minEpochMs - spent);
      if (op.abort.signal.aborted) {
        saveCheckpoint("cancellation");
        throw new CancelledError();
      }
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
        op.warnings.push(
          `Early stopping at epoch ${epoch}: no validation improvement for ${cfg.patience} epochs (best epoch ${bestEpoch})`,
        );
        break;
      }
    }
    if (op.abort.signal.aborted) {
      saveCheckpoint("cancellation");
      throw new CancelledError();
    }

    // ---- evaluation and artifacts ----
    if (best) model = MLP.fromJSON(best);
    const test = model.evaluate(testX, testY, testY.length);
    const { precision, recall, f1 } = prf(test.predictions, testY);
    // Only v2025 reports feature importance (permutation, own RNG) and per-symbol figures.
    const importance: Record<string, number> = {};
    const perSymbol: Record<string, JsonObject> = {};
    if (v !== "v2026") {
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
        importance[featureNames[d]!] = round(test.accuracy - model.evaluate(shuffled, testY, testY.length).accuracy, 4);
      }
      for (const symbol of req.symbols) {
        const idx: number[] = [];
        for (const [i, s] of testParts.symbol.entries()) if (s === symbol) idx.push(i);
        const pred = Int32Array.from(idx, (i) => test.predictions[i]!);
        const ys = Int32Array.from(idx, (i) => testY[i]!);
        const ok = idx.filter((i) => test.predictions[i] === testY[i]).length;
        const m = prf(pred, ys);
        perSymbol[symbol] = {
          accuracy: idx.length ? ok / idx.length : 0,
          precision: m.precision,
          recall: m.recall,
          f1_score: m.f1,
          sample_count: idx.length,
        };
      }
    }
    const lastRec = epochs[epochs.length - 1]!;
    const bestRec = epochs.find((e) => e.epoch === bestEpoch) ?? lastRec;
    const totalSeconds = trainingSeconds + (performance.now() - startedWall) / 1000;
    const dir = modelDir(ctx, req.strategy.name);
    mkdirSync(dir, { recursive: true });
    const version = (listModels(ctx, req.strategy.name).at(-1)?.version ?? 0) + 1;
    // v2025 names models by symbols and timeframes, v2026 by timeframes only.
    const name =
      v === "v2026" ? `${req.timeframes.join("-")}_v${version}` : `${req.symbols.join("-")}_${req.timeframes.join("-")}_v${version}`;
    mkdirSync(join(dir, name), { recursive: true });
    const modelFile = join(dir, name, "model.json");
    const modelRef = `models/${req.strategy.name}/${name}`;
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
      final_train_loss: lastRec.train_loss,
      final_val_loss: lastRec.val_loss,
      final_train_accuracy: lastRec.train_accuracy,
      final_val_accuracy: lastRec.val_accuracy,
      epochs_completed: epochs.length,
      early_stopped: earlyStopped,
      training_time_minutes: round(totalSeconds / 60, 4),
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
      metrics: { training_metrics: { ...trainingMetrics, best_epoch: bestEpoch }, test_metrics: testMetrics },
    };
    const artifactText = JSON.stringify(artifact);
    writeFileSync(modelFile, artifactText);
    const modelSize = Buffer.byteLength(artifactText);
    op.training = {
      training_metrics: trainingMetrics,
      test_metrics: testMetrics,
      model_info: {
        model_size_bytes: modelSize,
        parameters_count: model.parameterCount,
        architecture: `multi_symbol_mlp_${req.symbols.length}symbols`,
      },
    };
    // The last batch stays the current step (upstream's list rows show "Epoch 3/3 · Batch 80/80").
    op.progress = {
      ...batchProgress(lastBatch.epoch, lastBatch.b, lastBatch.loss, lastBatch.accuracy, "completed"),
      steps_completed: epochs.length,
    };
    if (earlyStopped) op.progress.steps_total = E;
    const dataSummary = {
      symbols: req.symbols,
      timeframes: req.timeframes,
      start_date: req.startDate ?? isoDate(firstBar),
      end_date: req.endDate ?? isoDate(lastBar),
      total_samples: totalBars,
      feature_count: dim,
    };
    if (v === "v2026") {
      const v2026Summary: JsonObject = {
        artifacts: { feature_importance: null, per_symbol_metrics: null },
        model_info: { architecture: "v3_mlp", parameters_count: model.parameterCount, trainable_parameters: model.parameterCount },
        model_path: modelRef,
        data_summary: dataSummary,
        session_info: {
          symbols: req.symbols,
          end_date: req.endDate ?? isoDate(lastBar),
          start_date: req.startDate ?? isoDate(firstBar),
          timeframes: req.timeframes,
          operation_id: op.id,
          strategy_name: req.strategy.name,
          training_mode: "local",
          use_host_service: false,
        },
        test_metrics: {
          recall: testMetrics.recall!,
          f1_score: testMetrics.f1_score!,
          precision: testMetrics.precision!,
          test_loss: testMetrics.test_loss!,
          test_accuracy: testMetrics.test_accuracy!,
        },
        resource_usage: { training_mode: "local" },
        training_metrics: {
          history: {
            val_loss: epochs.map((e) => e.val_loss),
            train_loss: epochs.map((e) => e.train_loss),
            val_accuracy: epochs.map((e) => e.val_accuracy),
            train_accuracy: epochs.map((e) => e.train_accuracy),
          },
          training_time: round(totalSeconds, 4),
          epochs_trained: epochs.length,
          final_val_loss: lastRec.val_loss,
          final_train_loss: lastRec.train_loss,
          best_val_accuracy: Math.max(...epochs.map((e) => e.val_accuracy)),
          final_val_accuracy: lastRec.val_accuracy,
          best_train_accuracy: Math.max(...epochs.map((e) => e.train_accuracy)),
          final_train_accuracy: lastRec.train_accuracy,
        },
      };
      return v2026Summary;
    }
    const v2025Summary: JsonObject = {
      // Upstream leaves best_epoch and final_learning_rate empty (null).
      training_metrics: { ...trainingMetrics, best_epoch: null, final_learning_rate: null },
      validation_metrics: { val_loss: bestRec.val_loss, val_accuracy: bestRec.val_accuracy },
      test_metrics: testMetrics,
      resource_usage: { gpu_used: false, peak_memory_mb: null, training_mode: "local" },
      artifacts: {
        model_path: modelRef,
        analytics_dir: analytics ? analyticsDir : null,
        checkpoints: [],
        feature_importance: importance,
        per_symbol_metrics: perSymbol as unknown as JsonObject,
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
        data_summary: { ...dataSummary, symbol_distribution: perSymbolBars },
      },
      model_info: {
        model_size_bytes: modelSize,
        parameters_count: model.parameterCount,
        trainable_parameters: model.parameterCount,
        architecture: `multi_symbol_mlp_${req.symbols.length}symbols`,
        symbol_embedding_dim: 16,
      },
    };
    return v2025Summary;
  };
}
