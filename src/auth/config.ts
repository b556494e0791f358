/**
 * Access configuration, read and validated on every request (it is small): the auth mode, the
 * key lists, the public URL OAuth needs, allowed browser origins and the backend-URL policy (which
 * `config.ts` applies to the backend URL it parses, once). Errors name the setting and what to do;
 * they never contain a secret's value.
 *
 * Modes:
 * - `local`   (default): no credentials, loopback hosts only — `npm start`, `wrangler dev`.
 * - `api_keys`: `Authorization: Bearer ktrdr_…` checked against `API_KEYS`; no OAuth endpoints.
 * - `oauth`:   OAuth 2.1 for connectors (consent with an `OAUTH_ACCESS_KEYS` key) AND the API keys
 *              of `API_KEYS`, both on `/mcp`.
 */
import { z } from "zod";
import { ConfigError, stringSettings } from "../settings";
import { type KeyEntry, KeyConfigError, parseKeyList } from "./keys";
import { isLoopbackHost } from "./local";

export const AUTH_MODES = ["local", "api_keys", "oauth"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface AccessConfig {
  mode: AuthMode;
  apiKeys: KeyEntry[];
  accessKeys: KeyEntry[];
  /** Canonical public origin of the Worker (oauth mode), e.g. https://ktrdr-mcp.example.workers.dev */
  publicUrl?: string;
  /** Exact origins (scheme://host[:port]) allowed in addition to the request's own. */
  allowedOrigins: string[];
  /** Which backend URLs this mode admits (see `checkBackendUrl`). */
  backendPolicy: BackendPolicy;
}

/**
 * `any`: local mode (loopback callers only). `https`: the backend must be https; with
 * ALLOW_INSECURE_BACKEND=true an http backend on a loopback host is admitted too (tests).
 */
export type BackendPolicy = { kind: "any" } | { kind: "https"; allowInsecureLoopback: boolean };

/** The settings access is read from. */
export const accessSettings = z.object({
  AUTH_MODE: z.string().optional(),
  API_KEYS: z.string().optional(),
  OAUTH_ACCESS_KEYS: z.string().optional(),
  PUBLIC_URL: z.string().optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  ALLOW_INSECURE_BACKEND: z.string().optional(),
});

export function readAccessConfig(env: object): AccessConfig {
  try {
    return read(env);
  } catch (err) {
    if (err instanceof KeyConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

function read(env: object): AccessConfig {
  const e = accessSettings.parse(stringSettings(env));
  const modeRaw = (e.AUTH_MODE ?? "local").trim() || "local";
  const mode = z.enum(AUTH_MODES).safeParse(modeRaw);
  if (!mode.success) throw new ConfigError(`AUTH_MODE must be one of ${AUTH_MODES.join(", ")}.`);
  const allowedOrigins = parseOrigins(e.ALLOWED_ORIGINS);
  if (mode.data === "local") return { mode: "local", apiKeys: [], accessKeys: [], allowedOrigins, backendPolicy: { kind: "any" } };

  const backendPolicy: BackendPolicy = { kind: "https", allowInsecureLoopback: e.ALLOW_INSECURE_BACKEND === "true" };
  const apiKeys = parseKeyList("API_KEYS", e.API_KEYS);
  if (mode.data === "api_keys") {
    if (apiKeys.length === 0) throw new ConfigError("AUTH_MODE=api_keys needs at least one key in the API_KEYS secret (npm run mint-key).");
    return { mode: "api_keys", apiKeys, accessKeys: [], allowedOrigins, backendPolicy };
  }
  const accessKeys = parseKeyList("OAUTH_ACCESS_KEYS", e.OAUTH_ACCESS_KEYS);
  if (accessKeys.length === 0) {
    throw new ConfigError("AUTH_MODE=oauth needs at least one key in the OAUTH_ACCESS_KEYS secret (npm run mint-key -- --access).");
  }
  return { mode: "oauth", apiKeys, accessKeys, publicUrl: parsePublicUrl(e.PUBLIC_URL), allowedOrigins, backendPolicy };
}

/** Outside local mode the backend must be https; ALLOW_INSECURE_BACKEND=true admits a loopback http backend (tests). */
export function checkBackendUrl(policy: BackendPolicy, url: URL): void {
  if (policy.kind === "any" || url.protocol === "https:") return;
  if (url.protocol === "http:" && policy.allowInsecureLoopback && isLoopbackHost(url.hostname)) return;
  throw new ConfigError(
    "KTRDR_API_URL must be an https URL outside local mode (ALLOW_INSECURE_BACKEND=true admits only a loopback http backend, for tests).",
  );
}

function parsePublicUrl(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value)
    throw new ConfigError("AUTH_MODE=oauth needs PUBLIC_URL, the Worker's public origin (e.g. https://ktrdr-mcp.example.workers.dev).");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError("PUBLIC_URL is not a valid URL.");
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError("PUBLIC_URL must be https (http only on a loopback host).");
  }
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw new ConfigError("PUBLIC_URL must be an origin only, e.g. https://ktrdr-mcp.example.workers.dev");
  }
  return url.origin;
}

function parseOrigins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [];
  return raw.split(",").map((item) => {
    const value = item.trim();
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`ALLOWED_ORIGINS: '${value.slice(0, 100)}' is not an origin (scheme://host[:port]).`);
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== value.replace(/\/$/, "")) {
      throw new ConfigError(`ALLOWED_ORIGINS: '${value.slice(0, 100)}' is not an origin (scheme://host[:port]).`);
    }
    return url.origin;
  });
}
