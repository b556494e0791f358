/**
 * One operation, read from its record. When the backend fails to serve the record (v2025's 500
 * for completed trainings, or any other non-transient 5xx), the answer comes from the
 * operation's list row (and, for a completed training, `/trainings/{id}/performance`), saying
 * which facts are missing.
 */
import { BackendError } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Operation } from "./model";
import { operationFromRecord, operationFromRow, resultsFromPerformance, resultsUnknown } from "./normalise";
import { findRow } from "./rows";
import * as wire from "./wire";

export async function readOperation(http: KtrdrHttp, id: string): Promise<Operation> {
  try {
    const res = await http.call("GET", `/operations/${segment(id)}`, wire.operationEnvelopeSchema, { idempotent: true });
    return operationFromRecord(res.data);
  } catch (err) {
    if (!(err instanceof BackendError) || !recordUnservable(err)) throw err;
    return fromOtherEndpoints(http, id, err);
  }
}

/**
 * The operation when it can be read, else undefined: for answers that stand without it (a note,
 * a better status word). Never for a decision that needs it: the duplicate guard fails instead.
 */
export function tryReadOperation(http: KtrdrHttp, id: string): Promise<Operation | undefined> {
  return readOperation(http, id).catch(() => undefined);
}

/** The record read failed in a way that other endpoints may still answer: the v2025 serialisation bug, or another non-transient 5xx. */
export function recordUnservable(err: BackendError): boolean {
  if (err.is("record_unserialisable")) return true;
  return err.failure.kind === "http" && err.failure.cause.is === "other" && err.failure.status >= 500 && !err.transient;
}

async function fromOtherEndpoints(http: KtrdrHttp, id: string, original: BackendError): Promise<Operation> {
  const row = await findRow(http, id).catch(() => undefined);
  if (!row) throw original;
  const why = original.is("record_unserialisable")
    ? "KTRDR cannot serialise this operation's record (HTTP 500 PydanticSerializationError, a v2025 bug once a training completes): status and progress are from the operations list."
    : `KTRDR failed to return this operation's record (HTTP ${original.status}): status and progress are from the operations list.`;
  const op = operationFromRow(row, why);
  if (op.status !== "completed") return op;
  const training = op.operation_type === "training";
  if (training) {
    try {
      const perf = await http.call("GET", `/trainings/${segment(id)}/performance`, wire.performanceSchema, { idempotent: true });
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
