/**
 * What an operation produced: the results of a finished one, and per-epoch metrics. A failed
 * operation's results come with its error message, which only the record holds; a completed
 * operation's results are never made up.
 */
import type { z } from "zod";
import { BackendError } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Epoch, Operation, Results } from "./model";
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
}

export interface MetricsOutcome {
  operation_id: string;
  operation_type: string;
  epochs: Epoch[];
  /** Other figures the backend sent with them (best_epoch, is_overfitting, …). */
  extras: Record<string, unknown>;
  source: "metrics_endpoint" | "operation_record";
  operation?: Operation;
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
export async function readResults(http: KtrdrHttp, id: string): Promise<ResultsOutcome> {
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

/** Per-epoch metrics; without the `/metrics` endpoint (v2025), what the operation record holds. */
export async function readMetrics(http: KtrdrHttp, id: string): Promise<MetricsOutcome> {
  try {
    const res = await http.call("GET", `/operations/${segment(id)}/metrics`, wire.metricsResponseSchema, { idempotent: true });
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
  const op = await readOperation(http, id);
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
