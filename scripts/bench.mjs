// `npm run bench`: what an agent pays for KTRDR through this MCP server, measured on the local
// stack (the KTRDR stand-in backend + the Worker under `wrangler dev`, loopback only).
//
//   1. Tokens per tool response (o200k_base) beside the raw backend JSON the server read for it.
//   2. Workflow 1 (train, monitor, results): calls and tokens without server-side waits (polling
//      every 2 s, as an agent without waits would) and with them (wait_seconds 45).
//   3. Per-call latency, all in one run: a direct HTTP GET to the backend, the MCP tool that makes
//      that same backend call, and a trivial MCP request (ping) on the same server — as ratios.
//   4. Against bare floors (bench/): each product path beside its peer floor — the 2025 session path
//      beside a bare McpAgent, the 2026-07-28 path beside a bare createMcpHandler server — each floor a
//      Worker of its own (bench/floor) under its own `wrangler dev`: tool-call latency, throughput at
//      two load shapes and session setup over several shuffled rounds (bench/perf.mjs), a workerd CPU
//      profile of where each path's CPU goes (bench/profile.mjs), then, with the stack stopped, bundle
//      size and startup CPU (`wrangler check startup`) of all three (bench/startup.mjs). Every figure
//      is a ratio to the peer floor in the same run, with its spread over the rounds.
//
// Prints Markdown tables (readable in a terminal, pasteable into the README) and writes a JSON
// copy to .data/bench-latest.json. No pass/fail thresholds: it is a benchmark (it exits non-zero only
// when it cannot run).
//
// Options: --runs N (latency samples per kind in section 3, default 50), --quick (fewer runs, faster
// workflow, smaller floor rounds: what CI runs), --wire v2025|v2026, --floor-only (section 4 only),
// --rounds N (floor rounds, at least 3), --seed N (the floor rounds' shuffles), --readme (rewrite the
// README's "Against bare floors" block from this run), --time-limit S (give up after S seconds),
// --json <path>.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { backendRequestCounter, FLOOR_CONFIGS, floorPlan, measureAgainstFloors } from "../bench/perf.mjs";
import { printFloor, readmeBlock, updateReadme } from "../bench/report.mjs";
import { buildBundles, bundleSizes, startupCpu } from "../bench/startup.mjs";
import { ROOT, startBackend, startWorker, stopOnExit, tempDir } from "./stack.mjs";
import { countTokens } from "./tokens.mjs";

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string" },
    quick: { type: "boolean", default: false },
    wire: { type: "string", default: "v2025" },
    "floor-only": { type: "boolean", default: false },
    rounds: { type: "string" },
    seed: { type: "string" },
    readme: { type: "boolean", default: false },
    "time-limit": { type: "string" },
    json: { type: "string", default: join(ROOT, ".data", "bench-latest.json") },
  },
});
if (opts.wire !== "v2025" && opts.wire !== "v2026") fail("--wire must be v2025 or v2026");
const RUNS = opts.runs !== undefined ? Number(opts.runs) : opts.quick ? 10 : 50;
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 10_000) fail("--runs must be an integer from 1 to 10000");
/** Backend pace during the workflows: a demo training then takes ~25 s (full) or ~5 s (quick). */
const WORKFLOW_PACE = opts.quick ? 0.08 : 0.4;
const POLL_MS = 2000;
const TIME_LIMIT_MS = opts["time-limit"] !== undefined ? Number(opts["time-limit"]) * 1000 : opts.quick ? 6 * 60_000 : 35 * 60_000;
if (!Number.isFinite(TIME_LIMIT_MS) || TIME_LIMIT_MS < 10_000) fail("--time-limit must be a number of seconds, at least 10");
const FLOOR_ONLY = opts["floor-only"];
const ROUNDS = opts.rounds !== undefined ? Number(opts.rounds) : undefined;
if (ROUNDS !== undefined && (!Number.isInteger(ROUNDS) || ROUNDS < 3 || ROUNDS > 100)) fail("--rounds must be an integer from 3 to 100");
const SEED = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(SEED) || SEED < 0) fail("--seed must be a non-negative integer");
const TRAIN = { strategy_name: "mlp_basic", symbols: ["AAPL"] };

function fail(msg) {
  console.error(msg);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---- the stack --------------------------------------------------------------------------------

const { running, stop: stopStack } = stopOnExit();
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${Math.round(TIME_LIMIT_MS / 1000)} s; giving up`);
  void stopStack().then(() => process.exit(1));
}, TIME_LIMIT_MS);
watchdog.unref();

const T0 = Date.now();
const log = (msg) => process.stderr.write(`bench: [${Math.round((Date.now() - T0) / 1000)} s] ${msg}\n`);

// ---- MCP client -------------------------------------------------------------------------------

async function openSession(mcpUrl) {
  const client = new Client({ name: "ktrdr-bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  return {
    client,
    /** One tool call: what the agent sends and sees, with token counts. */
    async call(name, args = {}) {
      const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
      const text = res.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      const data = res.structuredContent ?? {};
      return {
        isError: res.isError === true,
        text,
        data,
        requestTokens: countTokens({ name, arguments: args }),
        textTokens: countTokens(text),
        structuredTokens: res.structuredContent === undefined ? 0 : countTokens(res.structuredContent),
      };
    },
    close: () => client.close(),
  };
}

function must(r, what) {
  if (r.isError) throw new Error(`${what} failed: ${r.text}`);
  return r;
}

const ACTIVE = new Set(["pending", "running", "resuming"]);

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  const dir = tempDir("bench");
  log(`starting the local stack (${opts.wire}, logs in ${dir})`);
  // Every quirk of real KTRDR except v2025's unreadable completed trainings and missing /metrics: the
  // token table compares the server's answers with the backend's raw records, which those would hide.
  // Not quiet: its request log (one line per request, with the X-Request-ID) counts backend requests per tool call.
  const backend = await startBackend({
    wire: opts.wire,
    pace: 0,
    faults: true,
    quiet: false,
    quirks: "all,-v2025-tensor-500,-v2025-no-metrics-route",
    dataDir: join(dir, "data"),
    logFile: join(dir, "backend.log"),
  });
  running.push(backend);
  const backendCounts = backendRequestCounter(backend.child);
  // The product and the two floors, each under its own `wrangler dev` on loopback (started side by side).
  const started = await Promise.allSettled([
    startWorker({
      vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local" },
      persistTo: join(dir, "state"),
      logFile: join(dir, "worker.log"),
    }),
    startWorker({
      config: FLOOR_CONFIGS.session,
      vars: { KTRDR_API_URL: backend.url },
      persistTo: join(dir, "floor-state"),
      logFile: join(dir, "floor.log"),
    }),
    startWorker({
      config: FLOOR_CONFIGS.stateless,
      vars: { KTRDR_API_URL: backend.url },
      persistTo: join(dir, "floor-stateless-state"),
      logFile: join(dir, "floor-stateless.log"),
    }),
  ]);
  for (const r of started) if (r.status === "fulfilled") running.push(r.value);
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  const [worker, floorWorker, floorStatelessWorker] = started.map((r) => r.value);
  const backendOrigin = new URL(backend.url).origin;

  async function pace(p) {
    const res = await fetch(`${backendOrigin}/__pace`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pace: p }),
    });
    if (!res.ok) throw new Error(`POST /__pace → ${res.status}`);
  }
  /** The raw backend JSON, as the server would read it. */
  async function raw(path, init) {
    const res = await fetch(`${backend.url}${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path} → ${res.status}: ${text.slice(0, 200)}`);
    return text;
  }

  const s = await openSession(worker.mcpUrl);
  const report = {
    generated_at: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    wire: opts.wire,
    quick: opts.quick,
    floor_only: FLOOR_ONLY,
    runs: RUNS,
  };
  if (!FLOOR_ONLY) Object.assign(report, await tokensWorkflowLatency({ s, backend, pace, raw }));

  // ---- 4. against the floors ----
  // A completed data load whose record (~1 KB) every path reads (GET /operations/{id}).
  await pace(0);
  const seeded = must(
    await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1d", mode: "tail", wait_seconds: 30 }),
    "seeding the floor comparison",
  );
  if (!seeded.data.finished) throw new Error(`the seed load did not finish in 30 s: ${seeded.text}`);
  await s.close();
  const record = await raw(`/operations/${seeded.data.operation_id}`);
  const asWorker = (w) => ({ mcpUrl: w.mcpUrl, pid: w.child.pid, inspectorPort: w.inspectorPort });
  report.floor = {
    backend: `stand-in ${opts.wire}, pace 0`,
    ...(await measureAgainstFloors({
      workers: { product: asWorker(worker), floorSession: asWorker(floorWorker), floorStateless: asWorker(floorStatelessWorker) },
      counts: backendCounts,
      operationId: seeded.data.operation_id,
      recordBytes: Buffer.byteLength(record),
      quick: opts.quick,
      rounds: ROUNDS,
      seed: SEED,
      dir,
      log,
    })),
  };
  await stopStack(); // bundles and startup profiles measure no request time: free the cores first
  report.build = await buildFigures(dir);
  report.elapsed_seconds = round((Date.now() - t0) / 1000, 1);
  print(report);
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON copy: ${relative(process.cwd(), opts.json) || opts.json}`);
  if (opts.readme) {
    const ok = updateReadme(readmeBlock(report, report.build));
    console.log(
      ok
        ? "README.md: the 'Against bare floors' block is rewritten from this run."
        : "README.md: the bench markers are missing; not updated.",
    );
  }
}

/** Bundle sizes and startup CPU of the product and both floors (a part that fails is reported unavailable, not fatal). */
async function buildFigures(dir) {
  const out = {};
  let bundles;
  try {
    bundles = await buildBundles(dir, log);
    out.bundle = bundleSizes(bundles);
  } catch (err) {
    out.bundle = { unavailable: oneLine(err) };
  }
  if (!bundles) out.startup = { unavailable: "no bundles were built" };
  else {
    try {
      out.startup = await startupCpu(bundles, dir, floorPlan(opts.quick, ROUNDS).startupRounds, SEED, log);
    } catch (err) {
      out.startup = { unavailable: oneLine(err) };
    }
  }
  return out;
}

function oneLine(err) {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 300);
}

/** Sections 1–3: tokens per response, workflow 1, latency (on the product's session `s`). */
async function tokensWorkflowLatency({ s, backend, pace, raw }) {
  async function cancelActive() {
    const list = must(await s.call("list_operations", { active_only: true, limit: 100 }), "list_operations");
    for (const row of list.data.data ?? []) await s.call("cancel_operation", { operation_id: row.operation_id, reason: "bench cleanup" });
  }

  // ---- 1. tokens per response ----
  log("tokens per response");
  must(await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", wait_seconds: 40 }), "loading AAPL 1h");
  const tokens = [];
  const row = (tool, view, r, rawText, rawSource) =>
    tokens.push({
      tool,
      view,
      text_tokens: r.textTokens,
      structured_tokens: r.structuredTokens,
      raw_tokens: countTokens(rawText),
      raw_source: rawSource,
    });

  // A running training (paced so that it is mid-epoch when read).
  await pace(1);
  const live = must(await s.call("start_training", { ...TRAIN, allow_duplicate: true }), "start_training").data.operation_id;
  for (let i = 0; i < 10; i++) {
    const st = must(await s.call("get_operation_status", { operation_id: live, wait_seconds: 5, until: "change" }), "get_operation_status");
    if (st.data.status === "running" && Number(st.data.progress_percentage ?? 0) > 0) break;
  }
  const stConcise = must(await s.call("get_operation_status", { operation_id: live }), "get_operation_status");
  const rawStatus = await raw(`/operations/${live}`);
  const stFull = must(await s.call("get_operation_status", { operation_id: live, detail: "full" }), "get_operation_status full");
  const rawStatus2 = await raw(`/operations/${live}`);
  if (stConcise.data.status !== "running") log(`warning: the training was ${stConcise.data.status}, not running, when measured`);
  row("get_operation_status", "running training, concise", stConcise, rawStatus, "GET /operations/{id}");
  row("get_operation_status", 'running training, detail "full"', stFull, rawStatus2, "GET /operations/{id}");
  must(await s.call("cancel_operation", { operation_id: live, reason: "bench: measured" }), "cancel_operation");
  await pace(0);

  // A completed training: results and metrics.
  const done = must(await s.call("start_training", { ...TRAIN, allow_duplicate: true, wait_seconds: 45 }), "start_training (wait)");
  if (!done.data.finished) throw new Error(`training did not finish in 45 s: ${done.text}`);
  const tid = done.data.operation_id;
  const results = must(await s.call("get_operation_results", { operation_id: tid }), "get_operation_results");
  const rawResults = await raw(`/operations/${tid}/results`);
  row("get_operation_results", "completed training", results, rawResults, "GET /operations/{id}/results");
  const resultsFull = must(await s.call("get_operation_results", { operation_id: tid, detail: "full" }), "get_operation_results full");
  row("get_operation_results", 'completed training, detail "full"', resultsFull, rawResults, "GET /operations/{id}/results");
  const metrics = must(await s.call("get_operation_metrics", { operation_id: tid }), "get_operation_metrics");
  row(
    "get_operation_metrics",
    `completed training (${metrics.data.epochs_shown ?? `${(metrics.data.epochs ?? []).length} epochs`})`,
    metrics,
    await raw(`/operations/${tid}/metrics`),
    "GET /operations/{id}/metrics",
  );

  // Market data: the tool returns the 50 most recent bars of what it read.
  const bars = must(await s.call("get_market_data", { symbol: "AAPL", timeframe: "1h", limit_bars: 50 }), "get_market_data");
  row("get_market_data", `AAPL 1h, 50 of ${bars.data.total_bars} bars`, bars, await raw("/data/AAPL/1h"), "GET /data/AAPL/1h");

  // A start response (no wait), beside the backend's answer to the same start request.
  const loadArgs = { symbol: "MSFT", timeframe: "1d", mode: "tail" };
  const started = must(await s.call("trigger_data_loading", loadArgs), "trigger_data_loading");
  const loadBody = JSON.stringify({ ...loadArgs, start_date: null, end_date: null });
  const loadPath = opts.wire === "v2025" ? "/data/load" : "/data/acquire/download";
  const rawStart = await raw(loadPath, { method: "POST", headers: { "content-type": "application/json" }, body: loadBody });
  row("trigger_data_loading", "start response (no wait)", started, rawStart, `POST ${loadPath}`);

  // Ten listed operations (top up the history to at least ten first).
  const symbols = ["GOOGL", "NVDA", "AMZN", "SPY", "TSLA", "EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "MSFT"];
  let total = Number(must(await s.call("list_operations", { limit: 1 }), "list_operations").data.total_count);
  for (let i = 0; total < 10 && i < symbols.length; i++, total++) {
    must(
      await s.call("trigger_data_loading", { symbol: symbols[i], timeframe: "1d", mode: "tail", wait_seconds: 20 }),
      "trigger_data_loading",
    );
  }
  const list = must(await s.call("list_operations", { limit: 10 }), "list_operations");
  row(
    "list_operations",
    `limit 10 (${list.data.returned_count} rows)`,
    list,
    await raw("/operations?limit=10"),
    "GET /operations?limit=10",
  );

  // ---- 2. Workflow 1 with and without waits ----
  await cancelActive();
  log(`workflow 1 without waits (backend pace ${WORKFLOW_PACE}, polling every ${POLL_MS / 1000} s)`);
  await pace(WORKFLOW_PACE);
  const workflow = {};
  {
    const w = newTally();
    const st = w.add(must(await s.call("start_training", TRAIN), "start_training"));
    const id = st.data.operation_id;
    for (;;) {
      await sleep(POLL_MS);
      const r = w.add(must(await s.call("get_operation_status", { operation_id: id }), "get_operation_status"));
      if (!ACTIVE.has(String(r.data.status))) break;
    }
    w.add(must(await s.call("get_operation_results", { operation_id: id }), "get_operation_results"));
    workflow.without_waits = w.done();
  }
  log("workflow 1 with waits (wait_seconds 45)");
  {
    const w = newTally();
    const st = w.add(must(await s.call("start_training", TRAIN), "start_training"));
    const id = st.data.operation_id;
    for (;;) {
      const r = w.add(must(await s.call("get_operation_status", { operation_id: id, wait_seconds: 45 }), "get_operation_status (wait)"));
      if (!ACTIVE.has(String(r.data.status))) break;
    }
    w.add(must(await s.call("get_operation_results", { operation_id: id }), "get_operation_results"));
    workflow.with_waits = w.done();
  }
  await pace(0);

  // ---- 3. latency ----
  log(`latency (${RUNS} sequential calls of each kind, interleaved)`);
  const kinds = {
    direct: async () => {
      const res = await fetch(`${backend.url}/operations?limit=1`);
      await res.text();
      if (!res.ok) throw new Error(`GET /operations?limit=1 → ${res.status}`);
    },
    mcp_tool: async () => {
      const res = await s.client.callTool({ name: "list_operations", arguments: { limit: 1 } });
      if (res.isError) throw new Error("list_operations failed");
    },
    mcp_ping: () => s.client.ping(),
    mcp_tools_list: () => s.client.listTools(),
  };
  const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (let i = 0; i < Math.min(5, RUNS); i++) for (const fn of Object.values(kinds)) await fn(); // warm-up
  for (let i = 0; i < RUNS; i++) {
    for (const [k, fn] of Object.entries(kinds)) {
      const t = performance.now();
      await fn();
      samples[k].push(performance.now() - t);
    }
  }
  const latency = Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, { median_ms: round(pct(v, 50), 1), p90_ms: round(pct(v, 90), 1), n: v.length }]),
  );
  const ratios = {
    mcp_vs_direct: {
      median: round(latency.mcp_tool.median_ms / latency.direct.median_ms, 1),
      p90: round(latency.mcp_tool.p90_ms / latency.direct.p90_ms, 1),
    },
    mcp_vs_trivial: {
      median: round(latency.mcp_tool.median_ms / latency.mcp_ping.median_ms, 1),
      p90: round(latency.mcp_tool.p90_ms / latency.mcp_ping.p90_ms, 1),
    },
  };

  return {
    tokenizer: "o200k_base",
    tokens,
    workflow: { backend_pace: WORKFLOW_PACE, poll_seconds: POLL_MS / 1000, ...workflow },
    latency,
    latency_ratios: ratios,
  };
}

function newTally() {
  const t0 = Date.now();
  const t = { calls: 0, request_tokens: 0, response_tokens: 0 };
  return {
    add(r) {
      t.calls++;
      t.request_tokens += r.requestTokens;
      t.response_tokens += r.textTokens;
      return r;
    },
    done: () => ({ ...t, total_tokens: t.request_tokens + t.response_tokens, elapsed_seconds: round((Date.now() - t0) / 1000, 1) }),
  };
}

function pct(values, p) {
  const v = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

// ---- output -----------------------------------------------------------------------------------

function table(headers, rows, align) {
  const cells = rows.map((r) => r.map(String));
  const width = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const fmt = (r) => `| ${r.map((c, i) => (align[i] === "r" ? c.padStart(width[i]) : c.padEnd(width[i]))).join(" | ")} |`;
  const rule = `|${width.map((w, i) => (align[i] === "r" ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`;
  return [fmt(headers), rule, ...cells.map(fmt)].join("\n");
}

const ms = (x) => x.toFixed(1);

function print(r) {
  const out = [];
  out.push(
    `# ktrdr-mcp benchmark — ${r.generated_at.slice(0, 10)}${r.commit ? ` @ ${r.commit}` : ""}, local stack (${r.wire}), Node ${r.node}${r.quick ? ", --quick" : ""}`,
  );
  out.push("");
  if (!r.floor_only) printSections(r, out);
  out.push(printFloor(r.floor, r.build, table));
  out.push("");
  out.push("README block (`npm run bench -- --floor-only --readme` writes it into README.md):");
  out.push("");
  out.push(readmeBlock(r, r.build));
  out.push("");
  out.push(`Elapsed: ${r.elapsed_seconds} s (stack start-up included).`);
  console.log(out.join("\n"));
}

/** Sections 1–3: tokens, workflow 1, latency. */
function printSections(r, out) {
  out.push("## Tokens per tool response vs raw backend JSON (o200k_base)");
  out.push("");
  out.push(
    table(
      ["Tool", "Case", "Text block", "structuredContent", "Raw backend JSON", "Raw / text", "Backend call"],
      r.tokens.map((t) => [
        t.tool,
        t.view,
        t.text_tokens,
        t.structured_tokens,
        t.raw_tokens,
        `${(t.raw_tokens / t.text_tokens).toFixed(1)}×`,
        t.raw_source,
      ]),
      ["l", "l", "r", "r", "r", "r", "l"],
    ),
  );
  out.push("");
  const w = r.workflow;
  out.push(
    `## Workflow 1 (start_training → monitor → get_operation_results), training ≈ ${w.with_waits.elapsed_seconds} s at backend pace ${w.backend_pace}`,
  );
  out.push("");
  const wrow = (name, x) => [name, x.calls, x.request_tokens, x.response_tokens, x.total_tokens, `${x.elapsed_seconds} s`];
  out.push(
    table(
      ["Monitoring", "Calls", "Request tokens", "Response tokens", "Total tokens", "Elapsed"],
      [wrow(`without waits (poll every ${w.poll_seconds} s)`, w.without_waits), wrow("with waits (wait_seconds 45)", w.with_waits)],
      ["l", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(
    `Without / with waits: ${(w.without_waits.calls / w.with_waits.calls).toFixed(1)}× the calls, ${(w.without_waits.total_tokens / w.with_waits.total_tokens).toFixed(1)}× the tokens. ` +
      "Request tokens: tool name + arguments; response tokens: the text blocks the agent reads.",
  );
  out.push("");
  out.push(`## Latency per call (${r.runs} sequential calls each, interleaved, one run)`);
  out.push("");
  const l = r.latency;
  out.push(
    table(
      ["Call", "Median ms", "p90 ms"],
      [
        ["direct HTTP GET backend /operations?limit=1", ms(l.direct.median_ms), ms(l.direct.p90_ms)],
        ["MCP tool list_operations(limit=1) (same backend call)", ms(l.mcp_tool.median_ms), ms(l.mcp_tool.p90_ms)],
        ["MCP ping (trivial, same server)", ms(l.mcp_ping.median_ms), ms(l.mcp_ping.p90_ms)],
        ["MCP tools/list (trivial, same server)", ms(l.mcp_tools_list.median_ms), ms(l.mcp_tools_list.p90_ms)],
      ],
      ["l", "r", "r"],
    ),
  );
  out.push("");
  out.push(
    table(
      ["Ratio", "Median", "p90"],
      [
        [
          "MCP tool / direct HTTP",
          `${r.latency_ratios.mcp_vs_direct.median.toFixed(1)}×`,
          `${r.latency_ratios.mcp_vs_direct.p90.toFixed(1)}×`,
        ],
        [
          "MCP tool / MCP ping",
          `${r.latency_ratios.mcp_vs_trivial.median.toFixed(1)}×`,
          `${r.latency_ratios.mcp_vs_trivial.p90.toFixed(1)}×`,
        ],
      ],
      ["l", "r", "r"],
    ),
  );
  out.push("");
}

try {
  await main();
  await stopStack();
  process.exit(0);
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopStack();
  process.exit(1);
}
