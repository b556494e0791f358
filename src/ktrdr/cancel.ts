/**
 * Cancelling an operation (never retried). A refusal names the backend's status, which a known
 * quirk may have changed (a cancelled v2025 training says FAILED): the record tells the truth.
 *
 * v2026 may accept a cancel it cannot deliver (`remote_cancelled: false` for a worker operation:
 * after a backend restart, or of a resumed training, L26/611, 048): the worker goes on. Then the
 * record and the workers are read, and the outcome says so instead of a clean `cancelled`.
 */
import { BackendError, type HttpCause } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Anomaly, Operation, ResearchChild, Worker, WorkerState } from "./model";
import { WORKER_OPERATION_TYPES } from "./normalise";
import { readOperation, tryReadOperation } from "./record";
import { childIds, paramsOf, readChildren } from "./research";
import { scrubOptional } from "./scrub";
import { parseTime, utcTime } from "./time";
import * as wire from "./wire";
import { recordVersion, witnessed } from "./witness";
import { readWorkers } from "./workers";

/** What the server believes after a cancel KTRDR accepted but could not deliver. */
export interface CancelBelief {
  /** `running` when a worker still runs it; `cancelled` when no witness could say. */
  status: string;
  anomaly: Extract<Anomaly, "cancel_not_delivered" | "cancel_unconfirmed">;
  worker?: Worker;
  worker_state?: WorkerState;
  note: string;
}

export type CancelOutcome =
  | {
      cancelled: true;
      operation_id: string;
      /** When KTRDR recorded the cancel, ISO 8601 UTC with Z. */
      cancelled_at?: string;
      cancellation_reason?: string;
      task_cancelled?: boolean;
      /** The training host or worker confirmed it stopped (v2025 `training_session_cancelled`, v2026 `remote_cancelled`). */
      remote_cancelled?: boolean;
      children_cancelled?: number;
      /** A research cycle: what became of each operation it ran (their records, read after the cancel). */
      children?: ResearchChild[];
      /** One line each: what else the agent must know about this cancel. */
      notes?: string[];
      /** Present when KTRDR said cancelled but could not reach the worker (`remote_cancelled: false`). */
      belief?: CancelBelief;
    }
  | {
      cancelled: false;
      operation_id: string;
      /** The status the backend refused the cancel for, normalised when the record could be read. */
      status: string;
      /** The operation as the server believes it (an undelivered cancel reads `running` here). */
      operation?: Operation;
    };

export interface CancelOptions {
  /** The record, when the caller has just read it (MCP tasks/cancel): not read again. */
  before?: Operation;
  /** Clock for the notes' "n s ago". */
  now?: number;
}

/** KTRDR's research cycle ids: `op_agent_research_<date>_<time>_<hex>` (L26/515). */
const RESEARCH_ID = /^op_agent_research_/;

export async function cancelOperation(http: KtrdrHttp, id: string, reason?: string, opts: CancelOptions = {}): Promise<CancelOutcome> {
  // v2026: a research cycle has its own cancel, and its record's type decides the route. KTRDR's
  // ids name their type, so only an id that names a research cycle costs that read here.
  const record = http.version !== "v2025" && RESEARCH_ID.test(id) ? (opts.before ?? (await readOperation(http, id))) : undefined;
  if (record?.operation_type === "agent_research") return cancelResearch(http, record, reason);
  return cancelThroughOperations(http, id, reason, opts.before ?? record, opts.now ?? Date.now());
}

/** `DELETE /operations/{id}`: every kind of operation KTRDR runs through its operations service. */
async function cancelThroughOperations(
  http: KtrdrHttp,
  id: string,
  reason: string | undefined,
  before: Operation | undefined,
  now: number,
): Promise<CancelOutcome> {
  let outcome: Extract<CancelOutcome, { cancelled: true }>;
  try {
    const res = await http.call("DELETE", `/operations/${segment(id)}`, wire.cancelResponseSchema, {
      body: reason ? { reason } : {},
    });
    const d = res.data;
    outcome = {
      cancelled: true,
      operation_id: d.operation_id ?? id,
      // KTRDR writes it with +00:00, its other times with Z: the model has one form (`time.ts`).
      cancelled_at: utcTime(d.cancelled_at),
      cancellation_reason: scrubOptional(d.cancellation_reason),
      task_cancelled: d.task_cancelled ?? undefined,
      remote_cancelled: d.remote_cancelled ?? d.training_session_cancelled ?? undefined,
      children_cancelled: d.children_cancelled?.length ? d.children_cancelled.length : undefined,
    };
  } catch (err) {
    const cause: HttpCause | undefined = err instanceof BackendError ? err.httpCause : undefined;
    if (cause?.is !== "not_cancellable") throw err;
    // KTRDR refuses: the record (and, on v2026, its witnesses) says what it is now.
    const read = await tryReadOperation(http, id);
    const op = read ? await witnessed(http, read, now).catch(() => read) : undefined;
    return { cancelled: false, operation_id: id, status: op?.status ?? cause.status, ...(op ? { operation: op } : {}) };
  }
  // KTRDR's ids name their type: only a training's or a backtest's (worker operations) costs the record read.
  if (outcome.remote_cancelled === false && http.version !== "v2025" && (before || /^op_(training|backtesting)_/.test(id))) {
    // Only then is the record read (its type, and the worker KTRDR gave it to, outlive the cancel).
    const record = before ?? (await tryReadOperation(http, id));
    const worker = record && WORKER_OPERATION_TYPES.includes(record.operation_type) && recordVersion(record, http.version) === "v2026";
    const belief = worker ? await afterUndelivered(http, record, outcome.cancelled_at) : undefined;
    if (belief) outcome.belief = belief;
  }
  return outcome;
}

/**
 * KTRDR accepted the cancel of a worker operation but could not reach the worker
 * (`remote_cancelled: false`): what the registry says of the worker (L26/050: busy with it;
 * L26/613: not checked since the backend restarted).
 */
async function afterUndelivered(http: KtrdrHttp, before: Operation, cancelledAt: string | undefined): Promise<CancelBelief | undefined> {
  const id = before.operation_id;
  const head = "KTRDR could not reach its worker";
  const tail = "KTRDR refuses a second cancel and gives no results; only an operator stopping the worker ends it.";
  let workers: Worker[] | undefined;
  try {
    workers = await readWorkers(http);
  } catch {
    workers = undefined;
  }
  if (!workers) {
    return {
      status: "cancelled",
      anomaly: "cancel_unconfirmed",
      note: `${head}, and its workers could not be read: whether it stopped is not known.`,
    };
  }
  const dispatched = before.witnesses?.dispatched_to;
  const claimant = workers.find((w) => w.current_operation_id === id && !(w.health_check_failures ?? 0));
  const given = dispatched ? workers.find((w) => w.worker_id === dispatched) : undefined;
  const checked = (w: Worker | undefined) => parseTime(w?.last_health_check);
  if (claimant && checked(claimant) !== undefined) {
    return {
      status: "running",
      anomaly: "cancel_not_delivered",
      worker: claimant,
      worker_state: "running_it",
      note: `${head}, which ran it at its last check: it likely trains to the end. ${tail}`,
    };
  }
  const relevant = claimant ?? given;
  if (relevant && checked(relevant) === undefined) {
    // L26/613: after a restart no worker has been checked; the record said running just before.
    return {
      status: "running",
      anomaly: "cancel_not_delivered",
      worker: relevant,
      worker_state: "unchecked",
      note: `${head}, not checked since it registered (as after a backend restart): it likely trains on. ${tail}`,
    };
  }
  const cancelTime = parseTime(cancelledAt);
  const freshFree = relevant && !claimant && cancelTime !== undefined && (checked(relevant) ?? 0) >= cancelTime;
  // Checked after the cancel and not on it: nothing runs it, whatever KTRDR could not deliver.
  if (freshFree) return undefined;
  return {
    status: "cancelled",
    anomaly: "cancel_unconfirmed",
    ...(relevant ? { worker: relevant } : {}),
    worker_state: relevant ? (relevant.current_operation_id ? "busy_other" : "free") : "gone",
    note: `${head}; none reports it, but KTRDR has not checked ${relevant ? "it" : "them"} since the cancel: whether it stopped is not known yet.`,
  };
}

/**
 * A v2026 research cycle is cancelled through `DELETE /agent/cancel/{id}` (never `DELETE
 * /operations/{id}`), which cancels the cycle and its running child (L26/543). The children known
 * from the record read before the cancel, and the one KTRDR says it cancelled, are read after it:
 * what became of each is KTRDR's own word.
 */
async function cancelResearch(http: KtrdrHttp, record: Operation, reason?: string): Promise<CancelOutcome> {
  const id = record.operation_id;
  let res: wire.AgentCancelWire;
  try {
    res = await http.call("DELETE", `/agent/cancel/${segment(id)}`, wire.agentCancelSchema);
  } catch (err) {
    const cause: HttpCause | undefined = err instanceof BackendError ? err.httpCause : undefined;
    if (cause?.is !== "not_cancellable") throw err;
    // 409 "Cannot cancel failed operation" (L26/534): the record says which status it is in now.
    const op = await tryReadOperation(http, id);
    return { cancelled: false, operation_id: id, status: op?.status ?? cause.status, ...(op ? { operation: op } : {}) };
  }
  const named = res.child_cancelled ?? undefined;
  const ids = childIds(paramsOf(record.raw), named);
  const { children, unread } = await readChildren(http, ids);
  const notes: string[] = [];
  const stopped = named ? children.find((c) => c.operation_id === named) : undefined;
  if (named && stopped) notes.push(childFate(stopped));
  else if (named) notes.push(`KTRDR cancelled the cycle and asked to stop ${named}.`);
  else notes.push("KTRDR cancelled the cycle; it named no running child operation to stop.");
  if (unread.length) notes.push(`KTRDR's record of ${unread.join(", ")} could not be read after the cancel.`);
  if (reason) notes.push("KTRDR's research cancel takes no reason; it records 'Cancelled by user'.");
  return {
    cancelled: true,
    operation_id: res.operation_id ?? id,
    ...(children.length ? { children } : {}),
    notes,
  };
}

/** What became of the child KTRDR says it asked to stop, in its own record's words. */
function childFate(c: ResearchChild): string {
  const what = `KTRDR cancelled the cycle and asked to stop its ${c.operation_type} ${c.operation_id}`;
  if (c.status === "cancelled") return `${what}, which is now cancelled.`;
  if (c.status === "completed" || c.status === "failed")
    return `${what}, which KTRDR reports ${c.status}${c.completed_at ? ` (at ${c.completed_at.replace(/\.\d+Z$/, "Z")})` : ""}: the cancel did not change it.`;
  return `${what}, which KTRDR still reports ${c.status}.`;
}
