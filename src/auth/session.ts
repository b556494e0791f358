/**
 * Sessions are bound to their principal. A session belongs to the auth context that created it;
 * a request that presents its id with other credentials is refused outright — it is never served
 * with the session's context, and it never overwrites it.
 */
import type { Env } from "../env";
import { rpcError } from "../http/respond";
import { type AuthContext, sameContext } from "./context";

const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

export async function checkSessionOwner(request: Request, env: Env, auth: AuthContext): Promise<Response | undefined> {
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
