/**
 * Worker configuration, read once per request from the environment bindings.
 * Secrets (CF_ACCESS_CLIENT_SECRET, API key hashes) are read here and passed on only to the
 * code that needs them; nothing in this module logs or returns them.
 */
import { z } from "zod";

export const WIRE_VERSIONS = ["auto", "v2025", "v2026"] as const;
export type WireVersionSetting = (typeof WIRE_VERSIONS)[number];

export interface BackendConfig {
  /** Base URL including the `/api/v1` prefix, without a trailing slash. */
  baseUrl: string;
  wireVersion: WireVersionSetting;
  timeoutMs: number;
  /** Cloudflare Access service token; both or neither. */
  accessClientId?: string;
  accessClientSecret?: string;
}

const DEFAULT_API_URL = "http://127.0.0.1:8000/api/v1";

const envSchema = z.object({
  KTRDR_API_URL: z.string().optional(),
  KTRDR_API_VERSION: z.string().optional(),
  KTRDR_API_TIMEOUT_MS: z.string().optional(),
  CF_ACCESS_CLIENT_ID: z.string().optional(),
  CF_ACCESS_CLIENT_SECRET: z.string().optional(),
});

export class ConfigError extends Error {}

export function readBackendConfig(env: Record<string, unknown>): BackendConfig {
  const parsed = envSchema.safeParse(pickStrings(env));
  if (!parsed.success) throw new ConfigError("Worker configuration is invalid.");
  const e = parsed.data;
  const raw = (e.KTRDR_API_URL?.trim() || DEFAULT_API_URL).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("KTRDR_API_URL is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError("KTRDR_API_URL must be an http(s) URL.");
  }
  if (url.username || url.password) {
    throw new ConfigError("KTRDR_API_URL must not contain credentials; use the CF_ACCESS_* secrets.");
  }
  const version = (e.KTRDR_API_VERSION ?? "auto").trim() || "auto";
  if (!(WIRE_VERSIONS as readonly string[]).includes(version)) {
    throw new ConfigError(`KTRDR_API_VERSION must be one of ${WIRE_VERSIONS.join(", ")}.`);
  }
  const timeoutMs = e.KTRDR_API_TIMEOUT_MS ? Number(e.KTRDR_API_TIMEOUT_MS) : 20_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
    throw new ConfigError("KTRDR_API_TIMEOUT_MS must be a number of milliseconds between 100 and 120000.");
  }
  const id = e.CF_ACCESS_CLIENT_ID?.trim() || undefined;
  const secret = e.CF_ACCESS_CLIENT_SECRET?.trim() || undefined;
  if (Boolean(id) !== Boolean(secret)) {
    throw new ConfigError("Set both CF_ACCESS_CLIENT_ID and CF_ACCESS_CLIENT_SECRET, or neither.");
  }
  return {
    baseUrl: url.toString().replace(/\/+$/, ""),
    wireVersion: version as WireVersionSetting,
    timeoutMs,
    accessClientId: id,
    accessClientSecret: secret,
  };
}

function pickStrings(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") out[k] = v;
  return out;
}
