/**
 * SSE priming for 2025 session POST streams (MCP 2025-11-25, transports, "Resumability and
 * redelivery"): a server that opens an SSE stream SHOULD first send an event with an id and empty
 * data, so a client whose connection drops before the first real event can reconnect (GET with
 * `Last-Event-ID`) and be replayed what it missed; a `retry:` field tells it how long to wait first.
 *
 * The Agents SDK's session transport stores every event of a stream for replay (its Durable
 * Object event store) but has no option to send either, so this is a prefix added at the edge, on
 * the response stream of a 2025 POST. For the priming id to resume something real, it must name
 * the stream the SDK stores the answer under: the SDK uses the session connection's id as the
 * stream id and `<stream id>:<16 hex digits>` as event ids (`DurableObjectEventStore`), and takes
 * the connection id from the request's `_pk` parameter. So the router picks the id, sets `_pk`,
 * and primes with `<id>:0000000000000000`, which replays the stream from its first event.
 * (test/worker/mcp.test.ts resumes a dropped stream from the priming id: a change in any of these
 * SDK details fails it.)
 *
 * Only requests of 2025-11-25 (the MCP-Protocol-Version header carries the session's version) get
 * the priming event: older clients do not expect an event with empty data (the MCP SDK's own
 * transport draws the same line). Every 2025 POST stream gets `retry:`, a field older clients
 * already understand and that is no event.
 */

/** How long a client waits before reconnecting a dropped stream. */
export const RETRY_MS = 2000;
const PRIMING_SINCE = "2025-11-25";
const FIRST_EVENT = "0".repeat(16);

export interface PrimedRequest {
  /** The request to hand to the session front end (its stream id chosen here). */
  request: Request;
  /** The front end's answer, primed when it is an SSE stream. */
  prime(response: Response): Response;
}

export function primed(request: Request): PrimedRequest {
  if (request.method !== "POST") return { request, prime: (r) => r };
  const streamId = crypto.randomUUID();
  const url = new URL(request.url);
  url.searchParams.set("_pk", streamId);
  const version = request.headers.get("mcp-protocol-version")?.trim() ?? "";
  const head = version >= PRIMING_SINCE ? `id: ${streamId}:${FIRST_EVENT}\nretry: ${RETRY_MS}\ndata: \n\n` : `retry: ${RETRY_MS}\n\n`;
  return {
    request: new Request(url, request),
    prime(response) {
      const type = response.headers.get("content-type") ?? "";
      if (response.status !== 200 || !type.includes("text/event-stream") || response.body === null) return response;
      return new Response(prefixed(new TextEncoder().encode(head), response.body), response);
    },
  };
}

/** `head`, then the stream as it comes (nothing buffered, cancellation passed on). */
function prefixed(head: Uint8Array, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sentHead = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentHead) {
        sentHead = true;
        controller.enqueue(head);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
