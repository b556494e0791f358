// `npm run check-backend [-- --env production] [--url URL]`: tells, from the Worker's own
// configuration, whether the KTRDR backend is reachable and answering JSON — and if not, what
// is wrong (Cloudflare Access login page, tunnel 524, wrong path, ...). It runs the Worker's own
// backend adapter (bundled on the fly with esbuild), so its diagnosis is the one agents see.
// Secrets (CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET) come from the environment or from
// .dev.vars; they are sent only to the backend and never printed.
import { build } from "esbuild";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ROOT, tempDir } from "./stack.mjs";

const { values } = parseArgs({ options: { env: { type: "string" }, url: { type: "string" }, "dev-vars": { type: "string" } } });

/** The [vars] (or [env.NAME.vars]) of wrangler.toml — flat string values only, which is all this project uses. */
function wranglerVars(envName) {
  const wanted = envName ? `env.${envName}.vars` : "vars";
  const vars = {};
  let section = "";
  for (const raw of readFileSync(join(ROOT, "wrangler.toml"), "utf8").split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const header = /^\[+\s*([^\]]+?)\s*\]+$/.exec(line);
    if (header) section = header[1];
    else if (section === wanted) {
      const kv = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"$/.exec(line);
      if (kv) vars[kv[1]] = kv[2];
    }
  }
  return vars;
}

function devVars(file) {
  const out = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const kv = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (kv && !line.trim().startsWith("#")) out[kv[1]] = kv[2];
  }
  return out;
}

const config = {
  ...wranglerVars(values.env),
  ...devVars(values["dev-vars"] ?? join(ROOT, values.env ? `.dev.vars.${values.env}` : ".dev.vars")),
};
for (const k of ["KTRDR_API_URL", "KTRDR_API_VERSION", "KTRDR_API_TIMEOUT_MS", "CF_ACCESS_CLIENT_ID", "CF_ACCESS_CLIENT_SECRET"]) {
  if (process.env[k]) config[k] = process.env[k];
}
if (values.url) config.KTRDR_API_URL = values.url;

const dir = tempDir("check");
const out = join(dir, "adapter.mjs");
await build({
  stdin: {
    contents: `export { KtrdrApi } from "./src/ktrdr/ktrdr.api"; export { describeError } from "./src/tools/errors"; export { readBackendConfig } from "./src/config";`,
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: out,
  logLevel: "silent",
});
const { KtrdrApi, describeError, readBackendConfig } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

let cfg;
try {
  cfg = readBackendConfig(config);
} catch (err) {
  console.error(`✗ configuration: ${err.message}`);
  process.exit(2);
}
const where = values.env ? `wrangler.toml [env.${values.env}]` : "wrangler.toml (top level)";
console.log(`Backend: ${cfg.baseUrl}   (from ${values.url ? "--url" : where}; wire ${cfg.wireVersion}; timeout ${cfg.timeoutMs} ms)`);
console.log(`Cloudflare Access service token: ${cfg.accessClientId ? "configured" : "not configured"}`);
if (!cfg.baseUrl.startsWith("https://") && !/\/\/(127\.|localhost|\[::1\])/.test(cfg.baseUrl)) {
  console.log("! The URL is not https: outside local mode the Worker refuses to send requests to it.");
}

let ok = true;
const checks = [
  ["health", "GET /health", (api) => api.health().then((h) => `status ${h.status}${h.version ? `, version ${h.version}` : ""}`)],
  [
    "operations",
    "GET /operations?limit=1",
    (api) => api.listOperations({ limit: 1 }).then((l) => `${l.total_count ?? "?"} operations, ${l.active_count ?? "?"} active`),
  ],
  [
    "strategies",
    "GET /strategies/",
    (api) =>
      api
        .strategies()
        .then(
          (s) =>
            `${s.strategies.length} strategies${s.listMayBeIncomplete ? " (a v2026 list can be empty although training by name works)" : ""}`,
        ),
  ],
  [
    "version",
    "wire version",
    (api) =>
      api
        .version()
        .then((v) =>
          v ? `${v}${cfg.wireVersion === "auto" ? " (detected: GET /workers exists only on v2026)" : " (configured)"}` : "unknown",
        ),
  ],
];
for (const [tool, label, run] of checks) {
  const api = new KtrdrApi(cfg, { requestId: `check-${Date.now().toString(36)}` });
  const t0 = Date.now();
  try {
    const detail = await run(api);
    console.log(`✓ ${label.padEnd(26)} ${detail} (${Date.now() - t0} ms)`);
  } catch (err) {
    ok = false;
    console.log(`✗ ${label.padEnd(26)} ${describeError(err, { tool: `check_${tool}`, backendHost: api.backendHost })}`);
  }
}
console.log(ok ? "\nThe backend is reachable and answers KTRDR JSON." : "\nFix the first ✗ above, then run this again.");
process.exit(ok ? 0 : 1);
