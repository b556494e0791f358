import type { ChildProcess } from "node:child_process";
export declare const ROOT: string;
export declare function freePort(): Promise<number>;
export declare function tempDir(prefix: string): string;
export interface Running {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}
export declare function startBackend(o?: {
  port?: number;
  wire?: "v2025" | "v2026";
  pace?: number;
  dataDir?: string;
  faults?: boolean;
  noResults?: boolean;
  quiet?: boolean;
  echo?: boolean;
  logFile?: string;
  /** Named quirks of real KTRDR (default: all of the wire's), "none", or a list; see backend/README.md. */
  quirks?: string | string[];
  workerReleaseMs?: number;
}): Promise<Running & { url: string }>;
export declare function startWorker(o?: {
  port?: number;
  vars?: Record<string, string>;
  persistTo?: string;
  echo?: boolean;
  logFile?: string;
  envFile?: string;
  /** Another Worker's wrangler config (default: the product's wrangler.toml), e.g. bench/floor/session.wrangler.toml. */
  config?: string;
}): Promise<Running & { origin: string; mcpUrl: string; inspectorPort: number }>;
export declare function stopOnExit(): { running: Running[]; stop(): Promise<void> };
