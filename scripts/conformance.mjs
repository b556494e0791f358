// `npm run conformance`: the official MCP conformance suite in server mode against the Worker's
// /mcp under `wrangler dev` with the local KTRDR stand-in backend — loopback only, no internet.
// Two requirement sets, each with its own package and baseline:
//
// - 2025-11-25 (default): @modelcontextprotocol/conformance 0.1.16, `--spec-version 2025-11-25`,
//   active and pending scenarios, baseline test/conformance/expected-failures.yml;
// - 2026-07-28 (`--requirements 2026-07-28`): @modelcontextprotocol/conformance 0.2.0-alpha.12
//   (installed as conformance-2026; Node >= 22), `server --requirements 2026-07-28
//   --expected-failures test/conformance/expected-failures-2026.yml`: the scored scenarios and the
//   not-scored ones (the tasks extension's, the pending ones), at the 2026-07-28 wire. Its own
//   stack offers the tasks fixtures (MCP_TEST_FIXTURES=true).
//
// Both baselines list checks (`scenario:check-id`), never whole scenarios, so a new failing check
// inside a listed scenario is noticed; in both, as in the 2026 suite's own baseline, a WARNING
// counts as a failure (the 2025 suite reports what a server SHOULD do as warnings).
//
// Either way the outcome is compared with the baseline (what needs a fixture tool/resource/prompt
// this server does not have), and the run fails on an unexpected failure AND on a baseline entry
// that now passes (a stale entry).
//
//   npm run conformance                                  # 2025-11-25, starts its own stack
//   npm run conformance -- --requirements 2026-07-28     # 2026-07-28, starts its own stack
//   npm run conformance -- --url http://127.0.0.1:8787/mcp [--requirements 2026-07-28]
//   npm run conformance -- --scenario tools-list         # one scenario
//
// Options: --url <loopback /mcp URL>, --requirements 2026-07-28, --expected-failures <yml>,
// --spec-version (default 2025-11-25), --suite all|active|pending (default all; 2025 only),
// --scenario <name>, --keep (keep the suite's result files), --verbose (the suite's own output).
// Exit 0 = as expected, 1 = not, 2 = could not run.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { ROOT, startBackend, startWorker, tempDir } from "./stack.mjs";

export const CONFORMANCE_CLI = join(ROOT, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
/** @modelcontextprotocol/conformance@0.2.0-alpha.12, installed under the alias conformance-2026. */
export const CONFORMANCE_2026_DIR = join(ROOT, "node_modules", "conformance-2026");
export const CONFORMANCE_2026_CLI = join(CONFORMANCE_2026_DIR, "dist", "index.js");
export const EXPECTED_FAILURES = join(ROOT, "test", "conformance", "expected-failures.yml");
export const EXPECTED_FAILURES_2026 = join(ROOT, "test", "conformance", "expected-failures-2026.yml");
/** Requirement sets the 2026 package runs here (`--requirements`). */
export const REQUIREMENT_SETS = ["2026-07-28"];
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const RUN_TIMEOUT_MS = 240_000;
const STATUS_RANK = { FAILURE: 3, WARNING: 2, SUCCESS: 1 };

/** A Node >= 22 binary (the 2026 package needs it): this one, or the repo's pinned `node` package. */
function node22() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const pinned = join(ROOT, "node_modules", ".bin", "node");
  if (!existsSync(pinned)) throw new Error("the 2026 conformance suite needs Node >= 22 (npm install puts one in node_modules/.bin)");
  return pinned;
}

/** Runs a suite CLI; resolves to its exit code and output (bounded in time). */
function runCli(cli, args, { echo, node = process.execPath }) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(node, [cli, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let out = "";
    for (const s of [child.stdout, child.stderr]) {
      s.on("data", (c) => {
        out += c;
        if (echo) process.stdout.write(c);
      });
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`conformance suite still running after ${RUN_TIMEOUT_MS / 1000} s; killed`));
    }, RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, output: out });
    });
  });
}

/** Scenario names the 2025 suite has for these filters (`conformance list --server`). */
async function listScenarios(specVersion) {
  const { code, output } = await runCli(CONFORMANCE_CLI, ["list", "--server", "--spec-version", specVersion], { echo: false });
  if (code !== 0) throw new Error(`conformance list failed (${code}): ${output.slice(0, 500)}`);
  return [...output.matchAll(/^\s+- ([a-z0-9][a-z0-9-]*)/gm)].map((m) => m[1]);
}

/**
 * The server scenarios a requirement set runs, from the 2026 package's own (frozen) requirements
 * file: the scored ones, then the not-scored ones with their reason (extension, pending, …).
 * @returns {Array<{ name: string, scored: boolean, reason?: string }>}
 */
export function requirementScenarios(revision) {
  const path = join(CONFORMANCE_2026_DIR, "requirements", `${revision}.yaml`);
  if (!existsSync(path)) throw new Error(`conformance-2026 has no requirement set ${revision}`);
  const doc = parseYaml(readFileSync(path, "utf8")) ?? {};
  const scored = (doc.server ?? []).map((name) => ({ name, scored: true }));
  const notScored = (doc.not_scored ?? [])
    .filter((e) => e.leg === "server")
    .map((e) => ({ name: e.scenario, scored: false, reason: e.reason }));
  return [...scored, ...notScored];
}

/**
 * The baseline file: a `server:` list of `scenario:check-id` entries (that check may fail; the
 * scenario's other checks must pass); reasons are comments. A whole scenario cannot be listed: a new
 * failing check inside it would go unnoticed.
 */
export function readExpectedFailures(path = EXPECTED_FAILURES) {
  const doc = parseYaml(readFileSync(path, "utf8")) ?? {};
  const list = doc.server ?? [];
  if (!Array.isArray(list) || !list.every((x) => typeof x === "string" && /^[a-z0-9][a-z0-9/-]*:[A-Za-z0-9._/-]+$/.test(x))) {
    throw new Error(`${path}: 'server' must be a list of 'scenario:check-id' strings (one failing check each, not whole scenarios)`);
  }
  return list;
}

/** scenario → the ids of its checks that may fail. */
function parseEntries(list) {
  const checks = new Map();
  for (const e of list) {
    const i = e.indexOf(":");
    checks.set(e.slice(0, i), (checks.get(e.slice(0, i)) ?? new Set()).add(e.slice(i + 1)));
  }
  return checks;
}

/** One status per check id, the worst one (as the suite's own baseline does; INFO rows ignored). */
function worstById(checks) {
  const by = new Map();
  for (const c of checks) {
    if (c.status === "INFO") continue;
    const prev = by.get(c.id);
    if (!prev || (STATUS_RANK[c.status] ?? 0) >= (STATUS_RANK[prev] ?? 0)) by.set(c.id, c.status);
  }
  return by;
}

/** Reads `<dir>/server-<scenario>-<timestamp>/checks.json` for every scenario that ran. */
function readResults(dir, scenarios, failing) {
  const dirs = existsSync(dir) ? readdirSync(dir) : [];
  const results = {};
  for (const name of scenarios) {
    const d = dirs
      .filter((x) => x.startsWith(`server-${name}-`) && /\d{4}-\d\d-\d\dT/.test(x.slice(`server-${name}-`.length)))
      .sort()
      .at(-1);
    if (!d || !existsSync(join(dir, d, "checks.json"))) {
      results[name] = { passed: false, ran: false, checks: [], failing: [], problems: ["no result (the scenario did not run or crashed)"] };
      continue;
    }
    const checks = JSON.parse(readFileSync(join(dir, d, "checks.json"), "utf8"));
    const worst = worstById(checks);
    const failingIds = [...worst].filter(([, s]) => failing.has(s)).map(([id]) => id);
    const successes = checks.filter((c) => c.status === "SUCCESS");
    // A scenario the suite itself skips (every check SKIPPED, e.g. tasks-status-notifications in alpha.12) passes, marked skipped.
    const skipped = successes.length === 0 && checks.length > 0 && checks.every((c) => c.status === "SKIPPED");
    const bad = checks.filter((c) => failing.has(c.status));
    results[name] = {
      passed: failingIds.length === 0 && (successes.length > 0 || skipped),
      ran: true,
      skipped,
      checks: checks.map((c) => ({ id: c.id, status: c.status, message: c.errorMessage })),
      failing: failingIds,
      problems:
        bad.length > 0
          ? bad.map((c) => `${c.id}${c.status === "FAILURE" ? "" : ` (${c.status})`}: ${c.errorMessage ?? c.description}`)
          : successes.length === 0 && !skipped
            ? ["no successful check"]
            : [],
    };
  }
  return results;
}

/** Compares the results with the baseline: unexpected failures (scenarios and checks) and stale entries. */
function compare(scenarios, results, entries) {
  const checks = parseEntries(entries);
  const unexpectedFailures = [];
  const unexpectedChecks = [];
  const expectedFailures = [];
  const stale = [];
  for (const s of scenarios) {
    const r = results[s];
    const allowed = checks.get(s) ?? new Set();
    const unexpected = r.failing.filter((id) => !allowed.has(id)).map((id) => `${s}:${id}`);
    // No result, or no verdict at all (no check passed, none failed): unexpected whatever the baseline says.
    if (!r.ran || (!r.passed && r.failing.length === 0)) unexpectedFailures.push(s);
    else if (unexpected.length > 0) {
      unexpectedFailures.push(s);
      unexpectedChecks.push(...unexpected);
    } else if (!r.passed) expectedFailures.push(s);
    // A per-check entry is stale once that check does not fail (it passed, or is no longer emitted).
    if (r.ran) for (const id of allowed) if (!r.failing.includes(id)) stale.push(`${s}:${id}`);
  }
  return { unexpectedFailures, unexpectedChecks, expectedFailures, stale };
}

function checkTotals(results) {
  const t = { passed: 0, failed: 0, warnings: 0, other: 0 };
  for (const r of Object.values(results)) {
    for (const c of r.checks) {
      if (c.status === "SUCCESS") t.passed++;
      else if (c.status === "FAILURE") t.failed++;
      else if (c.status === "WARNING") t.warnings++;
      else t.other++;
    }
  }
  return t;
}

/** Its own stack: the stand-in backend at pace 0 + `wrangler dev` in local mode. */
async function ownStack(running, log, { wire, fixtures }) {
  const dir = tempDir("conformance-stack");
  log(`starting the local stack (${wire} backend at pace 0 + wrangler dev${fixtures ? ", tasks fixtures" : ""}), logs in ${dir}`);
  const backend = await startBackend({ wire, pace: 0, quiet: true, dataDir: join(dir, "data"), logFile: join(dir, "backend.log") });
  running.push(backend);
  const vars = { KTRDR_API_URL: backend.url, AUTH_MODE: "local", ...(fixtures ? { MCP_TEST_FIXTURES: "true" } : {}) };
  const worker = await startWorker({ vars, persistTo: join(dir, "state"), logFile: join(dir, "worker.log") });
  running.push(worker);
  return worker.mcpUrl;
}

/**
 * Runs the suite against `url` (or its own stack) and compares with the expected failures.
 * @param {import("./conformance.d.mts").ConformanceOptions} o
 * @returns {Promise<import("./conformance.d.mts").ConformanceReport>}
 */
export async function runConformance(o = {}) {
  const requirements = o.requirements;
  if (requirements !== undefined && !REQUIREMENT_SETS.includes(requirements)) {
    throw new Error(
      `conformance: --requirements must be one of ${REQUIREMENT_SETS.join(", ")} (the 2025-11-25 set runs with --spec-version)`,
    );
  }
  const modern = requirements !== undefined;
  const specVersion = modern ? requirements : (o.specVersion ?? "2025-11-25");
  const suite = modern ? "requirements" : (o.suite ?? "all");
  const log = o.log ?? (() => {});
  const expectedPath = o.expectedFailuresPath ?? (modern ? EXPECTED_FAILURES_2026 : EXPECTED_FAILURES);
  const expected = readExpectedFailures(expectedPath);
  const running = [];
  const outDir = tempDir("conformance");
  try {
    let url = o.url;
    if (url) {
      if (!LOOPBACK.has(new URL(url).hostname)) throw new Error(`conformance: refusing non-loopback URL ${new URL(url).origin}`);
    } else {
      url = await ownStack(running, log, modern ? { wire: "v2026", fixtures: true } : { wire: "v2025", fixtures: false });
    }
    const catalogue = modern
      ? requirementScenarios(requirements)
      : (await listScenarios(specVersion)).map((name) => ({ name, scored: true }));
    let scenarios = catalogue.map((s) => s.name);
    if (o.scenario) {
      if (!scenarios.includes(o.scenario)) throw new Error(`conformance: no server scenario '${o.scenario}' for ${specVersion}`);
      scenarios = [o.scenario];
    }
    const unknown = [...new Set(expected.map((e) => e.split(":")[0]))].filter((s) => !catalogue.some((c) => c.name === s));
    if (unknown.length > 0)
      throw new Error(`${relative(ROOT, expectedPath)} names scenarios the suite does not have: ${unknown.join(", ")}`);
    const inRun = expected.filter((e) => scenarios.includes(e.split(":")[0]));

    log(
      `running ${scenarios.length} conformance scenario(s) (${modern ? `requirements ${requirements}` : `${specVersion}, suite ${suite}`}) against ${url}`,
    );
    let cli;
    if (modern) {
      const args = ["server", "--url", url, "--expected-failures", expectedPath, "-o", outDir];
      // --requirements runs the whole set; one scenario runs at the same revision's wire (--force: the
      // extension scenarios are on no spec timeline, so --spec-version alone would skip them).
      if (o.scenario) args.push("--scenario", o.scenario, "--spec-version", requirements, "--force");
      else args.push("--requirements", requirements);
      cli = await runCli(CONFORMANCE_2026_CLI, args, { echo: o.verbose === true, node: node22() });
    } else {
      const args = ["server", "--url", url, "--spec-version", specVersion, "-o", outDir];
      if (o.scenario) args.push("--scenario", o.scenario);
      else args.push("--suite", suite);
      cli = await runCli(CONFORMANCE_CLI, args, { echo: o.verbose === true });
    }
    // A WARNING counts as a failure in both sets (as the 2026 suite's own baseline counts it).
    const failing = new Set(["FAILURE", "WARNING"]);
    const results = readResults(outDir, scenarios, failing);
    for (const s of scenarios) {
      const c = catalogue.find((x) => x.name === s);
      results[s].scored = c.scored;
      if (c.reason) results[s].reason = c.reason;
    }
    const verdict = compare(scenarios, results, inRun);
    return {
      url,
      specVersion,
      requirements,
      suite,
      scenarios,
      scored: scenarios.filter((s) => results[s].scored),
      notScored: scenarios.filter((s) => !results[s].scored),
      passed: scenarios.filter((s) => results[s].passed),
      failed: scenarios.filter((s) => !results[s].passed),
      ...verdict,
      checkTotals: checkTotals(results),
      results,
      cliExitCode: cli.code,
      resultsDir: o.keep ? outDir : undefined,
    };
  } finally {
    await Promise.all(running.map((r) => r.stop()));
    if (!o.keep) rmSync(outDir, { recursive: true, force: true });
  }
}

function counts(r, names) {
  const passed = names.filter((s) => r.results[s].passed).length;
  return `${passed} passed, ${names.length - passed} failed`;
}

export function formatConformance(r) {
  const what = r.requirements ? `requirements ${r.requirements}` : `${r.specVersion}, suite ${r.suite}`;
  const lines = [`conformance (${what}) against ${r.url}: ${r.scenarios.length} scenarios`];
  for (const s of r.scenarios) {
    const res = r.results[s];
    const unexpected = r.unexpectedFailures.includes(s);
    const staleHere = r.stale.some((e) => e.startsWith(`${s}:`));
    const mark = unexpected ? "FAIL  " : staleHere ? "STALE " : res.skipped ? "skip  " : res.passed ? "pass  " : "xfail ";
    const tag = res.scored === false ? ` [not scored: ${res.reason ?? "?"}]` : "";
    lines.push(`  ${mark} ${s}${tag}${res.problems.length ? ` — ${res.problems.join("; ").slice(0, 240)}` : ""}`);
  }
  if (r.requirements) lines.push(`scored: ${counts(r, r.scored)}; not scored: ${counts(r, r.notScored)}`);
  const t = r.checkTotals;
  lines.push(
    `passed ${r.passed.length}, failed ${r.failed.length} (expected ${r.expectedFailures.length}, unexpected ${r.unexpectedFailures.length}), stale expected-failure entries ${r.stale.length}`,
    `checks: ${t.passed} passed, ${t.failed} failed, ${t.warnings} warnings${t.other ? `, ${t.other} skipped/info` : ""}`,
  );
  if (r.unexpectedFailures.length)
    lines.push(
      `UNEXPECTED FAILURES: ${r.unexpectedFailures.join(", ")}${r.unexpectedChecks.length ? ` (checks ${r.unexpectedChecks.join(", ")})` : ""}`,
    );
  if (r.stale.length) lines.push(`NOW PASSING (remove from the expected failures): ${r.stale.join(", ")}`);
  if (r.resultsDir) lines.push(`result files: ${r.resultsDir}`);
  return lines.join("\n");
}

export function conformanceOk(r) {
  return r.unexpectedFailures.length === 0 && r.stale.length === 0;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string" },
        requirements: { type: "string" },
        "expected-failures": { type: "string" },
        "spec-version": { type: "string", default: "2025-11-25" },
        suite: { type: "string", default: "all" },
        scenario: { type: "string" },
        keep: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    console.error(`conformance: ${err.message}`);
    process.exit(2);
  }
  if (!["all", "active", "pending"].includes(values.suite)) {
    console.error("conformance: --suite must be all, active or pending");
    process.exit(2);
  }
  let report;
  try {
    report = await runConformance({
      url: values.url,
      requirements: values.requirements,
      expectedFailuresPath: values["expected-failures"],
      specVersion: values["spec-version"],
      suite: values.suite,
      scenario: values.scenario,
      keep: values.keep,
      verbose: values.verbose,
      log: (m) => console.log(m),
    });
  } catch (err) {
    console.error(`conformance: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  console.log(formatConformance(report));
  process.exit(conformanceOk(report) ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
