/**
 * Cancelling an operation (never retried). A refusal names the backend's status, which a known
 * quirk may have changed (a cancelled v2025 training says FAILED): the record tells the truth.
 */
import { BackendError, type HttpCause } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Operation } from "./model";
import { tryReadOperation } from "./record";
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
    }
  | {
      cancelled: false;
      operation_id: string;
      /** The status the backend refused the cancel for, normalised when the record could be read. */
      status: string;
      operation?: Operation;
    };

export async function cancelOperation(http: KtrdrHttp, id: string, reason?: string): Promise<CancelOutcome> {
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
