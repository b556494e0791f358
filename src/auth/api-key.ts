/** API keys on `/mcp`: `Authorization: Bearer ktrdr_…` → the key's caller context. */
import type { CallerContext } from "./context";
import { findKey, type KeyEntry, normaliseScopes, sha256Hex } from "./keys";

export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Per configured entry (the configuration is memoised, so its entries are stable objects). */
const credentials = new WeakMap<KeyEntry, string>();

/**
 * The key's credential binding: derived from the entry's configured hash, so a key re-minted under
 * the same name is another credential, and neither the key nor the configured hash is kept anywhere.
 */
async function keyCredential(entry: KeyEntry): Promise<string> {
  let credential = credentials.get(entry);
  if (credential === undefined) {
    credential = `api_key:${await sha256Hex(`ktrdr-mcp session binding\n${entry.sha256}`)}`;
    credentials.set(entry, credential);
  }
  return credential;
}

export async function apiKeyContext(keys: ReadonlyArray<KeyEntry>, token: string): Promise<CallerContext | undefined> {
  const entry = await findKey(keys, token);
  if (!entry) return undefined;
  return {
    principal: `api_key:${entry.name}`,
    method: "api_key",
    scopes: normaliseScopes(entry.scopes),
    credential: await keyCredential(entry),
  };
}
