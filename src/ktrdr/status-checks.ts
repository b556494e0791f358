/**
 * Reads the records of list rows whose status a known quirk may have changed, to list them as
 * they are: a v2025 training listed `failed` may have been cancelled; a dummy listed `completed`
 * may have been cancelled (both versions). Bounded: each check is one backend call.
 */
import type { KtrdrHttp, WireVersion } from "./http";
import type { OperationRow } from "./model";
import { tryReadOperation } from "./record";
import type { ListQuery } from "./rows";

/** Candidate rows whose listed status the server checks by reading their record, at most, per call. */
export const MAX_STATUS_CHECKS = 10;

export class StatusChecks {
  skipped = 0;
  private left: number;
  private readonly version: WireVersion | undefined;

  constructor(
    private readonly http: KtrdrHttp,
    budget = MAX_STATUS_CHECKS,
  ) {
    this.left = budget;
    this.version = http.version;
  }

  /** Where KTRDR lists a cancelled operation under another status: a v2025 training as failed, a dummy as completed. */
  private listedOtherwise(): Array<{ status: string; operation_type: string }> {
    const dummy = { status: "completed", operation_type: "dummy" };
    return this.version === "v2026" ? [dummy] : [{ status: "failed", operation_type: "training" }, dummy];
  }

  private ambiguous(r: OperationRow): boolean {
    return this.listedOtherwise().some((q) => q.operation_type === r.operation_type && q.status === r.status);
  }

  /** Queries for the rows a `status=cancelled` listing must also look at. */
  cancelCandidates(type: string | undefined): ListQuery[] {
    return this.listedOtherwise().filter((q) => !type || q.operation_type === type);
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
        const op = await tryReadOperation(this.http, r.operation_id);
        if (!op) {
          this.skipped += 1;
          return r;
        }
        return op.status === r.status ? r : { ...r, status: op.status, backend_status: r.status };
      }),
    );
  }
}
