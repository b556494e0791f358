/**
 * Worker configuration: the one reader and the one error for every setting. The router reads it
 * at the edge, before anything else (a misconfigured Worker answers 503 before any session or
 * backend call), and everything else gets the parsed result. The last result is reused while the
 * settings it came from are unchanged.
 * Secrets (CF_ACCESS_CLIENT_SECRET, API key hashes) are read here and passed on only to the
 * code that needs them; nothing in this module logs or returns them, and errors name the
 * setting, never its value.
 */
import { z } from "zod";
import { type AccessConfig, accessSettings, checkBackendUrl, readAccessConfig } from "./auth/config";
import { ConfigError, DEFAULT_API_URL, stringSettings } from "./settings";

export { ConfigError };

export interface WorkerConfig {
  access: AccessConfig;
  backend: BackendConfig;
  /**
   * Test-only fixture tools for the MCP conformance suite (greet, slow_compute, …). Enabled by
   * MCP_TEST_FIXTURES=true and only together with AUTH_MODE=local, which answers on loopback
   * only: no deployed environment can offer them.
   */
  fixtures: boolean;
}

/**
 * The last configuration read: the env object it was read from, and the settings it was made of.
 * The runtime hands every request of an isolate (and a Durable Object all its calls) the same env
 * object, whose settings do not change while the isolate lives, so that object alone is the cache
 * key; another object with the same settings (a test's env) reuses the result too, after comparing them.
 */
let memo: { env: object; key: string; cfg: WorkerConfig } | undefined;

export function readConfig(env: object): WorkerConfig {
  if (memo?.env === env) return memo.cfg;
  const e = env as Record<string, unknown>;
  const key = settingNames.map((k) => (typeof e[k] === "string" ? (e[k] as string) : "\u0000")).join("\u0001");
  if (memo?.key === key) {
    memo = { env, key, cfg: memo.cfg };
    return memo.cfg;
  }
  const access = readAccessConfig(env);
  const { config: backend, url } = parseBackend(e);
  checkBackendUrl(access.backendPolicy, url);
  const flag = e.MCP_TEST_FIXTURES;
  const fixtures = flag === "true";
  if (flag !== undefined && flag !== "" && flag !== "true" && flag !== "false")
    throw new ConfigError("MCP_TEST_FIXTURES must be true or false.");
  if (fixtures && access.mode !== "local")
    throw new ConfigError("MCP_TEST_FIXTURES=true is for tests only and needs AUTH_MODE=local; remove it.");
  const cfg = { access, backend, fixtures };
  memo = { env, key, cfg };
  return cfg;
}

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

const backendSettings = z.object({
  KTRDR_API_URL: z.string().optional(),
  KTRDR_API_VERSION: z.string().optional(),
  KTRDR_API_TIMEOUT_MS: z.string().optional(),
  CF_ACCESS_CLIENT_ID: z.string().optional(),
  CF_ACCESS_CLIENT_SECRET: z.string().optional(),
});

/** The settings the configuration is made of (bindings such as MCP_OBJECT are not settings). */
const settingNames = [...new Set([...Object.keys(accessSettings.shape), ...Object.keys(backendSettings.shape), "MCP_TEST_FIXTURES"])];

export function readBackendConfig(env: Record<string, unknown>): BackendConfig {
  return parseBackend(env).config;
}

/** The backend settings, with KTRDR_API_URL parsed once (the access policy checks the same URL). */
function parseBackend(env: Record<string, unknown>): { config: BackendConfig; url: URL } {
  const parsed = backendSettings.safeParse(stringSettings(env));
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
  const config = {
    baseUrl: url.toString().replace(/\/+$/, ""),
    wireVersion: version as WireVersionSetting,
    timeoutMs,
    accessClientId: id,
    accessClientSecret: secret,
  };
  return { config, url };
}
