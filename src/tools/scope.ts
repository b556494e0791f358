/**
 * The one refusal for a call the caller's credentials do not allow, in both protocol eras and
 * for tools and MCP methods alike: it names the scope and the method (or tool) actually called.
 */
import { type AuthContext, hasScope, type Scope } from "../auth/context";

/** The refusal's sentence: cause (the scope, the method) and next step. */
export function scopeRefusal(scope: Scope, method: string): string {
  return `${method} needs the '${scope}' scope, which these credentials do not grant. Ask the operator for a key or token with '${scope}'.`;
}

/** The refusal when `auth` lacks `scope` for `method`; undefined when it may call it. */
export function refusalFor(auth: AuthContext, scope: Scope, method: string): string | undefined {
  return hasScope(auth, scope) ? undefined : scopeRefusal(scope, method);
}
