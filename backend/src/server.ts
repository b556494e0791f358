// HTTP plumbing: routing under /api/v1, FastAPI-style 404/405/422/500, CORS, X-Request-ID /
// X-Process-Time, request log, and the fault-injection admin API.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { createContext } from "./context.ts";
import type { BackendOptions, Ctx } from "./context.ts";
import { FaultInjector, faultReply } from "./faults.ts";
import { JsonParseError, Router } from "./router.ts";
import type { Req } from "./router.ts";
import { registerDataRoutes } from "./routes-data.ts";
import { registerOperationRoutes } from "./routes-operations.ts";
import { Research } from "./research.ts";
import { adminRoute } from "./routes-admin.ts";
import { registerAgentRoutes } from "./routes-agent.ts";
import { registerAnalysisRoutes } from "./routes-analysis.ts";
import { registerBacktestRoutes } from "./routes-backtests.ts";
import { registerModelRoutes } from "./routes-models.ts";
import { registerCheckpointRoutes } from "./routes-checkpoints.ts";
import { registerStrategyRoutes } from "./routes-strategies.ts";
import { registerTrainingRoutes } from "./routes-trainings.ts";
import { sleep } from "./util.ts";
import { envelope, json, methodNotAllowed, notFoundRoute } from "./wire.ts";
import type { Reply } from "./wire.ts";

export const API_PREFIX = "/api/v1";
const MAX_BODY = 1_000_000;

export const DEFAULT_OPTIONS: BackendOptions = {
  host: "127.0.0.1",
  port: 8000,
  wire: "v2025",
  resultsEndpoints: true,
  pace: 1,
  dataDir: resolve(".data/backend"),
  faults: false,
  quiet: false,
  quirks: "all",
  workerReleaseMs: null,
};

export interface RunningBackend {
  url: string;
  port: number;
  ctx: Ctx;
  close(): Promise<void>;
}

/** Starlette's CORSMiddleware (allow_origins=["*"], allow_credentials=True) echoes the Origin; no Origin, no CORS headers. */
function corsHeaders(origin: string | undefined, preflight: boolean, requestHeaders: string | undefined): Record<string, string> {
  if (!origin) return {};
  const h: Record<string, string> = { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" };
  if (preflight) {
    h["access-control-allow-methods"] = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
    h["access-control-max-age"] = "600";
    if (requestHeaders) h["access-control-allow-headers"] = requestHeaders;
  } else {
    h["access-control-expose-headers"] = "X-Process-Time, X-Request-ID";
  }
  return h;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolveBody(null);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolveBody(size > MAX_BODY ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    const m = /position (\d+)/.exec(String(err));
    return new JsonParseError(m ? Number(m[1]) : 0, "Expecting value");
  }
}

export async function startBackend(options: Partial<BackendOptions> = {}): Promise<RunningBackend> {
  const opts: BackendOptions = { ...DEFAULT_OPTIONS, ...options };
  opts.dataDir = resolve(opts.dataDir);
  const ctx = createContext(opts);
  const router = new Router();
  registerOperationRoutes(router, ctx);
  registerDataRoutes(router, ctx);
  registerTrainingRoutes(router, ctx);
  registerBacktestRoutes(router, ctx);
  registerStrategyRoutes(router, ctx);
  registerModelRoutes(router, ctx);
  registerAnalysisRoutes(router, ctx);
  if (opts.wire === "v2026") {
    registerCheckpointRoutes(router, ctx);
    registerAgentRoutes(router, ctx, new Research());
  }
  const faults = new FaultInjector();
  ctx.orphans.start();

  const dispatch = async (method: string, url: URL, raw: string, requestId: string | null): Promise<Reply> => {
    const path = url.pathname;
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return notFoundRoute();
    const sub = path.slice(API_PREFIX.length) || "/";
    const m = router.match(method, sub, API_PREFIX);
    if (m.kind === "not_found") return notFoundRoute();
    if (m.kind === "method_not_allowed") return methodNotAllowed();
    if (m.kind === "redirect")
      return { status: 307, headers: { location: `${url.protocol}//${url.host}${m.location}${url.search}` }, body: "" };
    const req: Req = { method, path: sub, query: url.searchParams, rawBody: raw, body: parseJson(raw), requestId };
    return await m.route.handler(req, m.params);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? `${opts.host}:${opts.port}`}`);
    const requestId = (req.headers["x-request-id"] as string | undefined) ?? null;
    let reply: Reply;
    let truncate = false;
    try {
      const raw = await readBody(req);
      if (method === "OPTIONS") {
        reply = { status: 200, headers: { "content-type": "text/plain" }, body: "OK" };
      } else if (raw === null) {
        reply = json(413, { detail: "Request body too large" });
      } else if (opts.faults && url.pathname.startsWith("/__")) {
        reply = adminRoute(ctx, faults, method, url.pathname, raw, parseJson) ?? notFoundRoute();
      } else {
        const rule = opts.faults ? faults.match(method, url.pathname) : null;
        if (rule && rule.delay_ms > 0) await sleep(rule.delay_ms);
        const injected = rule ? faultReply(rule) : null;
        if (injected) reply = injected;
        else {
          truncate = rule?.fault === "truncated_json";
          reply = await dispatch(method, url, raw, requestId);
        }
      }
    } catch (err) {
      if (!opts.quiet) console.error(`[backend] unhandled error on ${method} ${url.pathname}:`, err);
      reply = envelope(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred", {});
    }
    const ms = performance.now() - t0;
    if (!opts.quiet) {
      console.log(
        `${new Date().toISOString()} ${method} ${url.pathname}${url.search} ${reply.drop ? "DROP" : reply.status} ${ms.toFixed(1)}ms rid=${requestId ?? "-"}`,
      );
    }
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    let body = reply.body;
    if (truncate && body.length > 1) body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    const origin = req.headers.origin as string | undefined;
    const cors = corsHeaders(origin, method === "OPTIONS", req.headers["access-control-request-headers"] as string | undefined);
    // Upstream's middleware writes e.g. "1.40ms"; errors raised past it (the serialisation bug) have none.
    const headers: Record<string, string> = { ...cors, ...(reply.headers ?? {}) };
    if (!reply.noProcessTime) headers["x-process-time"] = `${ms.toFixed(2)}ms`;
    if (requestId) headers["x-request-id"] = requestId;
    headers["content-length"] = String(Buffer.byteLength(body));
    res.writeHead(reply.status, headers);
    res.end(method === "HEAD" ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!opts.quiet) console.error("[backend] response failed:", err);
      res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port, opts.host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  const hostForUrl = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostForUrl}:${port}${API_PREFIX}`,
    port,
    ctx,
    close: () =>
      new Promise<void>((ok) => {
        ctx.orphans.stop();
        ctx.ops.clear();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
