// `npm run load`: many concurrent MCP sessions against the Worker under `wrangler dev` and the
// local KTRDR stand-in backend (loopback only). Each session is a real MCP client (SDK `Client` +
// `StreamableHTTPClientTransport`): initialize, then N tool calls in sequence — reads
// (list_operations, get_operation_status of a known id, get_market_data, check_backend_health,
// get_available_strategies) and a few starts (trigger_data_loading, mode tail, which both KTRDR versions have) — then it ends the
// session (DELETE). Any `isError` result or transport error counts as an error.
//
//   npm run load                                   # 200 sessions × 20 calls, own stack
//   npm run load -- --sessions 20 --calls 10 --concurrency 10
//   npm run load -- --url http://127.0.0.1:8787/mcp   # a stack that is already running
//
// Options: --sessions N (default 200), --calls N per session (default 20), --concurrency N sessions
// in flight at once (default 50), --starts N trigger_data_loading calls per session (default 2),
// --url <loopback /mcp URL> (else it starts its own stack: backend pace 0 + wrangler dev),
// --wire v2025|v2026 (own stack), --time-limit <s> (default 600; the run stops itself), --json <path>.
// Prints totals, errors (the first few), latency p50/p95/p99/max, throughput and elapsed time;
// exits 1 if any call failed. The same run is importable: `import { runLoad } from "./load.mjs"`.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startBackend, startWorker, tempDir } from "./stack.mjs";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const SYMBOLS = ["AAPL", "MSFT", "TSLA", "GOOGL", "NVDA", "AMZN", "SPY", "EURUSD", "GBPUSD", "USDJPY", "AUDUSD"];
const MAX = { sessions: 5000, calls: 500, concurrency: 1000 };
/** Per-request bound (the SDK's request timeout): a call that takes longer is an error. */
const CALL_TIMEOUT_MS = 60_000;
/** Hard bound on any single await (connect, call, DELETE, close), whatever the SDK does. */
const HARD_TIMEOUT_MS = CALL_TIMEOUT_MS + 5_000;

/** Rejects if `p` has not settled within `ms` (the run must stop by itself, never hang). */
function bounded(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** The stack this process started, so a signal can stop it (children outlive a bare exit). */
let ownStack;

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function assertLoopback(url) {
  const u = new URL(url);
  if (!LOOPBACK.has(u.hostname)) throw new Error(`load: refusing non-loopback URL ${u.origin} (loopback only)`);
}

/** The calls of one session: reads, with `starts` trigger_data_loading calls spread through it. */
export function planSession(index, calls, starts, knownId) {
  const plan = [];
  const startAt = new Set();
  const n = Math.min(starts, calls);
  for (let k = 0; k < n; k++) startAt.add(Math.floor(((k + 0.5) * calls) / n));
  const symbol = SYMBOLS[index % SYMBOLS.length];
  const reads = [
    () => ({ name: "list_operations", arguments: { limit: 10 } }),
    () => ({ name: "get_operation_status", arguments: { operation_id: knownId } }),
    () => ({ name: "get_market_data", arguments: { symbol: "AAPL", timeframe: "1d", limit_bars: 20 } }),
    () => ({ name: "check_backend_health", arguments: {} }),
    () => ({ name: "get_available_strategies", arguments: {} }),
  ];
  let r = index; // each session starts the rotation at a different read
  for (let i = 0; i < calls; i++) {
    if (startAt.has(i)) plan.push({ name: "trigger_data_loading", arguments: { symbol, timeframe: "1d", mode: "tail" } });
    else plan.push(reads[r++ % reads.length]());
  }
  return plan;
}

function textOf(res) {
  return (res.content ?? []).map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join(" ");
}

function errorText(err) {
  const msg = err instanceof Error ? `${err.name === "Error" ? "" : `${err.name}: `}${err.message}` : String(err);
  return msg.replace(/\s+/g, " ").slice(0, 300);
}

async function openClient(mcpUrl, headers) {
  const client = new Client({ name: "ktrdr-load", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } });
  try {
    await bounded(client.connect(transport, { timeout: CALL_TIMEOUT_MS }), HARD_TIMEOUT_MS, "initialize");
  } catch (err) {
    void client.close().catch(() => {});
    throw err;
  }
  return { client, transport };
}

/** Starts the local stack for the run (backend at pace 0, Worker under wrangler dev). */
async function startStack(wire, log) {
  const dir = tempDir("load");
  log(`starting the local stack (${wire} backend at pace 0 + wrangler dev), logs in ${dir}`);
  const backend = await startBackend({ wire, pace: 0, quiet: true, dataDir: `${dir}/data`, logFile: `${dir}/backend.log` });
  try {
    const worker = await startWorker({
      vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local" },
      persistTo: `${dir}/state`,
      logFile: `${dir}/worker.log`,
    });
    return { mcpUrl: worker.mcpUrl, stop: async () => void (await Promise.all([worker.stop(), backend.stop()])) };
  } catch (err) {
    await backend.stop();
    throw err;
  }
}

/**
 * Seeds the backend through the Worker: loads AAPL 1d into the cache (so get_market_data reads
 * real bars) and returns that operation's id, the "known id" every session asks about.
 */
async function seed(mcpUrl, headers) {
  const { client } = await openClient(mcpUrl, headers);
  try {
    const res = await bounded(
      client.callTool(
        {
          name: "trigger_data_loading",
          arguments: { symbol: "AAPL", timeframe: "1d", mode: "tail", start_date: "2024-01-01", wait_seconds: 30 },
        },
        undefined,
        { timeout: CALL_TIMEOUT_MS },
      ),
      HARD_TIMEOUT_MS,
      "seed",
    );
    if (res.isError) throw new Error(`seed: trigger_data_loading failed: ${textOf(res)}`);
    const id = res.structuredContent?.operation_id;
    if (typeof id !== "string") throw new Error("seed: no operation_id in the answer");
    return id;
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * Runs the load. Without `url` it starts (and afterwards stops) its own stack.
 * @param {import("./load.d.mts").LoadOptions} o
 * @returns {Promise<import("./load.d.mts").LoadReport>}
 */
export async function runLoad(o = {}) {
  const sessions = o.sessions ?? 200;
  const calls = o.calls ?? 20;
  const concurrency = Math.min(o.concurrency ?? 50, sessions);
  const starts = o.starts ?? 2;
  const timeLimitMs = o.timeLimitMs ?? 600_000;
  const headers = o.headers ?? {};
  const log = o.log ?? (() => {});
  const maxErrorsKept = o.maxErrorsKept ?? 10;
  for (const [k, v] of Object.entries({ sessions, calls, concurrency })) {
    if (!Number.isInteger(v) || v < 1 || v > MAX[k]) throw new Error(`load: ${k} must be an integer from 1 to ${MAX[k]}`);
  }
  if (!Number.isInteger(starts) || starts < 0 || starts > calls) throw new Error("load: starts must be an integer from 0 to calls");

  let stack;
  let mcpUrl = o.url;
  if (mcpUrl) assertLoopback(mcpUrl);
  else {
    stack = await startStack(o.wire ?? "v2025", log);
    ownStack = stack;
    mcpUrl = stack.mcpUrl;
  }

  const latencies = [];
  const initLatencies = [];
  const byTool = {};
  const errors = [];
  let errorCount = 0;
  let callCount = 0;
  let sessionsDone = 0;
  let timedOut = false;
  const recordError = (e) => {
    errorCount++;
    if (errors.length < maxErrorsKept) errors.push(e);
    if (errorCount <= 3) log(`  error: session ${e.session} call ${e.call} ${e.tool}: ${e.message}`);
  };

  try {
    const knownId = await seed(mcpUrl, headers);
    log(`seeded: known operation ${knownId}; running ${sessions} sessions × ${calls} calls, ${concurrency} at a time`);
    const started = performance.now();
    const deadline = Date.now() + timeLimitMs;

    async function oneSession(index) {
      const t0 = performance.now();
      let opened;
      try {
        opened = await openClient(mcpUrl, headers);
      } catch (err) {
        recordError({ session: index, call: -1, tool: "initialize", message: errorText(err) });
        return;
      }
      initLatencies.push(performance.now() - t0);
      const { client, transport } = opened;
      try {
        for (const [i, req] of planSession(index, calls, starts, knownId).entries()) {
          if (Date.now() > deadline) {
            timedOut = true;
            recordError({ session: index, call: i, tool: req.name, message: "time limit reached before this call" });
            return;
          }
          const t = performance.now();
          callCount++;
          byTool[req.name] ??= { calls: 0, errors: 0 };
          const stats = byTool[req.name];
          stats.calls++;
          try {
            const res = await bounded(client.callTool(req, undefined, { timeout: CALL_TIMEOUT_MS }), HARD_TIMEOUT_MS, req.name);
            latencies.push(performance.now() - t);
            if (res.isError) {
              stats.errors++;
              recordError({ session: index, call: i, tool: req.name, message: textOf(res).slice(0, 300) });
            }
          } catch (err) {
            latencies.push(performance.now() - t);
            stats.errors++;
            recordError({ session: index, call: i, tool: req.name, message: errorText(err) });
          }
        }
      } finally {
        try {
          await bounded(transport.terminateSession(), 15_000, "terminate");
        } catch (err) {
          recordError({ session: index, call: -1, tool: "terminate (DELETE)", message: errorText(err) });
        }
        await bounded(client.close(), 5_000, "close").catch(() => {});
        sessionsDone++;
      }
    }

    let next = 0;
    const progress = setInterval(() => log(`  … ${sessionsDone}/${sessions} sessions, ${callCount} calls, ${errorCount} errors`), 5000);
    progress.unref();
    try {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < sessions && !timedOut) await oneSession(next++);
        }),
      );
    } finally {
      clearInterval(progress);
    }
    const elapsedMs = performance.now() - started;
    const sorted = [...latencies].sort((a, b) => a - b);
    const initSorted = [...initLatencies].sort((a, b) => a - b);
    const round = (x) => Math.round(x * 10) / 10;
    return {
      url: mcpUrl,
      sessions,
      callsPerSession: calls,
      concurrency,
      sessionsCompleted: sessionsDone,
      totalCalls: callCount,
      errorCount,
      errors,
      timedOut,
      latencyMs: {
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted.at(-1) ?? 0),
        mean: round(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
      },
      initializeMs: { p50: round(percentile(initSorted, 50)), p99: round(percentile(initSorted, 99)), max: round(initSorted.at(-1) ?? 0) },
      byTool,
      elapsedMs: Math.round(elapsedMs),
      callsPerSecond: round(callCount / (elapsedMs / 1000)),
    };
  } finally {
    await stack?.stop();
    if (ownStack === stack) ownStack = undefined;
  }
}

/** The report as text (what `npm run load` prints). */
export function formatReport(r) {
  const lines = [
    `load: ${r.sessions} sessions × ${r.callsPerSession} calls, ${r.concurrency} sessions at a time, against ${r.url}`,
    `  total calls     ${r.totalCalls} (sessions completed ${r.sessionsCompleted}/${r.sessions})`,
    `  errors          ${r.errorCount}${r.timedOut ? " (time limit reached)" : ""}`,
    `  latency (ms)    p50 ${r.latencyMs.p50}  p95 ${r.latencyMs.p95}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}  mean ${r.latencyMs.mean}`,
    `  initialize (ms) p50 ${r.initializeMs.p50}  p99 ${r.initializeMs.p99}  max ${r.initializeMs.max}`,
    `  throughput      ${r.callsPerSecond} calls/s`,
    `  elapsed         ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  per tool        ${Object.entries(r.byTool)
      .map(([k, v]) => `${k} ${v.calls}${v.errors ? ` (${v.errors} errors)` : ""}`)
      .join(", ")}`,
  ];
  if (r.errors.length > 0) {
    lines.push(`  first errors:`);
    for (const e of r.errors.slice(0, 5)) lines.push(`    session ${e.session} call ${e.call} ${e.tool}: ${e.message}`);
  }
  return lines.join("\n");
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sessions: { type: "string", default: "200" },
        calls: { type: "string", default: "20" },
        concurrency: { type: "string", default: "50" },
        starts: { type: "string", default: "2" },
        url: { type: "string" },
        wire: { type: "string", default: "v2025" },
        "time-limit": { type: "string", default: "600" },
        json: { type: "string" },
      },
    }));
  } catch (err) {
    console.error(`load: ${err.message}`);
    process.exit(2);
  }
  if (values.wire !== "v2025" && values.wire !== "v2026") {
    console.error("load: --wire must be v2025 or v2026");
    process.exit(2);
  }
  const timeLimitS = Number(values["time-limit"]);
  if (!(timeLimitS > 0 && timeLimitS <= 3600)) {
    console.error("load: --time-limit must be 1-3600 seconds");
    process.exit(2);
  }
  // A hard stop besides the per-call deadline: the run never outlives its time limit by much.
  const hardStop = setTimeout(
    () => {
      console.error(`load: still running ${timeLimitS + 120} s after the start; giving up`);
      void Promise.resolve(ownStack?.stop()).finally(() => process.exit(3));
    },
    (timeLimitS + 120) * 1000,
  );
  hardStop.unref();
  let report;
  try {
    report = await runLoad({
      sessions: Number(values.sessions),
      calls: Number(values.calls),
      concurrency: Number(values.concurrency),
      starts: Number(values.starts),
      url: values.url,
      wire: values.wire,
      timeLimitMs: timeLimitS * 1000,
      log: (m) => console.log(m),
    });
  } catch (err) {
    console.error(`load: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  console.log(formatReport(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  process.exit(report.errorCount === 0 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, () => {
      void Promise.resolve(ownStack?.stop()).finally(() => process.exit(130));
    });
  }
  await main();
}
