/**
 * Browser hygiene for every route: the `Origin` allowlist (DNS-rebinding protection, as the MCP
 * streamable-HTTP transport requires) and one consistent set of CORS headers. Responses from the
 * Agents SDK and the OAuth provider carry CORS headers of their own; they are replaced here, so a
 * browser sees exactly one answer.
 */
import type { AccessConfig } from "../auth/config";
import { isLoopbackHost } from "../auth/local";

/** 2025 sessions send mcp-session-id and last-event-id; 2026-07-28 requests name their method and target (mcp-method, mcp-name). */
export const CORS_ALLOW_HEADERS =
  "authorization, content-type, accept, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id";
export const CORS_EXPOSE_HEADERS = "mcp-session-id, mcp-protocol-version, www-authenticate";
const CORS_METHODS = "GET, POST, DELETE, OPTIONS";

/**
 * An Origin is allowed when it is the request's own origin (or PUBLIC_URL), one of ALLOWED_ORIGINS,
 * or — in local mode only — any loopback origin.
 */
export function isAllowedOrigin(origin: string, requestUrl: URL, cfg: AccessConfig): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin !== origin) return false; // "null", paths, odd spellings
  if (origin === requestUrl.origin) return true;
  if (cfg.publicUrl !== undefined && origin === cfg.publicUrl) return true;
  if (cfg.allowedOrigins.includes(origin)) return true;
  return cfg.mode === "local" && (parsed.protocol === "http:" || parsed.protocol === "https:") && isLoopbackHost(parsed.hostname);
}

/** Answer to a CORS preflight from an allowed origin — before, and without, authentication. */
export function preflight(origin: string | null): Response {
  const res = new Response(null, { status: 204 });
  if (origin !== null) {
    res.headers.set("Access-Control-Allow-Origin", origin);
    res.headers.set("Access-Control-Allow-Methods", CORS_METHODS);
    res.headers.set("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    res.headers.set("Access-Control-Max-Age", "600");
    res.headers.set("Vary", "Origin");
  }
  return res;
}

/** Replaces whatever CORS headers a handler set with ours (for an allowed Origin) or none. */
export function withCors(response: Response, origin: string | null): Response {
  if (response.status === 101) return response; // WebSocket upgrade: leave untouched
  const res = new Response(response.body, response);
  for (const name of [...res.headers.keys()]) {
    if (name.toLowerCase().startsWith("access-control-")) res.headers.delete(name);
  }
  if (origin !== null) {
    res.headers.set("Access-Control-Allow-Origin", origin);
    res.headers.set("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
    const vary = res.headers.get("Vary");
    if (
      !vary
        ?.toLowerCase()
        .split(/\s*,\s*/)
        .includes("origin")
    )
      res.headers.set("Vary", vary ? `${vary}, Origin` : "Origin");
  }
  return res;
}
