/**
 * Generic operation management: find, watch, cancel and read any KTRDR operation.
 */
import { z } from "zod";
import { BackendError } from "../ktrdr/errors";
import { notFinishedMessage } from "./errors";
import * as input from "./inputs";
import { defineTool, READ, ToolError } from "./tool";
import { untilInput, waitForOperation, waitInput } from "./wait";
import { compact, conciseResults, conciseStatus, diagnoseTraining, fullStatus, listRow, prune } from "./views";

export const LIST_LIMIT_MAX = 100;

const detail = z
  .enum(["concise", "full"])
  .default("concise")
  .describe("concise (default): what an agent needs to decide; full: the complete backend record");

const looseRecord = z.record(z.string(), z.unknown());

const listRowShape = z.object({
  operation_id: z.string(),
  operation_type: z.string(),
  status: z.string(),
  created_at: z.string().optional(),
  progress_percentage: z.number().optional(),
  current_step: z.string().optional(),
  symbol: z.string().optional(),
  duration_seconds: z.number().optional(),
});

export const listOperations = defineTool({
  name: "list_operations",
  title: "List KTRDR operations",
  description:
    "Find operations without knowing their ids — e.g. at the start of a conversation, or to see what is running. Newest first. " +
    "Filters: operation_type, status, active_only (pending+running). Then use get_operation_status for one operation.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {
    operation_type: input.operationType.optional().describe("Only this kind of operation"),
    status: input.operationStatus.optional().describe("Only operations in this status"),
    active_only: z.boolean().default(false).describe("Only pending and running operations"),
    limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(10).describe(`How many, 1-${LIST_LIMIT_MAX} (default 10)`),
    offset: z.number().int().min(0).max(100_000).default(0).describe("Skip this many (for paging)"),
  },
  output: {
    success: z.boolean(),
    data: z.array(listRowShape),
    total_count: z.number().describe("Operations matching the filters"),
    active_count: z.number().optional().describe("Pending + running operations overall"),
    returned_count: z.number(),
  },
  async run(args, { api }) {
    const res = await api.listOperations(args);
    const data = res.operations.map(listRow) as Array<z.infer<typeof listRowShape>>;
    return { success: true, data, total_count: res.total_count, active_count: res.active_count, returned_count: data.length };
  },
});

export const getOperationStatus = defineTool({
  name: "get_operation_status",
  title: "Get operation status",
  description:
    "Status and progress of one operation: percentage, current step, elapsed time and ETA, and for trainings the latest epoch metrics. " +
    "Use it when the user asks how an operation is going, not in a loop: to wait for the outcome, pass wait_seconds (up to 45) and the server waits for you. " +
    "When status is completed or failed, call get_operation_results.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {
    operation_id: input.operationId,
    detail,
    ...waitInput,
    ...untilInput,
  },
  output: {
    operation_id: z.string(),
    operation_type: z.string(),
    status: z.string(),
    progress_percentage: z.number().optional(),
    current_step: z.string().optional(),
    symbol: z.string().optional(),
    duration_seconds: z.number().optional().describe("Seconds since it started (to completion when finished)"),
    eta_seconds: z.number().optional().describe("Estimated seconds left, from elapsed time and progress"),
    epoch_metrics: looseRecord.optional(),
    diagnosis: looseRecord.optional(),
    segments: z.string().optional(),
    bars_saved: z.number().optional(),
    error_message: z.string().optional(),
    result: z.string().optional(),
    progress: looseRecord.optional(),
    metadata: looseRecord.optional(),
    result_summary: looseRecord.optional(),
    finished: z.boolean().optional().describe("With wait_seconds: whether the operation is finished"),
    waited_seconds: z.number().optional(),
  },
  async run(args, ctx) {
    let op = await ctx.api.getOperation(args.operation_id);
    let waited: { finished: boolean; waited_seconds: number } | undefined;
    if (args.wait_seconds > 0) {
      const w = await waitForOperation(ctx, args.operation_id, { seconds: args.wait_seconds, until: args.until, first: op });
      op = w.op;
      waited = { finished: w.finished, waited_seconds: w.waited_seconds };
    }
    const view = args.detail === "full" ? fullStatus(op, ctx.now()) : conciseStatus(op, ctx.now());
    return { ...(view as { operation_id: string; operation_type: string; status: string }), ...waited };
  },
});

export const cancelOperation = defineTool({
  name: "cancel_operation",
  title: "Cancel an operation",
  description:
    "Cancel a pending or running operation, with an optional reason that is recorded. Training stops at the next batch and keeps a checkpoint. " +
    "Cannot be undone. Finished operations cannot be cancelled.",
  scope: "ktrdr:operate",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    operation_id: input.operationId,
    reason: input.reason.optional(),
  },
  output: {
    success: z.boolean(),
    operation_id: z.string(),
    status: z.string(),
    cancelled_at: z.string().optional(),
    cancellation_reason: z.string().optional(),
    task_cancelled: z.boolean().optional(),
    remote_cancelled: z.boolean().optional().describe("The training host or worker confirmed it stopped"),
    children_cancelled: z.number().optional(),
  },
  async run(args, { api }) {
    const res = await api.cancelOperation(args.operation_id, args.reason);
    return prune({ success: true, ...res });
  },
});

export const getOperationResults = defineTool({
  name: "get_operation_results",
  title: "Get operation results",
  description:
    "Results of a completed or failed operation: key metrics (training: losses, accuracy, test metrics, model path; data load: bars fetched, file). " +
    "Running, pending and cancelled operations have no results — check get_operation_status first.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {
    operation_id: input.operationId,
    detail,
  },
  output: {
    success: z.boolean(),
    operation_id: z.string(),
    operation_type: z.string(),
    status: z.string(),
    error_message: z.string().optional(),
    results: looseRecord,
  },
  async run(args, { api }) {
    let res;
    try {
      res = await api.getResults(args.operation_id);
    } catch (err) {
      if (err instanceof BackendError && err.failure.kind === "http" && err.status === 400) {
        const st = /status: (\w+)/i.exec(err.failure.message)?.[1];
        if (st) throw new ToolError(notFinishedMessage(args.operation_id, st));
      }
      throw err;
    }
    if (res.status !== "completed" && res.status !== "failed") {
      // Same rule as the backend's /results endpoint, also on backends that lack it.
      throw new ToolError(notFinishedMessage(args.operation_id, res.status));
    }
    const results = args.detail === "full" ? prune(res.results) : conciseResults(res.operation_type, res.results);
    // `results` stays even when empty (a failed operation may have none): it is part of the shape.
    return {
      ...prune({ success: true, operation_id: res.operation_id, operation_type: res.operation_type, status: res.status, error_message: res.error_message }),
      results,
    };
  },
});

export const getOperationMetrics = defineTool({
  name: "get_operation_metrics",
  title: "Get operation metrics",
  description:
    "Per-epoch training metrics of an operation (running or finished) with a short diagnosis: best epoch, whether validation loss is rising. " +
    "Use it to judge overfitting or a plateau before deciding to cancel; concise shows the last 10 epochs.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {
    operation_id: input.operationId,
    detail,
  },
  output: {
    operation_id: z.string(),
    operation_type: z.string(),
    epochs: z.array(looseRecord).optional(),
    epochs_shown: z.string().optional(),
    diagnosis: looseRecord.optional(),
    metrics: looseRecord.optional(),
  },
  async run(args, { api }) {
    const res = await api.getMetrics(args.operation_id);
    const m = res.metrics;
    let epochs = Array.isArray(m.epochs) ? (m.epochs as Array<Record<string, unknown>>) : [];
    if (epochs.length === 0 && res.operation) {
      // Older backends: only the latest epoch's metrics, in the progress context.
      const ctx = (res.operation.progress?.context ?? {}) as Record<string, unknown>;
      if (ctx.epoch_metrics && typeof ctx.epoch_metrics === "object")
        epochs = [{ epoch: ctx.epoch_index, ...(ctx.epoch_metrics as Record<string, unknown>) }];
    }
    const diagnosis = diagnoseTraining(epochs);
    const others = Object.fromEntries(Object.entries(m).filter(([k]) => k !== "epochs"));
    if (args.detail === "full") {
      return prune({ operation_id: res.operation_id, operation_type: res.operation_type, epochs, diagnosis, metrics: others });
    }
    const shown = epochs.slice(-10).map((e) => compact(pickEpoch(e)) as Record<string, unknown>);
    return prune({
      operation_id: res.operation_id,
      operation_type: res.operation_type,
      epochs: shown,
      epochs_shown: epochs.length > shown.length ? `last ${shown.length} of ${epochs.length}` : undefined,
      diagnosis,
      metrics: compact(others) as Record<string, unknown>,
    });
  },
});

function pickEpoch(e: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]) if (k in e) out[k] = e[k];
  return out;
}

export const OPERATION_TOOLS = [listOperations, getOperationStatus, cancelOperation, getOperationResults, getOperationMetrics];
