/**
 * Who is consenting on the authorize page. Today: an operator-issued access key typed into the
 * form (secret `OAUTH_ACCESS_KEYS`). The seam: an `IdentityProvider` that reads Cloudflare
 * Access's `Cf-Access-Jwt-Assertion` header (verified against the team's JWKS) could replace it
 * without touching the consent flow — it would set `collectsKey: false` and ignore the form.
 */
import type { Scope } from "./context";
import { findKey, type KeyEntry } from "./keys";

export interface Identity {
  /** Stable name without ':' — becomes the principal `oauth:<name>` and the grant's userId. */
  name: string;
  /** The most this person may grant. */
  maxScopes: Scope[];
}

export interface IdentityProvider {
  /** Whether the consent page must show an access-key field. */
  readonly collectsKey: boolean;
  /** The person behind this consent submission, or undefined when they could not prove it. */
  identify(request: Request, form: FormData): Promise<Identity | undefined>;
}

export class AccessKeyIdentityProvider implements IdentityProvider {
  readonly collectsKey = true;
  constructor(private readonly keys: ReadonlyArray<KeyEntry>) {}

  async identify(_request: Request, form: FormData): Promise<Identity | undefined> {
    const value = form.get("access_key");
    if (typeof value !== "string" || value.length > 200) return undefined;
    const entry = await findKey(this.keys, value.trim());
    return entry ? { name: entry.name, maxScopes: entry.scopes } : undefined;
  }
}
