/** API keys on `/mcp`: `Authorization: Bearer ktrdr_…` → the key's auth context. */
import type { AuthContext } from "./context";
import { findKey, type KeyEntry, normaliseScopes } from "./keys";

export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export async function apiKeyContext(keys: ReadonlyArray<KeyEntry>, token: string): Promise<AuthContext | undefined> {
  const entry = await findKey(keys, token);
  return entry ? { principal: `api_key:${entry.name}`, method: "api_key", scopes: normaliseScopes(entry.scopes) } : undefined;
}
