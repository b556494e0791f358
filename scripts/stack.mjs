// Starts and stops the local stack — the KTRDR stand-in backend and the Worker under
// `wrangler dev` — for `npm start`, the end-to-end tests, the benchmark, the demo and the load
// test. Everything listens on 127.0.0.1 only.
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `ktrdr-${prefix}-`));
}

async function waitFor(url, child, what, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.once("exit", (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${what} exited with code ${exited} before it was ready${logFile ? ` (log: ${logFile})` : ""}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s${logFile ? ` (log: ${logFile})` : ""}`);
}

function pipeOutput(child, { logFile, prefix, echo }) {
  const file = logFile ? createWriteStream(logFile) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk) => {
      file?.write(chunk);
      if (echo) {
        for (const line of chunk.toString().split("\n")) if (line.trim()) process.stdout.write(`${prefix} ${line}\n`);
      }
    });
  }
}

function stopper(child) {
  return () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
}

/**
 * Starts the local KTRDR backend.
 * `quirks`: which recorded upstream quirks to reproduce — "all" (the backend's default), "none", or
 * names (a comma list or an array; see backend/README.md). `workerReleaseMs`: v2026 worker
 * health-check interval (default 10 s × pace).
 * @param {{port?: number, wire?: "v2025"|"v2026", pace?: number, dataDir?: string, faults?: boolean, noResults?: boolean, quiet?: boolean, echo?: boolean, logFile?: string, quirks?: string | string[], workerReleaseMs?: number}} o
 */
export async function startBackend(o = {}) {
  const port = o.port ?? (await freePort());
  const args = [join(ROOT, "backend", "src", "main.ts"), "--host", "127.0.0.1", "--port", String(port), "--wire", o.wire ?? "v2025"];
  if (o.pace !== undefined) args.push("--pace", String(o.pace));
  if (o.dataDir) args.push("--data-dir", o.dataDir);
  if (o.faults) args.push("--faults");
  if (o.noResults) args.push("--no-results-endpoints");
  if (o.quiet) args.push("--quiet");
  if (o.quirks !== undefined) args.push("--quirks", Array.isArray(o.quirks) ? o.quirks.join(",") || "none" : String(o.quirks));
  if (o.workerReleaseMs !== undefined && o.workerReleaseMs !== null) args.push("--worker-release-ms", String(o.workerReleaseMs));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  pipeOutput(child, { logFile: o.logFile, prefix: "[backend]", echo: o.echo });
  const url = `http://127.0.0.1:${port}/api/v1`;
  await waitFor(`${url}/health`, child, "KTRDR backend", 30_000, o.logFile);
  return { url, port, child, stop: stopper(child) };
}

/**
 * Starts the Worker under `wrangler dev`. `config`: another Worker's wrangler config (path; default
 * the product's wrangler.toml), e.g. the benchmark's floor (bench/floor/session.wrangler.toml).
 * @param {{port?: number, vars?: Record<string,string>, persistTo?: string, echo?: boolean, logFile?: string, envFile?: string, config?: string}} o
 */
export async function startWorker(o = {}) {
  const port = o.port ?? (await freePort());
  const inspector = await freePort();
  const args = [
    WRANGLER,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
  ];
  if (o.config) args.push("--config", o.config);
  args.push("--persist-to", o.persistTo ?? tempDir("wrangler-state"));
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push("--var", `${k}:${v}`);
  if (o.envFile) args.push("--env-file", o.envFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // CLOUDFLARE_CF_FETCH_ENABLED=false: wrangler dev would fetch a sample `request.cf` object from
    // workers.cloudflare.com at start (this Worker does not use it); offline that prints stack traces.
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
      CI: process.env.CI ?? "",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  pipeOutput(child, { logFile: o.logFile, prefix: "[worker] ", echo: o.echo });
  const origin = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitFor(`${origin}/health`, child, "wrangler dev", 90_000, o.logFile);
  } catch (err) {
    await stop(); // never leave a wrangler dev behind that the caller cannot stop
    throw err;
  }
  return { origin, mcpUrl: `${origin}/mcp`, port, inspectorPort: inspector, child, stop };
}

/**
 * Stops every started part once (on a signal too): children must not outlive the script that
 * started them. Push what you start into the returned `running` list.
 */
export function stopOnExit() {
  const running = [];
  let stopping = false;
  async function stop() {
    if (stopping) return;
    stopping = true;
    await Promise.all(running.map((r) => r.stop().catch(() => {})));
  }
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => void stop().then(() => process.exit(130)));
  return { running, stop };
}
