// /operations endpoints: list, get, cancel, results, metrics, retry; v2026 children and resume.
import type { Ctx } from "./context.ts";
import { STATUSES_V2025, STATUSES_V2026, TYPES_V2025, TYPES_V2026 } from "./operations.ts";
import type { Operation, OperationStatus, OperationType } from "./operations.ts";
import type { Router } from "./router.ts";
import { isoMicros } from "./util.ts";
import { BodyCheck, QueryCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, operationInfo, operationSummary, validationError } from "./wire.ts";
import type { Reply } from "./wire.ts";

export function registerOperationRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  const statuses = v === "v2026" ? STATUSES_V2026 : STATUSES_V2025;
  const types = v === "v2026" ? TYPES_V2026 : TYPES_V2025;

  const notFound = (id: string): Reply => detail(404, `Operation not found: ${id}`);

  const listReply = (q: URLSearchParams, parentId?: string): Reply => {
    const check = new QueryCheck(q);
    const status = check.enumOf<OperationStatus>("status", statuses);
    const type = check.enumOf<OperationType>("operation_type", types);
    const limit = check.int("limit", 10, 1, 1000)!;
    const offset = check.int("offset", 0, 0, Number.MAX_SAFE_INTEGER)!;
    const activeOnly = check.bool("active_only", false);
    if (check.issues.length) return validationError(v, check.issues);
    const { rows, total } = ctx.ops.list({ status, type, activeOnly, limit, offset, parentId });
    return json(200, { success: true, data: rows.map(operationSummary), total_count: total, active_count: ctx.ops.activeCount() });
  };

  router.add("GET", "/operations", (req) => listReply(req.query));

  router.add("GET", "/operations/{operation_id}", (_req, p) => {
    const op = ctx.ops.get(p.operation_id!);
    if (!op) return notFound(p.operation_id!);
    return json(200, { success: true, data: operationInfo(op, v) });
  });

  router.add("DELETE", "/operations/{operation_id}", (req, p) => {
    const body = bodyObject(req, v, true);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const reason = check.str("reason", false);
    check.bool("force", false);
    if (check.issues.length) return validationError(v, check.issues);
    const op = ctx.ops.get(p.operation_id!);
    if (!op) return notFound(p.operation_id!);
    if (!ctx.ops.isActive(op)) return detail(400, `Operation ${op.id} cannot be cancelled (status: ${op.status})`);
    const r = ctx.ops.cancel(op, reason);
    const data: Record<string, unknown> = {
      success: true,
      operation_id: op.id,
      status: "cancelled",
      cancelled_at: isoMicros(r.cancelledAt, "+00:00"),
      cancellation_reason: reason,
      task_cancelled: r.taskCancelled,
    };
    if (v === "v2025") data.training_session_cancelled = r.sessionCancelled;
    else {
      data.remote_cancelled = false;
      data.children_cancelled = r.children;
    }
    return json(200, { success: true, data });
  });

  if (ctx.opts.resultsEndpoints) {
    router.add("GET", "/operations/{operation_id}/results", (_req, p) => {
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      if (op.status !== "completed" && op.status !== "failed") return detail(400, `Operation not finished (status: ${op.status})`);
      return json(200, { success: true, operation_id: op.id, operation_type: op.type, status: op.status, results: op.resultSummary ?? {} });
    });

    router.add("GET", "/operations/{operation_id}/metrics", (_req, p) => {
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      return json(200, { success: true, data: { operation_id: op.id, operation_type: op.type, metrics: op.metrics ?? {} } });
    });
  }

  router.add("POST", "/operations/{operation_id}/retry", (_req, p) => {
    const op = ctx.ops.get(p.operation_id!);
    if (!op) return notFound(p.operation_id!);
    if (op.status !== "failed") return detail(400, `Only failed operations can be retried (status: ${op.status})`);
    const copy = ctx.ops.retry(op);
    return json(200, { success: true, data: { original_operation_id: op.id, new_operation_id: copy.id, status: copy.status } });
  });

  if (v === "v2026") {
    router.add("GET", "/operations/{operation_id}/children", (req, p) => {
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      return listReply(req.query, op.id);
    });

    router.add("POST", "/operations/{operation_id}/resume", (_req, p) => {
      const op: Operation | undefined = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      if (op.status !== "cancelled" && op.status !== "failed") return detail(400, `Operation ${op.id} cannot be resumed (status: ${op.status})`);
      if (op.type !== "training") return detail(400, `Operation ${op.id} cannot be resumed: only training operations support resume`);
      if (!op.checkpoint || !op.resume) return detail(404, `No checkpoint available for operation ${op.id}`);
      const cp = op.checkpoint;
      ctx.ops.startResume(op);
      return json(200, {
        success: true,
        data: { operation_id: op.id, status: "resuming", resumed_from: { checkpoint_type: cp.checkpoint_type, created_at: cp.created_at, epoch: cp.epoch } },
      });
    });
  }
}
