/**
 * The one auth-context shape every mode produces (local, API key, OAuth). It is all a session's
 * Durable Object keeps: who the principal is, how they authenticated, and what they may do.
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

/** Props as the Agents SDK stores them (it needs an index signature). */
export type AuthProps = AuthContext & Record<string, unknown>;

export const LOCAL_CONTEXT: AuthContext = { principal: "local", method: "local", scopes: [...SCOPES] };

export function hasScope(ctx: AuthContext, scope: Scope): boolean {
  return ctx.scopes.includes(scope);
}

/** Two contexts are the same session owner only if every field matches. */
export function sameContext(a: AuthContext, b: AuthContext): boolean {
  return (
    a.principal === b.principal &&
    a.method === b.method &&
    a.scopes.length === b.scopes.length &&
    a.scopes.every((s) => b.scopes.includes(s))
  );
}
