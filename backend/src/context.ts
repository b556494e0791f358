// Settings and the shared state every route handler and task works with.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BarCache } from "./cache.ts";
import { OperationsRegistry } from "./operations.ts";
import { StrategyStore } from "./strategies.ts";
import type { WireVersion } from "./wire.ts";

export interface BackendOptions {
  host: string;
  port: number;
  wire: WireVersion;
  /** false = no /operations/{id}/results and /metrics (an early-October-2025 backend). */
  resultsEndpoints: boolean;
  /** Multiplier of artificial delays; 1 = demo pacing (training ~1 min), 0 = full speed. */
  pace: number;
  dataDir: string;
  faults: boolean;
  quiet: boolean;
  strategiesDir?: string;
}

export interface Ctx {
  opts: BackendOptions;
  ops: OperationsRegistry;
  cache: BarCache;
  strategies: StrategyStore;
  modelsDir: string;
  checkpointsDir: string;
  analyticsDir: string;
}

export function createContext(opts: BackendOptions): Ctx {
  const modelsDir = join(opts.dataDir, "models");
  const checkpointsDir = join(opts.dataDir, "checkpoints");
  const analyticsDir = join(opts.dataDir, "training");
  for (const d of [opts.dataDir, modelsDir, checkpointsDir, analyticsDir]) mkdirSync(d, { recursive: true });
  return {
    opts,
    ops: new OperationsRegistry(),
    cache: new BarCache(opts.dataDir),
    strategies: new StrategyStore(opts.strategiesDir),
    modelsDir,
    checkpointsDir,
    analyticsDir,
  };
}
