// Strategy YAML files (backend/strategies/*.yaml) and their checked training configuration.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { findIndicator, indicatorNames } from "./indicators.ts";
import type { Activation } from "./mlp.ts";
import type { JsonObject } from "./util.ts";

export const DEFAULT_STRATEGIES_DIR = fileURLToPath(new URL("../strategies", import.meta.url));

export interface StrategyFile {
  name: string;
  description: string;
  symbols: string[];
  timeframes: string[];
  indicators: JsonObject[];
  fuzzyConfig: JsonObject;
  raw: JsonObject;
  /** The YAML file's text and path. */
  text: string;
  path: string;
}

export interface IndicatorUse {
  name: string;
  featureId: string;
  params: Record<string, number>;
}

export interface TrainingConfig {
  hiddenLayers: number[];
  activation: Activation;
  learningRate: number;
  batchSize: number;
  epochs: number;
  patience: number;
  minDelta: number;
  lookbackReturns: number;
  threshold: number | "auto";
  split: { train: number; validation: number; test: number };
  indicators: IndicatorUse[];
  historyRequired: number;
  /** Stand-in pacing: the training's artificial duration at pace 1 (seconds). */
  pacedSeconds: number;
  /** Stand-in pacing: every epoch lasts at least this long, at any pace (ms). */
  minEpochMs: number;
  /** v2026: a periodic checkpoint after every this many epochs (0 = none). */
  checkpointEvery: number;
}

const NAME_RE = /^[A-Za-z0-9_-]{1,100}$/;

export class StrategyStore {
  readonly dir: string;
  constructor(dir: string = DEFAULT_STRATEGIES_DIR) {
    this.dir = dir;
  }

  /** Paths of every strategy file (for "Strategy file not found" messages). */
  files(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .map((f) => join(this.dir, f));
  }

  names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .map((f) => f.replace(/\.ya?ml$/, ""))
      .sort();
  }

  /** Load a strategy by name; undefined when there is no such file. Throws on unparseable YAML. */
  load(name: string): StrategyFile | undefined {
    if (!NAME_RE.test(name)) return undefined;
    const file = [join(this.dir, `${name}.yaml`), join(this.dir, `${name}.yml`)].find((p) => existsSync(p));
    if (!file) return undefined;
    const text = readFileSync(file, "utf8");
    const raw = (parse(text) ?? {}) as JsonObject;
    const data = (raw.data ?? {}) as JsonObject;
    return {
      name: typeof raw.name === "string" ? raw.name : name,
      description: typeof raw.description === "string" ? raw.description : "",
      symbols: Array.isArray(data.symbols) ? data.symbols.map(String) : [],
      timeframes: Array.isArray(data.timeframes) ? data.timeframes.map(String) : [],
      indicators: Array.isArray(raw.indicators) ? (raw.indicators as JsonObject[]) : [],
      fuzzyConfig: (raw.fuzzy_sets ?? {}) as JsonObject,
      raw,
      text,
      path: file,
    };
  }

  /** Like load(), but undefined instead of an exception for unparseable YAML. */
  tryLoad(name: string): StrategyFile | undefined {
    try {
      return this.load(name);
    } catch {
      return undefined;
    }
  }
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** Check a strategy's model and indicator configuration; throws with a message an agent can act on. */
export function trainingConfig(s: StrategyFile): TrainingConfig {
  const model = (s.raw.model ?? {}) as JsonObject;
  const arch = (model.architecture ?? {}) as JsonObject;
  const tr = (model.training ?? {}) as JsonObject;
  const es = (tr.early_stopping ?? {}) as JsonObject;
  const feats = (model.features ?? {}) as JsonObject;
  const training = (s.raw.training ?? {}) as JsonObject;
  const labels = (training.labels ?? {}) as JsonObject;
  const split = (training.data_split ?? {}) as JsonObject;
  const standIn = (s.raw.stand_in ?? {}) as JsonObject;

  if (model.type !== undefined && model.type !== "mlp") {
    throw new Error(
      `Invalid model configuration in strategy '${s.name}': model type '${String(model.type)}' is not supported (supported: mlp)`,
    );
  }
  const hidden = arch.hidden_layers ?? [32, 16];
  if (
    !Array.isArray(hidden) ||
    hidden.length === 0 ||
    !hidden.every((h) => typeof h === "number" && Number.isInteger(h) && h > 0 && h <= 1024)
  ) {
    throw new Error(
      `Invalid model architecture in strategy '${s.name}': hidden_layers must be a non-empty list of positive integers (1-1024), got ${JSON.stringify(hidden)}`,
    );
  }
  const activation = arch.activation ?? "relu";
  if (activation !== "relu" && activation !== "tanh") {
    throw new Error(
      `Invalid model architecture in strategy '${s.name}': activation '${String(activation)}' is not supported (use relu or tanh)`,
    );
  }
  const indicators: IndicatorUse[] = [];
  for (const ind of s.indicators) {
    const name = String(ind.name ?? "");
    if (!findIndicator(name)) {
      throw new Error(
        `Unknown indicator '${name}' in strategy '${s.name}'. Available indicators: ${indicatorNames().join(", ")}. Fix the strategy's indicators section and start training again.`,
      );
    }
    const params: Record<string, number> = {};
    for (const [k, v] of Object.entries(ind)) if (typeof v === "number") params[k] = v;
    indicators.push({ name, featureId: String(ind.feature_id ?? name), params });
  }
  const threshold = labels.threshold === undefined || labels.threshold === "auto" ? "auto" : num(labels.threshold, 0.001);
  const sp = { train: num(split.train, 0.7), validation: num(split.validation, 0.15), test: num(split.test, 0.15) };
  const epochs = Math.floor(num(tr.epochs, 50));
  const batchSize = Math.floor(num(tr.batch_size, 32));
  if (epochs < 1 || epochs > 10000)
    throw new Error(`Invalid training configuration in strategy '${s.name}': epochs must be 1..10000, got ${epochs}`);
  if (batchSize < 1 || batchSize > 4096)
    throw new Error(`Invalid training configuration in strategy '${s.name}': batch_size must be 1..4096, got ${batchSize}`);
  return {
    hiddenLayers: hidden as number[],
    activation,
    learningRate: num(tr.learning_rate, 0.002),
    batchSize,
    epochs,
    patience: Math.floor(num(es.patience, 10)),
    minDelta: num(es.min_delta, 1e-4),
    lookbackReturns: Math.max(1, Math.floor(num(feats.lookback_returns, 5))),
    threshold,
    split: sp,
    indicators,
    historyRequired: Math.floor(num(((s.raw.data ?? {}) as JsonObject).history_required, 100)),
    pacedSeconds: Math.max(0, num(standIn.paced_seconds, 60)),
    minEpochMs: Math.max(0, num(standIn.min_epoch_ms, 0)),
    checkpointEvery: Math.max(0, Math.floor(num(standIn.checkpoint_every_epochs, 10))),
  };
}
