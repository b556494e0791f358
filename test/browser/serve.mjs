// Serves the MCP Apps test host page (host.html + host.ts bundled by esbuild into a temp dir) on
// a loopback port — for the e2e browser test and `npm run demo -- --ui`. The page talks to the
// Worker's /mcp itself (local mode admits loopback origins).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Builds the host page and serves it until `close()`.
 * @param {{ port?: number, host?: string }} [o]
 * @returns {Promise<{ origin: string, pageUrl: (q: Record<string, string | undefined>) => string, close: () => Promise<void> }>}
 */
export async function serveHostPage(o = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ktrdr-host-page-"));
  await build({
    entryPoints: [join(HERE, "host.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    outfile: join(dir, "host.js"),
    logLevel: "warning",
    legalComments: "none",
  });
  const files = {
    "/": { type: "text/html; charset=utf-8", body: readFileSync(join(HERE, "host.html")) },
    "/host.js": { type: "text/javascript; charset=utf-8", body: readFileSync(join(dir, "host.js")) },
  };
  rmSync(dir, { recursive: true, force: true });
  const server = createServer((req, res) => {
    const f = files[new URL(req.url ?? "/", "http://x").pathname];
    if (!f || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res
      .writeHead(200, { "content-type": f.type, "cache-control": "no-store", "x-content-type-options": "nosniff" })
      .end(req.method === "HEAD" ? undefined : f.body);
  });
  const hostname = o.host ?? "127.0.0.1";
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, hostname, resolve);
  });
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const origin = `http://${hostname}:${port}`;
  return {
    origin,
    pageUrl: (q) => {
      const u = new URL(`${origin}/`);
      for (const [k, v] of Object.entries(q)) if (v !== undefined) u.searchParams.set(k, v);
      return u.href;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
