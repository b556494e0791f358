/**
 * The Worker's bindings. Vars come from wrangler.toml, secrets from `wrangler secret put`
 * (or .dev.vars locally). Every one is documented in the README's configuration reference.
 */
import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { SessionObject } from "./mcp/legacy/session-object";

export interface Env {
  /** The 2025 sessions' Durable Objects (class KtrdrMcp). */
  MCP_OBJECT: DurableObjectNamespace<SessionObject>;
  /** OAuth state (clients, grants, tokens — hashed), used in AUTH_MODE=oauth. */
  OAUTH_KV?: KVNamespace;
  /** Set by the OAuth provider for its default handler (the /authorize page). */
  OAUTH_PROVIDER?: OAuthHelpers;
  /** KTRDR backend base URL including /api/v1. Must be https outside local mode. */
  KTRDR_API_URL?: string;
  /** auto (default), v2025 or v2026. */
  KTRDR_API_VERSION?: string;
  /** Per-call backend timeout in milliseconds (default 20000). */
  KTRDR_API_TIMEOUT_MS?: string;
  /** Secret: Cloudflare Access service token id. */
  CF_ACCESS_CLIENT_ID?: string;
  /** Secret: Cloudflare Access service token secret. */
  CF_ACCESS_CLIENT_SECRET?: string;
  /** local (default) | api_keys | oauth — see README. */
  AUTH_MODE?: string;
  /** Secret: JSON list of API keys as SHA-256 hashes with name and scopes (npm run mint-key). */
  API_KEYS?: string;
  /** Secret: JSON list of OAuth consent access keys, same format (npm run mint-key -- --access). */
  OAUTH_ACCESS_KEYS?: string;
  /** oauth mode: the Worker's public origin, e.g. https://ktrdr-mcp.example.workers.dev */
  PUBLIC_URL?: string;
  /** Comma-separated browser origins allowed besides the Worker's own, e.g. https://claude.ai */
  ALLOWED_ORIGINS?: string;
  /** "true" admits an http backend on a loopback host outside local mode (tests only). */
  ALLOW_INSECURE_BACKEND?: string;
}
