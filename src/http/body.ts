/**
 * The one request-body limit of the Worker: every body is read here, once, from the request
 * stream itself, counting bytes as they arrive (a declared `Content-Length` is not trusted, and
 * `Transfer-Encoding: chunked` has none). Past the limit the read stops and the stream is
 * cancelled: nothing more is read and nothing is kept. What is handed on is a request with the
 * bytes already read, so no later reader (era detection, the MCP SDKs, the OAuth provider) ever
 * reads an unbounded stream.
 */
import { rpcError } from "./respond";

/** The most a request body may hold: 4 MiB, as both MCP SDKs allow by default. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The body read to its end (null: the request has none), or `tooLarge` once it passed `max` bytes (the rest left unread). */
export type BoundedBody = { tooLarge: false; bytes: Uint8Array | null } | { tooLarge: true };

export async function readBounded(request: Request, max = MAX_BODY_BYTES): Promise<BoundedBody> {
  const body = request.body;
  if (body === null) return { tooLarge: false, bytes: null };
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) {
    await body.cancel().catch(() => {});
    return { tooLarge: true };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Stop here: cancelling tells the runtime this body will not be read any further.
      await reader.cancel().catch(() => {});
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { tooLarge: false, bytes: chunks[0] as Uint8Array };
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { tooLarge: false, bytes };
}

/** The bytes `withBody` gave each request it made, for readers that need them before the request's own reader. */
const bodies = new WeakMap<Request, Uint8Array>();
const utf8 = new TextDecoder();

/** The same request, its body replaced by bytes already read (readable as often as a Request allows: once). */
export function withBody(request: Request, bytes: Uint8Array): Request {
  const out = new Request(request, { body: bytes });
  bodies.set(out, bytes);
  return out;
}

/**
 * The body of a request `withBody` made, as text, without reading (or cloning) its stream; undefined
 * for any other request. The stream stays unread for the request's own reader (an MCP SDK).
 */
export function bodyText(request: Request): string | undefined {
  const bytes = bodies.get(request);
  return bytes === undefined ? undefined : utf8.decode(bytes);
}

/** 413 with a JSON-RPC error, as MCP clients expect from /mcp (and harmless elsewhere). */
export function tooLarge(max = MAX_BODY_BYTES): Response {
  return rpcError(413, -32000, `Request body too large: this server accepts at most ${max} bytes (${max / 1024 / 1024} MiB).`);
}
