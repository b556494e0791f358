/**
 * The one auth-context shape every mode produces (local, API key, OAuth): who the principal is,
 * how they authenticated, and what they may do — all a tool needs. The router's caller context
 * adds the credential the request came with (the API key's entry, the OAuth grant), which is what
 * a 2025 session is bound to; that caller context is all a session's Durable Object keeps.
 */
import { z } from "zod";

export const SCOPES = ["ktrdr:read", "ktrdr:operate"] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "ktrdr:read": "Read operations, results, metrics, market data and the backend's catalogue",
  "ktrdr:operate": "Start data loads, trainings and backtests, and cancel operations",
};

export const AUTH_METHODS = ["local", "api_key", "oauth"] as const;

export const authContextSchema = z.object({
  principal: z.string().min(1).max(200),
  method: z.enum(AUTH_METHODS),
  scopes: z.array(z.enum(SCOPES)),
});
export type AuthContext = z.infer<typeof authContextSchema>;

/**
 * The credential a request came with, as an opaque binding, never a secret: `local`,
 * `api_key:<sha256 of the entry's configured hash>` (a re-minted key under the same name is another
 * credential), or `oauth_grant:<grant id>` (stable across refreshes; another grant of the same person,
 * through any client, is another credential).
 */
export const callerContextSchema = authContextSchema.extend({ credential: z.string().min(1).max(200) });
export type CallerContext = z.infer<typeof callerContextSchema>;

/** Props as the Agents SDK stores them (it needs an index signature). */
export type AuthProps = CallerContext & Record<string, unknown>;

export const LOCAL_CONTEXT: CallerContext = { principal: "local", method: "local", scopes: [...SCOPES], credential: "local" };

/**
 * The owner of a session stored before sessions were bound to credentials (its record has no
 * credential): nobody is that owner, so no one can use or end it — its client starts a new session.
 */
export const RETIRED_OWNER: CallerContext = { principal: "retired", method: "local", scopes: [], credential: "retired" };

export function oauthGrantCredential(grantId: string): string {
  return `oauth_grant:${grantId}`;
}

export function hasScope(ctx: AuthContext, scope: Scope): boolean {
  return ctx.scopes.includes(scope);
}

/** Two contexts are the same session owner only if every field matches, the credential included. */
export function sameContext(a: CallerContext, b: CallerContext): boolean {
  if (a.credential === RETIRED_OWNER.credential || b.credential === RETIRED_OWNER.credential) return false;
  return (
    a.credential === b.credential &&
    a.principal === b.principal &&
    a.method === b.method &&
    a.scopes.length === b.scopes.length &&
    a.scopes.every((s) => b.scopes.includes(s))
  );
}
