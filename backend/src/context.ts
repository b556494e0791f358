// Settings and the shared state every route handler and task works with.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BarCache } from "./cache.ts";
import { OperationsDb } from "./db.ts";
import { OperationsRegistry } from "./operations.ts";
import { OrphanDetector } from "./orphans.ts";
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
  /** v2026: after a backend restart, workers register again this much later. null/undefined = 4 s × pace (recorded ~4 s). */
  reregisterMs?: number | null;
  /** v2026 orphan detector: an unclaimed running operation fails this long after it was first noted. null/undefined = 60 s × pace. */
  orphanTimeoutMs?: number | null;
  /** v2026 orphan detector: check interval (0 = on every read). null/undefined = 15 s × pace. */
  orphanIntervalMs?: number | null;
  /**
   * v2026-list-cache: a worker operation first read by id at least this long after its start (ms) shows
   * its database row. null/undefined = 2000 (recorded ~2 s).
   */
  firstReadDbAfterMs?: number | null;
  /** v2026 research cycles: how often a cycle looks at its child operation. null/undefined = 5 s × pace (recorded). */
  researchPollMs?: number | null;
}

export interface Ctx {
  opts: BackendOptions;
  /** The API's in-memory cache of operations. */
  ops: OperationsRegistry;
  /** The database behind it (v2026; see db.ts). */
  db: OperationsDb;
  orphans: OrphanDetector;
  /** Whether the (simulated) IB Gateway answers; data loads that need it fail when it does not. */
  ib: { connected: boolean };
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
  return paced(opts.workerReleaseMs, 10_000, opts.pace);
}

/** `value` when set, else `defaultMs` × pace. */
export function paced(value: number | null | undefined, defaultMs: number, pace: number): number {
  return value === undefined || value === null ? defaultMs * pace : Math.max(0, value);
}

export function createContext(opts: BackendOptions): Ctx {
  const modelsDir = join(opts.dataDir, "models");
  const checkpointsDir = join(opts.dataDir, "checkpoints");
  const analyticsDir = join(opts.dataDir, "training");
  for (const d of [opts.dataDir, modelsDir, checkpointsDir, analyticsDir]) mkdirSync(d, { recursive: true });
  const parsed = parseQuirks(opts.quirks, opts.wire);
  if ("error" in parsed) throw new Error(parsed.error);
  const db = new OperationsDb();
  const ctx: Ctx = {
    opts,
    ops: new OperationsRegistry(db),
    db,
    // Assigned right below: the detector reads the context it belongs to.
    orphans: undefined as unknown as OrphanDetector,
    ib: { connected: true },
    cache: new BarCache(opts.dataDir),
    strategies: new StrategyStore(opts.strategiesDir),
    quirks: new QuirkSet(opts.wire, parsed.quirks),
    workers: new WorkerRegistry(() => workerReleaseMs(opts)),
    startedAt: Date.now(),
    modelsDir,
    checkpointsDir,
    analyticsDir,
  };
  ctx.orphans = new OrphanDetector(ctx);
  return ctx;
}
