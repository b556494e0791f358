/**
 * Generic operation management: find, watch, cancel and read any KTRDR operation.
 */
import { z } from "zod";
import type { KtrdrApi } from "../ktrdr/ktrdr.api";
import { isFinished, type Operation } from "../ktrdr/model";
import { alreadyFinishedMessage, describeError, notFinishedMessage } from "./errors";
import { checkDiscardSupported, discardCheckpoint } from "./resume.tools";
import * as input from "./inputs";
import * as names from "./names";
import { defineTool, READER, ToolError } from "./tool";
import { untilInput, waitForOperation, waitInput } from "./wait";
import {
  compact,
  conciseResults,
  conciseStatus,
  diagnoseTraining,
  epochsPlanned,
  epochView,
  fullStatus,
  listRow,
  prune,
  resultSeries,
  workerView,
} from "./views";

export const LIST_LIMIT_MAX = 100;

const detail = z.enum(["concise", "full"]).default("concise").describe("full adds KTRDR's own record");

const looseRecord = z.record(z.string(), z.unknown());

/**
 * What the v2026 witnesses add (design-18 §1.5), kept bare in the catalogue (its token budget):
 * the note says what each anomaly means; the values come from `ANOMALIES` and `WORKER_STATES`
 * (model.ts), checked by the tests rather than published as enums.
 */
const anomalyOutput = z.string().optional();
const backendStatusOutput = z.string().optional();
const workerOutput = looseRecord.optional();

/** What the server could not establish, and why (present only when something is missing or was corrected). */
const gapsOutput = {
  unknown: z.array(z.string()).optional(),
  note: z.string().optional(),
};

/** A v2026 research cycle's part of a status (views.ts `researchView`), described in one line to keep the catalogue small. */
const researchShape = z.record(z.string(), z.unknown()).describe("Cycle: phase, strategy, model, children, budget");
/** A cancelled research cycle's operations (the tool's description says a cycle stops with its running child). */
const childrenShape = z.array(z.record(z.string(), z.unknown()));

const listRowShape = z.object({
  operation_id: z.string(),
  operation_type: z.string(),
  status: z.string(),
  backend_status: z.string().optional(),
  anomaly: anomalyOutput,
  cycle: z.string().optional(),
  created_at: z.string().optional(),
  progress_percentage: z.number().optional(),
  current_step: z.string().optional(),
  symbol: z.string().optional(),
  duration_seconds: z.number().optional(),
});

export const listOperations = defineTool({
  name: names.LIST_OPERATIONS,
  title: "List KTRDR operations",
  description:
    "Find operations without knowing their ids (at the start of a conversation, or what is running), newest first. " +
    "Filters: operation_type, status, active_only (pending+running). KTRDR v2026 may miss some (note says). get_operation_status reads one.",
  ...READER,
  input: {
    operation_type: input.operationType.optional(),
    status: input.operationStatus.optional(),
    active_only: z.boolean().default(false),
    limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(10),
    offset: z.number().int().min(0).max(100_000).default(0).describe("Skip this many (for paging)"),
  },
  output: {
    success: z.boolean(),
    data: z.array(listRowShape),
    total_count: z.number().optional(),
    total_at_least: z.number().optional().describe("If the exact count is unknown"),
    active_count: z.number().optional(),
    returned_count: z.number(),
    note: z.string().optional(),
  },
  async run(args, { api, now }) {
    const page = await api.listOperations(args, now());
    const data = page.rows.map(listRow) as Array<z.infer<typeof listRowShape>>;
    return {
      success: true,
      data,
      ...prune({ total_count: page.total_count, total_at_least: page.total_at_least, active_count: page.active_count }),
      returned_count: data.length,
      ...(page.notes?.length ? { note: page.notes.join(" ") } : {}),
    };
  },
});

export const getOperationStatus = defineTool({
  name: names.GET_OPERATION_STATUS,
  title: "Get operation status",
  description:
    "Status and progress of one operation: percentage, step, ETA, latest epoch metrics, checkpoint. " +
    "Do not poll in a loop: wait_seconds (≤45) makes the server wait. Finished: get_operation_results.",
  ...READER,
  view: "status",
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
    backend_status: backendStatusOutput,
    anomaly: anomalyOutput,
    worker: workerOutput,
    progress_percentage: z.number().optional(),
    current_step: z.string().optional(),
    symbol: z.string().optional(),
    duration_seconds: z.number().optional(),
    eta_seconds: z.number().optional(),
    epoch_metrics: looseRecord.optional(),
    diagnosis: looseRecord.optional(),
    segments: z.string().optional(),
    bars_saved: z.number().optional(),
    error_message: z.string().optional(),
    cancel_reason: z.string().optional(),
    result: z.string().optional(),
    cycle: z.string().optional(),
    research: researchShape.optional(),
    checkpoint: z
      .object({ epoch: z.number().optional(), type: z.string(), age_s: z.number().optional(), resumable: z.boolean().optional() })
      .optional()
      .describe("resumable: resume_operation continues from it"),
    ...gapsOutput,
    finished: z.boolean().optional(),
    waited_seconds: z.number().optional(),
    backend: looseRecord.optional(),
    witnesses: looseRecord.optional(),
    record: looseRecord.optional(),
  },
  async run(args, ctx) {
    let op = await ctx.api.getOperation(args.operation_id);
    let waited: Record<string, unknown> = {};
    let readFailed = false;
    if (args.wait_seconds > 0) {
      // The wait polls the record only; the witnesses are read once, on the final state.
      const w = await waitForOperation(ctx, args.operation_id, { seconds: args.wait_seconds, until: args.until, first: op });
      op = w.op ?? op;
      waited = { finished: w.finished, waited_seconds: w.waited_seconds };
      if (w.readError !== undefined) {
        readFailed = true;
        const why = describeError(w.readError, {
          tool: "get_operation_status",
          operationId: args.operation_id,
          backendHost: ctx.api.backendHost,
        });
        op = { ...op, notes: [...(op.notes ?? []), `This is the last state seen: a later read failed (${why})`] };
      }
    }
    if (!readFailed) op = await ctx.api.witness(op, ctx.now());
    // Finished by belief: a cancel that did not reach its worker is not finished.
    if (args.wait_seconds > 0) waited.finished = isFinished(op.status);
    // v2026: a cycle's phase and children, or the cycle a training or backtest belongs to (never inside the wait).
    op = await ctx.api.withResearch(op).catch(() => op);
    // A cancelled or failed v2026 training: the checkpoint a resume would continue from.
    op = await ctx.api.withResumeCheckpoint(op);
    const planned = epochsPlanned(op);
    if (planned !== undefined) ctx.viewFacts({ epochs_planned: planned });
    const view = args.detail === "full" ? fullStatus(op, ctx.now()) : conciseStatus(op, ctx.now());
    return { ...(view as { operation_id: string; operation_type: string; status: string }), ...waited };
  },
});

/** What get_operation_status answers (concise; `detail: "full"` adds the operation's own facts). */
export type StatusView = z.input<z.ZodObject<typeof getOperationStatus.output>>;

export const cancelOperation = defineTool({
  name: names.CANCEL_OPERATION,
  title: "Cancel an operation",
  description:
    "Cancel a pending or running operation (a reason is recorded). A training keeps a checkpoint (resume_operation) " +
    "unless discard_checkpoint; a research cycle stops with its running child. Cannot be undone.",
  scope: "ktrdr:operate",
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
  startsOperation: false,
  view: false,
  input: {
    operation_id: input.operationId,
    reason: input.reason.optional(),
    discard_checkpoint: z.boolean().default(false).describe("Also delete its checkpoint (v2026)"),
  },
  output: {
    success: z.boolean(),
    operation_id: z.string(),
    status: z.string(),
    backend_status: backendStatusOutput,
    anomaly: anomalyOutput,
    worker: workerOutput,
    cancelled_at: z.string().optional(),
    cancellation_reason: z.string().optional(),
    task_cancelled: z.boolean().optional(),
    remote_cancelled: z.boolean().optional(),
    children_cancelled: z.number().optional(),
    children: childrenShape.optional(),
    checkpoint_discarded: z.boolean().optional(),
    note: z.string().optional(),
  },
  async run(args, { api, now }) {
    if (args.discard_checkpoint) await checkDiscardSupported(api);
    const res = await api.cancelOperation(args.operation_id, args.reason, { now: now() });
    if (!res.cancelled) {
      const op = res.operation;
      // KTRDR refuses a second cancel of one it marked cancelled but never delivered (v2026/043).
      if (op?.anomaly === "cancel_not_delivered")
        throw new ToolError(
          `Operation ${args.operation_id} is marked cancelled by KTRDR, which refuses to cancel it again, but its worker still runs it: ` +
            `${op.notes?.[0] ?? ""} Only stopping that worker ends it (an operator's action).`,
        );
      if (!args.discard_checkpoint) throw new ToolError(alreadyFinishedMessage(args.operation_id, res.status, op?.backend?.status));
      // Already finished: the discard alone.
      const discard = await discardCheckpoint(api, args.operation_id, { alreadyStatus: res.status });
      return { success: true, operation_id: args.operation_id, status: res.status, ...discard };
    }
    const { cancelled: _c, children, notes, belief, ...facts } = res;
    const discard = args.discard_checkpoint
      ? await discardCheckpoint(api, args.operation_id, { remoteCancelled: res.remote_cancelled })
      : undefined;
    return prune({
      success: belief ? belief.status === "cancelled" : true,
      ...facts,
      status: belief?.status ?? "cancelled",
      backend_status: belief && belief.status !== "cancelled" ? "cancelled" : undefined,
      anomaly: belief?.anomaly,
      worker: belief?.worker_state ? workerView(belief.worker, belief.worker_state, now()) : undefined,
      children: children?.map(({ completed_at: _t, ...c }) => c),
      checkpoint_discarded: discard?.checkpoint_discarded,
      note: [...(belief ? [belief.note] : []), ...(notes ?? []), ...(discard ? [discard.note] : [])].join(" ") || undefined,
    });
  },
});

const resultsOutput = {
  success: z.boolean().describe("true once its results were read (else see unknown, note)"),
  operation_id: z.string(),
  operation_type: z.string(),
  status: z.string(),
  error_message: z.string().optional(),
  cancel_reason: z.string().optional(),
  results: looseRecord,
  series: looseRecord.optional(),
  trades: looseRecord.optional(), // TradesView: count, columns, rows of scalar cells, shown
  series_note: z.string().optional(),
  ...gapsOutput,
};

export const getOperationResults = defineTool({
  name: names.GET_OPERATION_RESULTS,
  title: "Get operation results",
  description:
    "Results of a finished operation (training: losses, accuracy, model path; backtest: return, Sharpe, drawdown, trades; " +
    "data load: bars), or its error_message / cancel_reason. detail full adds equity and the last 50 trades.",
  ...READER,
  view: "results",
  input: {
    operation_id: input.operationId,
    detail,
  },
  output: resultsOutput,
  async run(args, { api }) {
    return (await readResults(api, args.operation_id, args.detail)).view;
  },
});

/** What get_operation_results answers. */
export type ResultsView = z.input<z.ZodObject<typeof resultsOutput>>;

/**
 * What get_operation_results answers for one operation, read through the adapter: the one read
 * of a finished operation's results for the tool and for MCP tasks (whose result carries this
 * view). Throws the tool's "not finished yet" error for an active operation.
 */
export async function readResults(
  api: KtrdrApi,
  operationId: string,
  detail: "concise" | "full",
): Promise<{ op: Operation; view: ResultsView }> {
  const { operation: op, results, unread } = await api.getResults(operationId, { lists: detail === "full" });
  if (!isFinished(op.status)) throw new ToolError(notFinishedMessage(operationId, op.status));
  const series = detail === "full" ? resultSeries(op.operation_type, results, unread) : {};
  // `results` stays even when empty (a failed or cancelled operation has none): it is part of the shape.
  // A completed operation whose results were not read is no success: `unknown` and `note` say why.
  const head = prune({
    success: op.status === "completed" && results !== undefined && !op.unknown?.includes("results"),
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: op.status,
    error_message: op.status === "failed" ? op.error : undefined,
    cancel_reason: op.status === "cancelled" ? op.cancel_reason : undefined,
    unknown: op.unknown,
    note: op.notes?.join(" "),
  });
  const view = detail === "full" ? prune(results?.raw ?? {}) : conciseResults(op.operation_type, results);
  return { op, view: { ...head, results: view, ...series } };
}

export const getOperationMetrics = defineTool({
  name: names.GET_OPERATION_METRICS,
  title: "Get operation metrics",
  description:
    "Per-epoch training metrics (running or finished) with a diagnosis: best epoch, whether validation loss rises. " +
    "Judge overfitting or a plateau before cancelling; concise shows the last 10 epochs.",
  ...READER,
  view: "metrics",
  input: {
    operation_id: input.operationId,
    detail,
  },
  output: {
    operation_id: z.string(),
    operation_type: z.string(),
    epochs: z.array(looseRecord).optional(),
    epochs_shown: z.string().optional(),
    source: z.enum(["results", "checkpoint"]).optional().describe("Where the epochs come from, when not KTRDR's live metrics"),
    diagnosis: looseRecord.optional(),
    metrics: looseRecord.optional(),
    ...gapsOutput,
  },
  async run(args, { api, viewFacts }) {
    const res = await api.getMetrics(args.operation_id);
    const diagnosis = diagnoseTraining(res.epochs);
    const said = res.notes?.join(" ");
    const gaps =
      res.epochs.length > 0
        ? prune({ note: said })
        : {
            unknown: ["epochs"],
            note:
              said ??
              (res.source === "operation_record"
                ? "This KTRDR has no per-epoch metrics endpoint and its record holds no epoch history" +
                  `${res.operation?.status === "completed" ? "; final metrics are in get_operation_results" : ""}.`
                : "KTRDR reported no epochs (none finished yet, or KTRDR cleared them)."),
          };
    const all = args.detail === "full" ? res.epochs.map((e) => prune({ ...e })) : res.epochs.map(epochView);
    const shown = args.detail === "full" ? all : all.slice(-10);
    viewFacts({ epochs_total: all.length });
    return prune({
      operation_id: res.operation_id,
      operation_type: res.operation_type,
      epochs: shown,
      epochs_shown: all.length > shown.length ? `last ${shown.length} of ${all.length}` : undefined,
      source: res.epochs.length > 0 && (res.source === "results" || res.source === "checkpoint") ? res.source : undefined,
      diagnosis,
      metrics: args.detail === "full" ? (res.extras as Record<string, unknown>) : (compact(res.extras) as Record<string, unknown>),
      ...gaps,
    });
  },
});

/** What get_operation_metrics answers. */
export type MetricsView = z.input<z.ZodObject<typeof getOperationMetrics.output>>;

export const OPERATION_TOOLS = [listOperations, getOperationStatus, cancelOperation, getOperationResults, getOperationMetrics];
