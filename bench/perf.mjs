// The benchmark's floor comparison (`npm run bench`, section 4): every performance figure of the
// product beside the same figure of a bare floor Worker (bench/floor: a bare McpAgent whose one
// tool makes the same backend GET), measured in the same run, on the same stand-in backend, and
// reported as a ratio to the floor.
//
//   a. tool-call latency p50/p99, sequential, one client per path (GET /operations/{id} behind it);
//   b. throughput: C concurrent sessions × K calls each (calls/s), with per-call p50/p99 under load;
//   c. session setup: initialize + notifications/initialized + tools/list (2026: server/discover +
//      tools/list);
//   d. the product's 2026-07-28 stateless path (@modelcontextprotocol/client 2.4.0 pinned to
//      2026-07-28) through a, b and c, and backend requests per tool call for every path (counted
//      from the stand-in's request log);
//   e. bundle size (gzip) of `wrangler deploy --dry-run` for the product and the floor, split by
//      dependency (esbuild metafile; each module's share of the output gzipped on its own).
//
// Product and floor are measured in alternating batches (rotating order) after a warm-up, so
// machine noise hits every path alike. No pass/fail: targets are reported as met or missed.
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";

const ROOT = join(import.meta.dirname, "..");
export const FLOOR_CONFIG = join(ROOT, "bench", "floor", "wrangler.toml");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const MODERN_VERSION = "2026-07-28";
const CALL_TIMEOUT_MS = 60_000;

/** The targets of issue 12 (reported, never enforced). */
export const TARGETS = {
  session_p50_ratio_max: 1.15,
  session_throughput_ratio_min: 0.9,
  session_setup_ratio_max: 1.15,
  bundle_gzip_kib_max: 620,
};

/** How much of each measurement a run makes. */
export function floorPlan(quick) {
  return quick
    ? { warmup: 5, seqCalls: 20, seqBatch: 5, setups: 4, rounds: 1, sessions: 10, callsPerSession: 5 }
    : { warmup: 30, seqCalls: 300, seqBatch: 10, setups: 40, rounds: 5, sessions: 50, callsPerSession: 20 };
}

const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(values, p) {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

/** Rotates the order of the paths from one round to the next (ABC, BCA, CAB, …). */
function rotation(names, i) {
  const k = i % names.length;
  return [...names.slice(k), ...names.slice(0, k)];
}

/**
 * Counts the stand-in backend's request-log lines (one per request, `rid=<X-Request-ID>`) that a
 * Worker sent (requests without an X-Request-ID — the bench's own — are not counted). The backend
 * must run without --quiet.
 */
export function backendRequestCounter(child) {
  const counts = { product: 0, floor: 0 };
  let rest = "";
  child.stdout.on("data", (chunk) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const m = / rid=(\S+)\s*$/.exec(line);
      if (!m || m[1] === "-") continue;
      if (m[1].startsWith("floor.")) counts.floor++;
      else counts.product++;
    }
  });
  return counts;
}

/**
 * CPU time (ms) used so far by a process and its descendants (Linux /proc; undefined elsewhere),
 * split into workerd (the Worker's runtime) and the rest (the `wrangler dev` Node processes, whose
 * proxy forwards every request and prints every log line).
 */
function cpuOfTree(rootPid) {
  if (!rootPid || process.platform !== "linux") return undefined;
  try {
    const stats = new Map();
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const raw = readFileSync(`/proc/${d}/stat`, "utf8");
        const close = raw.lastIndexOf(")");
        const comm = raw.slice(raw.indexOf("(") + 1, close);
        const f = raw.slice(close + 2).split(" ");
        stats.set(Number(d), { ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) });
      } catch {
        // the process ended meanwhile
      }
    }
    const tree = new Set([rootPid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, st] of stats) {
        if (!tree.has(pid) && tree.has(st.ppid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    const out = { workerd: 0, wrangler: 0 };
    for (const pid of tree) {
      const st = stats.get(pid);
      if (st) out[st.comm.startsWith("workerd") ? "workerd" : "wrangler"] += (st.ticks * 1000) / CLK_TCK;
    }
    return out;
  } catch {
    return undefined;
  }
}
const CLK_TCK = 100; // Linux USER_HZ

/**
 * Idle CPU rate (ms of CPU per ms of wall time) of each Worker's process tree, measured while
 * nothing runs: the lowest of a few short windows, so a passing burst (a file watcher, a GC) is
 * not taken for the idle rate.
 */
const idleRates = new Map();
async function measureIdle(pids, windows, ms) {
  for (let w = 0; w < windows; w++) {
    const before = new Map(pids.map((p) => [p, cpuOfTree(p)]));
    const t0 = performance.now();
    await sleep(ms);
    const wall = performance.now() - t0;
    for (const p of pids) {
      const a = before.get(p);
      const b = cpuOfTree(p);
      if (!a || !b) continue;
      const rate = { workerd: (b.workerd - a.workerd) / wall, wrangler: (b.wrangler - a.wrangler) / wall };
      const prev = idleRates.get(p);
      idleRates.set(p, prev ? { workerd: Math.min(prev.workerd, rate.workerd), wrangler: Math.min(prev.wrangler, rate.wrangler) } : rate);
    }
  }
}

/**
 * CPU use of a Worker's process tree across `fn`, less its idle rate over the same wall time (the
 * product's `wrangler dev` watches its build inputs and burns CPU even when idle), added into `acc`.
 */
async function withCpu(pid, acc, fn) {
  const before = cpuOfTree(pid);
  const t0 = performance.now();
  const out = await fn();
  const wall = performance.now() - t0;
  const after = cpuOfTree(pid);
  const idle = idleRates.get(pid) ?? { workerd: 0, wrangler: 0 };
  if (before && after) {
    acc.workerd += after.workerd - before.workerd - idle.workerd * wall;
    acc.wrangler += after.wrangler - before.wrangler - idle.wrangler * wall;
  } else acc.unavailable = true;
  return out;
}

// ---- the three paths ------------------------------------------------------------------------------

function pathsOf(productUrl, floorUrl, pids = {}) {
  return {
    floor: {
      label: "floor: bare McpAgent, 2025 session",
      url: floorUrl,
      tool: "get_operation",
      modern: false,
      counter: "floor",
      pid: pids.floor,
    },
    session: {
      label: "product: 2025 session (Durable Object)",
      url: productUrl,
      tool: "get_operation_status",
      modern: false,
      counter: "product",
      pid: pids.product,
    },
    stateless: {
      label: `product: ${MODERN_VERSION} stateless`,
      url: productUrl,
      tool: "get_operation_status",
      modern: true,
      counter: "product",
      pid: pids.product,
    },
  };
}

/** A connected client on one path: initialize (+ initialized) for 2025, server/discover for 2026. */
async function open(path, name = "ktrdr-bench") {
  if (path.modern) {
    const client = new ModernClient({ name, version: "1.0.0" }, { versionNegotiation: { mode: { pin: MODERN_VERSION } } });
    await client.connect(new ModernTransport(new URL(path.url)), { timeout: CALL_TIMEOUT_MS });
    return { client, close: () => client.close().catch(() => {}) };
  }
  const client = new Client({ name, version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(path.url));
  await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
  return {
    client,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

/** One tool call of the measured kind (the same backend GET on every path). */
async function callOnce(path, c, operationId) {
  const params = { name: path.tool, arguments: { operation_id: operationId } };
  const res = path.modern
    ? await c.client.callTool(params, { timeout: CALL_TIMEOUT_MS })
    : await c.client.callTool(params, undefined, { timeout: CALL_TIMEOUT_MS });
  if (res.isError) throw new Error(`${path.tool} failed on ${path.label}: ${JSON.stringify(res.content).slice(0, 200)}`);
}

// ---- measurements ---------------------------------------------------------------------------------

/**
 * Runs a–d. `counts`: a backendRequestCounter on the stand-in; `pids`: the product's and the
 * floor's `wrangler dev` process ids (for CPU per call); `operationId`: a completed operation on the
 * backend (its record is what every path reads).
 */
export async function measureAgainstFloor({ productUrl, floorUrl, pids, counts, operationId, quick, log = () => {} }) {
  const plan = floorPlan(quick);
  const paths = pathsOf(productUrl, floorUrl, pids);
  const names = Object.keys(paths);
  const settle = () => sleep(50); // the backend's log line is written before its response; let it arrive

  // Warm-up: each path's client, its Worker isolate and Durable Object, the backend route.
  log(`floor: warm-up (${plan.warmup} calls and 2 setups per path)`);
  const clients = {};
  for (const n of names) clients[n] = await open(paths[n]);
  for (let i = 0; i < plan.warmup; i++) for (const n of names) await callOnce(paths[n], clients[n], operationId);
  for (let i = 0; i < 2; i++) for (const n of names) await setupOnce(paths[n]);
  await measureIdle(
    [
      ...new Set(
        Object.values(paths)
          .map((p) => p.pid)
          .filter(Boolean),
      ),
    ],
    quick ? 2 : 4,
    quick ? 500 : 1000,
  );

  // a. sequential latency, in alternating batches.
  log(`floor: latency (${plan.seqCalls} sequential calls per path, batches of ${plan.seqBatch}, rotating order)`);
  const seq = Object.fromEntries(names.map((n) => [n, { samples: [], backend: 0, cpu: { workerd: 0, wrangler: 0 } }]));
  for (let b = 0; b * plan.seqBatch < plan.seqCalls; b++) {
    for (const n of rotation(names, b)) {
      const path = paths[n];
      const before = counts[path.counter];
      await withCpu(path.pid, seq[n].cpu, async () => {
        for (let i = 0; i < plan.seqBatch; i++) {
          const t = performance.now();
          await callOnce(path, clients[n], operationId);
          seq[n].samples.push(performance.now() - t);
        }
        await settle();
      });
      seq[n].backend += counts[path.counter] - before;
    }
  }
  for (const n of names) await clients[n].close();

  // c. session setup, alternating one at a time: through the SDK clients (what an agent waits for,
  // client processing included) and as bare HTTP exchanges (the servers' share alone; 2025 paths).
  log(`floor: session setup (${plan.setups} per path, alternating; SDK client and bare HTTP)`);
  const setup = Object.fromEntries(names.map((n) => [n, []]));
  const setupRaw = { floor: [], session: [] };
  const listing = {};
  for (let i = 0; i < plan.setups; i++) {
    for (const n of rotation(names, i)) {
      const one = await setupOnce(paths[n]);
      setup[n].push(one.ms);
      listing[n] = one.listing;
    }
    for (const n of rotation(Object.keys(setupRaw), i)) setupRaw[n].push(await setupBare(paths[n].url));
  }

  // b. throughput: all sessions open first (not timed), then their calls, all in flight at once.
  log(
    `floor: throughput (${plan.sessions} sessions × ${plan.callsPerSession} calls per batch, ${plan.rounds} round(s) of one batch per path)`,
  );
  const load = Object.fromEntries(names.map((n) => [n, { batches: [], samples: [], cpu: { workerd: 0, wrangler: 0 } }]));
  for (let r = 0; r < plan.rounds; r++) {
    for (const n of rotation(names, r)) {
      const batch = await loadBatch(paths[n], plan, operationId, counts, settle, load[n].cpu);
      load[n].batches.push(batch.summary);
      load[n].samples.push(...batch.samples);
      log(`  round ${r + 1} ${n}: ${batch.summary.calls_per_second} calls/s, ${batch.summary.errors} errors`);
    }
  }

  const result = {
    plan,
    idle_cpu_ms_per_s: Object.fromEntries(
      ["product", "floor"].map((k) => {
        const r = idleRates.get(pids?.[k]);
        return [k, r ? { workerd: round(r.workerd * 1000, 1), wrangler: round(r.wrangler * 1000, 1) } : null];
      }),
    ),
    tool: {},
    latency: {},
    setup: {},
    throughput: {},
  };
  for (const n of names) {
    const s = seq[n].samples;
    result.tool[n] = { label: paths[n].label, tool: paths[n].tool };
    result.latency[n] = {
      n: s.length,
      p50_ms: round(pct(s, 50), 2),
      p90_ms: round(pct(s, 90), 2),
      p99_ms: round(pct(s, 99), 2),
      mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length, 2),
      backend_requests_per_call: round(seq[n].backend / s.length, 2),
      ...cpuPerCall(seq[n].cpu, s.length),
    };
    result.setup[n] = {
      n: setup[n].length,
      p50_ms: round(pct(setup[n], 50), 2),
      p90_ms: round(pct(setup[n], 90), 2),
      mean_ms: round(setup[n].reduce((a, b) => a + b, 0) / setup[n].length, 2),
      tools_list: listing[n],
    };
    if (setupRaw[n])
      result.setup[n].bare_http = { n: setupRaw[n].length, p50_ms: round(pct(setupRaw[n], 50), 2), p90_ms: round(pct(setupRaw[n], 90), 2) };
    const bs = load[n].batches;
    const calls = bs.reduce((a, b) => a + b.calls, 0);
    const seconds = bs.reduce((a, b) => a + b.seconds, 0);
    const backend = bs.reduce((a, b) => a + b.backend_requests, 0);
    result.throughput[n] = {
      calls,
      errors: bs.reduce((a, b) => a + b.errors, 0),
      // The median batch: a batch hit by another process's burst on the shared cores moves it least.
      calls_per_second: round(
        pct(
          bs.map((b) => b.calls_per_second),
          50,
        ),
        1,
      ),
      overall_calls_per_second: round(calls / seconds, 1),
      batches_calls_per_second: bs.map((b) => b.calls_per_second),
      p50_ms: round(pct(load[n].samples, 50), 1),
      p99_ms: round(pct(load[n].samples, 99), 1),
      backend_requests_per_call: round(backend / calls, 2),
      ...cpuPerCall(load[n].cpu, calls),
    };
  }
  const f = (section, key) => result[section].floor[key];
  const ratio = (a, b) => round(a / b, 2);
  result.ratios = Object.fromEntries(
    ["session", "stateless"].map((n) => [
      n,
      {
        p50: ratio(result.latency[n].p50_ms, f("latency", "p50_ms")),
        p99: ratio(result.latency[n].p99_ms, f("latency", "p99_ms")),
        throughput: ratio(result.throughput[n].calls_per_second, f("throughput", "calls_per_second")),
        load_p50: ratio(result.throughput[n].p50_ms, f("throughput", "p50_ms")),
        setup: ratio(result.setup[n].p50_ms, f("setup", "p50_ms")),
        ...(result.setup[n].bare_http
          ? { setup_bare_http: ratio(result.setup[n].bare_http.p50_ms, result.setup.floor.bare_http.p50_ms) }
          : {}),
      },
    ]),
  );
  result.ratios.stateless_vs_session = {
    p50: ratio(result.latency.stateless.p50_ms, result.latency.session.p50_ms),
    throughput: ratio(result.throughput.stateless.calls_per_second, result.throughput.session.calls_per_second),
  };
  return result;
}

function cpuPerCall(cpu, calls) {
  if (cpu.unavailable) return {};
  return { workerd_cpu_ms_per_call: round(cpu.workerd / calls, 2), wrangler_cpu_ms_per_call: round(cpu.wrangler / calls, 2) };
}

/**
 * One session setup through the SDK client, timed: connect (2025: initialize + initialized; 2026:
 * server/discover) + tools/list. The 1.x client also compiles a JSON Schema validator for every
 * listed outputSchema, so the listing's size and schemas count here.
 */
async function setupOnce(path) {
  const t = performance.now();
  const c = await open(path, "ktrdr-bench-setup");
  const { tools } = await c.client.listTools();
  const ms = performance.now() - t;
  if (!tools.some((x) => x.name === path.tool)) throw new Error(`${path.label}: tools/list has no ${path.tool}`);
  await c.close();
  return {
    ms,
    listing: { tools: tools.length, output_schemas: tools.filter((x) => x.outputSchema).length, bytes: JSON.stringify(tools).length },
  };
}

/** One 2025 session setup as bare HTTP exchanges (no MCP client): initialize, initialized, tools/list. */
async function setupBare(url) {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const t = performance.now();
  const init = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "ktrdr-bench-bare", version: "1.0.0" } },
    }),
  });
  await init.text();
  const sid = init.headers.get("mcp-session-id");
  if (!init.ok || !sid) throw new Error(`bare initialize on ${url} → ${init.status}`);
  const session = { ...headers, "mcp-session-id": sid, "mcp-protocol-version": LATEST_PROTOCOL_VERSION };
  const note = await fetch(url, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await note.text();
  const list = await fetch(url, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
  });
  const text = await list.text();
  const ms = performance.now() - t;
  if (!list.ok || !text.includes('"tools"')) throw new Error(`bare tools/list on ${url} → ${list.status}`);
  await fetch(url, { method: "DELETE", headers: { "mcp-session-id": sid, "mcp-protocol-version": LATEST_PROTOCOL_VERSION } }).then((r) =>
    r.text(),
  );
  return ms;
}

async function loadBatch(path, plan, operationId, counts, settle, cpu) {
  const clients = await Promise.all(Array.from({ length: plan.sessions }, () => open(path, "ktrdr-bench-load")));
  const samples = [];
  let errors = 0;
  const before = counts[path.counter];
  let seconds = 0;
  await withCpu(path.pid, cpu, async () => {
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < plan.callsPerSession; i++) {
          const t = performance.now();
          try {
            await callOnce(path, c, operationId);
          } catch {
            errors++;
          }
          samples.push(performance.now() - t);
        }
      }),
    );
    seconds = (performance.now() - t0) / 1000;
    await settle();
  });
  const backend = counts[path.counter] - before;
  await Promise.all(clients.map((c) => c.close()));
  const calls = plan.sessions * plan.callsPerSession;
  return {
    samples,
    summary: { calls, errors, seconds: round(seconds, 3), calls_per_second: round(calls / seconds, 1), backend_requests: backend },
  };
}

// ---- e. bundle sizes ------------------------------------------------------------------------------

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.slice(0, 4).join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`.slice(0, 2000)));
      else resolve({ stdout, stderr });
    });
  });
}

/** `wrangler deploy --dry-run --outdir` of the product and the floor, each split by dependency. */
export async function bundleSizes(dir, log = () => {}) {
  const out = {};
  for (const [name, config] of [
    ["product", join(ROOT, "wrangler.toml")],
    ["floor", FLOOR_CONFIG],
  ]) {
    // Like with like: if the product's config minifies, the floor is minified too.
    const minify = name === "floor" && out.product.minified;
    log(`bundle: wrangler deploy --dry-run (${name}${minify ? ", --minify as the product" : ""})`);
    const outdir = join(dir, `bundle-${name}`);
    mkdirSync(outdir, { recursive: true });
    const meta = join(outdir, "meta.json");
    const args = [
      WRANGLER,
      "deploy",
      "--dry-run",
      "--config",
      config,
      "--outdir",
      outdir,
      "--metafile",
      meta,
      ...(minify ? ["--minify"] : []),
    ];
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const said = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(`${stdout}\n${stderr}`);
    out[name] = analyseBundle(outdir, meta, said ? { raw_kib: Number(said[1]), gzip_kib: Number(said[2]) } : undefined);
  }
  const byDep = new Map();
  for (const [name, b] of Object.entries(out)) {
    for (const d of b.dependencies) {
      const row = byDep.get(d.name) ?? { name: d.name, product_raw_kib: 0, product_gzip_kib: 0, floor_gzip_kib: 0, via: undefined };
      if (name === "product") {
        row.product_raw_kib = d.raw_kib;
        row.product_gzip_kib = d.gzip_kib;
        row.via = d.via;
      } else row.floor_gzip_kib = d.gzip_kib;
      row.via ??= d.via;
      byDep.set(d.name, row);
    }
  }
  const dependencies = [...byDep.values()]
    .map((r) => ({ ...r, over_floor_gzip_kib: round(r.product_gzip_kib - r.floor_gzip_kib, 1) }))
    .sort((a, b) => b.product_gzip_kib - a.product_gzip_kib || b.floor_gzip_kib - a.floor_gzip_kib);
  for (const b of Object.values(out)) delete b.dependencies;
  return {
    product: out.product,
    floor: out.floor,
    ratio_gzip: round(out.product.gzip_kib / out.floor.gzip_kib, 2),
    target_gzip_kib: TARGETS.bundle_gzip_kib_max,
    over_target_gzip_kib: round(out.product.gzip_kib - TARGETS.bundle_gzip_kib_max, 1),
    dependencies,
  };
}

/** The package (or own-code group) a bundled input belongs to. */
function groupOf(input) {
  const p = input.replace(/\\/g, "/");
  const i = p.lastIndexOf("node_modules/");
  if (i >= 0) {
    const rest = p.slice(i + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (/(^|\/)bench\/floor\//.test(p)) return "floor's own code (bench/floor/src)";
  if (/(^|\/)src\//.test(p)) return "ktrdr-mcp's own code (src/)";
  return "(other: wrangler shims, esbuild glue)";
}

/**
 * Sizes of one dry-run bundle: all modules (raw and gzip, as wrangler counts them), and per
 * dependency the bytes esbuild put in the output (metafile) and their gzip size on their own.
 */
function analyseBundle(outdir, metaPath, said) {
  const modules = readdirSync(outdir).filter((f) => /\.(m?js|cjs|wasm|txt|html|bin)$/.test(f) && statSync(join(outdir, f)).isFile());
  let raw = 0;
  let gzip = 0;
  for (const f of modules) {
    const buf = readFileSync(join(outdir, f));
    raw += buf.length;
    gzip += gzipSync(buf).length;
  }
  const meta = JSON.parse(readFileSync(metaPath, "utf8"));
  const [outName, output] = Object.entries(meta.outputs).find(([k]) => !k.endsWith(".map")) ?? [];
  if (!output) throw new Error(`no output in ${metaPath}`);
  // Who brings each group in: the first importer outside the group.
  const via = new Map();
  for (const [file, info] of Object.entries(meta.inputs)) {
    for (const imp of info.imports ?? []) {
      const g = groupOf(imp.path);
      if (groupOf(file) !== g && !via.has(g)) via.set(g, file.replace(/.*node_modules\//, ""));
    }
  }
  const rawBy = new Map();
  for (const [file, info] of Object.entries(output.inputs)) rawBy.set(groupOf(file), (rawBy.get(groupOf(file)) ?? 0) + info.bytesInOutput);
  const { sizes: gzipBy, headers } = gzipByGroup(join(ROOT, outName), new Set(Object.keys(output.inputs))); // metafile paths are relative to ROOT
  // Minified output has no module comments to split it at: each group's gzip is then estimated
  // from its share of the raw bytes.
  const minified = headers < Object.keys(output.inputs).length / 2;
  const rawTotal = [...rawBy.values()].reduce((a, b) => a + b, 0);
  const groups = new Set([...rawBy.keys(), ...(minified ? [] : gzipBy.keys())]);
  const dependencies = [...groups]
    .map((g) => {
      const gz = minified ? ((rawBy.get(g) ?? 0) / rawTotal) * gzip : (gzipBy.get(g) ?? 0);
      return { name: g, raw_kib: round((rawBy.get(g) ?? 0) / 1024, 1), gzip_kib: round(gz / 1024, 1), via: via.get(g) };
    })
    .sort((a, b) => b.gzip_kib - a.gzip_kib);
  return {
    modules,
    raw_kib: round(raw / 1024, 1),
    gzip_kib: round(gzip / 1024, 1),
    wrangler_reported: said,
    minified,
    dependency_gzip: minified
      ? "estimated from each group's share of the raw bytes (minified output)"
      : "each group's share of the output, gzipped on its own",
    inputs: Object.keys(output.inputs).length,
    dependencies,
  };
}

/**
 * Splits the bundle's text by module and gzips each group's share on its own. esbuild's unminified
 * output (wrangler does not minify by default) puts each module's code after a `// <input path>`
 * comment; everything from one such header to the next is that module's.
 */
function gzipByGroup(jsPath, inputs) {
  const sizes = new Map();
  let headers = 0;
  let js;
  try {
    js = readFileSync(jsPath, "utf8");
  } catch {
    return { sizes, headers };
  }
  const parts = new Map();
  let group = "(other: wrangler shims, esbuild glue)";
  for (const line of js.split("\n")) {
    if (line.startsWith("// ") && inputs.has(line.slice(3))) {
      group = groupOf(line.slice(3));
      headers++;
    }
    let arr = parts.get(group);
    if (!arr) {
      arr = [];
      parts.set(group, arr);
    }
    arr.push(line);
  }
  for (const [g, arr] of parts) sizes.set(g, gzipSync(arr.join("\n")).length);
  return { sizes, headers };
}

// ---- output -----------------------------------------------------------------------------------------

const cpuCell = (v) =>
  v.workerd_cpu_ms_per_call === undefined ? "–" : `${v.workerd_cpu_ms_per_call.toFixed(2)} / ${v.wrangler_cpu_ms_per_call.toFixed(2)}`;
const x = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(2)}×`);
const n1 = (v) => (v === null || v === undefined ? "–" : v.toFixed(1));

/** Markdown tables of the floor comparison (`table` is bench.mjs's table formatter). */
export function printFloor(r, bundle, table) {
  const out = [];
  const p = r.plan;
  const L = r.latency;
  out.push(`## Against a bare floor (same run, same backend; every ratio is product / floor)`);
  out.push("");
  out.push(
    `Floor: bench/floor — a bare \`McpAgent\` whose one tool makes the same backend call (GET /operations/{id}) as the product's \`get_operation_status\`. ` +
      `Paths measured in alternating batches (rotating order) after a warm-up.`,
  );
  out.push("");
  out.push(`### Tool call latency (${p.seqCalls} sequential calls per path, batches of ${p.seqBatch})`);
  out.push("");
  const names = ["floor", "session", "stateless"];
  const rat = (n) => (n === "floor" ? null : r.ratios[n]);
  out.push(
    table(
      [
        "Path",
        "Tool",
        "p50 ms",
        "p99 ms",
        "p50 / floor",
        "p99 / floor",
        "Backend requests per call",
        "CPU ms per call: workerd / wrangler",
      ],
      names.map((n) => [
        r.tool[n].label,
        r.tool[n].tool,
        n1(L[n].p50_ms),
        n1(L[n].p99_ms),
        n === "floor" ? "1.00×" : x(rat(n).p50),
        n === "floor" ? "1.00×" : x(rat(n).p99),
        L[n].backend_requests_per_call,
        cpuCell(L[n]),
      ]),
      ["l", "l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(`### Throughput (${p.sessions} concurrent sessions × ${p.callsPerSession} calls per batch, ${p.rounds} batch(es) per path)`);
  out.push("");
  const T = r.throughput;
  out.push(
    table(
      [
        "Path",
        "Calls",
        "Errors",
        "Calls/s (median batch)",
        "Calls/s / floor",
        "Per batch",
        "p50 ms",
        "p99 ms",
        "Backend requests per call",
        "CPU ms per call: workerd / wrangler",
      ],
      names.map((n) => [
        r.tool[n].label,
        T[n].calls,
        T[n].errors,
        n1(T[n].calls_per_second),
        n === "floor" ? "1.00×" : x(rat(n).throughput),
        T[n].batches_calls_per_second.map((v) => n1(v)).join(", "),
        n1(T[n].p50_ms),
        n1(T[n].p99_ms),
        T[n].backend_requests_per_call,
        cpuCell(T[n]),
      ]),
      ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(
    "Sessions are opened before a batch's clock starts; a batch ends when its last call returns. CPU: the Worker's own `wrangler dev` process tree (workerd, and the Node proxy that forwards requests and prints log lines), less its idle rate.",
  );
  out.push("");
  out.push(`### Session setup (${p.setups} per path, alternating)`);
  out.push("");
  const S = r.setup;
  const what = {
    floor: "initialize + initialized + tools/list",
    session: "initialize + initialized + tools/list",
    stateless: "server/discover + tools/list",
  };
  const setupRows = names.map((n) => [
    r.tool[n].label,
    `${what[n]}, SDK client`,
    n1(S[n].p50_ms),
    n1(S[n].p90_ms),
    n === "floor" ? "1.00×" : x(rat(n).setup),
    `${S[n].tools_list.tools} / ${S[n].tools_list.output_schemas} / ${S[n].tools_list.bytes}`,
  ]);
  for (const n of ["floor", "session"]) {
    const b = S[n].bare_http;
    if (b)
      setupRows.push([
        r.tool[n].label,
        `${what[n]}, bare HTTP (no client processing)`,
        n1(b.p50_ms),
        n1(b.p90_ms),
        n === "floor" ? "1.00×" : x(rat(n).setup_bare_http),
        "",
      ]);
  }
  out.push(
    table(["Path", "Requests", "p50 ms", "p90 ms", "p50 / floor", "tools/list: tools / outputSchemas / bytes"], setupRows, [
      "l",
      "l",
      "r",
      "r",
      "r",
      "r",
    ]),
  );
  out.push("");
  out.push(
    "The SDK 1.x client compiles a JSON Schema (AJV) validator for every outputSchema it is listed, so a richer tools/list costs the client time; " +
      "the bare-HTTP rows are the servers' share alone.",
  );
  out.push("");
  if (bundle) {
    out.push("### Bundle (`wrangler deploy --dry-run --outdir`, gzip as wrangler counts it)");
    out.push("");
    out.push(
      table(
        ["Worker", "Raw KiB", "gzip KiB", "gzip / floor"],
        [
          ["product (wrangler.toml)", n1(bundle.product.raw_kib), n1(bundle.product.gzip_kib), x(bundle.ratio_gzip)],
          ["floor (bench/floor/wrangler.toml)", n1(bundle.floor.raw_kib), n1(bundle.floor.gzip_kib), "1.00×"],
        ],
        ["l", "r", "r", "r"],
      ),
    );
    out.push("");
    out.push(
      bundle.product.minified
        ? "By dependency (minified: gzip estimated from each one's share of the raw bytes; the floor built with --minify too; ≥ 1 KiB gzip in either Worker):"
        : "By dependency (gzip of each one's share of the bundle on its own, so the column does not add up to the total; ≥ 1 KiB gzip in either Worker):",
    );
    out.push("");
    out.push(
      table(
        ["Dependency", "Product raw KiB", "Product gzip KiB", "Floor gzip KiB", "Product − floor", "First importer"],
        bundle.dependencies
          .filter((d) => d.product_gzip_kib >= 1 || d.floor_gzip_kib >= 1)
          .map((d) => [
            d.name,
            n1(d.product_raw_kib),
            n1(d.product_gzip_kib),
            n1(d.floor_gzip_kib),
            `${d.over_floor_gzip_kib >= 0 ? "+" : ""}${n1(d.over_floor_gzip_kib)}`,
            d.via ?? "",
          ]),
        ["l", "r", "r", "r", "r", "l"],
      ),
    );
    out.push("");
  }
  out.push("### Targets (issue 12)");
  out.push("");
  const met = (ok) => (ok ? "met" : "MISSED");
  const rows = [
    [
      "session path tool call p50 / floor",
      `≤ ${TARGETS.session_p50_ratio_max}×`,
      x(r.ratios.session.p50),
      met(r.ratios.session.p50 <= TARGETS.session_p50_ratio_max),
    ],
    [
      "session path throughput / floor",
      `≥ ${TARGETS.session_throughput_ratio_min}×`,
      x(r.ratios.session.throughput),
      met(r.ratios.session.throughput >= TARGETS.session_throughput_ratio_min),
    ],
    [
      "session setup / floor (SDK client)",
      `≤ ${TARGETS.session_setup_ratio_max}×`,
      x(r.ratios.session.setup),
      met(r.ratios.session.setup <= TARGETS.session_setup_ratio_max),
    ],
    ["2026 stateless p50 / session p50", "< 1×", x(r.ratios.stateless_vs_session.p50), met(r.ratios.stateless_vs_session.p50 < 1)],
  ];
  if (bundle)
    rows.push([
      "product bundle gzip",
      `≤ ${TARGETS.bundle_gzip_kib_max} KiB`,
      `${n1(bundle.product.gzip_kib)} KiB`,
      met(bundle.product.gzip_kib <= TARGETS.bundle_gzip_kib_max),
    ]);
  out.push(table(["Target", "Goal", "Measured", "Status"], rows, ["l", "r", "r", "l"]));
  out.push("");
  out.push(
    "Figures, not tests: the benchmark never fails on them. 2 cores shared by the load generator, both `wrangler dev`s and the backend.",
  );
  return out.join("\n");
}
