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
  --faults                 KTRDR_FAULT_INJECTION=1     enable the admin API (/__faults, /__reset, /__restart,
                                                       /__pace, /__quirks, /__workers)
  --quiet                  KTRDR_QUIET=1               no request log
  --help

Quirks: ${QUIRK_NAMES.join(", ")}
`;

function truthy(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
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
    workerReleaseMs:
      env.KTRDR_WORKER_RELEASE_MS !== undefined && env.KTRDR_WORKER_RELEASE_MS !== "" ? Number(env.KTRDR_WORKER_RELEASE_MS) : null,
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
  if (o.workerReleaseMs !== null && o.workerReleaseMs !== undefined && (!Number.isFinite(o.workerReleaseMs) || o.workerReleaseMs < 0)) {
    fail(`--worker-release-ms must be a number >= 0`);
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
    backend.ctx.opts.faults ? "admin API ON (/__faults, /__reset, /__restart, /__pace, /__quirks, /__workers)" : null,
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
