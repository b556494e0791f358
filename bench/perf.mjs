// The benchmark's floor comparison (`npm run bench`, section 4): every path of the product beside its
// peer floor, measured in the same run on the same stand-in backend, as ratios:
//
//   product 2025 session path (Durable Object)  vs  bench/floor/src/session.ts   (bare McpAgent)
//   product 2026-07-28 stateless path           vs  bench/floor/src/stateless.ts (bare createMcpHandler)
//
// Every tool call on every path reads the same completed operation (GET /operations/{id}, a data load
// whose record is ~1 KB). The floors return the backend's JSON as it came; the product its concise view.
//
// The run is R rounds; each round measures, for all four paths:
//   a. tool-call latency: N sequential calls per path, the four paths in a fresh shuffled order for
//      every call (so drift and bursts from other processes hit every path alike), beside a trivial
//      request on the same connection (2025: ping; 2026: server/discover) — the plumbing alone;
//   b. session setup (2025: initialize + initialized + tools/list; 2026: server/discover + tools/list),
//      shuffled per setup, through the SDK clients and (2025) as bare HTTP exchanges;
//   c. throughput at each load shape (S concurrent sessions × K calls each): for each product path and
//      its floor, both sets of S sessions are opened, then the K calls run in waves (S sessions × K/W
//      calls), the two paths' waves alternating in a shuffled order, so that a burst from another
//      process hits both alike; with the CPU each Worker's process tree spent per call.
// Before the rounds, each pair is profiled in workerd (bench/profile.mjs); after them, the sockets each
// Worker's `wrangler dev` tree holds are counted (a leak there once exhausted the product's descriptors).
// Each figure is a ratio to the peer floor per round; the report gives the median of the per-round
// ratios and their spread (min–max). Backend requests per call and result sizes are counted once, after
// the warm-up. No pass/fail: targets are reported as met or missed.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { profilePairs } from "./profile.mjs";

const ROOT = join(import.meta.dirname, "..");
/** The floors' wrangler configs (bench/floor: one source tree, two Workers). */
export const FLOOR_CONFIGS = {
  session: join(ROOT, "bench", "floor", "session.wrangler.toml"),
  stateless: join(ROOT, "bench", "floor", "stateless.wrangler.toml"),
};
export const MODERN_VERSION = "2026-07-28";
const CALL_TIMEOUT_MS = 60_000;

/** The targets of issue 17 (reported, never enforced). */
export const TARGETS = {
  p50_ratio_max: 1.1,
  throughput_ratio_min: 0.95,
  startup_cpu_ratio_max: 1.1,
};

/** How much of each measurement a run makes (`rounds` may be overridden, never below 3). */
export function floorPlan(quick, rounds) {
  // --quick (what CI runs): the same method at a smaller size — a smoke run whose ratios are indicative only.
  const plan = quick
    ? {
        rounds: 3,
        warmup: 5,
        seqCalls: 15,
        setups: 2,
        shapes: [
          { sessions: 20, calls: 3 },
          { sessions: 8, calls: 8 },
        ],
        startupRounds: 3,
        profileCalls: 30,
        waves: 1,
      }
    : {
        rounds: 5,
        warmup: 30,
        seqCalls: 150,
        setups: 12,
        shapes: [
          { sessions: 50, calls: 20 },
          { sessions: 20, calls: 50 },
        ],
        startupRounds: 5,
        profileCalls: 300,
        waves: 4,
      };
  if (rounds !== undefined) {
    plan.rounds = Math.max(3, rounds);
    plan.startupRounds = Math.max(3, rounds);
  }
  return plan;
}

export const shapeKey = (s) => `${s.sessions}x${s.calls}`;

// ---- small statistics -----------------------------------------------------------------------------

const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function pct(values, p) {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

/** Median and min–max of per-round ratios (each rounded to 2 places; the list kept for the JSON). */
export function spread(ratios) {
  const ok = ratios.filter((v) => Number.isFinite(v));
  return {
    median: round(pct(ok, 50)),
    min: round(Math.min(...ok)),
    max: round(Math.max(...ok)),
    rounds: ok.map((v) => round(v)),
  };
}

/** A small seeded PRNG (mulberry32), so a run's shuffles can be repeated with --seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(items, rand) {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ---- backend requests and CPU ---------------------------------------------------------------------

/**
 * Counts the stand-in backend's request-log lines (one per request, `rid=<X-Request-ID>`) by sender:
 * the floors tag theirs `floor.<n>` (session floor) and `sfloor.<n>` (stateless floor); the product's
 * are `<uuid>.<n>`. Requests without an X-Request-ID (the bench's own) are not counted. The backend
 * must run without --quiet.
 */
export function backendRequestCounter(child) {
  const counts = { product: 0, floor: 0, sfloor: 0 };
  let rest = "";
  child.stdout.on("data", (chunk) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const m = / rid=(\S+)\s*$/.exec(line);
      if (!m || m[1] === "-") continue;
      if (m[1].startsWith("floor.")) counts.floor++;
      else if (m[1].startsWith("sfloor.")) counts.sfloor++;
      else counts.product++;
    }
  });
  return counts;
}

const CLK_TCK = 100; // Linux USER_HZ

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

/**
 * Idle CPU rate (ms of CPU per ms of wall time) of each Worker's process tree while nothing runs:
 * the lowest of a few short windows, so a passing burst (a file watcher, a GC) is not taken for it.
 */
async function measureIdle(pids, windows, ms) {
  const rates = new Map();
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
      const prev = rates.get(p);
      rates.set(p, prev ? { workerd: Math.min(prev.workerd, rate.workerd), wrangler: Math.min(prev.wrangler, rate.wrangler) } : rate);
    }
  }
  return rates;
}

/** CPU of a Worker's process tree across `fn`, less its idle rate over the same wall time. */
async function withCpu(pid, idle, fn) {
  const before = cpuOfTree(pid);
  const t0 = performance.now();
  const out = await fn();
  const wall = performance.now() - t0;
  const after = cpuOfTree(pid);
  const rate = idle ?? { workerd: 0, wrangler: 0 };
  const cpu =
    before && after
      ? { workerd: after.workerd - before.workerd - rate.workerd * wall, wrangler: after.wrangler - before.wrangler - rate.wrangler * wall }
      : undefined;
  return { out, cpu };
}

// ---- the four paths -------------------------------------------------------------------------------

/**
 * `workers`: { product, floorSession, floorStateless }, each { mcpUrl, pid, inspectorPort }. `peer` names
 * the floor a product path is compared with.
 */
export function pathsOf(workers) {
  return {
    session_floor: {
      label: "floor: bare McpAgent (2025 session)",
      short: "McpAgent floor",
      url: workers.floorSession.mcpUrl,
      tool: "get_operation",
      modern: false,
      counter: "floor",
      pid: workers.floorSession.pid,
    },
    session: {
      label: "product: 2025 session (Durable Object)",
      short: "2025 session path",
      url: workers.product.mcpUrl,
      tool: "get_operation_status",
      modern: false,
      counter: "product",
      pid: workers.product.pid,
      peer: "session_floor",
    },
    stateless_floor: {
      label: `floor: bare createMcpHandler (${MODERN_VERSION})`,
      short: "stateless floor",
      url: workers.floorStateless.mcpUrl,
      tool: "get_operation",
      modern: true,
      counter: "sfloor",
      pid: workers.floorStateless.pid,
    },
    stateless: {
      label: `product: ${MODERN_VERSION} stateless`,
      short: `${MODERN_VERSION} path`,
      url: workers.product.mcpUrl,
      tool: "get_operation_status",
      modern: true,
      counter: "product",
      pid: workers.product.pid,
      peer: "stateless_floor",
    },
  };
}
export const PAIRS = ["session", "stateless"];

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

/** One tool call of the measured kind (the same backend GET on every path); returns the result. */
async function callOnce(path, c, operationId) {
  const params = { name: path.tool, arguments: { operation_id: operationId } };
  const res = path.modern
    ? await c.client.callTool(params, { timeout: CALL_TIMEOUT_MS })
    : await c.client.callTool(params, undefined, { timeout: CALL_TIMEOUT_MS });
  if (res.isError) throw new Error(`${path.tool} failed on ${path.label}: ${JSON.stringify(res.content).slice(0, 200)}`);
  return res;
}

const DISCOVER_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: "bench-discover",
  method: "server/discover",
  params: {
    _meta: {
      "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
      "io.modelcontextprotocol/clientInfo": { name: "ktrdr-bench", version: "1.0.0" },
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  },
});

/**
 * The trivial request of a path: 2025 `ping` on the open session (through the SDK client); 2026
 * `server/discover` as one bare HTTP exchange (2026-07-28 has no ping).
 */
async function trivialOnce(path, c) {
  if (!path.modern) return c.client.ping({ timeout: CALL_TIMEOUT_MS });
  const res = await fetch(path.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN_VERSION,
      "mcp-method": "server/discover",
    },
    body: DISCOVER_BODY,
  });
  const text = await res.text();
  if (!res.ok || !text.includes('"result"')) throw new Error(`server/discover on ${path.label} → ${res.status}: ${text.slice(0, 200)}`);
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

/** Closes clients, never waiting more than 10 s (a close is not measured; a stuck one must not stall the run). */
async function closeAll(clients) {
  await Promise.race([Promise.all(clients.map((c) => c.close())), sleep(10_000)]);
}

/**
 * Waves of calls per product path and its floor (`pair`: [path, path]): each path's S sessions opened
 * first (not timed), then `waves` waves of S sessions × K/waves calls, all in flight at once, the two
 * paths' waves alternating in a shuffled order. Per path: calls/s over its waves' time, latency p50/p99,
 * errors, and its Worker's CPU over its waves.
 */
async function loadPair(pair, shape, waves, operationId, idle, rand) {
  const per = waves > 0 ? Math.ceil(shape.calls / waves) : shape.calls;
  const state = new Map();
  for (const path of pair) {
    const clients = await Promise.all(Array.from({ length: shape.sessions }, () => open(path, "ktrdr-bench-load")));
    state.set(path, { clients, left: shape.calls, samples: [], errors: 0, ms: 0, cpu: { workerd: 0, wrangler: 0 }, cpuOk: true });
  }
  while ([...state.values()].some((st) => st.left > 0)) {
    for (const path of shuffled(pair, rand)) {
      const st = state.get(path);
      const k = Math.min(per, st.left);
      if (k <= 0) continue;
      const { out: ms, cpu } = await withCpu(path.pid, idle.get(path.pid), async () => {
        const t0 = performance.now();
        await Promise.all(
          st.clients.map(async (c) => {
            for (let i = 0; i < k; i++) {
              const t = performance.now();
              try {
                await callOnce(path, c, operationId);
              } catch {
                st.errors++;
              }
              st.samples.push(performance.now() - t);
            }
          }),
        );
        return performance.now() - t0;
      });
      st.left -= k;
      st.ms += ms;
      if (cpu) {
        st.cpu.workerd += cpu.workerd;
        st.cpu.wrangler += cpu.wrangler;
      } else st.cpuOk = false;
    }
  }
  const out = new Map();
  for (const [path, st] of state) {
    await closeAll(st.clients);
    const calls = shape.sessions * shape.calls;
    out.set(path, {
      calls,
      errors: st.errors,
      seconds: st.ms / 1000,
      calls_per_second: calls / (st.ms / 1000),
      p50_ms: pct(st.samples, 50),
      p99_ms: pct(st.samples, 99),
      cpu: st.cpuOk ? st.cpu : undefined,
    });
  }
  return out;
}

/** Sockets held by a process and its descendants (Linux /proc; undefined elsewhere). */
function socketsOfTree(rootPid) {
  if (!rootPid || process.platform !== "linux") return undefined;
  try {
    const parent = new Map();
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const raw = readFileSync(`/proc/${d}/stat`, "utf8");
        parent.set(Number(d), Number(raw.slice(raw.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // ended meanwhile
      }
    }
    const tree = new Set([rootPid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, pp] of parent) {
        if (!tree.has(pid) && tree.has(pp)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    let n = 0;
    for (const pid of tree) {
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          try {
            if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) n++;
          } catch {
            // closed meanwhile
          }
        }
      } catch {
        // ended meanwhile
      }
    }
    return n;
  } catch {
    return undefined;
  }
}

// ---- the measurement ------------------------------------------------------------------------------

/**
 * Runs the rounds, then the CPU profile. `workers`: { product, floorSession, floorStateless }, each
 * { mcpUrl, pid, inspectorPort };
 * `counts`: a backendRequestCounter on the stand-in; `operationId`: a completed operation on the backend
 * (its record is what every path reads); `recordBytes`: that record's size as the backend sends it.
 */
export async function measureAgainstFloors({ workers, counts, operationId, recordBytes, quick, rounds, seed, dir, log = () => {} }) {
  const plan = floorPlan(quick, rounds);
  const rand = prng(seed);
  const load = () => loadavg().map((v) => round(v, 1));
  const machine = { cpus: availableParallelism(), loadavg_before: load() };
  const paths = pathsOf(workers);
  const names = Object.keys(paths);
  for (const n of names) paths[n].name = n;

  // Warm-up: each path's client, its Worker isolate (and Durable Object), the backend route.
  log(`floor: warm-up (${plan.warmup} calls and 2 setups per path)`);
  const clients = {};
  for (const n of names) clients[n] = await open(paths[n]);
  for (let i = 0; i < plan.warmup; i++) {
    for (const n of shuffled(names, rand)) {
      await callOnce(paths[n], clients[n], operationId);
      await trivialOnce(paths[n], clients[n]);
    }
  }
  for (let i = 0; i < 2; i++) for (const n of names) await setupOnce(paths[n]);

  // Backend requests per call and result size, per path (one path at a time, so the counts are its own).
  const perCall = {};
  for (const n of names) {
    const path = paths[n];
    const before = counts[path.counter];
    let bytes = 0;
    const k = 10;
    for (let i = 0; i < k; i++) bytes = JSON.stringify(await callOnce(path, clients[n], operationId)).length;
    await sleep(150); // the backend logs a request before answering it; let the last line arrive
    perCall[n] = { backend_requests_per_call: round((counts[path.counter] - before) / k, 2), result_bytes: bytes };
  }

  const pids = [...new Set(names.map((n) => paths[n].pid).filter(Boolean))];
  const idle = await measureIdle(pids, quick ? 2 : 4, quick ? 500 : 1000);

  // d. where each path's CPU goes: a workerd CPU profile of each pair's calls, by stage (before the long rounds).
  let profile;
  try {
    profile = await profilePairs({
      pairs: PAIRS.map((n) => [paths[n], paths[paths[n].peer]]),
      inspectorPorts: new Map(Object.values(workers).map((w) => [w.pid, w.inspectorPort])),
      calls: plan.profileCalls,
      call: (path) => callOnce(path, clients[path.name], operationId),
      cpuOf: (pid) => cpuOfTree(pid)?.workerd,
      idleOf: (pid) => idle.get(pid)?.workerd,
      dir,
      log,
    });
  } catch (err) {
    log(`profile: not taken (${err instanceof Error ? err.message : String(err)})`);
    profile = { unavailable: err instanceof Error ? err.message : String(err) };
  }

  const perRound = [];
  const listing = {};
  for (let r = 0; r < plan.rounds; r++) {
    const one = { latency: {}, trivial: {}, setup: {}, setup_bare: {}, load: {} };
    for (const n of names) {
      one.latency[n] = [];
      one.trivial[n] = [];
      one.setup[n] = [];
    }

    // a. latency, every call in a fresh shuffled order of the four paths.
    log(`round ${r + 1}/${plan.rounds}: latency (${plan.seqCalls} tool calls + ${plan.seqCalls} trivial requests per path, shuffled)`);
    for (let i = 0; i < plan.seqCalls; i++) {
      for (const n of shuffled(names, rand)) {
        let t = performance.now();
        await callOnce(paths[n], clients[n], operationId);
        one.latency[n].push(performance.now() - t);
        t = performance.now();
        await trivialOnce(paths[n], clients[n]);
        one.trivial[n].push(performance.now() - t);
      }
    }

    // b. session setup, shuffled per setup; bare HTTP for the 2025 pair.
    log(`round ${r + 1}/${plan.rounds}: session setup (${plan.setups} per path, shuffled)`);
    one.setup_bare = { session_floor: [], session: [] };
    for (let i = 0; i < plan.setups; i++) {
      for (const n of shuffled(names, rand)) {
        const s = await setupOnce(paths[n]);
        one.setup[n].push(s.ms);
        listing[n] = s.listing;
      }
      for (const n of shuffled(Object.keys(one.setup_bare), rand)) one.setup_bare[n].push(await setupBare(paths[n].url));
    }

    // c. throughput: each product path with its floor, in alternating waves.
    for (const shape of plan.shapes) {
      const key = shapeKey(shape);
      one.load[key] = {};
      for (const n of shuffled(PAIRS, rand)) {
        const pair = [paths[n], paths[paths[n].peer]];
        const got = await loadPair(pair, shape, plan.waves, operationId, idle, rand);
        for (const path of pair) {
          const b = got.get(path);
          one.load[key][path.name] = b;
          log(
            `round ${r + 1}/${plan.rounds}: ${shape.sessions} × ${shape.calls} ${path.name}: ${b.calls_per_second.toFixed(1)} calls/s${b.errors ? `, ${b.errors} errors` : ""}`,
          );
        }
      }
    }
    perRound.push(one);
  }
  await closeAll(Object.values(clients));
  machine.loadavg_after = load();
  // Sockets each Worker's `wrangler dev` tree holds after the rounds (all clients closed): a leak shows here.
  machine.sockets_after = Object.fromEntries(
    [
      ["product", paths.session.pid],
      ["session_floor", paths.session_floor.pid],
      ["stateless_floor", paths.stateless_floor.pid],
    ].map(([k, pid]) => [k, socketsOfTree(pid) ?? null]),
  );

  return { machine, ...summarise({ plan, seed, paths, perRound, perCall, listing, idle, operationId, recordBytes }), profile };
}

function cpuPerCall(batches) {
  if (batches.some((b) => !b.cpu)) return {};
  const calls = batches.reduce((a, b) => a + b.calls, 0);
  return {
    workerd_cpu_ms_per_call: round(batches.reduce((a, b) => a + b.cpu.workerd, 0) / calls, 2),
    wrangler_cpu_ms_per_call: round(batches.reduce((a, b) => a + b.cpu.wrangler, 0) / calls, 2),
  };
}

function summarise({ plan, seed, paths, perRound, perCall, listing, idle, operationId, recordBytes }) {
  const names = Object.keys(paths);
  const pool = (section, n) => perRound.flatMap((r) => r[section][n] ?? []);
  const result = {
    plan,
    seed,
    operation_id: operationId,
    record_bytes: recordBytes,
    paths: Object.fromEntries(
      names.map((n) => [n, { label: paths[n].label, short: paths[n].short, tool: paths[n].tool, peer: paths[n].peer }]),
    ),
    idle_cpu_ms_per_s: Object.fromEntries(
      [
        ["product", paths.session.pid],
        ["session_floor", paths.session_floor.pid],
        ["stateless_floor", paths.stateless_floor.pid],
      ].map(([k, pid]) => {
        const r = idle.get(pid);
        return [k, r ? { workerd: round(r.workerd * 1000, 1), wrangler: round(r.wrangler * 1000, 1) } : null];
      }),
    ),
    latency: {},
    trivial: {},
    setup: {},
    throughput: {},
    ratios: {},
  };
  for (const n of names) {
    const s = pool("latency", n);
    result.latency[n] = {
      n: s.length,
      p50_ms: round(pct(s, 50)),
      p90_ms: round(pct(s, 90)),
      p99_ms: round(pct(s, 99)),
      mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length),
      rounds_p50_ms: perRound.map((r) => round(pct(r.latency[n], 50))),
      ...perCall[n],
    };
    const t = pool("trivial", n);
    result.trivial[n] = { n: t.length, p50_ms: round(pct(t, 50)), p99_ms: round(pct(t, 99)) };
    const st = pool("setup", n);
    result.setup[n] = { n: st.length, p50_ms: round(pct(st, 50)), p90_ms: round(pct(st, 90)), tools_list: listing[n] };
    const sb = pool("setup_bare", n);
    if (sb.length) result.setup[n].bare_http = { n: sb.length, p50_ms: round(pct(sb, 50)), p90_ms: round(pct(sb, 90)) };
    result.throughput[n] = {};
    for (const shape of plan.shapes) {
      const key = shapeKey(shape);
      const bs = perRound.map((r) => r.load[key][n]);
      const calls = bs.reduce((a, b) => a + b.calls, 0);
      result.throughput[n][key] = {
        calls,
        errors: bs.reduce((a, b) => a + b.errors, 0),
        calls_per_second: round(
          pct(
            bs.map((b) => b.calls_per_second),
            50,
          ),
          1,
        ),
        rounds_calls_per_second: bs.map((b) => round(b.calls_per_second, 1)),
        p50_ms: round(
          pct(
            bs.map((b) => b.p50_ms),
            50,
          ),
          1,
        ),
        p99_ms: round(
          pct(
            bs.map((b) => b.p99_ms),
            50,
          ),
          1,
        ),
        ...cpuPerCall(bs),
      };
    }
  }
  // Per-round ratios of each product path to its peer floor.
  for (const n of PAIRS) {
    const peer = paths[n].peer;
    const per = (section, p) => perRound.map((r) => pct(r[section][n], p) / pct(r[section][peer], p));
    result.ratios[n] = {
      peer,
      p50: spread(per("latency", 50)),
      p99: spread(per("latency", 99)),
      trivial_p50: spread(per("trivial", 50)),
      setup: spread(per("setup", 50)),
      ...(n === "session" ? { setup_bare_http: spread(per("setup_bare", 50)) } : {}),
      throughput: Object.fromEntries(
        plan.shapes.map((shape) => {
          const key = shapeKey(shape);
          return [key, spread(perRound.map((r) => r.load[key][n].calls_per_second / r.load[key][peer].calls_per_second))];
        }),
      ),
    };
  }
  // The 2026 path against the 2025 one (same product, same Worker).
  result.ratios.stateless_vs_session = { p50: spread(perRound.map((r) => pct(r.latency.stateless, 50) / pct(r.latency.session, 50))) };
  return result;
}
