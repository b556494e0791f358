// Settings and the shared state every route handler and task works with.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BarCache } from "./cache.ts";
import { OperationsRegistry } from "./operations.ts";
import { QuirkSet, parseQuirks } from "./quirks.ts";
import { StrategyStore } from "./strategies.ts";
import type { WireVersion } from "./wire.ts";
import { WorkerRegistry } from "./workers.ts";

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
  /**
   * Upstream quirks to reproduce: "all" (default: every quirk of the wire), "none", or a comma
   * list / array of names (see quirks.ts and backend/README.md).
   */
  quirks?: string | readonly string[];
  /**
   * v2026 worker health-check interval = how long a worker stays busy after its operation ended
   * (released by the next check). null/undefined = 10 s × pace.
   */
  workerReleaseMs?: number | null;
}

export interface Ctx {
  opts: BackendOptions;
  ops: OperationsRegistry;
  cache: BarCache;
  strategies: StrategyStore;
  quirks: QuirkSet;
  workers: WorkerRegistry;
  /** Backend start (or simulated restart), ms. */
  startedAt: number;
  modelsDir: string;
  checkpointsDir: string;
  analyticsDir: string;
}

export function workerReleaseMs(opts: BackendOptions): number {
  return opts.workerReleaseMs === undefined || opts.workerReleaseMs === null ? 10_000 * opts.pace : Math.max(0, opts.workerReleaseMs);
}

export function createContext(opts: BackendOptions): Ctx {
  const modelsDir = join(opts.dataDir, "models");
  const checkpointsDir = join(opts.dataDir, "checkpoints");
  const analyticsDir = join(opts.dataDir, "training");
  for (const d of [opts.dataDir, modelsDir, checkpointsDir, analyticsDir]) mkdirSync(d, { recursive: true });
  const parsed = parseQuirks(opts.quirks, opts.wire);
  if ("error" in parsed) throw new Error(parsed.error);
  return {
    opts,
    ops: new OperationsRegistry(),
    cache: new BarCache(opts.dataDir),
    strategies: new StrategyStore(opts.strategiesDir),
    quirks: new QuirkSet(opts.wire, parsed.quirks),
    workers: new WorkerRegistry(() => workerReleaseMs(opts)),
    startedAt: Date.now(),
    modelsDir,
    checkpointsDir,
    analyticsDir,
  };
}
