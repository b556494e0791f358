// Everything that differs between the two wire versions, and the JSON shapes both send.
import { isoMicros } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import type { Ctx } from "./context.ts";
import { durationSeconds, emptyProgress, isActiveStatus } from "./operations.ts";
import type { EpochRecord, Metadata, Operation, Progress } from "./operations.ts";
import { workerEpochs } from "./remote.ts";

export type WireVersion = "v2025" | "v2026";

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** Answered by the exception handler, outside the middleware: no X-Process-Time. */
  noProcessTime?: boolean;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}

/** FastAPI's HTTPException shape. */
export function detail(status: number, message: Json): Reply {
  return json(status, { detail: message });
}

/** The backend's own exception-handler envelope. */
export function envelope(status: number, code: string, message: string, details: Json = {}): Reply {
  return json(status, { success: false, error: { code, message, details } });
}

export const notFoundRoute = (): Reply => detail(404, "Not Found");
export const methodNotAllowed = (): Reply => detail(405, "Method Not Allowed");

/** One validation problem, in FastAPI's vocabulary. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: Json;
  ctx?: JsonObject;
}

export class ValidationFailure extends Error {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    super("Request validation failed");
    this.issues = issues;
  }
}

/** 422: v2025 sends FastAPI's list; v2026 the VALIDATION_ERROR envelope. */
export function validationError(version: WireVersion, issues: ValidationIssue[]): Reply {
  if (version === "v2025") {
    return json(422, {
      detail: issues.map((i) =>
        i.ctx
          ? { type: i.type, loc: i.loc, msg: i.msg, input: i.input, ctx: i.ctx }
          : { type: i.type, loc: i.loc, msg: i.msg, input: i.input },
      ),
    });
  }
  return json(422, {
    success: false,
    error: {
      code: "VALIDATION_ERROR",
      message: "Request validation failed",
      details: issues.map((i) => ({ field: i.loc.join(" -> "), message: i.msg, type: i.type })),
    },
  });
}

function ts(micros: number | null): string | null {
  return micros === null ? null : isoMicros(micros);
}

function resetProgress(percentage: number): Progress {
  return { ...emptyProgress(), percentage };
}

/** The progress a client sees (v2026: worker progress loses its details; finished operations show the database row). */
function renderProgress(op: Operation, ctx: Ctx): Progress {
  if (ctx.opts.wire === "v2025") return { ...op.progress };
  // Finished: the database row (100 when completed, 0 when failed — unless a PATCH changed the status).
  const row = op.status === "completed" || op.status === "failed" ? ctx.db.get(op.id) : undefined;
  if (op.status === "completed") return resetProgress(row?.progress_percent ?? 100);
  if (op.status === "failed") return resetProgress(row?.progress_percent ?? 0);
  if (op.status === "cancelled" && ctx.quirks.has("v2026-cancel-resets-progress")) return resetProgress(0);
  // A worker operation the API lost track of shows its database row (0 %).
  if (op.remote && !op.proxied) return resetProgress(0);
  if (op.remote) return { ...op.progress, items_total: null, current_item: null, context: {} };
  return { ...op.progress };
}

/** v2026 remote operations: the start-time record (dates null) or the database row (dates set). */
function showsDatabaseRow(op: Operation, ctx: Ctx): boolean {
  return op.remote && (op.view === "db" || !ctx.quirks.has("v2026-list-cache"));
}

function renderMetadata(op: Operation, ctx: Ctx): Metadata {
  const m = { ...op.metadata };
  if (ctx.opts.wire === "v2026" && op.remote) {
    const db = showsDatabaseRow(op, ctx);
    m.start_date = db ? op.dbDates.start : null;
    m.end_date = db ? op.dbDates.end : null;
  }
  return m;
}

/** An epoch as the v2026 metrics carry it (0-based, `duration`, second-precision timestamp). */
function epochV2026(e: EpochRecord): JsonObject {
  return {
    epoch: e.epoch - 1,
    train_loss: e.train_loss,
    train_accuracy: e.train_accuracy,
    val_loss: e.val_loss,
    val_accuracy: e.val_accuracy,
    learning_rate: e.learning_rate,
    duration: e.duration_seconds,
    timestamp: `${e.timestamp.slice(0, 19)}Z`,
  };
}

/** v2026-metrics-nesting: the snapshots taken on reads, flattened as [epochs, count, epochs, count, ...]. */
function nestedEpochs(op: Operation): Json[] {
  return op.refreshes.flatMap((snap) => [snap.map(epochV2026), snap.length]);
}

/** A read of a running v2026 training refreshes its metrics from the worker (at most once a second). */
export function refreshMetrics(op: Operation, ctx: Ctx): void {
  if (ctx.opts.wire !== "v2026" || op.type !== "training" || !isActiveStatus(op.status)) return;
  const epochs = workerEpochs(ctx, op);
  if (epochs === null) return;
  const now = Date.now();
  if (now - op.lastRefreshAt < 1000) return;
  op.lastRefreshAt = now;
  op.refreshes.push([...epochs]);
}

/** The `metrics` field of a v2026 operation record. */
function recordMetrics(op: Operation, ctx: Ctx): Json {
  const q = ctx.quirks;
  if (op.status === "cancelled" && q.has("v2026-cancel-resets-progress")) return null;
  if (op.type === "training") {
    if (op.status === "failed" || op.status === "pending") return null;
    if (op.remote && !op.proxied && isActiveStatus(op.status)) return null;
    if (q.has("v2026-metrics-nesting")) {
      if (showsDatabaseRow(op, ctx) && !isActiveStatus(op.status)) return null;
      return { epochs: nestedEpochs(op) };
    }
    return op.metrics;
  }
  if (op.type === "backtesting" && op.remote) return showsDatabaseRow(op, ctx) ? null : {};
  return null;
}

/** `data.metrics` of GET /operations/{id}/metrics. */
export function metricsPayload(op: Operation, ctx: Ctx): Json {
  if (ctx.quirks.has("v2026-metrics-nesting")) {
    if (op.status === "cancelled" && ctx.quirks.has("v2026-cancel-resets-progress")) return [[], 0];
    const list = nestedEpochs(op);
    return [list, list.length];
  }
  if (op.status === "cancelled" && ctx.quirks.has("v2026-cancel-resets-progress")) return {};
  return op.metrics ?? {};
}

export function operationInfo(op: Operation, ctx: Ctx): JsonObject {
  const info: JsonObject = {
    operation_id: op.id,
    operation_type: op.type,
    status: op.status,
    created_at: ts(op.createdAt),
    started_at: ts(op.startedAt),
    completed_at: ts(op.completedAt),
    progress: renderProgress(op, ctx) as unknown as JsonObject,
    metadata: renderMetadata(op, ctx) as unknown as JsonObject,
    error_message: op.errorMessage,
    warnings: [...op.warnings],
    errors: [...op.errors],
    result_summary: op.resultSummary,
  };
  if (ctx.opts.wire === "v2026") {
    info.metrics = recordMetrics(op, ctx);
    info.parent_operation_id = op.parentId;
    info.is_backend_local = op.backendLocal;
  }
  return info;
}

export function operationSummary(op: Operation, ctx: Ctx): JsonObject {
  const p = renderProgress(op, ctx);
  return {
    operation_id: op.id,
    operation_type: op.type,
    status: op.status,
    created_at: ts(op.createdAt),
    progress_percentage: p.percentage,
    current_step: p.current_step,
    symbol: op.metadata.symbol,
    duration_seconds: durationSeconds(op),
  };
}

/** v2025-tensor-500: what the backend's exception handler answers when it cannot serialise the record. */
export function serializationError(): Reply {
  return {
    ...envelope(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred", { type: "PydanticSerializationError" }),
    noProcessTime: true,
  };
}
