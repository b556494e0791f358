// Everything that differs between the two wire versions, and the JSON shapes both send.
import { isoMicros } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import { durationSeconds } from "./operations.ts";
import type { Operation } from "./operations.ts";

export type WireVersion = "v2025" | "v2026";

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
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
      detail: issues.map((i) => (i.ctx ? { type: i.type, loc: i.loc, msg: i.msg, input: i.input, ctx: i.ctx } : { type: i.type, loc: i.loc, msg: i.msg, input: i.input })),
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

export function operationInfo(op: Operation, version: WireVersion): JsonObject {
  const info: JsonObject = {
    operation_id: op.id,
    operation_type: op.type,
    status: op.status,
    created_at: ts(op.createdAt),
    started_at: ts(op.startedAt),
    completed_at: ts(op.completedAt),
    progress: { ...op.progress, context: { ...op.progress.context } } as unknown as JsonObject,
    metadata: { ...op.metadata } as unknown as JsonObject,
    error_message: op.errorMessage,
    warnings: [...op.warnings],
    errors: [...op.errors],
    result_summary: op.resultSummary,
  };
  if (version === "v2026") {
    info.metrics = op.metrics;
    info.parent_operation_id = op.parentId;
    info.is_backend_local = true;
  }
  return info;
}

export function operationSummary(op: Operation): JsonObject {
  return {
    operation_id: op.id,
    operation_type: op.type,
    status: op.status,
    created_at: ts(op.createdAt),
    progress_percentage: op.progress.percentage,
    current_step: op.progress.current_step,
    symbol: op.type === "data_load" ? "N/A" : op.metadata.symbol,
    duration_seconds: durationSeconds(op),
  };
}
