/**
 * Which protocol era a request to /mcp speaks: 2026-07-28 (stateless, per-request envelope) or
 * 2025 (sessions). The MCP SDK's own classifier decides; a session request (it names a session
 * and a 2025 protocol version) is recognised from its headers alone, so the hot path of 2025
 * clients never parses its body twice.
 *
 * A request naming a protocol version this server does not speak gets the spec's
 * UnsupportedProtocolVersion error (-32022) with the versions it does speak, answering the
 * request's own id, so a client negotiates in one step.
 */
import { isLegacyRequest } from "@modelcontextprotocol/server";
import { SUPPORTED_PROTOCOL_VERSIONS as LEGACY_VERSIONS } from "@modelcontextprotocol/sdk/types.js";

const MODERN_VERSIONS = ["2026-07-28"] as const;
/** Every version this server speaks, newest first. */
const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

export type Era = "modern" | "legacy";

export async function eraOf(request: Request): Promise<Era | Response> {
  const version = request.headers.get("mcp-protocol-version")?.trim();
  if (version !== undefined && !SUPPORTED_VERSIONS.includes(version)) {
    // A request in the 2026 envelope gets the modern front end's own answer (the SDK's ladder).
    const body = await bodyOf(request);
    return hasEnvelope(body) ? "modern" : unsupportedVersion(body, version);
  }
  if (request.method !== "POST") return "legacy";
  if (version !== undefined && request.headers.has("mcp-session-id") && (LEGACY_VERSIONS as readonly string[]).includes(version))
    return "legacy";
  return (await isLegacyRequest(request)) ? "legacy" : "modern";
}

/** A copy of the request's JSON body (undefined when there is none or it is not JSON). */
async function bodyOf(request: Request): Promise<Record<string, unknown> | undefined> {
  if (request.method !== "POST") return undefined;
  try {
    const body: unknown = await request.clone().json();
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function hasEnvelope(body: Record<string, unknown> | undefined): boolean {
  const meta = (body?.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  return typeof meta?.["io.modelcontextprotocol/protocolVersion"] === "string";
}

/** -32022 with `data.supported`, echoing the request's id. */
function unsupportedVersion(body: Record<string, unknown> | undefined, requested: string): Response {
  const id = typeof body?.id === "string" || typeof body?.id === "number" ? body.id : null;
  const error = {
    code: -32022,
    message: `Unsupported protocol version ${requested.slice(0, 40)}: this server speaks ${SUPPORTED_VERSIONS.join(", ")}.`,
    data: { supported: [...SUPPORTED_VERSIONS], requested: requested.slice(0, 40) },
  };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), { status: 400, headers: { "content-type": "application/json" } });
}
