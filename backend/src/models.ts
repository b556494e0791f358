// Trained model artifacts on disk: `models/<strategy>/<name>_v<N>/model.json` (the wire's `model_path`
// is `models/<strategy>/<name>_v<N>`, relative to the data directory).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Ctx } from "./context.ts";
import type { Scaler } from "./features.ts";
import type { MlpJson } from "./mlp.ts";
import type { TrainingConfig } from "./strategies.ts";
import type { JsonObject } from "./util.ts";

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

export interface SavedModel {
  /** The artifact file (`.../model.json`). */
  path: string;
  /** How the wire names it: `models/<strategy>/<name>_v<N>` (relative to the data directory). */
  ref: string;
  version: number;
  mtime: number;
}

export function modelDir(ctx: Ctx, strategy: string): string {
  return join(ctx.modelsDir, strategy);
}

/** Saved model versions of a strategy (newest last). */
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

/** Every saved model of every strategy (oldest first). */
export function listAllModels(ctx: Ctx): SavedModel[] {
  if (!existsSync(ctx.modelsDir)) return [];
  return readdirSync(ctx.modelsDir)
    .flatMap((s) => listModels(ctx, s))
    .sort((a, b) => a.mtime - b.mtime);
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
