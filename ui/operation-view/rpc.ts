/**
 * The view's whole link to the world: JSON-RPC 2.0 over postMessage with the host (MCP Apps,
 * SEP-1865). No SDK — the view sends `ui/initialize`, then `ui/notifications/initialized`, size
 * changes and `tools/call` requests (the host forwards those to this server); it receives
 * tool input and results, host context changes and `ui/resource-teardown`. Only messages from
 * the parent window count.
 */

export type Rec = Record<string, unknown>;

export class RpcError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export interface Rpc {
  request<T = Rec>(method: string, params: Rec, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<T>;
  notify(method: string, params?: Rec): void;
}

export interface HostEvents {
  /** A notification from the host (tool input and result, context changes …). */
  notification(method: string, params: Rec): void;
  /** `ui/resource-teardown`: stop everything; the answer goes out when this returns. */
  teardown(): void;
}

export function connect(events: HostEvents): Rpc {
  const host = window.parent;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  let nextId = 1;
  const post = (m: Rec) => host.postMessage({ jsonrpc: "2.0", ...m }, "*");

  window.addEventListener("message", (e: MessageEvent) => {
    if (e.source !== host) return;
    const m = e.data as Rec | null;
    if (!m || typeof m !== "object" || m.jsonrpc !== "2.0") return;
    const id = m.id as number | string | undefined;
    if (typeof m.method === "string") {
      const params = (m.params && typeof m.params === "object" ? m.params : {}) as Rec;
      if (id === undefined) return events.notification(m.method, params);
      if (m.method === "ui/resource-teardown") {
        events.teardown();
        post({ id, result: {} });
      } else if (m.method === "ping") post({ id, result: {} });
      else post({ id, error: { code: -32601, message: `Method not found: ${m.method}` } });
      return;
    }
    const p = typeof id === "number" ? pending.get(id) : undefined;
    if (!p) return;
    const err = m.error as Rec | undefined;
    if (err)
      p.fail(
        new RpcError(
          typeof err.message === "string" ? err.message : "The host refused the request",
          typeof err.code === "number" ? err.code : undefined,
        ),
      );
    else p.ok(m.result);
  });

  return {
    request<T>(method: string, params: Rec, opts: { signal?: AbortSignal; timeoutMs?: number } = {}) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const { signal, timeoutMs } = opts;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          pending.delete(id);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        };
        // Give up on a request: tell the host, so it stops the call it forwards (and the server its wait).
        const abandon = (why: string) => {
          done();
          post({ method: "notifications/cancelled", params: { requestId: id, reason: why } });
          reject(new RpcError(why, -1));
        };
        const onAbort = () => abandon("The view stopped following");
        if (signal?.aborted) return reject(new RpcError("The view stopped following", -1));
        pending.set(id, {
          ok: (v) => {
            done();
            resolve(v as T);
          },
          fail: (e) => {
            done();
            reject(e);
          },
        });
        signal?.addEventListener("abort", onAbort);
        if (timeoutMs) timer = setTimeout(() => abandon(`No answer from the host within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
        post({ id, method, params });
      });
    },
    notify(method, params) {
      post(params ? { method, params } : { method });
    },
  };
}
