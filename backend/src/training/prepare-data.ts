// Phase 1 — prepare data: cached bars of every symbol/timeframe → features and next-bar labels →
// chronological 70/15/15 split → scaled by the training split's statistics.
import type { Ctx } from "../context.ts";
import { applyScaler, buildDataset, fitScaler, labelThreshold } from "../features.ts";
import type { Scaler } from "../features.ts";
import type { Bar } from "../market-data.ts";
import type { TrainingConfig } from "../strategies.ts";
import { parseDate } from "../util.ts";
import type { TrainingRequest } from "./request.ts";

export interface Split {
  X: Float64Array;
  y: Int32Array;
  n: number;
}

export interface PreparedData {
  train: Split;
  val: Split;
  /** The test split, with each row's symbol (for per-symbol figures). */
  test: Split & { symbols: string[] };
  scaler: Scaler;
  featureNames: string[];
  dim: number;
  /** Label threshold per `<SYMBOL>_<TF>`. */
  thresholds: Record<string, number>;
  barsPerSymbol: Record<string, number>;
  totalBars: number;
  firstBar: number;
  lastBar: number;
}

/** The cached bars of each symbol/timeframe, in request order. */
export interface LoadedBars {
  ranges: { symbol: string; timeframe: string; bars: Bar[] }[];
}

/** The error upstream reports for a symbol/timeframe without (cached) bars. */
function noDataMessage(ctx: Ctx, symbol: string, tf: string): string {
  return ctx.opts.wire === "v2026" ? `No data found in cache for ${symbol} ${tf}` : `Data not found for ${symbol} (${tf})`;
}

/** Read the bars (read once; a symbol without data fails the training with upstream's message). */
export function loadBars(ctx: Ctx, req: TrainingRequest): LoadedBars {
  const startMs = req.startDate ? parseDate(req.startDate) : null;
  const endMs = req.endDate ? parseDate(req.endDate) : null;
  const ranges: LoadedBars["ranges"] = [];
  for (const symbol of req.symbols) {
    for (const timeframe of req.timeframes) {
      const bars = ctx.cache.range(symbol, timeframe, startMs, endMs);
      if (bars.length === 0) throw new Error(noDataMessage(ctx, symbol, timeframe));
      ranges.push({ symbol, timeframe, bars });
    }
  }
  return { ranges };
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

/** Features, labels and the chronological split of the loaded bars. */
export function prepareData(loaded: LoadedBars, cfg: TrainingConfig): PreparedData {
  const barsPerSymbol: Record<string, number> = {};
  const thresholds: Record<string, number> = {};
  const parts = {
    train: { X: [] as Float64Array[], y: [] as Int32Array[] },
    val: { X: [] as Float64Array[], y: [] as Int32Array[] },
    test: { X: [] as Float64Array[], y: [] as Int32Array[] },
  };
  const testSymbols: string[] = [];
  let featureNames: string[] = [];
  let dim = 0;
  let firstBar = Infinity;
  let lastBar = -Infinity;
  let totalBars = 0;
  for (const { symbol, bars } of loaded.ranges) {
    barsPerSymbol[symbol] = (barsPerSymbol[symbol] ?? 0) + bars.length;
    totalBars += bars.length;
    firstBar = Math.min(firstBar, bars[0]!.t);
    lastBar = Math.max(lastBar, bars[bars.length - 1]!.t);
  }
  for (const { symbol, timeframe, bars } of loaded.ranges) {
    if (bars.length < cfg.historyRequired + 50) {
      throw new Error(
        `Not enough data for ${symbol} ${timeframe}: ${bars.length} bars cached, at least ${cfg.historyRequired + 50} needed. Load more history with trigger_data_loading(symbol="${symbol}", timeframe="${timeframe}", mode="backfill").`,
      );
    }
    const thr = labelThreshold(bars, cfg);
    thresholds[`${symbol}_${timeframe}`] = thr;
    const ds = buildDataset(bars, cfg, thr);
    featureNames = ds.featureNames;
    dim = ds.dim;
    const nTrain = Math.floor(ds.n * cfg.split.train);
    const nVal = Math.floor(ds.n * cfg.split.validation);
    parts.train.X.push(ds.X.slice(0, nTrain * dim));
    parts.train.y.push(ds.y.slice(0, nTrain));
    parts.val.X.push(ds.X.slice(nTrain * dim, (nTrain + nVal) * dim));
    parts.val.y.push(ds.y.slice(nTrain, nTrain + nVal));
    parts.test.X.push(ds.X.slice((nTrain + nVal) * dim));
    parts.test.y.push(ds.y.slice(nTrain + nVal));
    for (let i = nTrain + nVal; i < ds.n; i++) testSymbols.push(symbol);
  }
  const rawTrainX = concat(parts.train.X);
  const trainY = concatInt(parts.train.y);
  const scaler = fitScaler(rawTrainX, dim, trainY.length);
  const scaled = (xs: Float64Array[], ys: Int32Array[]): Split => {
    const y = concatInt(ys);
    return { X: applyScaler(concat(xs), dim, scaler), y, n: y.length };
  };
  return {
    train: { X: applyScaler(rawTrainX, dim, scaler), y: trainY, n: trainY.length },
    val: scaled(parts.val.X, parts.val.y),
    test: { ...scaled(parts.test.X, parts.test.y), symbols: testSymbols },
    scaler,
    featureNames,
    dim,
    thresholds,
    barsPerSymbol,
    totalBars,
    firstBar,
    lastBar,
  };
}
