/**
 * The Worker: browser hygiene first (Origin allowlist, CORS preflight), then the auth mode
 * (local | api_keys | oauth) turns the caller into one auth context, the session guard checks
 * it owns the session it names, and `/mcp` goes to the session's Durable Object with that
 * context as its props.
 */
import { apiKeyContext, bearerToken } from "./auth/api-key";
import { type AccessConfig, AccessConfigError, readAccessConfig } from "./auth/config";
import type { AuthContext } from "./auth/context";
import { localAuth } from "./auth/local";
import { MCP_PATH, oauthProvider } from "./auth/oauth";
import { checkSessionOwner } from "./auth/session";
import type { Env } from "./env";
import { isAllowedOrigin, preflight, withCors } from "./http/cors";
import { json } from "./http/respond";
import { log } from "./log";
import { KtrdrMcp } from "./mcp/agent";
import { SERVER_NAME, SERVER_VERSION } from "./mcp/instructions";

export { KtrdrMcp };

const PRM_ROOT = "/.well-known/oauth-protected-resource";
const mcpHandler = KtrdrMcp.serve(MCP_PATH, { binding: "MCP_OBJECT" });

/** Runs the MCP handler with the caller's auth context as the session's props. */
function withProps(ctx: ExecutionContext, props: AuthContext): ExecutionContext {
  return {
    waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p),
    passThroughOnException: () => ctx.passThroughOnException(),
    props,
  } as unknown as ExecutionContext;
}

async function serveMcp(request: Request, env: Env, ctx: ExecutionContext, auth: AuthContext): Promise<Response> {
  const refused = await checkSessionOwner(request, env, auth);
  if (refused) return refused;
  return mcpHandler.fetch(request, env, withProps(ctx, auth));
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

async function route(request: Request, env: Env, ctx: ExecutionContext, cfg: AccessConfig): Promise<Response> {
  const url = new URL(request.url);
  switch (cfg.mode) {
    case "local": {
      const auth = localAuth(request);
      if (!auth) {
        return json(
          { error: "forbidden", message: "This server runs in local mode and only answers on localhost. Configure AUTH_MODE (api_keys or oauth) for remote access." },
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
      if (!env.OAUTH_KV) throw new AccessConfigError("AUTH_MODE=oauth needs the OAUTH_KV KV namespace binding (wrangler.toml).");
      const provider = oauthProvider(cfg.publicUrl as string, serveMcp, publicRoutes);
      // RFC 9728's root document as well as the path-suffixed one the provider serves for /mcp.
      if (url.pathname === PRM_ROOT) return provider.fetch(new Request(`${url.origin}${PRM_ROOT}${MCP_PATH}`, request), env, ctx);
      return provider.fetch(request, env, ctx);
    }
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    let cfg: AccessConfig;
    try {
      cfg = readAccessConfig(env);
    } catch (err) {
      return misconfigured(err);
    }
    const origin = request.headers.get("origin");
    if (origin !== null && !isAllowedOrigin(origin, new URL(request.url), cfg)) {
      return json(
        { error: "forbidden_origin", message: "Requests from this Origin are not allowed. The operator can add it to ALLOWED_ORIGINS." },
        403,
      );
    }
    if (request.method === "OPTIONS") return preflight(origin);
    try {
      return withCors(await route(request, env, ctx, cfg), origin);
    } catch (err) {
      if (err instanceof AccessConfigError) return misconfigured(err);
      throw err;
    }
  },
} satisfies ExportedHandler<Env>;

/** The operator's configuration is wrong: say which setting, never a value. */
function misconfigured(err: unknown): Response {
  if (!(err instanceof AccessConfigError)) throw err;
  const message = err.message;
  log("error", "config_error", { message });
  return json({ error: "server_misconfigured", message }, 503);
}
