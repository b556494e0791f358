// In-memory operations registry (lost on restart, as in v2025): lifecycle, list/filter/paginate, cancel, retry.
import { nowMicros, operationId, errorText } from "./util.ts";
import type { JsonObject, Json } from "./util.ts";

export const STATUSES_V2025 = ["pending", "running", "completed", "failed", "cancelled"] as const;
export const STATUSES_V2026 = [...STATUSES_V2025, "resuming"] as const;
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
  metrics: JsonObject | null;
  parentId: string | null;
  abort: AbortController;
  cancelledAt: number | null;
  cancelReason: string | null;
  checkpoint: Checkpoint | null;
  /** What to run again on resume (training only). */
  resume: ((op: Operation) => Promise<JsonObject>) | null;
}

export class CancelledError extends Error {
  constructor() {
    super("Operation cancelled");
  }
}

export function emptyProgress(): Progress {
  return { percentage: 0, current_step: null, steps_completed: 0, steps_total: 0, items_processed: 0, items_total: null, current_item: null, context: {} };
}

export interface ListFilters {
  status?: OperationStatus;
  type?: OperationType;
  activeOnly?: boolean;
  limit: number;
  offset: number;
  parentId?: string;
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
    return op.status === "pending" || op.status === "running" || op.status === "resuming";
  }

  activeCount(): number {
    let n = 0;
    for (const op of this.ops.values()) if (op.status === "pending" || op.status === "running") n++;
    return n;
  }

  list(f: ListFilters): { rows: Operation[]; total: number } {
    let rows = this.all();
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

  /**
   * Run a task as the operation's body: pending → running → completed | failed.
   * A cancellation (or reset) wins over whatever the task does afterwards.
   */
  run(op: Operation, task: (op: Operation) => Promise<JsonObject>): void {
    queueMicrotask(async () => {
      if (op.status !== "pending" && op.status !== "resuming") return;
      op.status = "running";
      op.startedAt ??= nowMicros();
      try {
        const summary = await task(op);
        if (op.status !== "running") return;
        op.resultSummary = summary;
        this.progress(op, { percentage: 100 });
        op.status = "completed";
        op.completedAt = nowMicros();
      } catch (err) {
        if (op.status !== "running") return;
        if (err instanceof CancelledError) return;
        op.status = "failed";
        op.errorMessage = errorText(err);
        op.errors.push(op.errorMessage);
        op.completedAt = nowMicros();
      }
    });
  }

  /** Cancel an active operation; returns the fields of the cancel response. */
  cancel(op: Operation, reason: string | null): { cancelledAt: number; taskCancelled: boolean; sessionCancelled: boolean; children: string[] } {
    const wasRunning = op.status === "running" || op.status === "resuming";
    const at = nowMicros();
    op.status = "cancelled";
    op.completedAt = at;
    op.cancelledAt = at;
    op.cancelReason = reason;
    op.errorMessage = reason ?? "Operation cancelled by user";
    op.abort.abort();
    const children: string[] = [];
    for (const child of this.ops.values()) {
      if (child.parentId === op.id && this.isActive(child)) {
        this.cancel(child, reason ?? "Parent operation cancelled");
        children.push(child.id);
      }
    }
    return { cancelledAt: at, taskCancelled: true, sessionCancelled: op.type === "training" && wasRunning, children };
  }

  /** A failed operation's retry: a new pending record that runs nothing (as the real backend). */
  retry(op: Operation): Operation {
    const copy = this.create(op.type, { ...op.metadata, parameters: { ...op.metadata.parameters, retry_of: op.id } as JsonObject }, `retry_${op.type}`);
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
  return Math.round(((end - op.startedAt) / 1e6) * 1000) / 1000;
}
