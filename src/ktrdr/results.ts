/**
 * What an operation produced: the results of a finished one, and per-epoch metrics. A failed
 * operation's results come with its error message, which only the record holds; a completed
 * operation's results are never made up.
 */
import type { z } from "zod";
import { BackendError } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import { readCheckpoint } from "./checkpoints";
import { type BacktestList, completeBacktestLists } from "./details";
import type { Checkpoint, Epoch, Operation, Results } from "./model";
import { epochsFromMetrics, metricsExtras, resultsFrom, resultsUnknown } from "./normalise";
import { readOperation, recordUnservable, tryReadOperation } from "./record";
import * as wire from "./wire";

/** The next step when KTRDR holds no results for a completed operation. */
const RUN_AGAIN = "KTRDR may have lost them (e.g. in a restart) or never stored them: run the operation again if you need its results.";

export interface ResultsOutcome {
  /** What is known of the operation (normalised status, error or cancel reason). */
  operation: Operation;
  /** Absent when the operation has none (not finished, cancelled, failed without any). */
  results?: Results;
  /** A completed backtest's lists KTRDR should have given and did not (asked with `lists`). */
  unread?: BacktestList[];
}

export interface ResultsOptions {
  /** Also the lists of a completed backtest (trades, equity curve) where KTRDR keeps them elsewhere (v2025). */
  lists?: boolean;
}

export interface MetricsOutcome {
  operation_id: string;
  operation_type: string;
  epochs: Epoch[];
  /** Other figures the backend sent with them (best_epoch, is_overfitting, …). */
  extras: Record<string, unknown>;
  /**
   * Where the epochs come from: `/metrics`, the record, a completed training's results (v2026
   * keeps the history there), or its checkpoint (v2026 cancelled, failed, resumed or restarted).
   */
  source: "metrics_endpoint" | "operation_record" | "results" | "checkpoint";
  operation?: Operation;
  /** One line each: where the epochs came from when it is not the obvious place, or why there are none. */
  notes?: string[];
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
export async function readResults(http: KtrdrHttp, id: string, opts: ResultsOptions = {}): Promise<ResultsOutcome> {
  const out = await readResultsOnly(http, id);
  const { operation: op, results } = out;
  if (opts.lists && results && op.status === "completed" && op.operation_type === "backtesting") {
    const unread = await completeBacktestLists(http, op.operation_id, results);
    if (unread.length) return { ...out, unread };
  }
  return out;
}

async function readResultsOnly(http: KtrdrHttp, id: string): Promise<ResultsOutcome> {
  let res: z.infer<typeof wire.resultsResponseSchema>;
  try {
    res = await http.call("GET", `/operations/${segment(id)}/results`, wire.resultsResponseSchema, { idempotent: true });
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    const cause = err.httpCause;
    if (cause.is === "not_finished") {
      const op = await tryReadOperation(http, id);
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
      const op = await readOperation(http, id);
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
  const op = await readOperation(http, id);
  if (!empty) return { operation: op, results: resultsFrom(op.operation_type, raw) };
  if (op.status === "completed")
    return completedResults(op, {
      why: `KTRDR's results endpoint answered none (${res.results === null ? "null" : "{}"}, what it sends when it holds no result summary)`,
      next: RUN_AGAIN,
    });
  return { operation: op };
}

/**
 * Per-epoch metrics, from wherever KTRDR keeps them for the operation's state:
 * - v2025: `/metrics` where the build has it, else the record (only the latest epoch while it
 *   runs); a finished training keeps no per-epoch history at all.
 * - v2026: the record's `metrics.epochs` while it runs (what `/metrics` returns, lifecycle-v2026/012);
 *   a completed training's history is in its results (`training_metrics.history`, 460/461);
 *   a cancelled, failed, resuming or restarted one shows none (`[[],0]`, 025) and its checkpoint
 *   holds the run's history (017, 046).
 * When the version is not known yet, `/metrics` is asked first (as before) and an empty answer
 * from a v2026 record leads to the places above.
 */
export async function readMetrics(http: KtrdrHttp, id: string): Promise<MetricsOutcome> {
  if (http.version === "v2026") return v2026Metrics(http, await readOperation(http, id));
  let answer: z.infer<typeof wire.metricsResponseSchema> | undefined;
  try {
    answer = await http.call("GET", `/operations/${segment(id)}/metrics`, wire.metricsResponseSchema, { idempotent: true });
  } catch (err) {
    if (!(err instanceof BackendError) || !err.is("route_missing")) throw err;
  }
  if (answer) {
    const epochs = epochsFromMetrics(answer.data.metrics) ?? [];
    const fromEndpoint: MetricsOutcome = {
      operation_id: answer.data.operation_id ?? id,
      operation_type: answer.data.operation_type ?? "unknown",
      epochs,
      extras: metricsExtras(answer.data.metrics),
      source: "metrics_endpoint",
    };
    if (epochs.length > 0 || fromEndpoint.operation_type !== "training") return fromEndpoint;
    // None: a v2026 training keeps its history elsewhere once it is not simply running.
    const op = await readOperation(http, id);
    return isV2026Record(op) ? v2026Metrics(http, op) : fromEndpoint;
  }
  const op = await readOperation(http, id);
  const epochs = op.epochs ?? op.results?.training?.history ?? (op.latest_epoch ? [op.latest_epoch] : []);
  const finished = op.operation_type === "training" && op.status === "completed" && epochs.length === 0;
  return {
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    epochs,
    extras: {},
    source: "operation_record",
    operation: op,
    // No /metrics route: KTRDR v2025, which keeps no history of a finished training anywhere.
    ...(finished
      ? { notes: ["KTRDR v2025 keeps no per-epoch history of a finished training; its final metrics are in get_operation_results."] }
      : {}),
  };
}

/** A v2026 record (v2025's has neither key). */
function isV2026Record(op: Operation): boolean {
  return op.raw !== undefined && ("is_backend_local" in op.raw || "parent_operation_id" in op.raw);
}

async function v2026Metrics(http: KtrdrHttp, op: Operation): Promise<MetricsOutcome> {
  const base = { operation_id: op.operation_id, operation_type: op.operation_type, extras: {}, operation: op };
  const recorded = op.epochs ?? [];
  if (op.operation_type !== "training") return { ...base, epochs: recorded, source: "operation_record" };
  if (op.status === "completed") return completedHistory(http, op, base);
  // KTRDR's own list while it runs; a resumed run's record shows none whatever it holds (025).
  if (recorded.length > 0 && op.status !== "resuming") return { ...base, epochs: recorded, source: "operation_record" };
  if (op.status === "pending") return { ...base, epochs: [], source: "operation_record" };
  let checkpoint: Checkpoint | null;
  try {
    checkpoint = await readCheckpoint(http, op.operation_id);
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    return {
      ...base,
      epochs: [],
      source: "operation_record",
      notes: [`KTRDR's record holds no epochs of this ${op.status} training, and its checkpoint could not be read (${readFailure(err)}).`],
    };
  }
  const history = checkpoint?.history ?? [];
  if (!checkpoint || history.length === 0) {
    return {
      ...base,
      epochs: [],
      source: "operation_record",
      notes: [
        checkpoint
          ? `KTRDR's record holds no epochs of this ${op.status} training, and its ${checkpoint.type} checkpoint holds no history.`
          : op.status === "running"
            ? "KTRDR shows no finished epoch of this running training yet (none in its record, no checkpoint)."
            : `KTRDR's record holds no epochs of this ${op.status} training and it keeps no checkpoint of it, so its history is not known.`,
      ],
    };
  }
  const at = `${checkpoint.type} checkpoint (epoch ${checkpoint.epoch ?? history.at(-1)?.epoch}${checkpoint.created_at ? `, ${checkpoint.created_at.replace(/\.\d+Z$/, "Z")}` : ""})`;
  const note =
    op.status === "resuming"
      ? `KTRDR shows a resumed training 'resuming' with no epochs: these are from its ${at}, which holds only the epochs since the resume.`
      : `KTRDR's record holds no epochs of this ${op.status} training: these are from its ${at}.`;
  return { ...base, epochs: history, source: "checkpoint", notes: [note] };
}

/** A completed v2026 training's history, from its results (the record carries them; `/results` when it does not). */
async function completedHistory(http: KtrdrHttp, op: Operation, base: Omit<MetricsOutcome, "epochs" | "source">): Promise<MetricsOutcome> {
  let history = op.results?.training?.history;
  if (!history && !op.results) {
    try {
      const res = await http.call("GET", `/operations/${segment(op.operation_id)}/results`, wire.resultsResponseSchema, {
        idempotent: true,
      });
      history = res.results ? resultsFrom("training", res.results).training?.history : undefined;
    } catch (err) {
      if (!(err instanceof BackendError)) throw err;
      return {
        ...base,
        epochs: [],
        source: "results",
        notes: [`KTRDR keeps a finished training's history in its results, which could not be read (${readFailure(err)}).`],
      };
    }
  }
  if (history && history.length > 0) return { ...base, epochs: history, source: "results" };
  return { ...base, epochs: [], source: "results", notes: ["KTRDR's results of this completed training hold no per-epoch history."] };
}

/** A witness read's failure in a few words (the reader is never failed by it). */
function readFailure(err: BackendError): string {
  const f = err.failure;
  if (f.kind === "http") return `HTTP ${f.status}`;
  if (f.kind === "timeout") return "it timed out";
  if (f.kind === "unreachable") return "KTRDR did not answer";
  return f.kind.replace("_", " ");
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
      next: RUN_AGAIN,
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
