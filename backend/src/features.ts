// Turning bars into a supervised dataset: features (lagged returns + indicators), next-bar direction labels.
import type { Bar } from "./market-data.ts";
import { findIndicator, logReturns } from "./indicators.ts";
import type { TrainingConfig } from "./strategies.ts";

export const CLASS_NAMES = ["down", "flat", "up"] as const;

export interface Dataset {
  X: Float64Array; // rows × dim, row-major
  y: Int32Array;
  times: number[];
  closes: number[];
  dim: number;
  n: number;
  featureNames: string[];
}

/** Feature matrix for every bar (NaN rows where indicators are warming up). */
export function featureMatrix(bars: Bar[], cfg: TrainingConfig): { cols: Float64Array[]; names: string[] } {
  const ret = logReturns(bars);
  const cols: Float64Array[] = [];
  const names: string[] = [];
  for (let lag = 0; lag < cfg.lookbackReturns; lag++) {
    cols.push(Float64Array.from(bars, (_, i) => (i - lag >= 1 ? ret[i - lag]! * 100 : NaN)));
    names.push(`return_lag_${lag + 1}`);
  }
  for (const ind of cfg.indicators) {
    const spec = findIndicator(ind.name)!;
    cols.push(spec.feature(bars, ind.params));
    names.push(ind.featureId);
  }
  return { cols, names };
}

/** Label threshold: a fixed value, or a third of the return standard deviation ("auto"). */
export function labelThreshold(bars: Bar[], cfg: TrainingConfig): number {
  if (cfg.threshold !== "auto") return cfg.threshold;
  const r = logReturns(bars).filter((v) => !Number.isNaN(v));
  const m = r.reduce((a, b) => a + b, 0) / Math.max(r.length, 1);
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(r.length, 1));
  return sd * 0.35;
}

export function buildDataset(bars: Bar[], cfg: TrainingConfig, threshold: number): Dataset {
  const { cols, names } = featureMatrix(bars, cfg);
  const dim = cols.length;
  const rows: number[] = [];
  for (let i = 0; i < bars.length - 1; i++) {
    if (cols.every((c) => Number.isFinite(c[i]!))) rows.push(i);
  }
  const X = new Float64Array(rows.length * dim);
  const y = new Int32Array(rows.length);
  rows.forEach((i, r) => {
    for (let d = 0; d < dim; d++) X[r * dim + d] = cols[d]![i]!;
    const next = Math.log(bars[i + 1]!.c / bars[i]!.c);
    y[r] = next > threshold ? 2 : next < -threshold ? 0 : 1;
  });
  return { X, y, dim, n: rows.length, featureNames: names, times: rows.map((i) => bars[i]!.t), closes: rows.map((i) => bars[i]!.c) };
}

export interface Scaler {
  mean: number[];
  std: number[];
}

export function fitScaler(X: Float64Array, dim: number, n: number): Scaler {
  const mean = new Array<number>(dim).fill(0);
  const std = new Array<number>(dim).fill(0);
  for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) mean[d]! += X[r * dim + d]! / n;
  for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) std[d]! += (X[r * dim + d]! - mean[d]!) ** 2 / n;
  return { mean, std: std.map((v) => Math.sqrt(v) || 1) };
}

export function applyScaler(X: Float64Array, dim: number, s: Scaler): Float64Array {
  const out = new Float64Array(X.length);
  for (let i = 0; i < X.length; i++) {
    const d = i % dim;
    out[i] = Math.max(-8, Math.min(8, (X[i]! - s.mean[d]!) / s.std[d]!));
  }
  return out;
}

/** Rows [from, to) of a dataset as its own matrix. */
export function sliceRows(ds: Dataset, X: Float64Array, from: number, to: number): { X: Float64Array; y: Int32Array; n: number } {
  return { X: X.slice(from * ds.dim, to * ds.dim), y: ds.y.slice(from, to), n: to - from };
}
