// `npm run demo`: a scripted agent session over real MCP (streamable HTTP) against the local stack
// — discover strategies, load data, start a training, watch it with a live progress bar, read the
// results; then, as a fresh session with no memory, find the operations, cancel one, and see the
// results refused. Prints each tool call, the exact text the agent receives (pretty-printed, same
// content) and its token count (o200k_base), then a summary.
//
// Options: --pace X (backend pace, default 1: the training takes about a minute; CI uses 0.2),
// --wire v2025|v2026, --url <mcp url> (use a running server instead of starting a stack), --no-color.
// With none of --url, --pace, --wire it uses the stack `npm start` runs (http://localhost:8787/mcp)
// when one answers there, else starts its own. Exits non-zero if a step fails unexpectedly.
//
// --ui: the MCP Apps operation view instead of the transcript — serves the test host page
// (test/browser: an AppBridge host rendering ui://ktrdr/operation.html) on loopback, loads data,
// starts a training (pace 5 by default: about five minutes, time to watch), prints the page's URL
// and keeps serving until Ctrl-C. --ui-port N fixes the page's port (e.g. for an SSH tunnel).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startBackend, startWorker, stopOnExit, tempDir } from "./stack.mjs";
import { countTokens } from "./tokens.mjs";

const { values: opts } = parseArgs({
  options: {
    pace: { type: "string" },
    wire: { type: "string" },
    url: { type: "string" },
    ui: { type: "boolean", default: false },
    "ui-port": { type: "string" },
    "no-color": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opts.help) {
  console.log("usage: npm run demo -- [--pace X] [--wire v2025|v2026] [--url http://localhost:8787/mcp] [--ui [--ui-port N]] [--no-color]");
  process.exit(0);
}
const WIRE = opts.wire ?? "v2025";
if (WIRE !== "v2025" && WIRE !== "v2026") usage("--wire must be v2025 or v2026");
const PACE = opts.pace === undefined ? (opts.ui ? 5 : 1) : Number(opts.pace);
if (!Number.isFinite(PACE) || PACE < 0 || PACE > 20) usage("--pace must be a number from 0 to 20");
if (opts.url !== undefined && !/^https?:\/\//.test(opts.url)) usage("--url must be an http(s) URL, e.g. http://localhost:8787/mcp");
if (opts["ui-port"] !== undefined && !(Number(opts["ui-port"]) > 0 && Number(opts["ui-port"]) < 65536))
  usage("--ui-port must be a port number");

function usage(msg) {
  console.error(msg);
  process.exit(2);
}

// ---- presentation -----------------------------------------------------------------------------

const TTY = process.stdout.isTTY === true;
const COLOR = TTY && !opts["no-color"] && !process.env.NO_COLOR;
const paint = (code) => (s) => (COLOR ? `\x1b[${code}m${s}\x1b[0m` : String(s));
const c = {
  bold: paint("1"),
  dim: paint("2"),
  cyan: paint("36"),
  green: paint("32"),
  yellow: paint("33"),
  red: paint("31"),
  magenta: paint("35"),
};
const WIDTH = Math.max(60, Math.min(TTY ? process.stdout.columns || 100 : 100, 120));
const out = (s = "") => process.stdout.write(`${s}\n`);
const fmtN = (n) => n.toLocaleString("en-US");

/**
 * JSON pretty-printed for reading, faithful to the text: the same keys and values in the same
 * order; a value stays on one line when it fits. `elide(path, arr)` may shorten long arrays.
 */
function pretty(value, indent, elide, path = []) {
  const pad = " ".repeat(indent);
  const inline = JSON.stringify(value);
  if (value === null || typeof value !== "object" || pad.length + inline.length <= WIDTH - 6) {
    if (!(Array.isArray(value) && elide?.(path, value))) return inline;
  }
  const inner = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    const cut = elide?.(path, value);
    const items = value.map((v, i) => `${inner}${pretty(v, indent + 2, elide, [...path, i])}`);
    if (!cut) return `[\n${items.join(",\n")}\n${pad}]`;
    const note = `${inner}${c.dim(`… ${value.length - cut.head - cut.tail} more rows not shown here (the agent sees all ${value.length}) …`)}`;
    return `[\n${items.slice(0, cut.head).join(",\n")},\n${note}\n${items.slice(value.length - cut.tail).join(",\n")}\n${pad}]`;
  }
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, indent + 2, elide, [...path, k])}`);
  return `{\n${entries.join(",\n")}\n${pad}}`;
}

function showResult(text, elide) {
  let body;
  try {
    body = pretty(JSON.parse(text), 0, elide);
  } catch {
    body = text; // plain text (errors)
  }
  for (const line of body.split("\n")) out(`  ${c.dim("│")} ${line}`);
}

function compactArgs(args) {
  const s = JSON.stringify(args);
  return s === "{}"
    ? "()"
    : `(${s
        .slice(1, -1)
        .replace(/"(\w+)":/g, "$1: ")
        .replace(/,(?=\w+: )/g, ", ")})`;
}

// ---- progress bar -----------------------------------------------------------------------------

function progressBar() {
  let drawn = false;
  let pending = "";
  let lastPrinted = "";
  let lastPrintedAt = 0;
  const flush = () => {
    if (pending !== lastPrinted) out(pending);
    lastPrinted = pending;
    lastPrintedAt = Date.now();
    pending = "";
  };
  return {
    update(p) {
      const pct = Math.max(0, Math.min(100, Number(p.progress) || 0));
      const cells = 30;
      const full = Math.round((pct / 100) * cells);
      const bar = `${"█".repeat(full)}${"░".repeat(cells - full)}`;
      const msg = (p.message ?? "").slice(0, Math.max(10, WIDTH - (TTY ? cells + 16 : 20)));
      const line = `  ${c.magenta(bar)} ${pct.toFixed(0).padStart(3)}%  ${c.dim(msg)}`;
      if (TTY) {
        process.stdout.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else {
        // Not a terminal (CI, a pipe): a line at most every 2 s, and the last one at the end.
        pending = `  progress ${pct.toFixed(0).padStart(3)}%  ${msg}`;
        if (pending !== lastPrinted && Date.now() - lastPrintedAt >= 2000) flush();
      }
    },
    end() {
      if (TTY && drawn) process.stdout.write("\n");
      if (!TTY && pending) flush();
      drawn = false;
    },
  };
}

// ---- the agent's sessions -----------------------------------------------------------------------

const tally = { calls: 0, sessions: 0, resultTokens: 0, argTokens: 0, failures: 0 };
let stepNo = 0;

class StepFailed extends Error {}

async function openSession(mcpUrl, label) {
  const client = new Client({ name: "ktrdr-demo-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  tally.sessions++;
  out();
  out(c.bold(`━━ ${label} ${"━".repeat(Math.max(3, WIDTH - label.length - 4))}`));
  const instructions = client.getInstructions();
  if (instructions) {
    out(c.dim(`  New MCP session. The server's instructions, which the agent reads first (${countTokens(instructions)} tokens):`));
    for (const line of instructions.split("\n")) out(c.dim(`  │ ${line}`));
  }
  return {
    client,
    /**
     * One tool call as the agent makes it. `expectError`: the call is meant to be refused.
     * `onprogress`: MCP progress notifications while the server waits.
     */
    async call(name, args, { note, expectError = false, elide, onprogress } = {}) {
      stepNo++;
      out();
      if (note) out(c.dim(`  # ${note}`));
      out(`${c.bold(`${String(stepNo).padStart(2)}.`)} ${c.cyan(name)}${c.dim(compactArgs(args))}`);
      const t0 = Date.now();
      const bar = onprogress ? progressBar() : undefined;
      let res;
      try {
        res = await client.callTool({ name, arguments: args }, undefined, {
          // A wait lasts at most wait_seconds; progress notifications restart the clock.
          timeout: (Number(args.wait_seconds) || 0) * 1000 + 30_000,
          ...(bar
            ? {
                onprogress: (p) => {
                  bar.update(p);
                  onprogress(p);
                },
                resetTimeoutOnProgress: true,
              }
            : {}),
        });
      } finally {
        bar?.end();
      }
      const ms = Date.now() - t0;
      const text = res.content.map((x) => (x.type === "text" ? x.text : "")).join("\n");
      const tokens = countTokens(text);
      const argTokens = countTokens({ name, arguments: args });
      tally.calls++;
      tally.resultTokens += tokens;
      tally.argTokens += argTokens;
      const isError = res.isError === true;
      showResult(text, elide);
      const meta = `${fmtN(tokens)} tokens · ${ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}`;
      if (isError && expectError) out(`  ${c.yellow("↳ refused, as expected")} ${c.dim(`· ${meta}`)}`);
      else if (isError) {
        out(`  ${c.red("✗ unexpected error")} ${c.dim(`· ${meta}`)}`);
        throw new StepFailed(`${name} failed: ${text}`);
      } else if (expectError) {
        out(`  ${c.red("✗ expected a refusal, got a result")} ${c.dim(`· ${meta}`)}`);
        throw new StepFailed(`${name} was expected to be refused`);
      } else out(`  ${c.green("✓")} ${c.dim(meta)}`);
      return { isError, text, data: res.structuredContent ?? {} };
    },
    close: () => client.close(),
  };
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** Keeps a few rows of market data in the transcript (the agent gets them all). */
const elideBars = (path, arr) => (path.length === 1 && path[0] === "bars" && arr.length > 6 ? { head: 3, tail: 2 } : undefined);

async function agent(mcpUrl) {
  // ---- session 1: an agent asked to train a model on AAPL ----
  const s1 = await openSession(mcpUrl, "Session 1 — “Train the basic MLP strategy on AAPL hourly data and tell me how it did.”");
  await s1.call("check_backend_health", {}, { note: "Is KTRDR reachable?" });
  const strategies = await s1.call("get_available_strategies", {}, { note: "What can be trained?" });
  const names = (strategies.data.strategies ?? []).map((s) => s.name);
  if (!names.includes("mlp_basic")) throw new StepFailed(`mlp_basic is not among the strategies (${names.join(", ")})`);

  const load = await s1.call(
    "trigger_data_loading",
    { symbol: "AAPL", timeframe: "1h", mode: "tail", wait_seconds: 45 },
    { note: "Training reads cached bars: load them first. A short operation, so let the server wait for it (one call)." },
  );
  let loadDone = load.data.finished === true;
  while (!loadDone) {
    const st = await s1.call(
      "get_operation_status",
      { operation_id: load.data.operation_id, wait_seconds: 45 },
      { note: "Not done yet; wait again." },
    );
    loadDone = FINISHED.has(String(st.data.status));
  }
  await s1.call(
    "get_market_data",
    { symbol: "AAPL", timeframe: "1h", limit_bars: 20 },
    { note: "A look at the latest bars.", elide: elideBars },
  );

  const start = await s1.call(
    "start_training",
    { strategy_name: "mlp_basic", symbols: ["AAPL"] },
    { note: "Start the training. It returns an operation_id at once (fire and forget)." },
  );
  const id = String(start.data.operation_id);

  let st = await s1.call(
    "get_operation_status",
    { operation_id: id, wait_seconds: 15, until: "change" },
    { note: "The user asks how it is going: wait for the first change in status or step.", onprogress: () => {} },
  );
  while (!FINISHED.has(String(st.data.status))) {
    st = await s1.call(
      "get_operation_status",
      { operation_id: id, wait_seconds: 45 },
      {
        note: "Wait for the outcome (up to 45 s per call; the server polls the backend and streams progress notifications).",
        onprogress: () => {},
      },
    );
  }
  if (st.data.status !== "completed") throw new StepFailed(`the training ended ${String(st.data.status)}`);
  await s1.call("get_operation_results", { operation_id: id }, { note: "Finished: read the outcome." });

  await s1.call(
    "start_training",
    { strategy_name: "mlp_basic", symbols: ["AAPL"] },
    { note: "The user: “Run it once more, I'll check later.” The agent starts it and the conversation ends." },
  );
  await s1.close();
  out();
  out(c.dim("  (session 1 closed — the conversation and everything the agent knew are gone)"));

  // ---- session 2: a fresh agent with no memory ----
  const s2 = await openSession(mcpUrl, "Session 2 — a new conversation: “Is anything still running? Cancel it, I changed my mind.”");
  const active = await s2.call(
    "list_operations",
    { active_only: true },
    { note: "No operation_id in this conversation: find what is running, as the instructions say." },
  );
  const running = (active.data.data ?? []).find((r) => r.operation_type === "training");
  await s2.call("list_operations", { operation_type: "training", limit: 5 }, { note: "And what ran recently." });
  if (!running) throw new StepFailed("no running training found from the fresh session (with --pace 0 it finishes too fast to cancel)");
  const rid = String(running.operation_id);
  await s2.call(
    "cancel_operation",
    { operation_id: rid, reason: "User changed plans: the extra AAPL run is not needed" },
    { note: "Cancel it, saying why (the reason is recorded)." },
  );
  await s2.call(
    "get_operation_status",
    { operation_id: rid, wait_seconds: 10 },
    { note: "Cancelling takes effect at the next batch: wait for it to settle." },
  );
  await s2.call(
    "get_operation_results",
    { operation_id: rid },
    { note: "A cancelled operation has no results: the server says cancelled, not failed, even where KTRDR itself reports a failure." },
  );
  await s2.close();
}

// ---- --ui: the operation view in a browser -----------------------------------------------------

/** Serves the host page, starts a training for it to show, prints the URL; resolves never (Ctrl-C ends it). */
async function uiDemo(mcpUrl) {
  const { serveHostPage } = await import("../test/browser/serve.mjs");
  const page = await serveHostPage({ port: opts["ui-port"] === undefined ? 0 : Number(opts["ui-port"]) });
  running.push({ stop: page.close });
  const client = new Client({ name: "ktrdr-demo-ui", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  const call = async (name, args) => {
    const res = await client.callTool({ name, arguments: args }, undefined, { timeout: (Number(args.wait_seconds) || 0) * 1000 + 30_000 });
    const text = res.content.map((x) => (x.type === "text" ? x.text : "")).join("\n");
    if (res.isError) throw new StepFailed(`${name} failed: ${text}`);
    out(`  ${c.cyan(name)}${c.dim(compactArgs(args))} ${c.green("✓")}`);
    return res.structuredContent ?? {};
  };
  out();
  const load = await call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", wait_seconds: 45 });
  for (let st = load.operation ?? {}; !FINISHED.has(String(st.status)); )
    st = await call("get_operation_status", { operation_id: load.operation_id, wait_seconds: 45 });
  const training = await call("start_training", {
    strategy_name: "mlp_basic",
    symbols: ["AAPL"],
    timeframes: ["1h"],
    allow_duplicate: true,
  });
  // A server that outlives the demo (--url) gets back what it was given: the training is cancelled on exit.
  if (opts.url)
    running.push({
      stop: () =>
        client
          .callTool({ name: "cancel_operation", arguments: { operation_id: training.operation_id, reason: "demo --ui stopped" } })
          .finally(() => client.close()),
    });
  else await client.close();
  const url = page.pageUrl({ mcp: mcpUrl, op: String(training.operation_id), theme: "dark" });
  const ports = [new URL(url).port, new URL(mcpUrl).port || "80"];
  out();
  out(c.bold("  The operation view (MCP Apps), in a test host page:"));
  out(`  ${c.magenta(url)}`);
  out(
    c.dim(
      `  Open it in a browser on this machine (from another one, forward both ports: ssh ${ports.map((p) => `-L ${p}:127.0.0.1:${p}`).join(" ")} …).`,
    ),
  );
  out(c.dim(`  It shows training ${String(training.operation_id)} live: progress, loss and accuracy per epoch, a Cancel button.`));
  out(c.dim('  "Recent operations" opens the others (the data load too). Ctrl-C stops everything.'));
  await new Promise(() => {});
}

// ---- main -------------------------------------------------------------------------------------

const { running, stop: stopStack } = stopOnExit();
const LIMIT_MS = (5 + 5 * PACE) * 60_000;
// --ui serves until Ctrl-C: no limit.
if (!opts.ui)
  setTimeout(() => {
    console.error(`\ndemo: still running after ${LIMIT_MS / 60_000} min; giving up`);
    void stopStack().then(() => process.exit(1));
  }, LIMIT_MS).unref();

/** The MCP URL of the stack `npm start` runs (its default port), if one answers there. */
async function runningStack() {
  try {
    const res = await fetch("http://127.0.0.1:8787/", { signal: AbortSignal.timeout(1500) });
    const info = await res.json();
    return info?.name === "ktrdr-mcp" ? "http://localhost:8787/mcp" : undefined;
  } catch {
    return undefined;
  }
}

async function main() {
  const t0 = Date.now();
  out(c.bold(opts.ui ? "KTRDR through MCP — the operation view (MCP Apps)" : "KTRDR through MCP — a scripted agent session"));
  // No --url, --pace or --wire: the stack `npm start` runs, when there is one; otherwise a stack of its own.
  const found = opts.url === undefined && opts.pace === undefined && opts.wire === undefined ? await runningStack() : undefined;
  if (found) opts.url = found;
  let mcpUrl = opts.url;
  if (mcpUrl) {
    out(c.dim(`  MCP server: ${mcpUrl} (${found ? "the stack npm start runs" : "already running"})`));
  } else {
    const dir = tempDir("demo");
    out(
      c.dim(
        `  Starting the local stack: KTRDR stand-in backend (${WIRE}, pace ${PACE}) + the Worker under wrangler dev … (logs in ${dir})`,
      ),
    );
    const backend = await startBackend({
      wire: WIRE,
      pace: PACE,
      quiet: true,
      dataDir: join(dir, "data"),
      logFile: join(dir, "backend.log"),
    });
    running.push(backend);
    const worker = await startWorker({
      vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local" },
      persistTo: join(dir, "state"),
      logFile: join(dir, "worker.log"),
    });
    running.push(worker);
    mcpUrl = worker.mcpUrl;
    out(c.dim(`  MCP server: ${mcpUrl} (streamable HTTP) → backend ${backend.url} · ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`));
  }
  if (opts.ui) return uiDemo(mcpUrl);
  const tAgent = Date.now();
  let error;
  try {
    await agent(mcpUrl);
  } catch (err) {
    error = err;
  }
  const agentSeconds = (Date.now() - tAgent) / 1000;
  out();
  out(c.bold(`━━ Summary ${"━".repeat(WIDTH - 11)}`));
  out(`  ${tally.calls} tool calls in ${tally.sessions} MCP sessions`);
  out(
    `  ${fmtN(tally.resultTokens + tally.argTokens)} tokens in total: ${fmtN(tally.resultTokens)} in results the agent read + ${fmtN(tally.argTokens)} in its calls (o200k_base)`,
  );
  out(
    `  elapsed ${agentSeconds.toFixed(1)} s in the agent's sessions${opts.url ? "" : `, ${((Date.now() - t0) / 1000).toFixed(1)} s including stack start-up`}`,
  );
  if (error) {
    out(c.red(`  ✗ the demo failed: ${error instanceof Error ? error.message : String(error)}`));
    if (!(error instanceof StepFailed) && error instanceof Error && error.stack) console.error(error.stack);
    return 1;
  }
  out(c.green("  ✓ the whole fire-and-forget loop ran: started, watched, read, found again from a fresh session, cancelled"));
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
await stopStack();
process.exit(code);
