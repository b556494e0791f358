/**
 * Where a 2025 session lives: the Durable Object the Agents SDK routes its requests to, and what
 * the router asks that object (its owner). No imports of the front end itself, so `env.ts` can
 * type its binding without importing the session class (which imports `env.ts`).
 */
import type { CallerContext } from "../../auth/context";

/** What the router asks a session's Durable Object (`KtrdrMcp` implements it). */
export interface SessionObject extends Rpc.DurableObjectBranded {
  /** The caller context the session is bound to (null for a session that never started). */
  boundAuthContext(): Promise<CallerContext | null>;
}

/**
 * The Durable Object name of the session `sid`. The Agents SDK (agents 0.32) builds it as
 * `streamable-http:<session id>` inside `McpAgent.serve()` and exports no helper for it, so it is
 * written here once; test/worker/auth.test.ts checks that the object this names is the one the
 * SDK created for the session.
 */
export function sessionObjectName(sid: string): string {
  return `streamable-http:${sid}`;
}

/** The stub of the session `sid`'s Durable Object. */
export function sessionObject(ns: DurableObjectNamespace<SessionObject>, sid: string): DurableObjectStub<SessionObject> {
  return ns.get(ns.idFromName(sessionObjectName(sid)));
}
