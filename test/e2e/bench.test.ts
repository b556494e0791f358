/**
 * Smoke test of `npm run bench`: the benchmark runs end to end in --quick mode (its own local
 * stack plus the floor Worker of bench/floor), prints its tables — the floor comparison's with
 * their ratios — and exits 0. No timing assertions — it is a benchmark: only the presence of the
 * figures and ratios is checked, never their values.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runScript as run } from "./run-script";

const RATIO = "\\d+\\.\\d\\d×";
/** A table row of `label` that carries at least one ratio. */
const ratioRow = (label: string) => new RegExp(`^\\| ${label.replace(/[()]/g, "\\$&")}\\s*\\|.*\\| +${RATIO} \\|`, "m");

it("npm run bench -- --quick prints the tables and exits 0", { timeout: 300_000 }, async () => {
  const json = join(mkdtempSync(join(tmpdir(), "ktrdr-bench-test-")), "bench.json");
  const r = await run(["scripts/bench.mjs", "--quick", "--json", json], 280_000);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  for (const heading of [
    "## Tokens per tool response vs raw backend JSON (o200k_base)",
    "## Workflow 1 (start_training → monitor → get_operation_results)",
    "## Latency per call",
    "| MCP tool / direct HTTP",
    "| MCP tool / MCP ping",
    "## Against a bare floor",
    "### Tool call latency",
    "### Throughput",
    "### Session setup",
    "### Bundle",
    "### Targets (issue 12)",
  ]) {
    expect(r.stdout).toContain(heading);
  }
  // Every product path appears with its ratio to the floor, in each table.
  for (const label of ["product: 2025 session (Durable Object)", "product: 2026-07-28 stateless", "product (wrangler.toml)"]) {
    expect(r.stdout).toMatch(ratioRow(label));
  }
  for (const target of [
    "session path tool call p50 / floor",
    "session path throughput / floor",
    "session setup / floor",
    "product bundle gzip",
  ]) {
    expect(r.stdout).toContain(`| ${target}`);
  }
  for (const tool of [
    "get_operation_status",
    "list_operations",
    "get_operation_results",
    "get_market_data",
    "get_operation_metrics",
    "trigger_data_loading",
  ]) {
    expect(r.stdout).toContain(`| ${tool}`);
  }
  expect(existsSync(json)).toBe(true);
  const report = JSON.parse(readFileSync(json, "utf8")) as {
    tokens: unknown[];
    workflow: { with_waits: { calls: number } };
    floor: {
      ratios: Record<"session" | "stateless", { p50: number; p99: number; throughput: number; setup: number }>;
      latency: Record<"floor" | "session" | "stateless", { p50_ms: number; backend_requests_per_call: number }>;
      throughput: Record<"floor" | "session" | "stateless", { calls: number; calls_per_second: number }>;
    };
    bundle: { product: { gzip_kib: number }; floor: { gzip_kib: number }; ratio_gzip: number; dependencies: unknown[] };
  };
  expect(report.tokens.length).toBeGreaterThanOrEqual(6);
  expect(report.workflow.with_waits.calls).toBeGreaterThanOrEqual(3);
  for (const path of ["session", "stateless"] as const) {
    for (const k of ["p50", "p99", "throughput", "setup"] as const) expect(report.floor.ratios[path][k]).toBeGreaterThan(0);
  }
  for (const path of ["floor", "session", "stateless"] as const) {
    expect(report.floor.latency[path].p50_ms).toBeGreaterThan(0);
    expect(report.floor.latency[path].backend_requests_per_call).toBeGreaterThan(0);
    expect(report.floor.throughput[path].calls).toBeGreaterThan(0);
  }
  expect(report.bundle.product.gzip_kib).toBeGreaterThan(0);
  expect(report.bundle.floor.gzip_kib).toBeGreaterThan(0);
  expect(report.bundle.ratio_gzip).toBeGreaterThan(0);
  expect(report.bundle.dependencies.length).toBeGreaterThan(0);
});
