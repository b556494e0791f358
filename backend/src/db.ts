// The v2026 database (its Postgres `operations` and `operation_checkpoints` tables), apart from the
// API's in-memory cache (operations.ts). Upstream writes a row when an operation is created and at
// each status change, never its progress while it runs (rows read 0 % until they complete), and the
// workers write to it too — so the database can say `completed` while the API's cache says
// `cancelled`. A backend restart rebuilds the API's view from these rows. v2025 has no database (its
// restart forgets everything); the stand-in keeps the rows there as well, unused.
import type { Metadata, OperationStatus, OperationType } from "./operations.ts";
import type { JsonObject } from "./util.ts";

export interface DbRow {
  operation_id: string;
  operation_type: OperationType;
  status: OperationStatus;
  /** Micros since the epoch. */
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  progress_percent: number;
  error_message: string | null;
  metadata: Metadata;
  result_summary: JsonObject | null;
  parent_operation_id: string | null;
  is_backend_local: boolean;
  /** Runs on a worker (training, backtesting), so a restart does not kill it. */
  remote: boolean;
}

export interface CheckpointRow {
  operation_id: string;
  checkpoint_type: "periodic" | "cancellation" | "failure";
  /** Micros since the epoch. */
  created_at: number;
  state: JsonObject;
  /** Where the artifacts (the model state) live on disk; null when there are none. */
  artifacts_path: string | null;
  artifacts_size_bytes: number;
}

export class OperationsDb {
  private readonly rows = new Map<string, DbRow>();
  private readonly checkpoints = new Map<string, CheckpointRow>();

  insert(row: DbRow): void {
    this.rows.set(row.operation_id, { ...row, metadata: { ...row.metadata, parameters: { ...row.metadata.parameters } } });
  }

  get(id: string): DbRow | undefined {
    return this.rows.get(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** Update some columns of a row (no row, no update: the operation was never persisted). */
  update(id: string, patch: Partial<Omit<DbRow, "operation_id">>): void {
    const row = this.rows.get(id);
    if (row) Object.assign(row, patch);
  }

  all(): DbRow[] {
    return [...this.rows.values()];
  }

  clear(): void {
    this.rows.clear();
    this.checkpoints.clear();
  }

  // ---- operation_checkpoints (one row per operation: a new checkpoint replaces the old one) ----

  saveCheckpoint(row: CheckpointRow): void {
    this.checkpoints.set(row.operation_id, row);
  }

  checkpoint(id: string): CheckpointRow | undefined {
    return this.checkpoints.get(id);
  }

  deleteCheckpoint(id: string): CheckpointRow | undefined {
    const row = this.checkpoints.get(id);
    this.checkpoints.delete(id);
    return row;
  }

  allCheckpoints(): CheckpointRow[] {
    return [...this.checkpoints.values()];
  }
}
