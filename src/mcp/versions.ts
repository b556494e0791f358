/**
 * The protocol versions this server speaks, in one place, and the one answer to a request for a
 * version it does not (`-32022`, UnsupportedProtocolVersion): whichever path notices — the router
 * from a header or an envelope, or `server/discover` listing them — names the same versions.
 *
 * 2026-07-28 is spoken per request (the `_meta` envelope, stateless); the 2025-era versions
 * (those the 1.x SDK of the session front end negotiates, `legacy/versions.ts`) through
 * `initialize` and a session.
 */
import { echo } from "../tools/echo";
import { LEGACY_VERSIONS } from "./legacy/versions";

export { LEGACY_VERSIONS };

/** Spoken per request, with the `_meta` envelope (the stateless front end). */
export const MODERN_VERSIONS: readonly string[] = ["2026-07-28"];
/** Every version this server speaks, newest first. */
export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

export function isSupported(version: string): boolean {
  return SUPPORTED_VERSIONS.includes(version);
}

/** -32022 with `data.supported` (every version) and `data.requested`, answering `id` (HTTP 400, as the spec asks). */
export function unsupportedVersion(id: string | number | null, requested: string): Response {
  const asked = echo(requested, 40);
  const legacy = LEGACY_VERSIONS.includes(requested)
    ? ` ${asked} is spoken through initialize and a session, not with the per-request _meta envelope.`
    : "";
  const error = {
    code: -32022,
    message:
      `Unsupported protocol version ${asked}.${legacy} This server speaks ${MODERN_VERSIONS.join(", ")} per request ` +
      `(the _meta envelope) and ${LEGACY_VERSIONS.join(", ")} through initialize and a session.`,
    data: { supported: [...SUPPORTED_VERSIONS], requested: asked },
  };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), { status: 400, headers: { "content-type": "application/json" } });
}
