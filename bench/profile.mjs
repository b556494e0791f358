// Where each path's CPU goes, measured inside workerd (`npm run bench`, section 4): a V8 CPU profile of
// each Worker's isolate, taken through its `wrangler dev` inspector port while one path makes N
// sequential tool calls, each sample attributed to a stage through the bundle's source map:
//
//   - a sample whose innermost JavaScript frame is the product's own code counts for that file's stage
//     (src/log.ts → the tool_call log line, src/ktrdr/http.ts → the backend read, …); built-ins it calls
//     (JSON.stringify, console.log, fetch) count for it too;
//   - zod, wherever it is called from our code, and any library called from the tool path (src/tools,
//     src/ktrdr, src/log.ts) count for the calling stage (input validation is zod under runTool);
//   - everything else counts for its package (agents, the MCP SDKs) or the runtime ((program), GC).
//
// The profile gives each stage's sampled running time in the isolate (samples capped at twice the
// interval, see sampleCap), per call; the CPU the Worker's whole process tree used over an unprofiled
// window of the same calls (Linux /proc, less its idle rate: the isolate, the dev proxy that forwards
// requests, I/O threads) is reported beside it. The product's stages and the floor's are set side by
// side: the difference is where the product's extra goes. Sampling is statistical (every 200 µs) and
// the machine is shared: the µs are estimates, the ranking is what to read.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(import.meta.dirname, "..");

const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const SAMPLING_US = 200;

// ---- the inspector --------------------------------------------------------------------------------

/** A DevTools protocol session on a `wrangler dev` inspector port (its proxy wants an Origin header). */
async function inspect(port) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(15_000) })).json();
  const target = list.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the inspector on port ${port} did not open within 15 s`)), 15_000);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`cannot open the inspector on port ${port}`));
    };
  });
  let next = 1;
  const pending = new Map();
  const events = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id !== undefined && pending.has(m.id)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    } else if (m.method) events.push(m);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the inspector`)), 60_000);
      pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, events, close: () => ws.close() };
}

// ---- source maps ----------------------------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DIGIT[B64.charCodeAt(i)] = i;

/**
 * The source of each generated position: per generated line, segments [column, source index] in
 * column order (source map v3 `mappings`: base64 VLQ; the generated column is relative to the previous
 * segment on the line, the source index to the previous segment's).
 */
function decodeMappings(mappings) {
  const lines = [];
  let line = [];
  let column = 0;
  let source = 0; // only the source file is kept: line, column and name fields are skipped
  const fields = [];
  for (let i = 0; i <= mappings.length; ) {
    const c = i < mappings.length ? mappings.charCodeAt(i) : 59;
    if (c === 59 || c === 44) {
      if (fields.length) {
        column += fields[0];
        if (fields.length >= 4) {
          source += fields[1];
        }
        line.push([column, fields.length >= 4 ? source : -1]);
        fields.length = 0;
      }
      if (c === 59) {
        lines.push(line);
        line = [];
        column = 0;
      }
      i++;
      continue;
    }
    let value = 0;
    let shift = 0;
    let digit;
    do {
      digit = DIGIT[mappings.charCodeAt(i++)];
      value += (digit & 31) << shift;
      shift += 5;
    } while (digit & 32);
    fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
  }
  return lines;
}

/**
 * `(line, column) → source file` of a bundle, from its source map file; each source as a path from
 * the repository root (the floors are bundled from bench/floor, the product from the root).
 */
export function loadSourceMap(mapPath) {
  const map = JSON.parse(readFileSync(mapPath, "utf8"));
  const base = resolve(dirname(mapPath), map.sourceRoot ?? "");
  const sources = map.sources.map((src) => relative(ROOT, resolve(base, src)).replace(/\\/g, "/"));
  const lines = decodeMappings(map.mappings);
  return (line, column) => {
    const segs = lines[line];
    if (!segs) return undefined;
    let lo = 0;
    let hi = segs.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid][0] <= column) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const s = best < 0 ? -1 : segs[best][1];
    return s < 0 ? undefined : sources[s];
  };
}

// ---- attribution ----------------------------------------------------------------------------------

/** What a source file is: our own code (its path from the repository root) or a package. */
function moduleOf(source) {
  const p = source.replace(/\\/g, "/");
  const i = p.lastIndexOf("node_modules/");
  if (i >= 0) {
    const rest = p.slice(i + "node_modules/".length).split("/");
    return { own: false, name: rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0] };
  }
  if (/^(bench\/floor\/)?src\//.test(p)) return { own: true, name: p };
  return { own: false, name: "(bundler glue)" };
}

/** The stage of one of our files (the product's, or the floor's own tool). */
export const STAGES = [
  [/^src\/log\.ts$/, "tool_call log line (src/log.ts: JSON + console.log)"],
  [/^src\/tools\/run\.ts$/, "runTool: scope, input validation (zod), outcome"],
  [/^src\/ktrdr\/(http|ktrdr\.api|errors)\.ts$/, "backend read: fetch, JSON.parse, wire schema (zod)"],
  [/^src\/ktrdr\//, "normalise (src/ktrdr/normalise.ts)"],
  [/^src\/tools\/views\.ts$/, "concise view (src/tools/views.ts)"],
  [/^src\/tools\//, "tool body, listing (src/tools)"],
  [/^src\/mcp\/era\.ts$/, "router: era, auth, config, session guard"],
  [/^src\/mcp\//, "MCP front end (src/mcp: handlers, result, per-request server)"],
  [/^src\//, "router: era, auth, config, session guard"],
  [/^bench\/floor\//, "the floor's tool (fetch + text)"],
];
const TOOL_PATH = /^src\/(tools|ktrdr)\/|^src\/log\.ts$/;

function stageOf(ownFile) {
  for (const [re, label] of STAGES) if (re.test(ownFile)) return label;
  return ownFile;
}

/**
 * The longest time one sample may stand for: twice the profile's median sampling interval. V8 samples
 * on wall time, so a sample taken after the isolate's thread was descheduled (2 cores shared by many
 * processes) would otherwise charge the whole wait to whatever function happened to be running; capped,
 * each sample counts about one interval and the stages keep their share of the running time.
 */
export function sampleCap(profile) {
  const d = (profile.timeDeltas ?? []).filter((v) => v > 0).sort((a, b) => a - b);
  return d.length ? 2 * d[Math.floor(d.length / 2)] : Infinity;
}

/**
 * Each profile sample's stage (idle excluded), summed: { label → sampled µs }. `sourceAt(callFrame)`
 * maps a frame of the Worker's bundle to its source file (null where unmapped, undefined for a frame
 * outside the bundle); `labelOf(ownFile)` names our own code's stages.
 */
export function attribute(profile, sourceAt, labelOf = stageOf) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nodeOf = new Map(profile.nodes.map((n) => [n.id, n]));
  const kind = new Map(); // node id → { own, name } for bundle frames; { skip } for built-ins; { runtime } otherwise
  for (const n of profile.nodes) {
    const cf = n.callFrame;
    const src = sourceAt(cf);
    if (src !== undefined)
      kind.set(n.id, src ? moduleOf(src) : { own: false, name: cf.lineNumber < 0 ? "(module top level)" : "(bundler glue)" });
    else if (["(idle)", "(program)", "(garbage collector)", "(root)"].includes(cf.functionName) && cf.url === "") {
      kind.set(n.id, { runtime: cf.functionName });
    } else kind.set(n.id, { skip: true }); // a built-in or runtime-internal frame: it counts for its caller
  }
  const out = new Map();
  const hot = new Map(); // label → Map(leaf frame → µs): what each stage spends its time in
  let sampled = 0;
  const cap = sampleCap(profile);
  for (let k = 0; k < profile.samples.length; k++) {
    const dt = Math.min(profile.timeDeltas[k] ?? 0, cap);
    const leaf = kind.get(profile.samples[k]);
    if (leaf?.runtime === "(idle)") continue;
    sampled += dt;
    let label;
    if (leaf?.runtime) label = leaf.runtime === "(garbage collector)" ? "runtime: garbage collection" : "runtime: (program)";
    else {
      let first; // innermost bundle frame
      for (let id = profile.samples[k]; id !== undefined && !label; id = parent.get(id)) {
        const kd = kind.get(id);
        if (!kd || kd.skip || kd.runtime) continue;
        if (!first) {
          first = kd;
          if (kd.own) label = labelOf(kd.name);
          continue;
        }
        // A library called directly by our code counts for the caller when it is zod (our schemas) or
        // when the caller is the tool path; a library reached through another library is that library's.
        if (kd.own) {
          if (first.name === "zod" || TOOL_PATH.test(kd.name)) label = labelOf(kd.name);
          break;
        }
        if (kd.name !== first.name) break;
      }
      label ??= first ? first.name : "runtime: built-ins";
    }
    out.set(label, (out.get(label) ?? 0) + dt);
    const cf = nodeOf.get(profile.samples[k])?.callFrame;
    if (cf) {
      const key = `${cf.functionName || "(anonymous)"} ${leaf?.name ?? (cf.url || "(built-in)")}`;
      const h = hot.get(label) ?? new Map();
      h.set(key, (h.get(key) ?? 0) + dt);
      hot.set(label, h);
    }
  }
  return { byLabel: out, sampledUs: sampled, hot };
}

// ---- the measurement ------------------------------------------------------------------------------

/**
 * Profiles each product path beside its peer floor. `pairs`: [[product path, floor path], …] (perf.mjs's
 * paths, each with `pid`); `inspectorPorts`: Worker pid → inspector port; `call(path)`: one tool call;
 * `cpuOf(pid)`: the workerd CPU (ms) of a Worker's process tree so far; `idleOf(pid)`: its idle rate.
 *
 * For each pair, the two Workers' calls alternate (product, floor, product, …) in two windows of
 * `calls` each: one unprofiled, whose workerd CPU per call is the total each path is scaled to, then one
 * with both isolates under the profiler, whose samples give each stage's share. The raw profiles are
 * written into `dir` (`profile-<path>.cpuprofile`, for Chrome DevTools) when it is given.
 */
export async function profilePairs({ pairs, inspectorPorts, calls, call, cpuOf, idleOf, dir, log = () => {} }) {
  const sessions = new Map();
  const session = async (pid) => {
    const port = inspectorPorts.get(pid);
    if (!port) throw new Error("no inspector port");
    let s = sessions.get(port);
    if (!s) {
      s = await inspect(port);
      sessions.set(port, s);
      await s.send("Profiler.enable");
      await s.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
    }
    return s;
  };
  const alternate = async (a, b) => {
    const cpu0 = [cpuOf(a.pid), cpuOf(b.pid)];
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      await call(a);
      await call(b);
    }
    const wall = performance.now() - t0;
    const cpu1 = [cpuOf(a.pid), cpuOf(b.pid)];
    const per = (i, pid) =>
      cpu0[i] === undefined || cpu1[i] === undefined ? undefined : ((cpu1[i] - cpu0[i] - (idleOf(pid) ?? 0) * wall) * 1000) / calls;
    return [per(0, a.pid), per(1, b.pid)];
  };
  const raw = [];
  try {
    for (const [product, floor] of pairs) {
      const [sp, sf] = [await session(product.pid), await session(floor.pid)];
      log(
        `profile: ${product.short} vs ${floor.short} (${calls} calls each, alternating; unprofiled, then under the workerd CPU profiler)`,
      );
      for (let i = 0; i < 10; i++) await Promise.all([call(product), call(floor)]); // warm
      const cpu = await alternate(product, floor);
      await Promise.all([sp.send("Profiler.start"), sf.send("Profiler.start")]);
      await alternate(product, floor);
      const [pp, pf] = await Promise.all([sp.send("Profiler.stop"), sf.send("Profiler.stop")]);
      raw.push(
        { path: product, profile: pp.profile, cpu: cpu[0], session: sp },
        { path: floor, profile: pf.profile, cpu: cpu[1], session: sf },
      );
    }
    // The bundles' source maps (the scripts as each isolate parsed them: Debugger.enable replays them).
    for (const s of sessions.values()) {
      await s.send("Debugger.enable");
      await new Promise((r) => setTimeout(r, 300));
      await s.send("Debugger.disable");
      s.maps = new Map();
      for (const e of s.events) {
        if (e.method !== "Debugger.scriptParsed" || !e.params.sourceMapURL || !e.params.url.startsWith("file:")) continue;
        s.maps.set(String(e.params.scriptId), loadSourceMap(fileURLToPath(new URL(e.params.sourceMapURL, e.params.url))));
      }
    }
  } finally {
    for (const s of sessions.values()) s.close();
  }
  const paths = {};
  for (const { path, profile, cpu, session: s } of raw) {
    if (dir) writeFileSync(join(dir, `profile-${path.name}.cpuprofile`), JSON.stringify(profile));
    const sourceAt = (cf) => {
      const m = s.maps.get(String(cf.scriptId));
      return m ? (m(cf.lineNumber, cf.columnNumber) ?? null) : undefined;
    };
    const { byLabel, sampledUs, hot } = attribute(profile, sourceAt);
    if (dir) {
      // Each stage's hottest leaf frames (function, and its package or file), for reading the table.
      const top = Object.fromEntries(
        [...hot].map(([label, h]) => [
          label,
          [...h]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([k, us]) => `${round(us / 1000, 1)} ms ${k}`),
        ]),
      );
      writeFileSync(join(dir, `profile-${path.name}.stages.json`), JSON.stringify(top, null, 1));
    }
    // µs per call: the isolate's own sampled running time (capped samples) spread over its stages; the
    // unprofiled window's CPU of the whole process tree (the dev proxy, I/O threads) is kept as context.
    const isolate = sampledUs / calls;
    paths[path.name] = {
      calls,
      sampled_ms: round(sampledUs / 1000),
      isolate_us_per_call: round(isolate, 0),
      ...(cpu !== undefined && cpu > 0 ? { workerd_tree_cpu_us_per_call: round(cpu, 0) } : {}),
      stages: Object.fromEntries(
        [...byLabel]
          .sort((a, b) => b[1] - a[1])
          .map(([label, us]) => [label, { share: round(us / sampledUs, 3), us_per_call: round(us / calls, 0) }]),
      ),
    };
  }
  return { sampling_us: SAMPLING_US, paths, ...(dir ? { files: join(dir, "profile-<path>.cpuprofile") } : {}) };
}

/** Product path vs its peer floor, stage by stage: µs per call each, the extra, and its share. */
export function stageTable(profile, product, floor) {
  const p = profile.paths[product];
  const f = profile.paths[floor];
  if (!p || !f) return undefined;
  const labels = [...new Set([...Object.keys(p.stages), ...Object.keys(f.stages)])];
  const total = (x) => x.isolate_us_per_call ?? round((x.sampled_ms * 1000) / x.calls, 0);
  const extraTotal = total(p) - total(f);
  const rows = labels
    .map((label) => {
      const a = round((p.stages[label]?.share ?? 0) * total(p), 0);
      const b = round((f.stages[label]?.share ?? 0) * total(f), 0);
      return { label, product_us: a, floor_us: b, extra_us: a - b, share_of_extra: extraTotal > 0 ? round((a - b) / extraTotal, 3) : null };
    })
    .sort((x, y) => y.extra_us - x.extra_us);
  return {
    product_us: total(p),
    floor_us: total(f),
    extra_us: extraTotal,
    product_tree_cpu_us: p.workerd_tree_cpu_us_per_call ?? p.workerd_cpu_us_per_call,
    floor_tree_cpu_us: f.workerd_tree_cpu_us_per_call ?? f.workerd_cpu_us_per_call,
    rows,
  };
}
