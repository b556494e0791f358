/**
 * The one shared fetch to KTRDR: URL building, the Cloudflare Access service-token headers,
 * `X-Request-ID` correlation, per-call timeouts bounded by an optional deadline, brief retries of
 * idempotent reads, and turning every answer into either the parsed wire object or a
 * `BackendError`. It also remembers which wire version a backend speaks once a version-specific
 * route has told (a cache per backend URL, not operation state).
 */
import type { z } from "zod";
import type { BackendConfig } from "../config";
import { BackendError, type BackendFailure, classifyHttp, readErrorBody, TRANSIENT_STATUSES } from "./errors";

export type WireVersion = "v2025" | "v2026";
export type Method = "GET" | "POST" | "DELETE";

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Safe to repeat: transient failures are retried briefly. Never set for starts and cancels. */
  idempotent?: boolean;
  /** Reads at most this many bytes of the answer; a longer one fails as `too_large` (unbounded routes, e.g. `/checkpoints`). */
  maxBytes?: number;
}

export interface HttpOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Correlates every backend call of one tool call: sent as `X-Request-ID: <id>.<n>`. */
  requestId?: string;
  /** Aborts in-flight backend calls, e.g. when the MCP client goes away. */
  signal?: AbortSignal;
}

const RETRY_DELAYS_MS = [250, 750];

/** The wire version each backend URL was seen to speak (learned from version-specific routes). */
const versionMemo = new Map<string, WireVersion>();

export class KtrdrHttp {
  readonly cfg: BackendConfig;
  private readonly fetchImpl: typeof fetch;
  private readonly requestId: string;
  private readonly signal?: AbortSignal;
  /** Shared by every view of this instance made with `withDeadline`. */
  private readonly counter: { calls: number };
  /** Epoch ms after which no call starts and in-flight calls are aborted. */
  private readonly deadline?: number;

  constructor(cfg: BackendConfig, opts: HttpOptions = {}, shared?: { counter: { calls: number }; deadline?: number }) {
    this.cfg = cfg;
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.requestId = opts.requestId ?? crypto.randomUUID();
    this.signal = opts.signal;
    this.counter = shared?.counter ?? { calls: 0 };
    this.deadline = shared?.deadline;
  }

  /** The same client, but every call (and retry) ends by `deadline` (epoch ms). */
  withDeadline(deadline: number): KtrdrHttp {
    const d = this.deadline === undefined ? deadline : Math.min(this.deadline, deadline);
    return new KtrdrHttp(
      this.cfg,
      { fetch: this.fetchImpl, requestId: this.requestId, signal: this.signal },
      { counter: this.counter, deadline: d },
    );
  }

  get callCount(): number {
    return this.counter.calls;
  }

  get backendHost(): string {
    return new URL(this.cfg.baseUrl).host;
  }

  get aborted(): boolean {
    return this.signal?.aborted ?? false;
  }

  /** The wire version: pinned by configuration, or learned from this backend's routes; undefined while unknown. */
  get version(): WireVersion | undefined {
    if (this.cfg.wireVersion !== "auto") return this.cfg.wireVersion;
    return versionMemo.get(this.cfg.baseUrl);
  }

  learnVersion(v: WireVersion): void {
    if (this.cfg.wireVersion === "auto") versionMemo.set(this.cfg.baseUrl, v);
  }

  /**
   * Runs the v2025 or the v2026 form of a call. With `auto`, tries the version this backend is
   * known to speak (v2025 while unknown) and switches when the backend says the route does not
   * exist (404 Not Found, or 405 where v2025 has a look-alike GET route).
   */
  async versioned<T>(v2025: () => Promise<T>, v2026: () => Promise<T>): Promise<T> {
    if (this.cfg.wireVersion !== "auto") return this.cfg.wireVersion === "v2025" ? v2025() : v2026();
    const first: WireVersion = this.version ?? "v2025";
    const [a, b] = first === "v2025" ? [v2025, v2026] : [v2026, v2025];
    try {
      const out = await a();
      this.learnVersion(first);
      return out;
    } catch (err) {
      const missing = err instanceof BackendError && (err.is("route_missing") || err.status === 405);
      if (!missing) throw err;
    }
    const other: WireVersion = first === "v2025" ? "v2026" : "v2025";
    const out = await b();
    this.learnVersion(other);
    return out;
  }

  async call<S extends z.ZodType>(method: Method, path: string, schema: S, opts: CallOptions = {}): Promise<z.infer<S>> {
    const route = `${method} ${path.replace(/\/op_[^/]+/, "/{id}")}`;
    const attempts = opts.idempotent ? RETRY_DELAYS_MS.length + 1 : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, schema, opts, route);
      } catch (err) {
        // Connection failures and gateway/tunnel errors; not a v2026 "no worker" 503 (that is an answer).
        const retryable =
          err instanceof BackendError &&
          (err.failure.kind === "unreachable" ||
            (err.httpCause.is === "other" && err.status !== undefined && TRANSIENT_STATUSES.has(err.status)));
        const delay = RETRY_DELAYS_MS[attempt] ?? 1000;
        const room = this.deadline === undefined ? Infinity : this.deadline - Date.now() - delay;
        if (!retryable || attempt + 1 >= attempts || this.aborted || room <= 0) throw err;
        await sleep(delay, this.signal);
      }
    }
  }

  private async once<S extends z.ZodType>(method: Method, path: string, schema: S, opts: CallOptions, route: string): Promise<z.infer<S>> {
    const url = new URL(this.cfg.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const budget = this.deadline === undefined ? this.cfg.timeoutMs : Math.min(this.cfg.timeoutMs, this.deadline - Date.now());
    if (budget <= 0) throw new BackendError({ kind: "timeout", afterMs: 0 }, route, "-");
    this.counter.calls += 1;
    const requestId = `${this.requestId}.${this.counter.calls}`;
    const headers: Record<string, string> = { Accept: "application/json", "X-Request-ID": requestId };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (this.cfg.accessClientId && this.cfg.accessClientSecret) {
      headers["CF-Access-Client-Id"] = this.cfg.accessClientId;
      headers["CF-Access-Client-Secret"] = this.cfg.accessClientSecret;
    }
    const fail = (f: BackendFailure): never => {
      throw new BackendError(f, route, requestId);
    };
    // One controller per call, aborted by its timer or by the tool call's own signal. The timer is
    // cleared when the call ends: AbortSignal.timeout would keep the Durable Object busy (and
    // unevictable) for the whole timeout after every call. The caller's signal is followed by a
    // listener removed at the end, not AbortSignal.any, whose dependent signal costs more to build.
    const abort = new AbortController();
    const timer = { expired: false };
    const handle = setTimeout(() => {
      timer.expired = true;
      abort.abort();
    }, budget);
    const caller = this.signal;
    const follow = () => abort.abort();
    if (caller?.aborted) abort.abort();
    else caller?.addEventListener("abort", follow, { once: true });
    try {
      return await this.exchange(method, url, headers, opts.body, schema, abort.signal, timer, budget, fail, opts.maxBytes);
    } finally {
      clearTimeout(handle);
      caller?.removeEventListener("abort", follow);
    }
  }

  private async exchange<S extends z.ZodType>(
    method: Method,
    url: URL,
    headers: Record<string, string>,
    requestBody: unknown,
    schema: S,
    signal: AbortSignal,
    timer: { readonly expired: boolean },
    budget: number,
    fail: (f: BackendFailure) => never,
    maxBytes?: number,
  ): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await this.fetchImpl(url.toString(), {
        method,
        headers,
        body: requestBody === undefined ? undefined : JSON.stringify(requestBody),
        signal,
        redirect: "manual",
      });
    } catch {
      if (this.signal?.aborted) return fail({ kind: "aborted" });
      if (timer.expired) return fail({ kind: "timeout", afterMs: budget });
      return fail({ kind: "unreachable" });
    }

    let text: string;
    try {
      const capped = maxBytes === undefined ? undefined : await readCapped(res, maxBytes);
      if (capped === "too_large") return fail({ kind: "too_large", status: res.status, limit: maxBytes as number });
      text = capped ?? (await res.text());
    } catch {
      if (this.signal?.aborted) return fail({ kind: "aborted" });
      if (timer.expired) return fail({ kind: "timeout", afterMs: budget });
      return fail({ kind: "bad_json", status: res.status });
    }

    const contentType = res.headers.get("content-type") ?? "";
    const looksHtml = /html/i.test(contentType) || /^\s*</.test(text);
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location") ?? "";
      return fail({
        kind: "not_json",
        status: res.status,
        hint: /cloudflareaccess|cdn-cgi\/access/i.test(location) ? "access_login" : "other",
      });
    }
    if (looksHtml || (text.trim() !== "" && !/json/i.test(contentType) && !/^\s*[[{]/.test(text))) {
      const hint = TRANSIENT_STATUSES.has(res.status)
        ? "tunnel"
        : /cloudflare\s*access|cloudflareaccess|cf-access|sign in|log in/i.test(text) || res.status === 401 || res.status === 403
          ? "access_login"
          : "other";
      return fail({ kind: "not_json", status: res.status, hint });
    }

    let body: unknown;
    try {
      body = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      return fail({ kind: "bad_json", status: res.status });
    }

    if (!res.ok) {
      // A backend or proxy may quote request headers back: never pass the service token on.
      const e = readErrorBody(body, [this.cfg.accessClientSecret, this.cfg.accessClientId]);
      const message = e?.message ?? `HTTP ${res.status}`;
      return fail({ kind: "http", status: res.status, message, code: e?.code, cause: classifyHttp(res.status, e) });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail({ kind: "bad_shape", status: res.status, where: issue ? issue.path.join(".") || "(root)" : "(root)" });
    }
    return parsed.data;
  }
}

/** The body as text, or "too_large" as soon as it passes `max` bytes (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string | "too_large"> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    return "too_large";
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return "too_large";
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/**
 * One path segment from an agent-supplied value (operation id, symbol, timeframe). Tools validate
 * their input first; this is the adapter's own guarantee that no value can change which route is
 * called: `.`, `..`, separators and control characters are refused, everything else is encoded.
 * Broader than the operation-id rule (`OPERATION_ID_PATTERN` in `model.ts`), which it contains:
 * a segment may also be a symbol (`^GSPC`, `EURUSD=X`) or one character long.
 */
export function segment(value: string): string {
  if (!/^\^?[A-Za-z0-9][A-Za-z0-9_.:=-]{0,127}$/.test(value) || value.includes("..")) {
    throw new BackendError({ kind: "bad_input", value: value.slice(0, 40) }, "(not sent)", "-");
  }
  return encodeURIComponent(value);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
