/**
 * Smoke test of `npm run bench`: the benchmark runs end to end in --quick mode (its own local
 * stack), prints its tables and exits 0. No timing assertions — it is a benchmark.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/stack.mjs";

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
