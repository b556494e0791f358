/**
 * v2026 training checkpoints (`/checkpoints`): the witness of how far a training really got when
 * KTRDR's record does not say (after a restart, while `resuming`, after a cancel), and what a
 * resume continues from. v2025 keeps none.
 */
import { BackendError } from "./errors";
import type { KtrdrHttp } from "./http";
import { segment } from "./http";
import type { Checkpoint, Operation } from "./model";
import { checkpointFrom } from "./normalise";
import * as wire from "./wire";

/** The operation's checkpoint; `null` when KTRDR says it has none (404 "Checkpoint not found"). */
export async function readCheckpoint(http: KtrdrHttp, id: string): Promise<Checkpoint | null> {
  try {
    const res = await http.call("GET", `/checkpoints/${segment(id)}`, wire.checkpointEnvelopeSchema, { idempotent: true });
    return checkpointFrom(res.data);
  } catch (err) {
    if (err instanceof BackendError && err.is("checkpoint_not_found")) return null;
    throw err;
  }
}

/**
 * Deletes the operation's checkpoint (never retried): true when KTRDR deleted one (L26/1282),
 * false when it had none (404 "Checkpoint not found", L26/1284). Once gone, the training cannot be
 * resumed (and KTRDR fails it if asked to, L26/1286 → 1287).
 */
export async function deleteCheckpoint(http: KtrdrHttp, id: string): Promise<boolean> {
  try {
    await http.call("DELETE", `/checkpoints/${segment(id)}`, wire.checkpointDeleteSchema);
    return true;
  } catch (err) {
    if (err instanceof BackendError && err.is("checkpoint_not_found")) return false;
    throw err;
  }
}

/**
 * A v2026 record (its own fields say so when the version is not configured): the rule
 * `normalise.ts` applies to the record, for the reads that only v2026 can answer.
 */
export function isV2026Operation(http: KtrdrHttp, op: Operation): boolean {
  if (http.version) return http.version === "v2026";
  return op.raw !== undefined && ("is_backend_local" in op.raw || "parent_operation_id" in op.raw);
}

/**
 * The checkpoint of a cancelled or failed v2026 training, read beside its record: what a resume
 * would continue from (`witnesses.checkpoint`, null when KTRDR has none); and of a `resuming` one,
 * whose record stays at 0 % while the worker trains on (only its checkpoint shows how far, L26/022–045).
 * A failed read is noted in `witnesses.unread`, never fatal. Other operations are returned as they are, unread.
 */
export async function withResumeCheckpoint(http: KtrdrHttp, op: Operation): Promise<Operation> {
  const candidate = op.operation_type === "training" && (op.status === "cancelled" || op.status === "failed" || op.status === "resuming");
  if (!candidate || op.witnesses?.checkpoint !== undefined || !isV2026Operation(http, op)) return op;
  try {
    return { ...op, witnesses: { ...op.witnesses, checkpoint: await readCheckpoint(http, op.operation_id) } };
  } catch {
    const unread = [...new Set([...(op.witnesses?.unread ?? []), "checkpoint" as const])];
    return { ...op, witnesses: { ...op.witnesses, unread } };
  }
}
