/**
 * Smoke test of `npm run bench`: the benchmark runs end to end in --quick mode (its own local
 * stack), prints its tables and exits 0. No timing assertions — it is a benchmark.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runScript as run } from "./run-script";

it("npm run bench -- --quick prints the tables and exits 0", { timeout: 240_000 }, async () => {
  const json = join(mkdtempSync(join(tmpdir(), "ktrdr-bench-test-")), "bench.json");
  const r = await run(["scripts/bench.mjs", "--quick", "--json", json], 220_000);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  for (const heading of [
    "## Tokens per tool response vs raw backend JSON (o200k_base)",
    "## Workflow 1 (start_training → monitor → get_operation_results)",
    "## Latency per call",
    "| MCP tool / direct HTTP",
    "| MCP tool / MCP ping",
  ]) {
    expect(r.stdout).toContain(heading);
  }
  for (const tool of ["get_operation_status", "list_operations", "get_operation_results", "get_market_data", "get_operation_metrics", "trigger_data_loading"]) {
    expect(r.stdout).toContain(`| ${tool}`);
  }
  expect(existsSync(json)).toBe(true);
  const report = JSON.parse(readFileSync(json, "utf8")) as { tokens: unknown[]; workflow: { with_waits: { calls: number } } };
  expect(report.tokens.length).toBeGreaterThanOrEqual(6);
  expect(report.workflow.with_waits.calls).toBeGreaterThanOrEqual(3);
});
