/**
 * The Worker: routes `/mcp` (streamable HTTP) to the session's Durable Object after
 * authenticating the caller, and answers a small info page and a health check.
 */
import { type AuthContext, sameContext } from "./auth/context";
import { localAuth } from "./auth/local";
import type { Env } from "./env";
import { KtrdrMcp } from "./mcp/agent";
import { SERVER_NAME, SERVER_VERSION } from "./mcp/instructions";

export { KtrdrMcp };

const MCP_PATH = "/mcp";
const mcpHandler = KtrdrMcp.serve(MCP_PATH, { binding: "MCP_OBJECT" });

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return json({ jsonrpc: "2.0", error: { code, message }, id: null }, status, headers);
}

const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A session belongs to the auth context that created it. A request that presents a session id
 * with other credentials is refused outright — it is never served with the session's context,
 * and it never overwrites it.
 */
async function checkSessionOwner(request: Request, env: Env, auth: AuthContext): Promise<Response | undefined> {
  const sid = request.headers.get("mcp-session-id");
  if (sid === null) return undefined;
  if (!SESSION_ID_RE.test(sid)) return rpcError(400, -32600, "Invalid Mcp-Session-Id header.");
  const stub = env.MCP_OBJECT.get(env.MCP_OBJECT.idFromName(`streamable-http:${sid}`));
  const bound = await stub.boundAuthContext();
  if (bound && !sameContext(bound, auth)) {
    return rpcError(403, -32001, "This session belongs to other credentials. Start a new session (initialize without Mcp-Session-Id).");
  }
  return undefined;
}

/** Runs the MCP handler with the caller's auth context as the session's props. */
function withProps(ctx: ExecutionContext, props: AuthContext): ExecutionContext {
  return {
    waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p),
    passThroughOnException: () => ctx.passThroughOnException(),
    props,
  } as unknown as ExecutionContext;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/" && request.method === "GET") {
      return json({ name: SERVER_NAME, version: SERVER_VERSION, mcp: `${url.origin}${MCP_PATH}`, transport: "streamable-http" });
    }
    if (url.pathname === "/health") return json({ status: "ok" });
    if (url.pathname !== MCP_PATH) return json({ error: "not_found", message: `Nothing here. The MCP endpoint is ${MCP_PATH}.` }, 404);

    const auth = localAuth(request);
    if (!auth) {
      return json(
        { error: "forbidden", message: "This server runs in local mode and only answers on localhost. Configure AUTH_MODE for remote access." },
        403,
      );
    }
    const refused = await checkSessionOwner(request, env, auth);
    if (refused) return refused;
    return mcpHandler.fetch(request, env, withProps(ctx, auth));
  },
} satisfies ExportedHandler<Env>;
