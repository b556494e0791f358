// /operations endpoints: list, get, cancel, results, metrics, retry; v2026 children and /workers.
import type { Ctx } from "./context.ts";
import { startDummy } from "./dummy.ts";
import { isActiveStatus, STATUSES_V2025, STATUSES_V2026, TYPES_V2025, TYPES_V2026 } from "./operations.ts";
import type { Operation, OperationStatus, OperationType } from "./operations.ts";
import { deliverCancel, observe, workerTypeOf } from "./remote.ts";
import { startTask } from "./route-helpers.ts";
import type { Router } from "./router.ts";
import { isoMicros, nowMicros } from "./util.ts";
import { QueryCheck, bodyObject, BodyCheck, isReply } from "./validation.ts";
import {
  detail,
  envelope,
  json,
  metricsPayload,
  notFoundRoute,
  operationInfo,
  operationSummary,
  refreshMetrics,
  serializationError,
  validationError,
} from "./wire.ts";
import type { Reply } from "./wire.ts";

/** Reading a v2026 remote operation by id for the first time (since its start or a restart). */
const FIRST_READ_DB_AFTER_MS = 2000;

export function registerOperationRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  const q = ctx.quirks;
  const statuses = v === "v2026" ? STATUSES_V2026 : STATUSES_V2025;
  const types = v === "v2026" ? TYPES_V2026 : TYPES_V2025;

  const notFound = (id: string): Reply => detail(404, `Operation not found: ${id}`);
  const listCache = () => q.has("v2026-list-cache");
  /** A status as upstream prints it in errors (enum-status-text: the Python enum's name). */
  const statusText = (s: OperationStatus) => (q.has("enum-status-text") ? `OperationStatus.${s.toUpperCase()}` : s);
  /** v2025-tensor-500: a completed training's record cannot be serialised. */
  const unserialisable = (op: Operation) => q.has("v2025-tensor-500") && op.type === "training" && op.status === "completed";

  const listReply = (query: URLSearchParams, parentId?: string): Reply => {
    const check = new QueryCheck(query);
    const status = check.enumOf<OperationStatus>("status", statuses);
    const type = check.enumOf<OperationType>("operation_type", types);
    const limit = check.int("limit", 10, 1, 1000)!;
    const offset = check.int("offset", 0, 0, Number.MAX_SAFE_INTEGER)!;
    const activeOnly = check.bool("active_only", false);
    if (check.issues.length) return validationError(v, check.issues);
    const listedOnly = listCache();
    ctx.orphans.tick();
    for (const op of ctx.ops.all()) observe(ctx, op);
    const { rows, total } = ctx.ops.list({ status, type, activeOnly, limit, offset, parentId, listedOnly });
    return json(200, {
      success: true,
      data: rows.map((o) => operationSummary(o, ctx)),
      total_count: total,
      // /children counts its own rows (recorded 0 for a running cycle's empty /children).
      active_count:
        parentId === undefined
          ? ctx.ops.activeCount(listedOnly)
          : ctx.ops.list({ parentId, activeOnly: true, limit: 1, offset: 0, listedOnly }).total,
    });
  };

  router.add("GET", "/operations", (req) => listReply(req.query));

  router.add("GET", "/operations/{operation_id}", (_req, p) => {
    ctx.orphans.tick();
    const op = ctx.ops.get(p.operation_id!);
    if (!op) return notFound(p.operation_id!);
    if (!op.listed) {
      // v2026-list-cache: the first read puts it in the list; after a while (or once it completed)
      // that read comes from the database row rather than the start-time record.
      if (
        op.remote &&
        op.view === "start" &&
        (op.status === "completed" || Date.now() - op.createdAt / 1000 >= (ctx.opts.firstReadDbAfterMs ?? FIRST_READ_DB_AFTER_MS))
      )
        op.view = "db";
      op.listed = true;
    }
    observe(ctx, op);
    refreshMetrics(op, ctx);
    if (unserialisable(op)) return serializationError();
    return json(200, { success: true, data: operationInfo(op, ctx) });
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
    if (!ctx.ops.isActive(op)) return detail(400, `Operation ${op.id} cannot be cancelled (status: ${statusText(op.status)})`);
    const r = ctx.ops.cancel(op, reason);
    // The cancel is written to, and read back from, the database; it reaches the worker or not.
    const reached = op.remote ? deliverCancel(ctx, op, reason) : false;
    if (op.remote) op.view = "db";
    // v2026: an operation that was never in the database (a retry ghost) is gone once cancelled.
    if (v === "v2026" && !ctx.db.has(op.id)) ctx.ops.drop(op.id);
    const data: Record<string, unknown> = {
      success: true,
      operation_id: op.id,
      status: "cancelled",
      cancelled_at: isoMicros(r.cancelledAt, "+00:00"),
      cancellation_reason: reason,
      task_cancelled: !op.remote && op.hasTask,
    };
    if (v === "v2025") data.training_session_cancelled = false;
    else {
      data.remote_cancelled = reached;
      data.children_cancelled = r.children;
    }
    return json(200, { success: true, data });
  });

  if (ctx.opts.resultsEndpoints) {
    router.add("GET", "/operations/{operation_id}/results", (_req, p) => {
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      if (op.status !== "completed" && op.status !== "failed") return detail(400, `Operation not finished (status: ${op.status})`);
      if (unserialisable(op)) return serializationError();
      // A failed operation's results are empty: the reason is only in the record's error_message.
      const results = op.status === "failed" ? {} : (op.resultSummary ?? {});
      return json(200, { success: true, operation_id: op.id, operation_type: op.type, status: op.status, results });
    });

    router.add("GET", "/operations/{operation_id}/metrics", (_req, p) => {
      if (q.has("v2025-no-metrics-route")) return notFoundRoute();
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      refreshMetrics(op, ctx);
      return json(200, { success: true, data: { operation_id: op.id, operation_type: op.type, metrics: metricsPayload(op, ctx) } });
    });
  }

  // KTRDR's test operation (both versions, whatever the quirks).
  router.add("POST", "/dummy/start", () => {
    const op = startDummy(ctx);
    return json(200, {
      success: true,
      data: { operation_id: op.id, status: "started", message: "Started dummy_task operation" },
      error: null,
    });
  });

  router.add("POST", "/operations/{operation_id}/retry", (_req, p) => {
    const op = ctx.ops.get(p.operation_id!);
    if (!op) return notFound(p.operation_id!);
    if (op.status !== "failed") return detail(400, `Operation ${op.id} cannot be retried (status: ${statusText(op.status)})`);
    const ghost = q.has("retry-ghost") || !op.rerun;
    const type = op.remote ? workerTypeOf(op) : null;
    if (!ghost && type && q.has("v2026-one-worker") && ctx.workers.isBusy(type)) return noWorker(ctx, type);
    const copy = ctx.ops.copyForRetry(op);
    copy.listed = true;
    // retry-ghost: nobody runs it (and v2026 does not even write it to the database).
    if (!ghost) {
      copy.rerun = op.rerun;
      startTask(ctx, copy, op.rerun!());
    }
    return json(200, { success: true, data: operationInfo(copy, ctx) });
  });

  if (v === "v2026") {
    router.add("GET", "/operations/{operation_id}/children", (req, p) => {
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      return listReply(req.query, op.id);
    });

    router.add("GET", "/workers", () => json(200, ctx.workers.list()));

    // Set an operation's status by hand (upstream's admin/worker endpoint).
    router.add("PATCH", "/operations/{operation_id}/status", (req, p) => {
      const body = bodyObject(req, v);
      if (isReply(body)) return body;
      const check = new BodyCheck(body);
      const wanted = check.str("status", true);
      const message = check.str("error_message", false);
      if (check.issues.length) return validationError(v, check.issues);
      const op = ctx.ops.get(p.operation_id!);
      if (!op) return notFound(p.operation_id!);
      const status = (STATUSES_V2026 as readonly string[]).includes(wanted!.toLowerCase())
        ? (wanted!.toLowerCase() as OperationStatus)
        : null;
      if (!status) {
        return envelope(400, "OPERATIONS-StatusUpdateError", `Failed to update status for operation ${op.id}`, {
          operation_id: op.id,
          error: `'${wanted}' is not a valid OperationStatus`,
        });
      }
      const previous = op.status;
      ctx.ops.setStatus(op, status, isActiveStatus(status) ? null : nowMicros());
      if (message !== null && !q.has("v2026-patch-status-drops-message")) {
        op.errorMessage = message;
        ctx.db.update(op.id, { error_message: message });
      }
      return json(200, { success: true, operation_id: op.id, previous_status: previous, new_status: status });
    });
  }
}

/** v2026-one-worker: the worker of that type is busy (or none is registered). */
export function noWorker(ctx: Ctx, type: "training" | "backtesting"): Reply {
  return json(503, {
    detail: {
      error: `No ${type} workers available`,
      worker_type: type,
      registered_workers: ctx.workers.registered(type),
      backend_uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
      hint: "Workers auto-register after startup. Retry in a few seconds, or check worker container logs.",
    },
  });
}
