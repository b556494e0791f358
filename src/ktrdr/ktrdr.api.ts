/**
 * The backend adapter: the one module that calls KTRDR over HTTP and knows which route and
 * response shape each wire version uses. Everything it returns is normalised so that callers
 * never see a version difference (training `task_id` vs `operation_id`, data-load id under
 * `data`, missing `/results` or `/metrics`, v2026 routes for downloads and backtests).
 */
import type { z } from "zod";
import type { BackendConfig } from "../config";
import { BackendError, type BackendFailure, readErrorBody } from "./errors";
import * as wire from "./wire";

export interface StartedOperation {
  operation_id: string;
  operation_type: string;
  /** The backend's own words when it sent any. */
  backend_message?: string;
  estimated_duration_minutes?: number;
}

export interface OperationResults {
  operation_id: string;
  operation_type: string;
  status: string;
  results: Record<string, unknown>;
  error_message?: string;
  /** Where the results came from: the `/results` endpoint, or the operation record on backends without it. */
  source: "results_endpoint" | "operation_record";
}

export interface ListQuery {
  status?: string;
  operation_type?: string;
  active_only?: boolean;
  limit?: number;
  offset?: number;
}

export interface DataLoadRequest {
  symbol: string;
  timeframe: string;
  mode: string;
  start_date?: string;
  end_date?: string;
}

export interface TrainingRequest {
  strategy_name: string;
  symbols: string[];
  timeframes: string[];
  start_date?: string;
  end_date?: string;
}

export interface BacktestRequest {
  strategy_name: string;
  symbol: string;
  timeframe: string;
  start_date: string;
  end_date: string;
  model_path?: string;
  initial_capital: number;
  commission: number;
  slippage: number;
}

export interface ApiOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Correlates every backend call of one tool call: sent as `X-Request-ID: <id>.<n>`. */
  requestId?: string;
  /** Aborts in-flight backend calls, e.g. when the MCP client goes away. */
  signal?: AbortSignal;
}

type Method = "GET" | "POST" | "DELETE";

interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Safe to repeat: transient failures are retried briefly. Never set for starts and cancels. */
  idempotent?: boolean;
}

const RETRY_DELAYS_MS = [250, 750];
const TRANSIENT_STATUSES = new Set([502, 503, 504, 520, 521, 522, 523, 524, 530]);

/** Routes that differ by version, remembered per backend once seen (a cache, not operation state). */
const routeMemo = new Map<string, "v2025" | "v2026">();

export class KtrdrApi {
  private readonly cfg: BackendConfig;
  private readonly fetchImpl: typeof fetch;
  private readonly requestId: string;
  private readonly signal?: AbortSignal;
  private calls = 0;

  constructor(cfg: BackendConfig, opts: ApiOptions = {}) {
    this.cfg = cfg;
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.requestId = opts.requestId ?? crypto.randomUUID();
    this.signal = opts.signal;
  }

  /** Backend calls made so far through this instance (Workers bound subrequests per request). */
  get callCount(): number {
    return this.calls;
  }

  get backendHost(): string {
    return new URL(this.cfg.baseUrl).host;
  }

  // ---- operations -------------------------------------------------------------------------

  async listOperations(q: ListQuery) {
    const res = await this.call("GET", "/operations", wire.operationListSchema, {
      query: {
        status: q.status,
        operation_type: q.operation_type,
        active_only: q.active_only ? true : undefined,
        limit: q.limit,
        offset: q.offset,
      },
      idempotent: true,
    });
    return { operations: res.data, total_count: res.total_count ?? res.data.length, active_count: res.active_count ?? undefined };
  }

  /**
   * Active operations of one type, newest first: pending and running (what the backend's
   * `active_only` means in both versions) plus v2026's `resuming`, which `active_only` leaves out
   * and which therefore takes a second, parallel query. A v2025 backend refuses `status=resuming`
   * with a 422; with `auto` that answer only means there are none (nothing is remembered, so a
   * backend upgraded to v2026 is seen at once). Pinned to v2025, the second query is not made.
   */
  async listActiveOperations(operationType: string, limit: number): Promise<wire.OperationSummary[]> {
    const active = this.listOperations({ operation_type: operationType, active_only: true, limit });
    const resuming =
      this.cfg.wireVersion === "v2025"
        ? Promise.resolve([])
        : this.listOperations({ operation_type: operationType, status: "resuming", limit }).then(
            (r) => r.operations,
            (err: unknown) => {
              if (this.cfg.wireVersion === "auto" && err instanceof BackendError && err.status === 422) return [];
              throw err;
            },
          );
    const [a, r] = await Promise.all([active, resuming]);
    const seen = new Set(a.operations.map((o) => o.operation_id));
    const merged = [...a.operations, ...r.filter((o) => !seen.has(o.operation_id))];
    // ISO timestamps sort as strings; the backend sorts each list the same way.
    merged.sort((x, y) => (y.created_at ?? "").localeCompare(x.created_at ?? ""));
    return merged.slice(0, limit);
  }

  async getOperation(id: string): Promise<wire.OperationInfo> {
    const res = await this.call("GET", `/operations/${segment(id)}`, wire.operationEnvelopeSchema, {
      idempotent: true,
    });
    return res.data;
  }

  async cancelOperation(id: string, reason?: string) {
    const res = await this.call("DELETE", `/operations/${segment(id)}`, wire.cancelResponseSchema, {
      body: reason ? { reason } : {},
    });
    const d = res.data;
    return {
      operation_id: d.operation_id ?? id,
      status: d.status ?? "cancelled",
      cancelled_at: d.cancelled_at ?? undefined,
      cancellation_reason: d.cancellation_reason ?? undefined,
      task_cancelled: d.task_cancelled ?? undefined,
      // v2025 reports the training session, v2026 a remote worker; both mean "the remote side stopped".
      remote_cancelled: d.remote_cancelled ?? d.training_session_cancelled ?? undefined,
      children_cancelled: d.children_cancelled?.length ? d.children_cancelled.length : undefined,
    };
  }

  /**
   * Results of a finished operation. Backends from before the `/results` endpoint (404 Not Found
   * for the route) still carry `result_summary` on the operation record, so that is used instead,
   * with the same rule the endpoint applies: only completed and failed operations have results.
   */
  async getResults(id: string): Promise<OperationResults> {
    try {
      const res = await this.call("GET", `/operations/${segment(id)}/results`, wire.resultsResponseSchema, {
        idempotent: true,
      });
      return {
        operation_id: res.operation_id ?? id,
        operation_type: res.operation_type ?? "unknown",
        status: res.status ?? "completed",
        results: res.results ?? {},
        source: "results_endpoint",
      };
    } catch (err) {
      // A 404 is either "no such operation" or "no such route": the operation read tells which.
      if (!(err instanceof BackendError) || err.status !== 404) throw err;
      if (!err.isRouteMissing) throw err;
    }
    const op = await this.getOperation(id);
    return {
      operation_id: op.operation_id,
      operation_type: op.operation_type,
      status: op.status,
      results: op.result_summary ?? {},
      error_message: op.error_message ?? undefined,
      source: "operation_record",
    };
  }

  /** Per-epoch metrics; without the `/metrics` endpoint, what the operation record holds. */
  async getMetrics(id: string): Promise<{ operation_id: string; operation_type: string; metrics: Record<string, unknown>; source: "metrics_endpoint" | "operation_record"; operation?: wire.OperationInfo }> {
    try {
      const res = await this.call("GET", `/operations/${segment(id)}/metrics`, wire.metricsResponseSchema, {
        idempotent: true,
      });
      return {
        operation_id: res.data.operation_id ?? id,
        operation_type: res.data.operation_type ?? "unknown",
        metrics: res.data.metrics ?? {},
        source: "metrics_endpoint",
      };
    } catch (err) {
      if (!(err instanceof BackendError) || !err.isRouteMissing) throw err;
    }
    const op = await this.getOperation(id);
    return {
      operation_id: op.operation_id,
      operation_type: op.operation_type,
      metrics: op.metrics ?? {},
      source: "operation_record",
      operation: op,
    };
  }

  // ---- starts (never retried) ---------------------------------------------------------------

  async startDataLoad(r: DataLoadRequest): Promise<StartedOperation> {
    const body = { symbol: r.symbol, timeframe: r.timeframe, mode: r.mode, start_date: r.start_date ?? null, end_date: r.end_date ?? null };
    return this.versioned(
      "data-load",
      async () => {
        const res = await this.call("POST", "/data/load", wire.dataLoadStartV2025Schema, { body });
        return { operation_id: res.data.operation_id, operation_type: "data_load" };
      },
      async () => {
        const res = await this.call("POST", "/data/acquire/download", wire.dataDownloadStartV2026Schema, { body });
        return { operation_id: res.operation_id, operation_type: "data_load", backend_message: res.message ?? undefined };
      },
    );
  }

  async startTraining(r: TrainingRequest): Promise<StartedOperation> {
    const res = await this.call("POST", "/trainings/start", wire.trainingStartSchema, {
      body: {
        symbols: r.symbols,
        timeframes: r.timeframes,
        strategy_name: r.strategy_name,
        start_date: r.start_date ?? null,
        end_date: r.end_date ?? null,
      },
    });
    const id = res.operation_id ?? res.task_id;
    if (!id) throw new BackendError({ kind: "bad_shape", status: 200, where: "task_id" }, "POST /trainings/start", this.requestId);
    return {
      operation_id: id,
      operation_type: "training",
      backend_message: res.message ?? undefined,
      estimated_duration_minutes: res.estimated_duration_minutes ?? undefined,
    };
  }

  async startBacktest(r: BacktestRequest): Promise<StartedOperation> {
    const common = {
      strategy_name: r.strategy_name,
      symbol: r.symbol,
      timeframe: r.timeframe,
      start_date: r.start_date,
      end_date: r.end_date,
      initial_capital: r.initial_capital,
      commission: r.commission,
      slippage: r.slippage,
    };
    const started = (res: z.infer<typeof wire.backtestStartSchema>, route: string): StartedOperation => {
      const id = res.operation_id ?? res.backtest_id;
      if (!id) throw new BackendError({ kind: "bad_shape", status: 200, where: "operation_id" }, route, this.requestId);
      return { operation_id: id, operation_type: "backtesting", backend_message: res.message ?? undefined };
    };
    return this.versioned(
      "backtest",
      async () => started(await this.call("POST", "/backtests/", wire.backtestStartSchema, { body: { ...common, data_mode: "local" } }), "POST /backtests/"),
      async () =>
        started(
          await this.call("POST", "/backtests/start", wire.backtestStartSchema, { body: { ...common, model_path: r.model_path ?? null } }),
          "POST /backtests/start",
        ),
    );
  }

  // ---- data and discovery --------------------------------------------------------------------

  async getMarketData(symbol: string, timeframe: string, q: { start_date?: string; end_date?: string; trading_hours_only?: boolean }) {
    const res = await this.call("GET", `/data/${segment(symbol)}/${segment(timeframe)}`, wire.marketDataSchema, {
      query: { start_date: q.start_date, end_date: q.end_date, trading_hours_only: q.trading_hours_only ? true : undefined },
      idempotent: true,
    });
    return res.data;
  }

  async health() {
    return this.call("GET", "/health", wire.healthSchema, { idempotent: true });
  }
  async symbols() {
    return (await this.call("GET", "/symbols", wire.symbolsSchema, { idempotent: true })).data;
  }
  async timeframes() {
    return (await this.call("GET", "/timeframes", wire.timeframesSchema, { idempotent: true })).data;
  }
  async indicators() {
    return (await this.call("GET", "/indicators/", wire.indicatorsSchema, { idempotent: true })).data;
  }
  async strategies() {
    return (await this.call("GET", "/strategies/", wire.strategiesSchema, { idempotent: true })).strategies;
  }
  async dataRange(symbol: string, timeframe: string) {
    // A read, though the backend takes it as a POST: safe to repeat.
    return (await this.call("POST", "/data/range", wire.dataRangeSchema, { body: { symbol, timeframe }, idempotent: true })).data;
  }
  async dataInfo() {
    return (await this.call("GET", "/data/info", wire.dataInfoSchema, { idempotent: true })).data;
  }
  async modelPerformance(taskId: string) {
    return this.call("GET", `/trainings/${segment(taskId)}/performance`, wire.performanceSchema, { idempotent: true });
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /**
   * Runs the v2025 or the v2026 form of a call. With `auto`, tries the form this backend used
   * last (v2025 first) and switches when the backend says the route does not exist.
   */
  private async versioned<T>(key: string, v2025: () => Promise<T>, v2026: () => Promise<T>): Promise<T> {
    if (this.cfg.wireVersion === "v2025") return v2025();
    if (this.cfg.wireVersion === "v2026") return v2026();
    const memoKey = `${this.cfg.baseUrl} ${key}`;
    const first = routeMemo.get(memoKey) ?? "v2025";
    const [a, b] = first === "v2025" ? [v2025, v2026] : [v2026, v2025];
    try {
      const out = await a();
      routeMemo.set(memoKey, first);
      return out;
    } catch (err) {
      const missing = err instanceof BackendError && (err.isRouteMissing || err.status === 405);
      if (!missing) throw err;
    }
    const out = await b();
    routeMemo.set(memoKey, first === "v2025" ? "v2026" : "v2025");
    return out;
  }

  private async call<S extends z.ZodType>(method: Method, path: string, schema: S, opts: CallOptions = {}): Promise<z.infer<S>> {
    const route = `${method} ${path.replace(/\/op_[^/]+/, "/{id}")}`;
    const attempts = opts.idempotent ? RETRY_DELAYS_MS.length + 1 : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, schema, opts, route);
      } catch (err) {
        const retryable =
          err instanceof BackendError &&
          (err.failure.kind === "unreachable" || (err.status !== undefined && TRANSIENT_STATUSES.has(err.status)));
        if (!retryable || attempt + 1 >= attempts || this.signal?.aborted) throw err;
        await sleep(RETRY_DELAYS_MS[attempt] ?? 1000, this.signal);
      }
    }
  }

  private async once<S extends z.ZodType>(method: Method, path: string, schema: S, opts: CallOptions, route: string): Promise<z.infer<S>> {
    const url = new URL(this.cfg.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    this.calls += 1;
    const requestId = `${this.requestId}.${this.calls}`;
    const headers: Record<string, string> = { Accept: "application/json", "X-Request-ID": requestId };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (this.cfg.accessClientId && this.cfg.accessClientSecret) {
      headers["CF-Access-Client-Id"] = this.cfg.accessClientId;
      headers["CF-Access-Client-Secret"] = this.cfg.accessClientSecret;
    }
    const fail = (f: BackendFailure): never => {
      throw new BackendError(f, route, requestId);
    };
    // A timer we clear ourselves: AbortSignal.timeout would keep the Durable Object busy (and
    // unevictable) for the whole timeout after every call.
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(), this.cfg.timeoutMs);
    try {
      return await this.exchange(method, url, headers, opts.body, schema, timer.signal, fail);
    } finally {
      clearTimeout(handle);
    }
  }

  private async exchange<S extends z.ZodType>(
    method: Method,
    url: URL,
    headers: Record<string, string>,
    requestBody: unknown,
    schema: S,
    timeout: AbortSignal,
    fail: (f: BackendFailure) => never,
  ): Promise<z.infer<S>> {
    const signal = this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
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
      if (timeout.aborted) return fail({ kind: "timeout", afterMs: this.cfg.timeoutMs });
      return fail({ kind: "unreachable" });
    }

    let text: string;
    try {
      text = await res.text();
    } catch {
      if (this.signal?.aborted) return fail({ kind: "aborted" });
      if (timeout.aborted) return fail({ kind: "timeout", afterMs: this.cfg.timeoutMs });
      return fail({ kind: "bad_json", status: res.status });
    }

    const contentType = res.headers.get("content-type") ?? "";
    const looksHtml = /html/i.test(contentType) || /^\s*</.test(text);
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location") ?? "";
      return fail({ kind: "not_json", status: res.status, hint: /cloudflareaccess|cdn-cgi\/access/i.test(location) ? "access_login" : "other" });
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
      const e = readErrorBody(body);
      // A backend or proxy may quote request headers back: never pass the service token on.
      const message = redact(e?.message ?? `HTTP ${res.status}`, [this.cfg.accessClientSecret, this.cfg.accessClientId]);
      return fail({ kind: "http", status: res.status, message, code: e?.code });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail({ kind: "bad_shape", status: res.status, where: issue ? issue.path.join(".") || "(root)" : "(root)" });
    }
    return parsed.data;
  }
}

/**
 * One path segment from an agent-supplied value (operation id, symbol, timeframe). Tools validate
 * their input first; this is the adapter's own guarantee that no value can change which route is
 * called: `.`, `..`, separators and control characters are refused, everything else is encoded.
 */
export function segment(value: string): string {
  if (!/^\^?[A-Za-z0-9][A-Za-z0-9_.:=-]{0,127}$/.test(value) || value.includes("..")) {
    throw new BackendError({ kind: "bad_input", value: value.slice(0, 40) }, "(not sent)", "-");
  }
  return encodeURIComponent(value);
}

function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
