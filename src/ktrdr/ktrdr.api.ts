/**
 * The backend adapter: everything the tools can ask KTRDR, answered in the normalised model
 * (`model.ts`) whichever version answers. It knows which route each version uses, and where a
 * backend cannot answer directly it asks the endpoints that can and says which facts are missing:
 *
 * - v2025 cannot serialise a completed training's record (HTTP 500 for good): the operation is
 *   answered from its list row, and its metrics from `/trainings/{id}/performance`.
 * - v2026 lists operations from an in-memory view that misses those run by workers: the busy
 *   workers' current operations are read by id (which also makes the backend list them).
 * - Cancels the backend reports as failed or completed are read back as cancelled (`normalise.ts`).
 * - Results of a failed operation come with its error message, which only the record holds.
 */
import type { z } from "zod";
import type { BackendConfig } from "../config";
import { BackendError, type HttpCause, Unsupported } from "./errors";
import { KtrdrHttp, type HttpOptions, segment, type WireVersion } from "./http";
import { isActive, type Operation, type OperationPage, type OperationRow, type Results, type Started, type Worker } from "./model";
import {
  epochsFromMetrics,
  metricsExtras,
  operationFromRecord,
  operationFromRow,
  resultsFrom,
  resultsFromPerformance,
  resultsUnknown,
  rowFromOperation,
  rowFromSummary,
} from "./normalise";
import { scrubOptional, scrubText, scrubValue } from "./scrub";
import * as wire from "./wire";

export type { WireVersion } from "./http";

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

export type CancelOutcome =
  | {
      cancelled: true;
      operation_id: string;
      cancelled_at?: string;
      cancellation_reason?: string;
      task_cancelled?: boolean;
      /** The training host or worker confirmed it stopped (v2025 `training_session_cancelled`, v2026 `remote_cancelled`). */
      remote_cancelled?: boolean;
      children_cancelled?: number;
    }
  | {
      cancelled: false;
      operation_id: string;
      /** The status the backend refused the cancel for, normalised when the record could be read. */
      status: string;
      operation?: Operation;
    };

export interface ResultsOutcome {
  /** What is known of the operation (normalised status, error or cancel reason). */
  operation: Operation;
  /** Absent when the operation has none (not finished, cancelled, failed without any). */
  results?: Results;
}

export interface MetricsOutcome {
  operation_id: string;
  operation_type: string;
  epochs: import("./model").Epoch[];
  /** Other figures the backend sent with them (best_epoch, is_overfitting, …). */
  extras: Record<string, unknown>;
  source: "metrics_endpoint" | "operation_record";
  operation?: Operation;
}

export interface MarketData {
  dates: string[];
  ohlcv: Array<Array<number | null>>;
}

export interface Strategy {
  name: string;
  description?: string;
  symbol?: unknown;
  timeframe?: unknown;
  training_status?: string;
  latest_version?: unknown;
  latest_training_date?: string;
}

/** Candidate rows whose listed status the server checks by reading their record, at most, per call. */
const MAX_STATUS_CHECKS = 10;
/** Operations a search for one id reads, at most (pages of the backend's maximum size). */
const FIND_PAGES = 3;
const PAGE_MAX = 1000;

export class KtrdrApi {
  private readonly http: KtrdrHttp;

  constructor(cfg: BackendConfig, opts: HttpOptions = {}, http?: KtrdrHttp) {
    this.http = http ?? new KtrdrHttp(cfg, opts);
  }

  /** The same adapter, but no backend call (or retry) runs past `deadline` (epoch ms). */
  withDeadline(deadline: number): KtrdrApi {
    return new KtrdrApi(this.http.cfg, {}, this.http.withDeadline(deadline));
  }

  /** Backend calls made so far through this adapter (Workers bound subrequests per request). */
  get callCount(): number {
    return this.http.callCount;
  }

  get backendHost(): string {
    return this.http.backendHost;
  }

  /** The wire version, asking the backend once when neither configured nor learned (`GET /workers` exists only on v2026). */
  async version(): Promise<WireVersion | undefined> {
    if (this.http.version) return this.http.version;
    await this.workers().catch(() => undefined);
    return this.http.version;
  }

  // ---- operations ---------------------------------------------------------------------------

  /**
   * One operation. When the backend fails to serve its record (v2025's 500 for completed
   * trainings, or any other non-transient 5xx), the answer comes from the operation's list row
   * (and, for a completed training, `/trainings/{id}/performance`), saying which facts are missing.
   */
  async getOperation(id: string): Promise<Operation> {
    try {
      const res = await this.http.call("GET", `/operations/${segment(id)}`, wire.operationEnvelopeSchema, { idempotent: true });
      return operationFromRecord(res.data);
    } catch (err) {
      if (!(err instanceof BackendError) || !recordUnservable(err)) throw err;
      return this.fromOtherEndpoints(id, err);
    }
  }

  private async fromOtherEndpoints(id: string, original: BackendError): Promise<Operation> {
    const row = await this.findRow(id).catch(() => undefined);
    if (!row) throw original;
    const why = original.is("record_unserialisable")
      ? "KTRDR cannot serialise this operation's record (HTTP 500 PydanticSerializationError, a v2025 bug once a training completes): status and progress are from the operations list."
      : `KTRDR failed to return this operation's record (HTTP ${original.status}): status and progress are from the operations list.`;
    const op = operationFromRow(row, why);
    if (op.status !== "completed") return op;
    const training = op.operation_type === "training";
    if (training) {
      try {
        const perf = await this.http.call("GET", `/trainings/${segment(id)}/performance`, wire.performanceSchema, { idempotent: true });
        op.results = resultsFromPerformance(perf as Record<string, unknown>);
        op.unknown = [...(op.unknown ?? []), "model_path"];
        op.notes = [...(op.notes ?? []), "Final metrics are from /trainings/{id}/performance, which has no model path."];
        return op;
      } catch {
        // Said below: the results are as unknown as for any other type.
      }
    }
    return resultsUnknown(
      op,
      `Its results are not known: the operations list holds none${training ? " and /trainings/{id}/performance failed too" : ""}. ` +
        "Call get_operation_results later; if KTRDR keeps failing, the backend operator should check KTRDR's logs.",
    );
  }

  /** The list row of one operation, searching the whole list (newest first). */
  private async findRow(id: string): Promise<OperationRow | undefined> {
    for (let page = 0; page < FIND_PAGES; page++) {
      const res = await this.http.call("GET", "/operations", wire.operationListSchema, {
        query: { limit: PAGE_MAX, offset: page * PAGE_MAX },
        idempotent: true,
      });
      const hit = res.data.find((r) => r.operation_id === id);
      if (hit) return rowFromSummary(hit);
      if (res.data.length < PAGE_MAX) return undefined;
    }
    return undefined;
  }

  /**
   * A page of operations, newest first, with each row's status as the server knows it:
   * - on v2026, operations that busy workers run are read by id first, so they are listed;
   * - rows whose listed status a known quirk may have changed (a v2025 training listed `failed`,
   *   a dummy listed `completed`) are checked against their record, at most `MAX_STATUS_CHECKS`;
   * - with `status: "cancelled"`, those quirky rows are searched too, since the backend lists
   *   them under another status.
   */
  async listOperations(q: ListQuery): Promise<OperationPage> {
    const limit = q.limit ?? 10;
    const offset = q.offset ?? 0;
    const notes: string[] = [];
    const revealed = await this.revealWorkerOperations(notes);
    const checks = new StatusChecks(this, MAX_STATUS_CHECKS, this.http.version);

    const candidates = q.status === "cancelled" ? checks.cancelCandidates(q.operation_type) : [];
    if (candidates.length > 0) return this.listCancelled(q, limit, offset, candidates, revealed, checks, notes);

    const res = await this.rawList({ ...q, limit, offset });
    const rows = await checks.resolve(res.data.map(rowFromSummary));
    let kept = rows;
    if (q.status) {
      kept = rows.filter((r) => r.status === q.status);
      const moved = rows.length - kept.length;
      if (moved > 0)
        notes.push(
          `${moved} operation(s) KTRDR lists as ${q.status} were in fact ${[...new Set(rows.filter((r) => r.status !== q.status).map((r) => r.status))].join(", ")} and are left out; total_count is KTRDR's own count.`,
        );
    }
    const listed = new Set(rows.map((r) => r.operation_id));
    const extra = revealed.filter((op) => !listed.has(op.operation_id) && matches(op, q)).map((op) => rowFromOperation(op, Date.now()));
    if (extra.length > 0 && offset === 0) {
      kept = [...extra, ...kept].sort(newestFirst).slice(0, limit);
      notes.push(`${extra.length} operation(s) running on a KTRDR worker were missing from KTRDR's list and are included.`);
    }
    if (checks.skipped > 0) notes.push(`${checks.skipped} row(s) were not checked against their record (statuses as KTRDR lists them).`);
    return {
      rows: kept,
      total_count: res.total_count ?? undefined,
      active_count: res.active_count ?? undefined,
      ...(notes.length ? { notes } : {}),
    };
  }

  /** `status: "cancelled"`: the cancelled rows plus the quirky rows that turn out cancelled, merged newest first. */
  private async listCancelled(
    q: ListQuery,
    limit: number,
    offset: number,
    candidates: ListQuery[],
    revealed: Operation[],
    checks: StatusChecks,
    notes: string[],
  ): Promise<OperationPage> {
    const window = Math.min(PAGE_MAX, offset + limit);
    const [main, ...others] = await Promise.all([
      this.rawList({ ...q, limit: window, offset: 0 }),
      ...candidates.map((c) => this.rawList({ ...c, active_only: q.active_only, limit: window, offset: 0 })),
    ]);
    const found: OperationRow[] = [];
    let truncated = false;
    for (const page of others) {
      if (!page) continue;
      const resolved = await checks.resolve(page.data.map(rowFromSummary));
      found.push(...resolved.filter((r) => r.status === "cancelled"));
      if ((page.total_count ?? page.data.length) > page.data.length) truncated = true;
    }
    const base = main ? main.data.map(rowFromSummary) : [];
    const seen = new Set(base.map((r) => r.operation_id));
    const merged = [...base, ...found.filter((r) => !seen.has(r.operation_id))];
    for (const op of revealed)
      if (!merged.some((r) => r.operation_id === op.operation_id) && matches(op, q)) merged.push(rowFromOperation(op, Date.now()));
    merged.sort(newestFirst);
    if (found.length > 0) notes.push(`${found.length} operation(s) KTRDR lists as failed or completed were cancelled and are included.`);
    const exact = !truncated && checks.skipped === 0 && main?.total_count != null;
    if (!exact) notes.push("Some operations KTRDR lists as failed or completed were not checked, so more cancelled ones may exist.");
    const total = (main?.total_count ?? base.length) + found.length;
    return {
      rows: merged.slice(offset, offset + limit),
      ...(exact ? { total_count: total } : { total_at_least: total }),
      active_count: main?.active_count ?? undefined,
      notes,
    };
  }

  private async rawList(q: ListQuery) {
    return this.http.call("GET", "/operations", wire.operationListSchema, {
      query: {
        status: q.status,
        operation_type: q.operation_type,
        active_only: q.active_only ? true : undefined,
        limit: q.limit,
        offset: q.offset,
      },
      idempotent: true,
    });
  }

  /**
   * Active operations of one type, read in full: what busy workers run (v2026), pending and
   * running (the backend's `active_only`, both versions) and v2026's `resuming`, which
   * `active_only` leaves out. A v2025 backend refuses `status=resuming` with a 422; under `auto`
   * that only means there are none.
   */
  async activeOperations(operationType: string, maxReads = 10): Promise<Operation[]> {
    const revealed = (await this.revealWorkerOperations([])).filter((op) => op.operation_type === operationType && isActive(op.status));
    const active = this.rawList({ operation_type: operationType, active_only: true, limit: 50 });
    const resuming =
      this.http.version === "v2025"
        ? Promise.resolve(undefined)
        : this.rawList({ operation_type: operationType, status: "resuming", limit: 50 }).catch((err: unknown) => {
            if (this.http.cfg.wireVersion === "auto" && err instanceof BackendError && err.status === 422) return undefined;
            throw err;
          });
    const [a, r] = await Promise.all([active, resuming]);
    const seen = new Set(revealed.map((o) => o.operation_id));
    const rows = [...a.data, ...(r?.data ?? [])].filter((row) => {
      if (row.operation_type !== operationType || seen.has(row.operation_id)) return false;
      seen.add(row.operation_id);
      return true;
    });
    rows.sort(newestFirst);
    const reads = await Promise.all(rows.slice(0, maxReads).map((row) => this.getOperation(row.operation_id).catch(() => undefined)));
    return [...revealed, ...reads.filter((o): o is Operation => o !== undefined && isActive(o.status))];
  }

  /** v2026 workers (undefined on a backend without workers, i.e. v2025). */
  async workers(): Promise<Worker[] | undefined> {
    if (this.http.version === "v2025") return undefined;
    try {
      const list = await this.http.call("GET", "/workers", wire.workersSchema, { idempotent: true });
      this.http.learnVersion("v2026");
      return list.map((w) => ({
        worker_id: w.worker_id,
        worker_type: w.worker_type,
        status: w.status,
        ...(w.current_operation_id ? { current_operation_id: w.current_operation_id } : {}),
      }));
    } catch (err) {
      if (err instanceof BackendError && err.is("route_missing")) {
        this.http.learnVersion("v2025");
        return undefined;
      }
      throw err;
    }
  }

  /**
   * The operations busy workers run, read by id: v2026's list misses them until they are read.
   * A failure to ask is noted, not fatal: the list still answers.
   */
  private async revealWorkerOperations(notes: string[]): Promise<Operation[]> {
    let workers: Worker[] | undefined;
    try {
      workers = await this.workers();
    } catch {
      notes.push(
        "KTRDR's workers could not be read, so operations running on a worker may be missing (KTRDR v2026 lists them only once read).",
      );
      return [];
    }
    const ids = [...new Set((workers ?? []).map((w) => w.current_operation_id).filter((x): x is string => Boolean(x)))];
    const ops = await Promise.all(ids.map((id) => this.getOperation(id).catch(() => undefined)));
    return ops.filter((o): o is Operation => o !== undefined);
  }

  /** The operation a busy worker of this type runs, if the backend says (after a v2026 503). */
  async busyWith(workerType: string): Promise<Operation | undefined> {
    const workers = await this.workers().catch(() => undefined);
    const id = workers?.find((w) => w.worker_type === workerType && w.current_operation_id)?.current_operation_id;
    return id ? this.getOperation(id).catch(() => undefined) : undefined;
  }

  async cancelOperation(id: string, reason?: string): Promise<CancelOutcome> {
    try {
      const res = await this.http.call("DELETE", `/operations/${segment(id)}`, wire.cancelResponseSchema, {
        body: reason ? { reason } : {},
      });
      const d = res.data;
      return {
        cancelled: true,
        operation_id: d.operation_id ?? id,
        cancelled_at: d.cancelled_at ?? undefined,
        cancellation_reason: scrubOptional(d.cancellation_reason ?? undefined),
        task_cancelled: d.task_cancelled ?? undefined,
        remote_cancelled: d.remote_cancelled ?? d.training_session_cancelled ?? undefined,
        children_cancelled: d.children_cancelled?.length ? d.children_cancelled.length : undefined,
      };
    } catch (err) {
      const cause: HttpCause | undefined = err instanceof BackendError ? err.httpCause : undefined;
      if (cause?.is !== "not_cancellable") throw err;
      // The refusal names the backend's status (a cancelled v2025 training says FAILED): the record tells the truth.
      const op = await this.getOperation(id).catch(() => undefined);
      return { cancelled: false, operation_id: id, status: op?.status ?? cause.status, ...(op ? { operation: op } : {}) };
    }
  }

  /**
   * Results of a finished operation, with what is known about the operation itself. A failed
   * operation's results come with its error (only the record has it); a cancel the backend
   * reported otherwise is cancelled; backends without `/results` answer from the record.
   *
   * A completed operation's results are never made up: where neither `/results` nor the record
   * (nor, for a v2025 training, `/performance`) gives them, the operation says `unknown:
   * ["results"]` and why. KTRDR's `/results` answers `{}` for a summary it does not hold, so an
   * empty answer there is not taken as "no results"; only an empty summary in the record is.
   */
  async getResults(id: string): Promise<ResultsOutcome> {
    let res: z.infer<typeof wire.resultsResponseSchema>;
    try {
      res = await this.http.call("GET", `/operations/${segment(id)}/results`, wire.resultsResponseSchema, { idempotent: true });
    } catch (err) {
      if (!(err instanceof BackendError)) throw err;
      const cause = err.httpCause;
      if (cause.is === "not_finished") {
        const op = await this.getOperation(id).catch(() => undefined);
        return {
          operation: op ?? {
            operation_id: id,
            operation_type: "unknown",
            status: cause.status,
            source: "record",
            unknown: ["operation_type"],
          },
        };
      }
      // No `/results` (early v2025), or one that fails for good or still after retries: the record
      // may hold the results. (Not after a timeout: a second wait as long would outlast the caller.)
      if (cause.is === "route_missing" || recordUnservable(err) || (err.transient && err.failure.kind !== "timeout")) {
        const op = await this.getOperation(id);
        if (op.status === "completed") return completedResults(op, resultsFailure(err));
        return { operation: op, ...(op.results ? { results: op.results } : {}) };
      }
      throw err;
    }
    const type = res.operation_type ?? "unknown";
    const raw = res.results ?? {};
    const empty = Object.keys(raw).length === 0;
    if (res.status === "completed" && !empty && raw.status !== "cancelled") {
      return {
        operation: { operation_id: res.operation_id ?? id, operation_type: type, status: "completed", source: "record" },
        results: resultsFrom(type, raw),
      };
    }
    // Failed, cancelled-but-listed-otherwise, or completed without results: the record says why.
    const op = await this.getOperation(id);
    if (!empty) return { operation: op, results: resultsFrom(op.operation_type, raw) };
    if (op.status === "completed")
      return completedResults(op, {
        why: `KTRDR's results endpoint answered none (${res.results === null ? "null" : "{}"}, what it sends when it holds no result summary)`,
        next: "KTRDR may have lost them (e.g. in a restart) or never stored them: run the operation again if you need its results.",
      });
    return { operation: op };
  }

  /** Per-epoch metrics; without the `/metrics` endpoint (v2025), what the operation record holds. */
  async getMetrics(id: string): Promise<MetricsOutcome> {
    try {
      const res = await this.http.call("GET", `/operations/${segment(id)}/metrics`, wire.metricsResponseSchema, { idempotent: true });
      const epochs = epochsFromMetrics(res.data.metrics) ?? [];
      return {
        operation_id: res.data.operation_id ?? id,
        operation_type: res.data.operation_type ?? "unknown",
        epochs,
        extras: metricsExtras(res.data.metrics),
        source: "metrics_endpoint",
      };
    } catch (err) {
      if (!(err instanceof BackendError) || !err.is("route_missing")) throw err;
    }
    const op = await this.getOperation(id);
    const epochs = op.epochs ?? op.results?.training?.history ?? (op.latest_epoch ? [op.latest_epoch] : []);
    return {
      operation_id: op.operation_id,
      operation_type: op.operation_type,
      epochs,
      extras: {},
      source: "operation_record",
      operation: op,
    };
  }

  // ---- starts (never retried) ---------------------------------------------------------------

  async startDataLoad(r: DataLoadRequest): Promise<Started> {
    const body = { symbol: r.symbol, timeframe: r.timeframe, mode: r.mode, start_date: r.start_date ?? null, end_date: r.end_date ?? null };
    return this.http.versioned(
      async () => {
        const res = await this.http.call("POST", "/data/load", wire.dataLoadStartV2025Schema, { body });
        return { operation_id: res.data.operation_id, operation_type: "data_load" };
      },
      async () => {
        if (r.mode === "local") throw new Unsupported("v2026", "local_mode");
        const res = await this.http.call("POST", "/data/acquire/download", wire.dataDownloadStartV2026Schema, { body });
        return { operation_id: res.operation_id, operation_type: "data_load", backend_message: scrubOptional(res.message ?? undefined) };
      },
    );
  }

  async startTraining(r: TrainingRequest): Promise<Started> {
    const res = await this.http.call("POST", "/trainings/start", wire.trainingStartSchema, {
      body: {
        symbols: r.symbols,
        timeframes: r.timeframes,
        strategy_name: r.strategy_name,
        start_date: r.start_date ?? null,
        end_date: r.end_date ?? null,
      },
    });
    const id = res.operation_id ?? res.task_id;
    if (!id) throw new BackendError({ kind: "bad_shape", status: 200, where: "task_id" }, "POST /trainings/start", "-");
    return {
      operation_id: id,
      operation_type: "training",
      backend_message: scrubOptional(res.message ?? undefined),
      estimated_duration_minutes: res.estimated_duration_minutes ?? undefined,
    };
  }

  async startBacktest(r: BacktestRequest): Promise<Started> {
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
    const started = (
      res: { operation_id?: string | null; backtest_id?: string | null; message?: string | null },
      route: string,
    ): Started => {
      const id = res.operation_id ?? res.backtest_id;
      if (!id) throw new BackendError({ kind: "bad_shape", status: 200, where: "operation_id" }, route, "-");
      return { operation_id: id, operation_type: "backtesting", backend_message: scrubOptional(res.message ?? undefined) };
    };
    return this.http.versioned(
      async () => {
        const out = started(
          await this.http.call("POST", "/backtests/", wire.backtestStartSchema, { body: { ...common, data_mode: "local" } }),
          "POST /backtests/",
        );
        // v2025 takes no model: it backtests the strategy's latest one.
        return r.model_path ? { ...out, ignored: "model_path" } : out;
      },
      async () => {
        // v2026 starts a backtest without a model and then fails it: refuse before anything starts.
        if (!r.model_path) throw new Unsupported("v2026", "backtest_without_model_path");
        return started(
          await this.http.call("POST", "/backtests/start", wire.backtestStartSchema, { body: { ...common, model_path: r.model_path } }),
          "POST /backtests/start",
        );
      },
    );
  }

  /** KTRDR's test operation (100 slow iterations, both versions): backs the conformance fixtures' long task. */
  async startDummy(): Promise<Started> {
    const res = await this.http.call("POST", "/dummy/start", wire.dummyStartSchema, { body: {} });
    return { operation_id: res.data.operation_id, operation_type: "dummy", backend_message: scrubOptional(res.data.message ?? undefined) };
  }

  // ---- data and discovery --------------------------------------------------------------------

  async getMarketData(
    symbol: string,
    timeframe: string,
    q: { start_date?: string; end_date?: string; trading_hours_only?: boolean },
  ): Promise<MarketData> {
    const res = await this.http.call("GET", `/data/${segment(symbol)}/${segment(timeframe)}`, wire.marketDataSchema, {
      query: { start_date: q.start_date, end_date: q.end_date, trading_hours_only: q.trading_hours_only ? true : undefined },
      idempotent: true,
    });
    return { dates: res.data.dates, ohlcv: res.data.ohlcv };
  }

  async health(): Promise<{ status: string; version?: string }> {
    const h = await this.http.call("GET", "/health", wire.healthSchema, { idempotent: true });
    return { status: scrubText(h.status), ...(h.version ? { version: scrubText(h.version) } : {}) };
  }

  async symbols() {
    const list = (await this.http.call("GET", "/symbols", wire.symbolsSchema, { idempotent: true })).data;
    return list.map((s) =>
      scrubValue({
        symbol: s.symbol,
        name: s.name ?? undefined,
        type: s.type ?? undefined,
        exchange: s.exchange ?? undefined,
        currency: s.currency ?? undefined,
        timeframes: s.available_timeframes ?? undefined,
      }),
    );
  }

  async indicators() {
    const list = (await this.http.call("GET", "/indicators/", wire.indicatorsSchema, { idempotent: true })).data;
    return list.map((i) => {
      const p = i.parameters;
      const parameters = Array.isArray(p)
        ? p.map((x) => (x && typeof x === "object" && "name" in x ? String((x as { name: unknown }).name) : String(x)))
        : p && typeof p === "object"
          ? Object.keys(p)
          : undefined;
      const name = typeof i.name === "string" ? i.name : typeof i.id === "string" ? i.id : undefined;
      return scrubValue({ name, description: typeof i.description === "string" ? i.description : undefined, parameters });
    });
  }

  /**
   * Strategies. `listEmptyOnV2026` is set when a v2026 backend answers none: its list drops every
   * v3 strategy file it fails to validate, although training by name works.
   */
  async strategies(): Promise<{ strategies: Strategy[]; listMayBeIncomplete: boolean }> {
    const list = (await this.http.call("GET", "/strategies/", wire.strategiesSchema, { idempotent: true })).strategies;
    const strategies = list.map((s) =>
      scrubValue({
        name: s.name,
        description: s.description ?? undefined,
        symbol: s.symbol,
        timeframe: s.timeframe,
        training_status: s.training_status ?? undefined,
        latest_version: s.latest_version,
        latest_training_date: s.latest_training_date ?? undefined,
      }),
    );
    const listMayBeIncomplete = strategies.length === 0 && (await this.version()) !== "v2025";
    return { strategies, listMayBeIncomplete };
  }

  /**
   * First and last cached bar. KTRDR's `point_count` here counts calendar hours between them, not
   * cached bars, so it is not passed on.
   */
  async dataRange(symbol: string, timeframe: string): Promise<{ first_bar?: string; last_bar?: string }> {
    // A read, though the backend takes it as a POST: safe to repeat.
    const d = (await this.http.call("POST", "/data/range", wire.dataRangeSchema, { body: { symbol, timeframe }, idempotent: true })).data;
    const first = scrubOptional(d.start_date ?? undefined);
    const last = scrubOptional(d.end_date ?? undefined);
    return { ...(first ? { first_bar: first } : {}), ...(last ? { last_bar: last } : {}) };
  }

  async modelPerformance(
    taskId: string,
  ): Promise<{ task_id: string; status?: string; results: Results; model_info?: Record<string, unknown> }> {
    const r = await this.http.call("GET", `/trainings/${segment(taskId)}/performance`, wire.performanceSchema, { idempotent: true });
    return {
      task_id: r.task_id ?? taskId,
      ...(r.status ? { status: scrubText(r.status) } : {}),
      results: resultsFromPerformance(r as Record<string, unknown>),
      ...(r.model_info ? { model_info: scrubValue(r.model_info) } : {}),
    };
  }
}

/** Why `/results` gave nothing, and what the agent can do about it. */
interface ResultsFailure {
  why: string;
  next: string;
}

function resultsFailure(err: BackendError): ResultsFailure {
  const f = err.failure;
  if (err.is("route_missing"))
    return {
      why: "This KTRDR has no results endpoint",
      next: "KTRDR may have lost them (e.g. in a restart) or never stored them: run the operation again if you need its results.",
    };
  if (err.transient) {
    const what =
      f.kind === "not_json"
        ? `did not answer (tunnel error ${f.status}, after retries)`
        : f.kind === "unreachable"
          ? "could not be reached (after retries)"
          : f.kind === "bad_json"
            ? "sent malformed JSON"
            : `failed (HTTP ${err.status ?? "error"}, after retries)`;
    return { why: `KTRDR's results endpoint ${what}`, next: "Call get_operation_results again in a minute." };
  }
  return {
    why: err.is("record_unserialisable")
      ? `KTRDR cannot serialise this operation's results (HTTP ${err.status} PydanticSerializationError)`
      : `KTRDR's results endpoint failed (HTTP ${err.status})`,
    next: "Call get_operation_results again later; if it keeps failing, the backend operator should check KTRDR's logs.",
  };
}

/**
 * A completed operation's results when `/results` gave none: those the record (or, for a v2025
 * training, `/performance`) holds, else unknown, saying why.
 */
function completedResults(op: Operation, failure: ResultsFailure): ResultsOutcome {
  if (op.results && !op.unknown?.includes("results")) return { operation: op, results: op.results };
  const elsewhere =
    op.source === "list_row"
      ? `its record could not be read either and the operations list holds no results${op.operation_type === "training" ? " (nor did /trainings/{id}/performance answer)" : ""}`
      : "its record holds no result summary";
  return { operation: resultsUnknown(op, `${failure.why}, and ${elsewhere}, so its results are not known. ${failure.next}`) };
}

/** The record read failed in a way that other endpoints may still answer: the v2025 serialisation bug, or another non-transient 5xx. */
function recordUnservable(err: BackendError): boolean {
  if (err.is("record_unserialisable")) return true;
  return err.failure.kind === "http" && err.failure.cause.is === "other" && err.failure.status >= 500 && !err.transient;
}

function newestFirst(a: { created_at?: string | null }, b: { created_at?: string | null }): number {
  return (b.created_at ?? "").localeCompare(a.created_at ?? "");
}

function matches(op: Operation, q: ListQuery): boolean {
  if (q.operation_type && op.operation_type !== q.operation_type) return false;
  if (q.status && op.status !== q.status) return false;
  if (q.active_only && !isActive(op.status)) return false;
  return true;
}

/**
 * Reads the records of list rows whose status a known quirk may have changed, to list them as
 * they are: a v2025 training listed `failed` may have been cancelled; a dummy listed `completed`
 * may have been cancelled (both versions). Bounded: each check is one backend call.
 */
class StatusChecks {
  skipped = 0;
  private left: number;
  constructor(
    private readonly api: KtrdrApi,
    budget: number,
    private readonly version: WireVersion | undefined,
  ) {
    this.left = budget;
  }

  private ambiguous(r: OperationRow): boolean {
    if (r.operation_type === "dummy" && r.status === "completed") return true;
    return r.operation_type === "training" && r.status === "failed" && this.version !== "v2026";
  }

  /** Queries for the rows a `status=cancelled` listing must also look at. */
  cancelCandidates(type: string | undefined): ListQuery[] {
    const out: ListQuery[] = [];
    if ((!type || type === "training") && this.version !== "v2026") out.push({ status: "failed", operation_type: "training" });
    if (!type || type === "dummy") out.push({ status: "completed", operation_type: "dummy" });
    return out;
  }

  async resolve(rows: OperationRow[]): Promise<OperationRow[]> {
    return Promise.all(
      rows.map(async (r) => {
        if (!this.ambiguous(r)) return r;
        if (this.left <= 0) {
          this.skipped += 1;
          return r;
        }
        this.left -= 1;
        const op = await this.api.getOperation(r.operation_id).catch(() => undefined);
        if (!op) {
          this.skipped += 1;
          return r;
        }
        return op.status === r.status ? r : { ...r, status: op.status, backend_status: r.status };
      }),
    );
  }
}
