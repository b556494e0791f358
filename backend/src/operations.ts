// The API's in-memory operations cache (upstream's OperationsService): lifecycle, list/filter/paginate,
// cancel, retry. Every status change is also written to the database (db.ts) the way upstream writes
// it. A v2026 backend restart empties this cache; reading an operation by id then rebuilds its record
// from the database row.
import type { DbRow, OperationsDb } from "./db.ts";
import { errorText, nowMicros, operationId } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";

export const STATUSES_V2025 = ["pending", "running", "completed", "failed", "cancelled"] as const;
// Order as in the v2026 enum (it shows in 422 messages).
export const STATUSES_V2026 = ["pending", "resuming", "running", "completed", "failed", "cancelled"] as const;
export const TYPES_V2025 = ["data_load", "training", "backtesting", "indicator_compute", "fuzzy_analysis", "dummy"] as const;
export const TYPES_V2026 = [...TYPES_V2025, "agent_research", "agent_design", "agent_assessment"] as const;

export type OperationStatus = (typeof STATUSES_V2026)[number];
export type OperationType = (typeof TYPES_V2026)[number];

export interface Progress {
  percentage: number;
  current_step: string | null;
  steps_completed: number;
  steps_total: number;
  items_processed: number;
  items_total: number | null;
  current_item: string | null;
  context: JsonObject;
}

export interface Metadata {
  symbol: string | null;
  timeframe: string | null;
  mode: string | null;
  start_date: string | null;
  end_date: string | null;
  parameters: JsonObject;
}

/** One finished training epoch (1-based `epoch`); rendered per wire version. */
export interface EpochRecord {
  epoch: number;
  train_loss: number;
  val_loss: number;
  train_accuracy: number;
  val_accuracy: number;
  learning_rate: number;
  duration_seconds: number;
  timestamp: string;
}

export type Task = (op: Operation) => Promise<JsonObject>;

export interface Operation {
  id: string;
  type: OperationType;
  status: OperationStatus;
  createdAt: number; // micros
  startedAt: number | null;
  completedAt: number | null;
  progress: Progress;
  metadata: Metadata;
  errorMessage: string | null;
  warnings: string[];
  errors: string[];
  resultSummary: JsonObject | null;
  /** The clean per-epoch metrics object (v2025 /metrics, v2026 without v2026-metrics-nesting). */
  metrics: JsonObject | null;
  parentId: string | null;
  abort: AbortController;
  cancelledAt: number | null;
  cancelReason: string | null;
  /** How to do the same work again (a clean retry). */
  rerun: (() => Task) | null;
  // ---- upstream-fidelity state ----
  /** v2026: runs on a (simulated) worker, not in the backend process. */
  remote: boolean;
  /** v2026: the API can reach the worker that runs it (cancels delivered, progress pulled). */
  proxied: boolean;
  /** v2026 `is_backend_local` (true for research cycles only; upstream leaves it false for everything else). */
  backendLocal: boolean;
  /** v2026-list-cache: present in GET /operations. */
  listed: boolean;
  /** v2026-list-cache: which record a read by id returns — the start-time one or the database row. */
  view: "start" | "db";
  /** Finished epochs (raw). */
  epochs: EpochRecord[];
  /** v2026-metrics-nesting: epoch snapshots taken on reads (the repeated history). */
  refreshes: EpochRecord[][];
  lastRefreshAt: number;
  /** Dates the database row shows (v2026 remote operations). */
  dbDates: { start: string | null; end: string | null };
  /** Internal training outcome (for /trainings/{id}/performance). */
  training: JsonObject | null;
  /** A task runs (or ran) this record in this process (DELETE answers task_cancelled). */
  hasTask: boolean;
  /** The process running its task died (a killed worker): nothing more is written. */
  killed: boolean;
  /** Admin: a training completes after its current epoch (as if it had reached its last one). */
  finishNow: boolean;
  /** Called once when the operation ends (completed, failed, cancelled). */
  onEnd: (() => void)[];
  /** Called right after a cancel (quirk transitions). */
  afterCancel: (() => void) | null;
  ended: boolean;
}

export class CancelledError extends Error {
  constructor() {
    super("Operation cancelled");
  }
}

export function emptyProgress(): Progress {
  return {
    percentage: 0,
    current_step: null,
    steps_completed: 0,
    steps_total: 0,
    items_processed: 0,
    items_total: null,
    current_item: null,
    context: {},
  };
}

export interface ListFilters {
  status?: OperationStatus;
  type?: OperationType;
  activeOnly?: boolean;
  limit: number;
  offset: number;
  parentId?: string;
  /** Only operations in the list cache (v2026-list-cache). */
  listedOnly?: boolean;
}

export function isActiveStatus(s: OperationStatus): boolean {
  return s === "pending" || s === "running" || s === "resuming";
}

export function newOperation(id: string, type: OperationType, created: number, metadata: Partial<Metadata>): Operation {
  return {
    id,
    type,
    status: "pending",
    createdAt: created,
    startedAt: null,
    completedAt: null,
    progress: emptyProgress(),
    metadata: {
      symbol: metadata.symbol ?? null,
      timeframe: metadata.timeframe ?? null,
      mode: metadata.mode ?? null,
      start_date: metadata.start_date ?? null,
      end_date: metadata.end_date ?? null,
      parameters: metadata.parameters ?? {},
    },
    errorMessage: null,
    warnings: [],
    errors: [],
    resultSummary: null,
    metrics: null,
    parentId: null,
    abort: new AbortController(),
    cancelledAt: null,
    cancelReason: null,
    rerun: null,
    remote: false,
    proxied: false,
    backendLocal: false,
    listed: true,
    view: "db",
    epochs: [],
    refreshes: [],
    lastRefreshAt: 0,
    dbDates: { start: null, end: null },
    training: null,
    hasTask: false,
    killed: false,
    finishNow: false,
    onEnd: [],
    afterCancel: null,
    ended: false,
  };
}

/** The database row of an operation as the API (or a worker) would write it now. */
export function rowOf(op: Operation): DbRow {
  const dates = op.remote ? op.dbDates : { start: op.metadata.start_date, end: op.metadata.end_date };
  return {
    operation_id: op.id,
    operation_type: op.type,
    status: op.status,
    created_at: op.createdAt,
    started_at: op.startedAt,
    completed_at: op.completedAt,
    progress_percent: op.status === "completed" ? 100 : 0,
    error_message: op.errorMessage,
    metadata: { ...op.metadata, start_date: dates.start, end_date: dates.end, parameters: { ...op.metadata.parameters } },
    result_summary: op.resultSummary,
    parent_operation_id: op.parentId,
    is_backend_local: op.backendLocal,
    remote: op.remote,
  };
}

/** A record rebuilt from a database row: what a restarted v2026 API knows of an operation. */
export function fromRow(row: DbRow): Operation {
  const op = newOperation(row.operation_id, row.operation_type, row.created_at, { ...row.metadata });
  op.status = row.status;
  op.startedAt = row.started_at;
  op.completedAt = row.completed_at;
  op.progress = { ...emptyProgress(), percentage: row.progress_percent };
  op.errorMessage = row.error_message;
  op.resultSummary = row.result_summary;
  op.parentId = row.parent_operation_id;
  op.backendLocal = row.is_backend_local;
  op.remote = row.remote;
  op.dbDates = { start: row.metadata.start_date, end: row.metadata.end_date };
  op.view = "db";
  op.listed = false;
  op.ended = !isActiveStatus(row.status);
  return op;
}

export class OperationsRegistry {
  private readonly ops = new Map<string, Operation>();
  private readonly db: OperationsDb;
  /** v2026 after a restart: operations missing from the cache are rebuilt from the database. */
  private readThrough = false;

  constructor(db: OperationsDb) {
    this.db = db;
  }

  create(type: OperationType, metadata: Partial<Metadata>, idType: string = type): Operation {
    const created = nowMicros();
    const op = newOperation(operationId(idType, created), type, created, metadata);
    this.ops.set(op.id, op);
    return op;
  }

  /** The cached record, or (after a v2026 restart) the one rebuilt from the database. */
  get(id: string): Operation | undefined {
    const cached = this.ops.get(id);
    if (cached || !this.readThrough) return cached;
    const row = this.db.get(id);
    if (!row) return undefined;
    const op = fromRow(row);
    this.ops.set(id, op);
    return op;
  }

  /** The cached record only (no database read). */
  peek(id: string): Operation | undefined {
    return this.ops.get(id);
  }

  /** Put a record (back) in the cache, e.g. a worker's record re-attached after a restart. */
  adopt(op: Operation): void {
    this.ops.set(op.id, op);
  }

  /** Drop one record from the cache (its database row, if any, stays). */
  drop(id: string): void {
    this.ops.delete(id);
  }

  all(): Operation[] {
    return [...this.ops.values()];
  }

  /** Forget everything (a v2025 restart, shutdown); running tasks are told to stop. */
  clear(): void {
    for (const op of this.ops.values()) op.abort.abort();
    this.ops.clear();
    this.db.clear();
    this.readThrough = false;
  }

  /**
   * A v2026 restart: the cache is emptied (tasks are not touched — the caller decides which die) and
   * from now on a read by id rebuilds the record from the database.
   */
  forgetCache(): Operation[] {
    const was = this.all();
    this.ops.clear();
    this.readThrough = true;
    return was;
  }

  isActive(op: Operation): boolean {
    return isActiveStatus(op.status);
  }

  activeCount(listedOnly = false): number {
    let n = 0;
    for (const op of this.ops.values()) if ((op.status === "pending" || op.status === "running") && (!listedOnly || op.listed)) n++;
    return n;
  }

  list(f: ListFilters): { rows: Operation[]; total: number } {
    let rows = this.all();
    if (f.listedOnly) rows = rows.filter((o) => o.listed);
    if (f.parentId !== undefined) rows = rows.filter((o) => o.parentId === f.parentId);
    if (f.status) rows = rows.filter((o) => o.status === f.status);
    if (f.type) rows = rows.filter((o) => o.type === f.type);
    if (f.activeOnly) rows = rows.filter((o) => o.status === "pending" || o.status === "running");
    rows.sort((a, b) => b.createdAt - a.createdAt);
    return { rows: rows.slice(f.offset, f.offset + f.limit), total: rows.length };
  }

  /** Merge a progress update; percentage and counters never move backwards. */
  progress(op: Operation, patch: Partial<Progress>): void {
    if (!this.isActive(op) || op.killed) return;
    const p = op.progress;
    const next: Progress = { ...p, ...patch };
    next.percentage = Math.min(100, Math.max(p.percentage, patch.percentage ?? p.percentage));
    next.steps_completed = Math.max(p.steps_completed, patch.steps_completed ?? p.steps_completed);
    next.items_processed = Math.max(p.items_processed, patch.items_processed ?? p.items_processed);
    op.progress = next;
  }

  /** Run the operation's end hooks once (worker release, database sync). */
  markEnded(op: Operation): void {
    if (op.ended) return;
    op.ended = true;
    for (const f of op.onEnd) f();
  }

  /** Write the record's row to the database (upstream persists an operation when it is created). */
  persist(op: Operation): void {
    if (!this.db.has(op.id)) this.db.insert(rowOf(op));
  }

  /**
   * Run a task as the operation's body: pending → running → completed | failed.
   * A cancellation (or reset, or a killed worker) wins over whatever the task does afterwards.
   */
  run(op: Operation, task: Task): void {
    this.persist(op);
    op.hasTask = true;
    queueMicrotask(async () => {
      if ((op.status !== "pending" && op.status !== "resuming") || op.killed) return;
      op.status = "running";
      op.ended = false;
      op.startedAt ??= nowMicros();
      this.db.update(op.id, { status: "running", started_at: op.startedAt });
      try {
        const summary = await task(op);
        if (op.status !== "running" || op.killed) return;
        this.complete(op, summary);
      } catch (err) {
        if (op.status !== "running" || op.killed) return;
        if (err instanceof CancelledError) return;
        this.fail(op, errorText(err));
      }
    });
  }

  /** Mark a running operation completed with its result. */
  complete(op: Operation, summary: JsonObject): void {
    op.resultSummary = summary;
    this.progress(op, { percentage: 100 });
    op.status = "completed";
    op.completedAt = nowMicros();
    // The database keeps whatever error message it had (a cancel's reason survives a late completion).
    this.db.update(op.id, { status: "completed", completed_at: op.completedAt, progress_percent: 100, result_summary: summary });
    this.markEnded(op);
  }

  /** Mark an operation failed (the backends keep `errors` empty; the reason is in error_message). */
  fail(op: Operation, message: string | null): void {
    op.status = "failed";
    op.errorMessage = message;
    op.completedAt = nowMicros();
    this.db.update(op.id, { status: "failed", completed_at: op.completedAt, error_message: message, progress_percent: 0 });
    this.markEnded(op);
  }

  /** Cancel an active operation; returns the fields of the cancel response. */
  cancel(op: Operation, reason: string | null): { cancelledAt: number; children: string[] } {
    const at = nowMicros();
    op.status = "cancelled";
    op.completedAt = at;
    op.cancelledAt = at;
    op.cancelReason = reason;
    op.errorMessage = reason ?? "Operation cancelled by user";
    op.abort.abort();
    this.db.update(op.id, { status: "cancelled", completed_at: at, error_message: op.errorMessage });
    this.markEnded(op);
    const children: string[] = [];
    for (const child of this.ops.values()) {
      if (child.parentId === op.id && this.isActive(child)) {
        this.cancel(child, reason ?? "Parent operation cancelled");
        children.push(child.id);
      }
    }
    op.afterCancel?.();
    return { cancelledAt: at, children };
  }

  /** A status set from outside the task (PATCH): on the record and its row. */
  setStatus(op: Operation, status: OperationStatus, completedAt: number | null): void {
    op.status = status;
    op.completedAt = completedAt;
    this.db.update(op.id, { status, completed_at: completedAt });
    if (!isActiveStatus(status)) this.markEnded(op);
  }

  /** Prepare a cancelled/failed operation to run again from a checkpoint (same id). */
  prepareResume(op: Operation): void {
    op.status = "resuming";
    op.startedAt = nowMicros();
    op.completedAt = null;
    op.errorMessage = null;
    op.cancelledAt = null;
    op.cancelReason = null;
    op.resultSummary = null;
    op.progress = emptyProgress();
    op.abort = new AbortController();
    op.ended = false;
    op.killed = false;
    op.refreshes = [];
    this.db.update(op.id, { status: "running", started_at: op.startedAt, completed_at: null, error_message: null, progress_percent: 0 });
  }

  /** A new record with the same type and metadata, pending (KTRDR's retry). Persisted or not is the caller's choice. */
  copyForRetry(op: Operation): Operation {
    const copy = this.create(op.type, { ...op.metadata, parameters: { ...op.metadata.parameters } }, `retry_${op.type}`);
    copy.remote = op.remote;
    copy.dbDates = { ...op.dbDates };
    copy.view = op.view;
    return copy;
  }
}

export function durationSeconds(op: Operation): Json {
  if (op.startedAt === null) return null;
  const end = op.completedAt ?? nowMicros();
  return Math.round(((end - op.startedAt) / 1e6) * 1e6) / 1e6;
}
