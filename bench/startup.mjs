// The benchmark's build-side figures (`npm run bench`, section 4): the product and both floors bundled
// as `wrangler deploy --dry-run` would ship them, then
//
//   - bundle size (gzip) of each, split by dependency (esbuild metafile; each module's share of the
//     output gzipped on its own, or estimated from its raw share when minified);
//   - startup CPU: `wrangler check startup --worker <bundle>` — a CPU profile of the Worker's startup
//     phase (module evaluation, top level) in a local workerd — several rounds in shuffled order, each
//     profile summarised as wrangler does (active = sampled − idle; garbage collection within it), the
//     product's active time as a ratio to each floor's in the same round.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FLOOR_CONFIGS, pct, prng, spread } from "./perf.mjs";
import { attribute, loadSourceMap, sampleCap } from "./profile.mjs";

const ROOT = join(import.meta.dirname, "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** The three Workers: the product's wrangler.toml and the floors' (all minified, as the product ships). */
export const WORKERS = {
  product: { label: "product (wrangler.toml)", config: join(ROOT, "wrangler.toml") },
  session_floor: { label: "McpAgent floor (bench/floor/session.wrangler.toml)", config: FLOOR_CONFIGS.session },
  stateless_floor: { label: "stateless floor (bench/floor/stateless.wrangler.toml)", config: FLOOR_CONFIGS.stateless },
};

const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" };

function run(args, timeoutMs = 180_000) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [WRANGLER, ...args],
      { cwd: ROOT, env: WRANGLER_ENV, maxBuffer: 16 << 20, timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`wrangler ${args.slice(0, 2).join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`.slice(0, 2000)));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/**
 * `wrangler deploy --dry-run` of each Worker into `dir`: the output directory (for the size split), the
 * esbuild metafile, and the upload bundle `wrangler check startup --worker` reads.
 */
export async function buildBundles(dir, log = () => {}) {
  const out = {};
  for (const [name, w] of Object.entries(WORKERS)) {
    log(`bundle: wrangler deploy --dry-run (${name})`);
    const outdir = join(dir, `bundle-${name}`);
    mkdirSync(outdir, { recursive: true });
    const meta = join(dir, `bundle-${name}.meta.json`);
    const bundle = join(dir, `bundle-${name}.upload`);
    const { stdout, stderr } = await run([
      "deploy",
      "--dry-run",
      "--config",
      w.config,
      "--outdir",
      outdir,
      "--outfile",
      bundle,
      "--metafile",
      meta,
    ]);
    const said = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(`${stdout}\n${stderr}`);
    const main = readdirSync(outdir).find((f) => /\.m?js$/.test(f));
    out[name] = { outdir, meta, bundle, main, said: said ? { raw_kib: Number(said[1]), gzip_kib: Number(said[2]) } : undefined };
  }
  return out;
}

// ---- bundle sizes ---------------------------------------------------------------------------------

/** Sizes of the three bundles, and per dependency (product vs floors). */
export function bundleSizes(bundles) {
  const out = {};
  for (const [name, b] of Object.entries(bundles)) out[name] = analyseBundle(b.outdir, b.meta, b.said);
  const byDep = new Map();
  for (const [name, b] of Object.entries(out)) {
    for (const d of b.dependencies) {
      const row = byDep.get(d.name) ?? {
        name: d.name,
        product_raw_kib: 0,
        product_gzip_kib: 0,
        session_floor_gzip_kib: 0,
        stateless_floor_gzip_kib: 0,
        via: undefined,
      };
      row[`${name}_gzip_kib`] = d.gzip_kib;
      if (name === "product") {
        row.product_raw_kib = d.raw_kib;
        row.via = d.via;
      }
      row.via ??= d.via;
      byDep.set(d.name, row);
    }
  }
  const dependencies = [...byDep.values()]
    .map((r) => ({ ...r, over_session_floor_gzip_kib: round(r.product_gzip_kib - r.session_floor_gzip_kib, 1) }))
    .sort((a, b) => b.product_gzip_kib - a.product_gzip_kib || b.session_floor_gzip_kib - a.session_floor_gzip_kib);
  for (const b of Object.values(out)) delete b.dependencies;
  return {
    ...out,
    ratio_gzip: {
      session_floor: round(out.product.gzip_kib / out.session_floor.gzip_kib),
      stateless_floor: round(out.product.gzip_kib / out.stateless_floor.gzip_kib),
    },
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
    inputs: Object.keys(output.inputs).length,
    dependencies,
  };
}

/**
 * Splits the bundle's text by module and gzips each group's share on its own. esbuild's unminified
 * output puts each module's code after a `// <input path>` comment; everything from one such header
 * to the next is that module's.
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

// ---- startup CPU ----------------------------------------------------------------------------------

/**
 * A startup CPU profile summarised as `wrangler check startup` prints it (active = sampled − idle, GC
 * within it; microseconds → ms), and the same with each sample capped at twice the median interval
 * (`active_capped_ms`): V8 samples on wall time, so on a shared machine a descheduled thread's wait
 * lands in whichever sample follows it; capped, the figure stays the isolate's own running time.
 */
export function summariseProfile(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const cap = sampleCap(profile);
  let sampled = 0;
  let idle = 0;
  let gc = 0;
  let capped = 0;
  for (const [i, dt] of (profile.timeDeltas ?? []).entries()) {
    sampled += dt;
    const fn = nodes.get(samples[i] ?? 0)?.callFrame.functionName;
    if (fn === "(idle)") idle += dt;
    else {
      capped += Math.min(dt, cap);
      if (fn === "(garbage collector)") gc += dt;
    }
  }
  return { active_ms: (sampled - idle) / 1000, active_capped_ms: capped / 1000, gc_ms: gc / 1000, samples: samples.length };
}

/**
 * `wrangler check startup --worker <bundle>` of each Worker, `rounds` times, in a shuffled order each
 * round. Returns per Worker the median active and GC ms, and per floor the product's active time as
 * a ratio to that floor's in the same round (median and min–max).
 */
export async function startupCpu(bundles, dir, rounds, seed, log = () => {}) {
  const rand = prng(seed ^ 0x5eed);
  const names = Object.keys(bundles);
  const per = Object.fromEntries(names.map((n) => [n, []]));
  // Where each Worker's startup goes: samples by our own directory or package, through the bundle's
  // source map (module top-level code itself is one frame for the whole bundle: "(module top level)").
  const where = Object.fromEntries(names.map((n) => [n, new Map()]));
  const maps = Object.fromEntries(
    names.map((n) => {
      const mapPath = bundles[n].main && join(bundles[n].outdir, `${bundles[n].main}.map`);
      return [n, mapPath && existsSync(mapPath) ? loadSourceMap(mapPath) : undefined];
    }),
  );
  for (let r = 0; r < rounds; r++) {
    const order = [...names];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const n of order) {
      const outfile = join(dir, `startup-${n}-${r + 1}.cpuprofile`);
      await run(["check", "startup", "--worker", bundles[n].bundle, "--outfile", outfile]);
      const profile = JSON.parse(readFileSync(outfile, "utf8"));
      per[n].push(summariseProfile(profile));
      const map = maps[n];
      if (map) {
        const main = `/${bundles[n].main}`;
        const sourceAt = (cf) =>
          `/${cf.url}`.endsWith(main) ? (cf.lineNumber < 0 ? null : (map(cf.lineNumber, cf.columnNumber) ?? null)) : undefined;
        const { byLabel } = attribute(profile, sourceAt, (file) => file.replace(/\/[^/]+$/, "/"));
        for (const [label, us] of byLabel) where[n].set(label, (where[n].get(label) ?? 0) + us / 1000 / rounds);
      }
    }
    log(
      `startup round ${r + 1}/${rounds}: ${names.map((n) => `${n} ${per[n][r].active_capped_ms.toFixed(0)} ms`).join(", ")} (active CPU, capped samples, GC included)`,
    );
  }
  const workers = Object.fromEntries(
    names.map((n) => [
      n,
      {
        active_ms: round(
          pct(
            per[n].map((p) => p.active_capped_ms),
            50,
          ),
          1,
        ),
        active_uncapped_ms: round(
          pct(
            per[n].map((p) => p.active_ms),
            50,
          ),
          1,
        ),
        gc_ms: round(
          pct(
            per[n].map((p) => p.gc_ms),
            50,
          ),
          1,
        ),
        rounds_active_ms: per[n].map((p) => round(p.active_capped_ms, 1)),
        samples: Math.round(
          pct(
            per[n].map((p) => p.samples),
            50,
          ),
        ),
      },
    ]),
  );
  const ratio = (floor) => spread(per.product.map((p, i) => p.active_capped_ms / per[floor][i].active_capped_ms));
  const labels = [...new Set(names.flatMap((n) => [...where[n].keys()]))];
  const by = labels
    .map((label) => ({
      label,
      product_ms: round(where.product.get(label) ?? 0, 1),
      session_floor_ms: round(where.session_floor.get(label) ?? 0, 1),
      stateless_floor_ms: round(where.stateless_floor.get(label) ?? 0, 1),
    }))
    .sort((a, b) => b.product_ms - b.session_floor_ms - (a.product_ms - a.session_floor_ms));
  return {
    method: "wrangler check startup --worker <wrangler deploy --dry-run bundle>",
    rounds,
    workers,
    by_module_ms: by,
    ratios: { session_floor: ratio("session_floor"), stateless_floor: ratio("stateless_floor") },
  };
}
