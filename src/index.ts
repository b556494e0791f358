/**
 * The Worker: its configuration is read first (a misconfiguration is a 503 before anything
 * else), then browser hygiene (Origin allowlist, CORS preflight), then the auth mode
 * (local | api_keys | oauth) turns the caller into one auth context. `/mcp` then serves both
 * protocol eras on one URL: 2026-07-28 requests statelessly, in this Worker, with that context;
 * 2025 requests in the session's Durable Object, after the session guard checks the caller owns
 * the session it names. Before any of that reads a body, the body is read once, bounded
 * (`src/http/body.ts`): one limit for every request, chunked or not, in both eras.
 */
import { apiKeyContext, bearerToken } from "./auth/api-key";
import type { CallerContext } from "./auth/context";
import { localAuth } from "./auth/local";
import { MCP_PATH } from "./http/paths";
import { checkSessionOwner, noteNewSession } from "./auth/session";
import { ConfigError, readConfig, type WorkerConfig } from "./config";
import type { Env } from "./env";
import { readBounded, tooLarge, withBody } from "./http/body";
import { isAllowedOrigin, preflight, withCors } from "./http/cors";
import { json } from "./http/respond";
import { log } from "./log";
import { eraOf } from "./mcp/era";
import { SERVER_NAME, SERVER_VERSION } from "./mcp/instructions";
import { primed } from "./mcp/priming";
import { KtrdrMcp } from "./mcp/legacy/session";
import { serveStateless } from "./mcp/modern/stateless";

export { KtrdrMcp };

const PRM_ROOT = "/.well-known/oauth-protected-resource";
const sessionHandler = KtrdrMcp.serve(MCP_PATH, { binding: "MCP_OBJECT" });

/** Runs the MCP handler with the caller's context (credential included) as the session's props. */
function withProps(ctx: ExecutionContext, props: CallerContext): ExecutionContext {
  return {
    waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p),
    passThroughOnException: () => ctx.passThroughOnException(),
    props,
  } as unknown as ExecutionContext;
}

async function serveMcp(request: Request, env: Env, ctx: ExecutionContext, auth: CallerContext): Promise<Response> {
  const era = await eraOf(request);
  if (era instanceof Response) return era;
  if (era.era === "modern") return serveStateless(request, { auth, cfg: readConfig(env) }, era.message);
  const refused = await checkSessionOwner(request, env, auth);
  if (refused) return refused;
  const session = primed(request);
  const response = await sessionHandler.fetch(session.request, env, withProps(ctx, auth));
  if (!request.headers.has("mcp-session-id")) noteNewSession(response, auth);
  return session.prime(response);
}

function publicRoutes(request: Request): Response {
  const url = new URL(request.url);
  if (url.pathname === "/" && request.method === "GET") {
    return json({ name: SERVER_NAME, version: SERVER_VERSION, mcp: `${url.origin}${MCP_PATH}`, transport: "streamable-http" });
  }
  if (url.pathname === "/health") return json({ status: "ok" });
  return json({ error: "not_found", message: `Nothing here. The MCP endpoint is ${MCP_PATH}.` }, 404);
}

function unauthorized(message: string, error?: "invalid_token"): Response {
  const challenge = `Bearer realm="ktrdr-mcp"${error ? `, error="${error}"` : ""}`;
  return json({ error: error ?? "unauthorized", message }, 401, { "www-authenticate": challenge });
}

async function route(request: Request, env: Env, ctx: ExecutionContext, config: WorkerConfig): Promise<Response> {
  const url = new URL(request.url);
  const cfg = config.access;
  switch (cfg.mode) {
    case "local": {
      const auth = localAuth(request);
      if (!auth) {
        return json(
          {
            error: "forbidden",
            message:
              "This server runs in local mode and only answers on localhost. Configure AUTH_MODE (api_keys or oauth) for remote access.",
          },
          403,
        );
      }
      return url.pathname === MCP_PATH ? serveMcp(request, env, ctx, auth) : publicRoutes(request);
    }
    case "api_keys": {
      if (url.pathname !== MCP_PATH) return publicRoutes(request);
      const token = bearerToken(request);
      if (!token) return unauthorized("Send an API key: Authorization: Bearer ktrdr_…");
      const auth = await apiKeyContext(cfg.apiKeys, token);
      if (!auth) return unauthorized("The API key is not valid.", "invalid_token");
      return serveMcp(request, env, ctx, auth);
    }
    case "oauth": {
      if (!env.OAUTH_KV) throw new ConfigError("AUTH_MODE=oauth needs the OAUTH_KV KV namespace binding (wrangler.toml).");
      // Loaded only in oauth mode: the OAuth library warns at load time when the compatibility flag
      // Client ID Metadata Documents need is absent, which is right only where OAuth is used.
      const { oauthProvider } = await import("./auth/oauth");
      const provider = oauthProvider(cfg.publicUrl as string, serveMcp, publicRoutes);
      // RFC 9728's root document as well as the path-suffixed one the provider serves for /mcp.
      if (url.pathname === PRM_ROOT) return provider.fetch(new Request(`${url.origin}${PRM_ROOT}${MCP_PATH}`, request), env, ctx);
      return provider.fetch(request, env, ctx);
    }
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    let cfg: WorkerConfig;
    try {
      cfg = readConfig(env);
    } catch (err) {
      return misconfigured(err);
    }
    const origin = request.headers.get("origin");
    if (origin !== null && !isAllowedOrigin(origin, new URL(request.url), cfg.access)) {
      return json(
        { error: "forbidden_origin", message: "Requests from this Origin are not allowed. The operator can add it to ALLOWED_ORIGINS." },
        403,
      );
    }
    if (request.method === "OPTIONS") return preflight(origin);
    try {
      // Every body is read here, once and bounded; everything after reads these bytes, never the stream.
      const body = await readBounded(request);
      const response = body.tooLarge ? tooLarge() : await route(body.bytes ? withBody(request, body.bytes) : request, env, ctx, cfg);
      // Only browsers send an Origin; everything else gets the response as it is.
      return origin === null ? response : withCors(response, origin);
    } catch (err) {
      if (err instanceof ConfigError) return misconfigured(err);
      throw err;
    }
  },
} satisfies ExportedHandler<Env>;

/** The operator's configuration is wrong: say which setting, never a value. */
function misconfigured(err: unknown): Response {
  if (!(err instanceof ConfigError)) throw err;
  const message = err.message;
  log("error", "config_error", { message });
  return json({ error: "server_misconfigured", message }, 503);
}
