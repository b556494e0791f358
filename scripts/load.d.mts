export interface LoadOptions {
  /** Sessions in all (default 200). */
  sessions?: number;
  /** Tool calls per session, after initialize (default 20). */
  calls?: number;
  /** Sessions in flight at once (default 50). */
  concurrency?: number;
  /** trigger_data_loading calls per session, spread among the reads (default 2). */
  starts?: number;
  /** A running stack's loopback /mcp URL; without it the run starts and stops its own stack. */
  url?: string;
  /** Backend wire version of the own stack (default v2025). */
  wire?: "v2025" | "v2026";
  /** Headers sent with every request (e.g. an Authorization header). */
  headers?: Record<string, string>;
  /** No call starts after this many ms (default 600000); the run then reports an error. */
  timeLimitMs?: number;
  /** Errors kept in the report (default 10; all are counted). */
  maxErrorsKept?: number;
  log?: (message: string) => void;
}
export interface LoadError {
  session: number;
  call: number;
  tool: string;
  message: string;
}
export interface LoadReport {
  url: string;
  sessions: number;
  callsPerSession: number;
  concurrency: number;
  sessionsCompleted: number;
  totalCalls: number;
  errorCount: number;
  errors: LoadError[];
  timedOut: boolean;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  initializeMs: { p50: number; p99: number; max: number };
  byTool: Record<string, { calls: number; errors: number }>;
  elapsedMs: number;
  callsPerSecond: number;
}
export declare function runLoad(o?: LoadOptions): Promise<LoadReport>;
export declare function formatReport(r: LoadReport): string;
export declare function planSession(
  index: number,
  calls: number,
  starts: number,
  knownId: string,
): Array<{ name: string; arguments: Record<string, unknown> }>;
