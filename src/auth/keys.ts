/**
 * Operator-issued keys: API keys (secret `API_KEYS`) and OAuth access keys (secret
 * `OAUTH_ACCESS_KEYS`) share one format. Configuration holds only SHA-256 hashes, never a key:
 *
 *   [{"name":"ci-bot","sha256":"<64 hex>","scopes":["ktrdr:read"]}]
 *
 * `npm run mint-key` makes a key and prints its entry. A presented key is hashed and compared
 * with every entry in constant time; nothing here logs or returns a key or a hash.
 */
import { z } from "zod";
import { SCOPES, type Scope } from "./context";

/** `ktrdr_` + 32 random bytes in base64url (43 characters). */
export const KEY_PREFIX = "ktrdr_";
export const KEY_RE = /^ktrdr_[A-Za-z0-9_-]{43}$/;

export const keyEntrySchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "name: 1-64 characters of A-Z a-z 0-9 . _ -"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256: 64 lowercase hex characters"),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
});
export type KeyEntry = z.infer<typeof keyEntrySchema>;

const keyListSchema = z.array(keyEntrySchema).superRefine((list, ctx) => {
  const names = new Set<string>();
  const hashes = new Set<string>();
  list.forEach((entry, i) => {
    if (names.has(entry.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: "duplicate name" });
    if (hashes.has(entry.sha256)) ctx.addIssue({ code: "custom", path: [i, "sha256"], message: "duplicate key hash" });
    names.add(entry.name);
    hashes.add(entry.sha256);
  });
});

export class KeyConfigError extends Error {}

/**
 * Parses one key secret. An unset or blank secret is an empty list; anything else must be valid.
 * The error names the secret and what is wrong, never its content.
 */
export function parseKeyList(secretName: string, raw: string | undefined): KeyEntry[] {
  if (raw === undefined || raw.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new KeyConfigError(
      `${secretName} is not valid JSON. Expected [{"name":…,"sha256":…,"scopes":[…]}] as printed by npm run mint-key.`,
    );
  }
  const parsed = keyListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `entry ${issue.path.join(".")}` : "the list";
    throw new KeyConfigError(
      `${secretName} is malformed (${where}: ${issue?.message ?? "invalid"}). Expected [{"name":…,"sha256":…,"scopes":[…]}] as printed by npm run mint-key.`,
    );
  }
  return parsed.data;
}

const encoder = new TextEncoder();

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * The entry whose hash matches the presented key, or undefined. Every entry is compared (no early
 * exit) in constant time, so timing reveals neither which entry matched nor how much of a hash.
 */
export async function findKey(entries: ReadonlyArray<KeyEntry>, presented: string): Promise<KeyEntry | undefined> {
  if (!KEY_RE.test(presented)) return undefined;
  const digest = hexBytes(await sha256Hex(presented));
  let found: KeyEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(digest, hexBytes(entry.sha256)) && found === undefined) found = entry;
  }
  return found;
}

/** Scopes in canonical order, deduplicated. */
export function normaliseScopes(scopes: Iterable<string>): Scope[] {
  const set = new Set(scopes);
  return SCOPES.filter((s) => set.has(s));
}
