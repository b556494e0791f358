export declare const CONFORMANCE_CLI: string;
export declare const EXPECTED_FAILURES: string;
export interface ConformanceOptions {
  /** A running stack's loopback /mcp URL; without it the run starts and stops its own stack. */
  url?: string;
  /** Baseline YAML (default test/conformance/expected-failures.yml). */
  expectedFailuresPath?: string;
  /** Default "2025-11-25". */
  specVersion?: string;
  /** Default "all" (active + pending scenarios). */
  suite?: "all" | "active" | "pending";
  scenario?: string;
  /** Keep the suite's result files (their directory is in the report). */
  keep?: boolean;
  verbose?: boolean;
  log?: (message: string) => void;
}
export interface ScenarioResult {
  passed: boolean;
  checks: Array<{ id: string; status: string; message?: string }>;
  problems: string[];
}
export interface ConformanceReport {
  url: string;
  specVersion: string;
  suite: string;
  scenarios: string[];
  passed: string[];
  failed: string[];
  expectedFailures: string[];
  unexpectedFailures: string[];
  /** Expected failures that passed: remove them from the baseline. */
  stale: string[];
  results: Record<string, ScenarioResult>;
  cliExitCode: number;
  resultsDir?: string;
}
export declare function readExpectedFailures(path?: string): string[];
export declare function runConformance(o?: ConformanceOptions): Promise<ConformanceReport>;
export declare function formatConformance(r: ConformanceReport): string;
export declare function conformanceOk(r: ConformanceReport): boolean;
