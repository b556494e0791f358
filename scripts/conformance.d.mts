export declare const CONFORMANCE_CLI: string;
export declare const CONFORMANCE_2026_DIR: string;
export declare const CONFORMANCE_2026_CLI: string;
export declare const EXPECTED_FAILURES: string;
export declare const EXPECTED_FAILURES_2026: string;
export declare const REQUIREMENT_SETS: readonly string[];
export interface ConformanceOptions {
  /** A running stack's loopback /mcp URL; without it the run starts and stops its own stack. */
  url?: string;
  /**
   * A requirement set of the 2026 package (conformance-2026, i.e. @modelcontextprotocol/conformance
   * 0.2.0-alpha.12): "2026-07-28". Without it, the 2025-11-25 run of the 0.1.16 package.
   */
  requirements?: "2026-07-28";
  /** Baseline YAML (default test/conformance/expected-failures.yml, or expected-failures-2026.yml with `requirements`). */
  expectedFailuresPath?: string;
  /** Default "2025-11-25" (ignored with `requirements`). */
  specVersion?: string;
  /** Default "all" (active + pending scenarios; ignored with `requirements`). */
  suite?: "all" | "active" | "pending";
  scenario?: string;
  /** Keep the suite's result files (their directory is in the report). */
  keep?: boolean;
  verbose?: boolean;
  log?: (message: string) => void;
}
export interface ScenarioResult {
  passed: boolean;
  /** False: the scenario left no result (it did not run or crashed). */
  ran: boolean;
  /** Every check SKIPPED by the suite itself (counts as passed). */
  skipped?: boolean;
  /** Scored for the requirement set (always true for the 2025-11-25 run). */
  scored?: boolean;
  /** Why a scenario is not scored: extension, pending, added-after-release. */
  reason?: string;
  checks: Array<{ id: string; status: string; message?: string }>;
  /** Ids of the checks that failed (FAILURE or WARNING, as in the 2026 suite's own baseline). */
  failing: string[];
  problems: string[];
}
export interface ConformanceReport {
  url: string;
  specVersion: string;
  requirements?: string;
  suite: string;
  scenarios: string[];
  scored: string[];
  notScored: string[];
  passed: string[];
  failed: string[];
  /** Failed scenarios whose every failing check is in the baseline. */
  expectedFailures: string[];
  /** Scenarios with a failing check the baseline does not list (or no result at all). */
  unexpectedFailures: string[];
  /** Those checks, as `scenario:check-id`. */
  unexpectedChecks: string[];
  /** Baseline entries (`scenario` or `scenario:check-id`) that passed: remove them from the baseline. */
  stale: string[];
  /** Check rows over all scenarios, by status. */
  checkTotals: { passed: number; failed: number; warnings: number; other: number };
  results: Record<string, ScenarioResult>;
  /** The suite CLI's own exit code (2026: its baseline verdict on the scored scenarios). */
  cliExitCode: number;
  resultsDir?: string;
}
export declare function readExpectedFailures(path?: string): string[];
export declare function requirementScenarios(revision: string): Array<{ name: string; scored: boolean; reason?: string }>;
export declare function runConformance(o?: ConformanceOptions): Promise<ConformanceReport>;
export declare function formatConformance(r: ConformanceReport): string;
export declare function conformanceOk(r: ConformanceReport): boolean;
