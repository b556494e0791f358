/**
 * Cancelling an operation (never retried). A refusal names the backend's status, which a known
 * quirk may have changed (a cancelled v2025 training says FAILED): the record tells the truth.
 */
import { BackendError, type HttpCause } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Operation, ResearchChild } from "./model";
import { readOperation, tryReadOperation } from "./record";
import { childIds, paramsOf, readChildren } from "./research";
import { scrubOptional } from "./scrub";
import { utcTime } from "./time";
import * as wire from "./wire";

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
    }
  | {
      cancelled: false;
      operation_id: string;
      /** The status the backend refused the cancel for, normalised when the record could be read. */
      status: string;
      operation?: Operation;
    };

/** KTRDR's research cycle ids: `op_agent_research_<date>_<time>_<hex>` (L26/515). */
const RESEARCH_ID = /^op_agent_research_/;

export async function cancelOperation(http: KtrdrHttp, id: string, reason?: string): Promise<CancelOutcome> {
  // v2026: a research cycle has its own cancel, and its record's type decides the route. KTRDR's
  // ids name their type, so only an id that names a research cycle costs that read here.
  const record = http.version !== "v2025" && RESEARCH_ID.test(id) ? await readOperation(http, id) : undefined;
  if (record?.operation_type === "agent_research") return cancelResearch(http, record, reason);
  try {
    const res = await http.call("DELETE", `/operations/${segment(id)}`, wire.cancelResponseSchema, {
      body: reason ? { reason } : {},
    });
    const d = res.data;
    return {
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
    const op = await tryReadOperation(http, id);
    return { cancelled: false, operation_id: id, status: op?.status ?? cause.status, ...(op ? { operation: op } : {}) };
  }
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
