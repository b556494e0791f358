/**
 * Sessions (2025 era) are bound to the credential that created them: the API key (its configured
 * entry, not just its name), the OAuth grant (not just the person or the client), or the one local
 * credential. A request that presents a session id with any other credential — another grant of
 * the same person included — is refused outright: it is never served with the session's context,
 * and it never overwrites or ends it. A session stored before this binding existed has no owner
 * anyone can match: it is answered as not found, so its client starts a new one.
 *
 * The owner of a session never changes, so the router remembers owners it has seen (bounded, per
 * isolate) and asks the session's Durable Object only for sessions it has not seen: the common
 * case costs no extra Durable Object call.
 */
import type { Env } from "../env";
import { rpcError } from "../http/respond";
import { sessionObject } from "../mcp/legacy/session-object";
import { type CallerContext, RETIRED_OWNER, sameContext } from "./context";

const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_REMEMBERED = 10_000;
const owners = new Map<string, CallerContext>();

function remember(sid: string, owner: CallerContext): void {
  if (owners.size >= MAX_REMEMBERED) owners.delete(owners.keys().next().value as string);
  owners.set(sid, owner);
}

export async function checkSessionOwner(request: Request, env: Env, auth: CallerContext): Promise<Response | undefined> {
  const sid = request.headers.get("mcp-session-id");
  if (sid === null) return undefined;
  if (!SESSION_ID_RE.test(sid)) return rpcError(400, -32600, "Invalid Mcp-Session-Id header.");
  let owner = owners.get(sid);
  if (!owner) {
    owner = (await sessionObject(env.MCP_OBJECT, sid).boundAuthContext()) ?? undefined;
    if (owner) remember(sid, owner);
  }
  if (owner?.credential === RETIRED_OWNER.credential) {
    return rpcError(
      404,
      -32001,
      "Session not found: it was opened before an upgrade. Start a new session (initialize without Mcp-Session-Id).",
    );
  }
  if (owner && !sameContext(owner, auth)) {
    return rpcError(403, -32001, "This session belongs to other credentials. Start a new session (initialize without Mcp-Session-Id).");
  }
  return undefined;
}

/** A session the router just created (the initialize response names it) belongs to its caller. */
export function noteNewSession(response: Response, auth: CallerContext): void {
  const sid = response.headers.get("mcp-session-id");
  if (sid && SESSION_ID_RE.test(sid) && !owners.has(sid)) remember(sid, auth);
}
