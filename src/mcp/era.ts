/**
 * Which protocol era a request to /mcp speaks: 2026-07-28 (stateless, per-request envelope) or
 * 2025 (sessions). The 2026 front end's SDK (2.x) classifier decides; a session request (it names a session
 * and a 2025 protocol version) is recognised from its headers alone, so the hot path of 2025
 * clients never parses its body here (the session's SDK parses it, once). Any other body is
 * parsed once here and handed on, parsed, to the 2026 front end.
 *
 * The body was read by the Worker's bounded reader (`src/http/body.ts`) before this runs: nothing
 * here reads an unbounded stream.
 *
 * A request naming a protocol version this server does not speak — in its header or in its
 * envelope — gets `-32022` listing every version it does (`versions.ts`), answering the
 * request's own id, so a client negotiates in one step. (A header and an envelope that disagree
 * are the SDK's to answer: -32020.)
 */
import { bodyText } from "../http/body";
import { isLegacy } from "./modern/classify";
import { isSupported, LEGACY_VERSIONS, MODERN_VERSIONS, unsupportedVersion } from "./versions";

const CLAIM_KEY = "io.modelcontextprotocol/protocolVersion";

/** Legacy: serve it in a session. Modern: serve it statelessly, with the request's body already parsed (undefined when it is not JSON). */
export type Era = { era: "legacy" } | { era: "modern"; message: unknown };

export async function eraOf(request: Request): Promise<Era | Response> {
  const version = request.headers.get("mcp-protocol-version")?.trim();
  const post = request.method === "POST";
  if (post && version !== undefined && request.headers.has("mcp-session-id") && LEGACY_VERSIONS.includes(version)) return { era: "legacy" };
  if (!post) return version !== undefined && !isSupported(version) ? unsupportedVersion(null, version) : { era: "legacy" };
  const message = await parsedBody(request);
  const claim = envelopeClaim(message);
  if (version !== undefined && !isSupported(version)) {
    // A header and an envelope naming different versions: the SDK's header-mismatch answer.
    return claim !== undefined && claim !== version ? { era: "modern", message } : unsupportedVersion(idOf(message), version);
  }
  if (typeof claim === "string" && !MODERN_VERSIONS.includes(claim) && (version === undefined || version === claim)) {
    return unsupportedVersion(idOf(message), claim);
  }
  // Not JSON: the session front end answers it (a parse error), as the SDK's router would.
  if (message === undefined) return { era: "legacy" };
  return (await isLegacy(request, message)) ? { era: "legacy" } : { era: "modern", message };
}

/** The request's JSON body (undefined when empty or not JSON); the body is bounded and already in memory. */
async function parsedBody(request: Request): Promise<unknown> {
  // The router's bounded reader kept the bytes: decoded from them, with no copy of the stream to read.
  const text = bodyText(request) ?? (await request.clone().text());
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function envelopeClaim(message: unknown): unknown {
  const params = isObject(message) ? message.params : undefined;
  const meta = isObject(params) ? params._meta : undefined;
  return isObject(meta) && CLAIM_KEY in meta ? meta[CLAIM_KEY] : undefined;
}

function idOf(message: unknown): string | number | null {
  const id = isObject(message) ? message.id : undefined;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
