/**
 * v2026 training checkpoints (`/checkpoints`): the witness of how far a training really got when
 * KTRDR's record does not say (after a restart, while `resuming`, after a cancel), and what a
 * resume continues from. v2025 keeps none.
 */
import { BackendError } from "./errors";
import type { KtrdrHttp } from "./http";
import { segment } from "./http";
import type { Checkpoint } from "./model";
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
