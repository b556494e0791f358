/**
 * The one result shape of every start tool, whichever backend version answered:
 * `operation_id`, `operation_type`, `status: "started"` and a message at the top level — or,
 * when an identical operation is already active, that one with `status: "already_running"`.
 * With `wait_seconds`, the outcome of a short operation comes back in the same call.
 *
 * A start that went through always answers with its operation_id, whatever happens to the reads
 * after it (they are bounded by the wait's deadline; a failed one is reported beside the id).
 */
import { z } from "zod";
import { BackendError } from "../ktrdr/errors";
import type { BusyWorker } from "../ktrdr/ktrdr.api";
import { isActive, type Operation, type Started } from "../ktrdr/model";
import { parseTime } from "../ktrdr/time";
import { findActiveTwin, type Matcher, type Twin } from "./dedupe";
import { describeError } from "./errors";
import { type ToolContext, ToolError } from "./tool";
import { conciseStatus, epochsPlanned, round, shortTime } from "./views";
import { waitForOperation, waitInput } from "./wait";

export const startInput = {
  ...waitInput,
  allow_duplicate: z.boolean().default(false).describe("Start even if an identical one is active"),
};

export const startedOutput = {
  success: z.boolean(),
  operation_id: z.string(),
  operation_type: z.string(),
  status: z.string(),
  message: z.string(),
  finished: z.boolean().optional(),
  waited_seconds: z.number().optional(),
  operation: z.record(z.string(), z.unknown()).optional(),
  note: z.string().optional(),
};

/** What every start tool answers. */
export type StartedResult = z.input<z.ZodObject<typeof startedOutput>>;

export async function startOperation(
  ctx: ToolContext,
  opts: {
    args: { wait_seconds: number; allow_duplicate: boolean };
    type: "data_load" | "training" | "backtesting" | "agent_research";
    matches: Matcher;
    /** What was started, in one sentence (a function: read once the start has answered). */
    what: string | (() => string);
    start: () => Promise<Started>;
    /** Finds the identical active operation another way than by listing (research cycles: KTRDR's /agent/status). */
    findTwin?: () => Promise<Twin | undefined>;
  },
): Promise<StartedResult> {
  if (!opts.args.allow_duplicate) {
    let twin: Twin | undefined;
    try {
      twin = await (opts.findTwin ? opts.findTwin() : findActiveTwin(ctx, opts.type, opts.matches));
    } catch (err) {
      // Nothing was started: say so, so the agent does not go looking for a half-started operation.
      throw new ToolError(
        `${describeError(err, { tool: "list_operations", backendHost: ctx.api.backendHost })} ` +
          "Nothing was started (the server could not check for an identical running operation first).",
      );
    }
    if (twin) {
      const how = twin.match === "unverified" ? " KTRDR does not report its strategy; the symbols, timeframes and dates match." : "";
      return {
        success: true,
        operation_id: twin.op.operation_id,
        operation_type: twin.op.operation_type,
        status: "already_running",
        message:
          `An identical ${opts.type} operation is already ${twin.op.status} (${twin.op.operation_id}); ` +
          `returning it instead of starting a duplicate.${how} Pass allow_duplicate=true to start another.`,
        operation: conciseStatus(twin.op, ctx.now()),
      };
    }
  }
  let op: Started;
  try {
    op = await opts.start();
  } catch (err) {
    if (err instanceof BackendError && err.is("workers_busy") && opts.type !== "data_load") {
      const busy = await ctx.api.busyWith(opts.type, ctx.now()).catch(() => undefined);
      throw new ToolError(workerBusyMessage(opts.type, busy, ctx.now()));
    }
    throw err;
  }
  const what = typeof opts.what === "function" ? opts.what() : opts.what;
  const result: StartedResult = {
    success: true,
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: "started",
    message: `${what} Check progress later with get_operation_status("${op.operation_id}").`,
    // KTRDR's estimated_duration_minutes is not relayed: a fixed 30 whatever the run (30 for a 2 s training, FACTS.md).
    ...(op.ignored === "model_path" ? { note: "KTRDR v2025 takes no model_path: it backtests the strategy's latest trained model." } : {}),
  };
  if (opts.args.wait_seconds > 0) {
    const w = await waitForOperation(ctx, op.operation_id, { seconds: opts.args.wait_seconds });
    result.finished = w.finished;
    result.waited_seconds = w.waited_seconds;
    if (w.op) result.operation = conciseStatus(w.op, ctx.now());
    const planned = w.op && epochsPlanned(w.op);
    if (planned) ctx.viewFacts({ epochs_planned: planned });
    if (w.readError !== undefined) {
      const why = describeError(w.readError, {
        tool: "get_operation_status",
        operationId: op.operation_id,
        backendHost: ctx.api.backendHost,
      });
      const failed = `It started, but reading it back failed: ${why} The operation_id stands; do not start it again.`;
      result.note = result.note ? `${result.note} ${failed}` : failed;
    }
    if (w.finished && w.op) result.message = `${what} ${finishedSentence(w.op, w.waited_seconds)}`;
  }
  return result;
}

function finishedSentence(op: Operation, seconds: number): string {
  if (op.status === "completed") return `It completed within ${seconds} s. Read the outcome with get_operation_results.`;
  if (op.status === "failed") return `It failed within ${seconds} s${op.error ? `: ${op.error}` : ""}.`;
  return `It was cancelled within ${seconds} s${op.cancel_reason ? ` (${op.cancel_reason})` : ""}.`;
}

/**
 * KTRDR v2026 runs one operation per worker type: say what occupies it, from what its registry
 * and the operation's witnesses say (design §1.6) — never a predicted time: KTRDR frees a worker
 * at the first health check after its operation ended, and the check times are KTRDR's own.
 */
export function workerBusyMessage(type: string, busy: BusyWorker | undefined, now: number): string {
  const head = `KTRDR's ${type} worker is busy (HTTP 503), so nothing was started.`;
  if (busy && busy.registered === 0)
    return (
      `${head} KTRDR lists no ${type} worker right now (workers register again after a backend restart, within seconds). ` +
      "Start again shortly."
    );
  const w = busy?.worker;
  const id = w?.current_operation_id;
  if (!w || !id)
    return (
      `${head} KTRDR names no operation on it${w && !w.last_health_check ? " and has not checked it since it registered" : ""}. ` +
      "Call list_operations(active_only=true) to see what runs, then start again."
    );
  const x = busy?.op;
  const follow = `Follow it with get_operation_status("${id}")`;
  if (!x)
    return (
      `${head} KTRDR says ${w.worker_id} is busy with ${id}${w.last_health_check ? "" : " (set when KTRDR handed it over; the worker has not been checked since it registered)"}, ` +
      `whose record could not be read. ${follow}, or cancel it with cancel_operation; only then can another start.`
    );
  if (isActive(x.status)) {
    if (x.anomaly === "cancel_not_delivered")
      return (
        `${head} It still runs ${x.operation_id}, which KTRDR marked cancelled${x.completed_at ? ` at ${shortTime(x.completed_at)}` : ""} ` +
        "but whose cancel never reached the worker; it frees the worker only when it ends or an operator stops the worker. " +
        `${follow}.`
      );
    const pct = x.progress?.percentage !== undefined ? `, ${round(x.progress.percentage)}%` : "";
    const ck =
      x.witnesses?.checkpoint_role === "progress" && x.witnesses.checkpoint?.epoch !== undefined
        ? `, epoch ${x.witnesses.checkpoint.epoch} from its checkpoint`
        : "";
    const what = `${x.status}${pct}${ck}${x.strategy_name ? `, ${x.strategy_name}` : ""}`;
    return `${head} It is running ${x.operation_id} (${what}). ${follow}, or cancel it with cancel_operation; only then can another start.`;
  }
  const ended = parseTime(x.completed_at);
  const checked = parseTime(w.last_health_check);
  const ago = (t: number) => `${Math.max(0, Math.round((now - t) / 1000))} s ago`;
  if (ended !== undefined && (checked === undefined || checked < ended))
    return (
      `${head} Its last operation ${x.operation_id} ended ${ago(ended)} (${x.status}), after KTRDR last checked the worker ` +
      `(${checked === undefined ? "not since it registered" : ago(checked)}); KTRDR frees it at its next health check.`
    );
  return (
    `${head} KTRDR still lists it busy with ${x.operation_id}, which has ${x.status}${checked !== undefined ? ` (worker checked ${ago(checked)})` : ""}. ` +
    "Call list_operations(active_only=true), then start again."
  );
}
