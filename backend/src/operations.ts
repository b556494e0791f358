// In-memory operations registry (lost on restart, as in v2025): lifecycle, list/filter/paginate, cancel, retry.
import { nowMicros, operationId, errorText } from "./util.ts";
import type { JsonObject, Json } from "./util.ts";

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

export interface Checkpoint {
  checkpoint_type: string;
  created_at: string;
  epoch: number;
  path: string;
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
  checkpoint: Checkpoint | null;
  /** What to run again on resume (training only). */
  resume: ((op: Operation) => Promise<JsonObject>) | null;
  // ---- upstream-fidelity state ----
  /** v2026: runs on a (simulated) worker, not in the backend process. */
  remote: boolean;
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

export class OperationsRegistry {
  private readonly ops = new Map<string, Operation>();

  create(type: OperationType, metadata: Partial<Metadata>, idType: string = type): Operation {
    const created = nowMicros();
    const op: Operation = {
      id: operationId(idType, created),
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
      checkpoint: null,
      resume: null,
      remote: false,
      listed: true,
      view: "db",
      epochs: [],
      refreshes: [],
      lastRefreshAt: 0,
      dbDates: { start: null, end: null },
      training: null,
      onEnd: [],
      afterCancel: null,
      ended: false,
    };
    this.ops.set(op.id, op);
    return op;
  }

  get(id: string): Operation | undefined {
    return this.ops.get(id);
  }

  all(): Operation[] {
    return [...this.ops.values()];
  }

  /** Forget everything (a v2025 restart); running tasks are told to stop. */
  clear(): void {
    for (const op of this.ops.values()) op.abort.abort();
    this.ops.clear();
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
    if (!this.isActive(op)) return;
    const p = op.progress;
    const next: Progress = { ...p, ...patch };
    next.percentage = Math.min(100, Math.max(p.percentage, patch.percentage ?? p.percentage));
    next.steps_completed = Math.max(p.steps_completed, patch.steps_completed ?? p.steps_completed);
    next.items_processed = Math.max(p.items_processed, patch.items_processed ?? p.items_processed);
    op.progress = next;
  }

  /** Run the operation's end hooks once (worker release). */
  markEnded(op: Operation): void {
    if (op.ended) return;
    op.ended = true;
    for (const f of op.onEnd) f();
  }

  /**
   * Run a task as the operation's body: pending → running → completed | failed.
   * A cancellation (or reset) wins over whatever the task does afterwards.
   */
  run(op: Operation, task: (op: Operation) => Promise<JsonObject>): void {
    queueMicrotask(async () => {
      if (op.status !== "pending" && op.status !== "resuming") return;
      op.status = "running";
      op.ended = false;
      op.startedAt ??= nowMicros();
      try {
        const summary = await task(op);
        if (op.status !== "running") return;
        op.resultSummary = summary;
        this.progress(op, { percentage: 100 });
        op.status = "completed";
        op.completedAt = nowMicros();
        this.markEnded(op);
      } catch (err) {
        if (op.status !== "running") return;
        if (err instanceof CancelledError) return;
        this.fail(op, errorText(err));
      }
    });
  }

  /** Mark a running operation failed (the backends keep `errors` empty; the reason is in error_message). */
  fail(op: Operation, message: string): void {
    op.status = "failed";
    op.errorMessage = message;
    op.completedAt = nowMicros();
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

  /** A failed operation's retry: a new pending record that runs nothing (as the real backend). */
  retry(op: Operation): Operation {
    const copy = this.create(
      op.type,
      { ...op.metadata, parameters: { ...op.metadata.parameters, retry_of: op.id } as JsonObject },
      `retry_${op.type}`,
    );
    return copy;
  }

  /** Mark a cancelled/failed training as resuming, then let the resume task take over. */
  startResume(op: Operation): void {
    op.status = "resuming";
    op.completedAt = null;
    op.errorMessage = null;
    op.cancelledAt = null;
    op.cancelReason = null;
    op.abort = new AbortController();
    op.ended = false;
    const resume = op.resume;
    setTimeout(() => {
      if (op.status !== "resuming" || !resume) return;
      this.run(op, resume);
    }, 50);
  }
}

export function durationSeconds(op: Operation): Json {
  if (op.startedAt === null) return null;
  const end = op.completedAt ?? nowMicros();
  return Math.round(((end - op.startedAt) / 1e6) * 1e6) / 1e6;
}
