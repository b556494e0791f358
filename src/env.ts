/**
 * The Worker's bindings. Vars come from wrangler.toml, secrets from `wrangler secret put`
 * (or .dev.vars locally). Every one is documented in the README's configuration reference.
 */
import type { KtrdrMcp } from "./mcp/agent";

export interface Env {
  MCP_OBJECT: DurableObjectNamespace<KtrdrMcp>;
  /** KTRDR backend base URL including /api/v1. */
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
}
