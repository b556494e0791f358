// Phase 4 — evaluate: the best weights on the test split (loss, accuracy, macro precision/recall/F1);
// v2025 also reports permutation feature importance and per-symbol figures.
import { MLP, mulberry32 } from "../mlp.ts";
import type { WireVersion } from "../wire.ts";
import { round } from "../util.ts";
import type { JsonObject } from "../util.ts";
import type { ModelState } from "./model-state.ts";
import type { PreparedData } from "./prepare-data.ts";
import type { TrainingRequest } from "./request.ts";

export interface Evaluation {
  /** The evaluated model (the best epoch's weights when there is one). */
  model: MLP;
  testMetrics: JsonObject;
  /** v2025 only (empty on v2026). */
  importance: Record<string, number>;
  perSymbol: Record<string, JsonObject>;
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

/** Permutation importance: accuracy lost when one feature column is shuffled (own RNG). */
function permutationImportance(model: MLP, data: PreparedData, baseline: number, seed: number): Record<string, number> {
  const { X, y, n } = data.test;
  const dim = data.dim;
  const importance: Record<string, number> = {};
  const shuffled = new Float64Array(X);
  const rand = mulberry32(seed);
  for (let d = 0; d < dim; d++) {
    shuffled.set(X);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = shuffled[i * dim + d]!;
      shuffled[i * dim + d] = shuffled[j * dim + d]!;
      shuffled[j * dim + d] = t;
    }
    importance[data.featureNames[d]!] = round(baseline - model.evaluate(shuffled, y, n).accuracy, 4);
  }
  return importance;
}

export function evaluate(state: ModelState, data: PreparedData, req: TrainingRequest, wire: WireVersion): Evaluation {
  const model = state.best ? MLP.fromJSON(state.best) : state.model;
  const test = model.evaluate(data.test.X, data.test.y, data.test.n);
  const { precision, recall, f1 } = prf(test.predictions, data.test.y);
  const testMetrics: JsonObject = {
    test_loss: round(test.loss, 6),
    test_accuracy: round(test.accuracy, 4),
    precision: round(precision, 4),
    recall: round(recall, 4),
    f1_score: round(f1, 4),
  };
  if (wire === "v2026") return { model, testMetrics, importance: {}, perSymbol: {} };
  const perSymbol: Record<string, JsonObject> = {};
  for (const symbol of req.symbols) {
    const idx: number[] = [];
    for (const [i, s] of data.test.symbols.entries()) if (s === symbol) idx.push(i);
    const pred = Int32Array.from(idx, (i) => test.predictions[i]!);
    const ys = Int32Array.from(idx, (i) => data.test.y[i]!);
    const ok = idx.filter((i) => test.predictions[i] === data.test.y[i]).length;
    const m = prf(pred, ys);
    perSymbol[symbol] = {
      accuracy: idx.length ? ok / idx.length : 0,
      precision: m.precision,
      recall: m.recall,
      f1_score: m.f1,
      sample_count: idx.length,
    };
  }
  return { model, testMetrics, importance: permutationImportance(model, data, test.accuracy, state.seed), perSymbol };
}
