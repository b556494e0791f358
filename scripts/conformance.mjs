// `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance,
// server mode, the 2025-11-25 requirement set, active and pending scenarios) against the Worker's
// /mcp under `wrangler dev` with the local KTRDR stand-in backend — loopback only, no internet.
// It compares the outcome with test/conformance/expected-failures.yml (scenarios that need the
// suite's fixture tools/resources/prompts, which this server does not have) and fails on an
// unexpected failure AND on an expected failure that now passes (a stale entry).
//
//   npm run conformance                                  # starts its own stack
//   npm run conformance -- --url http://127.0.0.1:8787/mcp
//   npm run conformance -- --scenario tools-list         # one scenario
//
// Options: --url <loopback /mcp URL>, --expected-failures <yml>, --spec-version (default
// 2025-11-25), --suite all|active|pending (default all), --scenario <name>, --keep (keep the
// suite's result files), --verbose (the suite's own output). Exit 0 = as expected, 1 = not.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { ROOT, startBackend, startWorker, tempDir } from "./stack.mjs";

export const CONFORMANCE_CLI = join(ROOT, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
export const EXPECTED_FAILURES = join(ROOT, "test", "conformance", "expected-failures.yml");
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const RUN_TIMEOUT_MS = 240_000;

/** Runs the suite's CLI; resolves to its exit code and output (bounded in time). */
function runCli(args, { echo }) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CONFORMANCE_CLI, ...args], {
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

/** Scenario names the suite has for these filters (`conformance list --server`). */
async function listScenarios(specVersion) {
  const { code, output } = await runCli(["list", "--server", "--spec-version", specVersion], { echo: false });
  if (code !== 0) throw new Error(`conformance list failed (${code}): ${output.slice(0, 500)}`);
  return [...output.matchAll(/^\s+- ([a-z0-9][a-z0-9-]*)/gm)].map((m) => m[1]);
}

/** The baseline file: `server:` list of scenario names (reasons are comments). */
export function readExpectedFailures(path = EXPECTED_FAILURES) {
  const doc = parseYaml(readFileSync(path, "utf8")) ?? {};
  const list = doc.server ?? [];
  if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) throw new Error(`${path}: 'server' must be a list of scenario names`);
  return list;
}

/** Reads `<dir>/server-<scenario>-<timestamp>/checks.json` for every scenario that ran. */
function readResults(dir, scenarios) {
  const dirs = existsSync(dir) ? readdirSync(dir) : [];
  const results = {};
  for (const name of scenarios) {
    const d = dirs.filter((x) => x.startsWith(`server-${name}-`) && /\d{4}-\d\d-\d\dT/.test(x.slice(`server-${name}-`.length))).sort().at(-1);
    if (!d || !existsSync(join(dir, d, "checks.json"))) {
      results[name] = { passed: false, checks: [], problems: ["no result (the scenario did not run or crashed)"] };
      continue;
    }
    const checks = JSON.parse(readFileSync(join(dir, d, "checks.json"), "utf8"));
    const failed = checks.filter((c) => c.status === "FAILURE");
    const successes = checks.filter((c) => c.status === "SUCCESS");
    results[name] = {
      passed: failed.length === 0 && successes.length > 0,
      checks: checks.map((c) => ({ id: c.id, status: c.status, message: c.errorMessage })),
      problems: failed.length > 0 ? failed.map((c) => `${c.id}: ${c.errorMessage ?? c.description}`) : successes.length === 0 ? ["no successful check"] : [],
    };
  }
  return results;
}

/**
 * Runs the suite against `url` (or its own stack) and compares with the expected failures.
 * @param {import("./conformance.d.mts").ConformanceOptions} o
 * @returns {Promise<import("./conformance.d.mts").ConformanceReport>}
 */
export async function runConformance(o = {}) {
  const specVersion = o.specVersion ?? "2025-11-25";
  const suite = o.suite ?? "all";
  const log = o.log ?? (() => {});
  const expectedPath = o.expectedFailuresPath ?? EXPECTED_FAILURES;
  const expected = new Set(readExpectedFailures(expectedPath));
  const running = [];
  const outDir = tempDir("conformance");
  try {
    let url = o.url;
    if (url) {
      if (!LOOPBACK.has(new URL(url).hostname)) throw new Error(`conformance: refusing non-loopback URL ${new URL(url).origin}`);
    } else {
      const dir = tempDir("conformance-stack");
      log(`starting the local stack (v2025 backend at pace 0 + wrangler dev), logs in ${dir}`);
      const backend = await startBackend({ wire: "v2025", pace: 0, quiet: true, dataDir: join(dir, "data"), logFile: join(dir, "backend.log") });
      running.push(backend);
      const worker = await startWorker({ vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local" }, persistTo: join(dir, "state"), logFile: join(dir, "worker.log") });
      running.push(worker);
      url = worker.mcpUrl;
    }
    let scenarios = await listScenarios(specVersion);
    if (o.scenario) {
      if (!scenarios.includes(o.scenario)) throw new Error(`conformance: no server scenario '${o.scenario}' for ${specVersion}`);
      scenarios = [o.scenario];
    }
    const unknown = [...expected].filter((s) => !scenarios.includes(s));
    if (unknown.length > 0 && !o.scenario) throw new Error(`${relative(ROOT, expectedPath)} names scenarios the suite does not have: ${unknown.join(", ")}`);

    log(`running ${scenarios.length} conformance scenario(s) (${specVersion}, suite ${suite}) against ${url}`);
    const args = ["server", "--url", url, "--spec-version", specVersion, "-o", outDir];
    if (o.scenario) args.push("--scenario", o.scenario);
    else args.push("--suite", suite);
    const cli = await runCli(args, { echo: o.verbose === true });
    const results = readResults(outDir, scenarios);

    const passed = scenarios.filter((s) => results[s].passed);
    const failed = scenarios.filter((s) => !results[s].passed);
    return {
      url,
      specVersion,
      suite,
      scenarios,
      passed,
      failed,
      expectedFailures: failed.filter((s) => expected.has(s)),
      unexpectedFailures: failed.filter((s) => !expected.has(s)),
      stale: passed.filter((s) => expected.has(s)),
      results,
      cliExitCode: cli.code,
      resultsDir: o.keep ? outDir : undefined,
    };
  } finally {
    await Promise.all(running.map((r) => r.stop()));
    if (!o.keep) rmSync(outDir, { recursive: true, force: true });
  }
}

export function formatConformance(r) {
  const lines = [`conformance (${r.specVersion}, suite ${r.suite}) against ${r.url}: ${r.scenarios.length} scenarios`];
  for (const s of r.scenarios) {
    const res = r.results[s];
    const mark = res.passed ? (r.stale.includes(s) ? "STALE " : "pass  ") : r.unexpectedFailures.includes(s) ? "FAIL  " : "xfail ";
    lines.push(`  ${mark} ${s}${!res.passed ? ` — ${res.problems.join("; ").slice(0, 200)}` : ""}`);
  }
  lines.push(
    `passed ${r.passed.length}, failed ${r.failed.length} (expected ${r.expectedFailures.length}, unexpected ${r.unexpectedFailures.length}), stale expected-failure entries ${r.stale.length}`,
  );
  if (r.unexpectedFailures.length) lines.push(`UNEXPECTED FAILURES: ${r.unexpectedFailures.join(", ")}`);
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
