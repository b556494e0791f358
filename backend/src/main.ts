// CLI entry: `node backend/src/main.ts [--wire v2026] [--port 8000] ...` (see backend/README.md).
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startBackend } from "./server.ts";
import type { BackendOptions } from "./context.ts";
import { QUIRK_NAMES, parseQuirks } from "./quirks.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const USAGE = `KTRDR local backend (a stand-in for KTRDR, not KTRDR)

Usage: node backend/src/main.ts [options]

  --host <addr>            KTRDR_BACKEND_HOST          bind address (default 127.0.0.1)
  --port <n>               KTRDR_BACKEND_PORT          port (default 8000; 0 = any free port)
  --wire <v2025|v2026>     KTRDR_WIRE_VERSION          wire version (default v2025)
  --no-results-endpoints   KTRDR_NO_RESULTS_ENDPOINTS=1  no /operations/{id}/results and /metrics
  --pace <x>               KTRDR_PACE                  delay multiplier (default 1 ≈ 1-minute demo training; 0 = full speed)
  --data-dir <path>        KTRDR_DATA_DIR              data directory (default <repo>/.data/backend)
  --quirks <list>          KTRDR_QUIRKS                upstream quirks to reproduce: all (default), none, or a
                                                       comma list of names ("-name" removes one: all,-v2025-tensor-500)
  --worker-release-ms <n>  KTRDR_WORKER_RELEASE_MS     v2026: a worker stays busy until the next health check,
                                                       every n ms (default 10000 × pace)
  --reregister-ms <n>      KTRDR_REREGISTER_MS         v2026: workers register again this long after a restart
                                                       (default 4000 × pace)
  --orphan-timeout-ms <n>  KTRDR_ORPHAN_TIMEOUT_MS     v2026: the orphan detector fails an unclaimed running
                                                       operation this long after it noted it (default 60000 × pace)
  --orphan-interval-ms <n> KTRDR_ORPHAN_INTERVAL_MS    v2026: orphan detector interval; 0 = on every read
                                                       (default 15000 × pace)
  --research-poll-ms <n>   KTRDR_RESEARCH_POLL_MS      v2026: how often a research cycle looks at its child
                                                       (default 5000 × pace)
  --faults                 KTRDR_FAULT_INJECTION=1     enable the admin API (/__faults, /__reset, /__restart,
                                                       /__pace, /__quirks, /__workers, /__clocks, /__jobs, /__db, /__ib)
  --quiet                  KTRDR_QUIET=1               no request log
  --help

Quirks: ${QUIRK_NAMES.join(", ")}
`;

function truthy(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

/** A millisecond setting from the environment (unset or empty: null = the default). */
function msEnv(v: string | undefined): number | null {
  return v !== undefined && v !== "" ? Number(v) : null;
}

function fail(msg: string): never {
  console.error(`error: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Partial<BackendOptions> {
  const o: Partial<BackendOptions> = {
    host: env.KTRDR_BACKEND_HOST || "127.0.0.1",
    port: env.KTRDR_BACKEND_PORT ? Number(env.KTRDR_BACKEND_PORT) : 8000,
    wire: (env.KTRDR_WIRE_VERSION as BackendOptions["wire"]) || "v2025",
    resultsEndpoints: !truthy(env.KTRDR_NO_RESULTS_ENDPOINTS),
    pace: env.KTRDR_PACE !== undefined && env.KTRDR_PACE !== "" ? Number(env.KTRDR_PACE) : 1,
    dataDir: env.KTRDR_DATA_DIR || resolve(REPO_ROOT, ".data/backend"),
    faults: truthy(env.KTRDR_FAULT_INJECTION),
    quiet: truthy(env.KTRDR_QUIET),
    quirks: env.KTRDR_QUIRKS || "all",
    workerReleaseMs: msEnv(env.KTRDR_WORKER_RELEASE_MS),
    reregisterMs: msEnv(env.KTRDR_REREGISTER_MS),
    orphanTimeoutMs: msEnv(env.KTRDR_ORPHAN_TIMEOUT_MS),
    orphanIntervalMs: msEnv(env.KTRDR_ORPHAN_INTERVAL_MS),
    researchPollMs: msEnv(env.KTRDR_RESEARCH_POLL_MS),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case "--host":
        o.host = value();
        break;
      case "--port":
        o.port = Number(value());
        break;
      case "--wire":
        o.wire = value() as BackendOptions["wire"];
        break;
      case "--no-results-endpoints":
        o.resultsEndpoints = false;
        break;
      case "--pace":
        o.pace = Number(value());
        break;
      case "--data-dir":
        o.dataDir = resolve(value());
        break;
      case "--faults":
        o.faults = true;
        break;
      case "--quiet":
        o.quiet = true;
        break;
      case "--quirks":
        o.quirks = value();
        break;
      case "--worker-release-ms":
        o.workerReleaseMs = Number(value());
        break;
      case "--reregister-ms":
        o.reregisterMs = Number(value());
        break;
      case "--orphan-timeout-ms":
        o.orphanTimeoutMs = Number(value());
        break;
      case "--orphan-interval-ms":
        o.orphanIntervalMs = Number(value());
        break;
      case "--research-poll-ms":
        o.researchPollMs = Number(value());
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${a}`);
    }
  }
  if (o.wire !== "v2025" && o.wire !== "v2026") fail(`--wire must be v2025 or v2026, got ${String(o.wire)}`);
  if (!Number.isInteger(o.port) || o.port! < 0 || o.port! > 65535) fail(`--port must be 0..65535`);
  if (!Number.isFinite(o.pace) || o.pace! < 0) fail(`--pace must be a number >= 0`);
  for (const [flag, v] of [
    ["--worker-release-ms", o.workerReleaseMs],
    ["--reregister-ms", o.reregisterMs],
    ["--orphan-timeout-ms", o.orphanTimeoutMs],
    ["--orphan-interval-ms", o.orphanIntervalMs],
    ["--research-poll-ms", o.researchPollMs],
  ] as const) {
    if (v !== null && v !== undefined && (!Number.isFinite(v) || v < 0)) fail(`${flag} must be a number >= 0`);
  }
  const quirks = parseQuirks(o.quirks as string, o.wire!);
  if ("error" in quirks) fail(`--quirks: ${quirks.error}`);
  return o;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const opts = parseOptions(process.argv.slice(2), process.env);
  const backend = await startBackend(opts);
  const shownDir = backend.ctx.opts.dataDir.startsWith(`${REPO_ROOT}/`)
    ? backend.ctx.opts.dataDir.slice(REPO_ROOT.length + 1)
    : backend.ctx.opts.dataDir;
  const extras = [
    backend.ctx.opts.resultsEndpoints ? null : "no results/metrics endpoints",
    backend.ctx.opts.faults
      ? "admin API ON (/__faults, /__reset, /__restart, /__pace, /__quirks, /__workers, /__clocks, /__jobs, /__db, /__ib)"
      : null,
    `pace ${backend.ctx.opts.pace}`,
    `quirks: ${backend.ctx.quirks.list().join(", ") || "none"}`,
  ].filter(Boolean);
  console.log(`KTRDR local backend (${backend.ctx.opts.wire}) listening on ${backend.url} — data in ${shownDir} (${extras.join(", ")})`);
  const stop = () => {
    backend.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
