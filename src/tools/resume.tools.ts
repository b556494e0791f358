/**
 * Going on with a cancelled or failed operation: `resume_operation` continues a KTRDR v2026
 * training from its checkpoint (the same operation id), or starts any operation again from the
 * parameters KTRDR recorded for it, through the normal start tool (duplicate guard and wait
 * included). KTRDR's own retry is never used: the record it makes is never run.
 *
 * Also here: discarding a checkpoint, which `cancel_operation(discard_checkpoint)` asks for.
 */
import { z } from "zod";
import { BackendError, Unsupported } from "../ktrdr/errors";
import type { KtrdrApi, RestartPlan, RestartType, Resumed } from "../ktrdr/ktrdr.api";
import { type Checkpoint, isActive, type Operation, type Worker } from "../ktrdr/model";
import { isRetryGhost } from "../ktrdr/resume";
import { sleep } from "../ktrdr/http";
import { parseTime } from "../ktrdr/time";
import { triggerDataLoading } from "./data.tools";
import { sameDate, sameSet } from "./dedupe";
import { echo } from "./echo";
import * as input from "./inputs";
import * as names from "./names";
import { type StartedResult, startInput, startOperation, startedOutput } from "./started";
import { defineTool, STARTER, type ToolContext, type ToolDefinition, ToolError } from "./tool";
import { startBacktest, startTraining } from "./training.tools";
import { round } from "./views";
import { WAIT_MAX_SECONDS } from "./wait";

/** The start tool that starts each type again: its input schema checks the recovered arguments, its run starts it. */
const START_TOOL: Record<RestartType, ToolDefinition> = {
  training: startTraining as unknown as ToolDefinition,
  backtesting: startBacktest as unknown as ToolDefinition,
  data_load: triggerDataLoading as unknown as ToolDefinition,
};

/** How often the wait for a worker to be freed asks KTRDR (its health checks come every ~10 s, L26/050, 095, 140). */
const RELEASE_POLL_MS = [1000, 2000];
const RELEASE_MAX_POLLS = 25;

export const resumeOperation = defineTool({
  name: names.RESUME_OPERATION,
  title: "Resume or start again",
  description:
    "Continue a cancelled or failed operation. from=checkpoint (KTRDR v2026 trainings): the same operation_id trains on from its " +
    "checkpoint (status shows checkpoint.resumable). from=beginning: a new operation with its recorded parameters.",
  ...STARTER,
  input: {
    operation_id: input.operationId,
    from: z.enum(["checkpoint", "beginning"]).default("checkpoint"),
    wait_seconds: z.number().min(0).max(WAIT_MAX_SECONDS).default(0).describe("Wait for a busy worker, or for the new run to finish"),
    allow_duplicate: startInput.allow_duplicate,
  },
  output: startedOutput,
  async run(args, ctx) {
    return args.from === "checkpoint" ? fromCheckpoint(args, ctx) : fromBeginning(args, ctx);
  },
});

type Args = { operation_id: string; wait_seconds: number; allow_duplicate: boolean };

// ---- from the checkpoint (v2026 trainings) ------------------------------------------------------

async function fromCheckpoint(args: Args, ctx: ToolContext): Promise<StartedResult> {
  const id = args.operation_id;
  // v2025 keeps no checkpoints: refused before anything is sent.
  if ((await ctx.api.version()) === "v2025") throw new Unsupported("v2025", "resume");
  const op = await ctx.api.getOperation(id);
  refuseUnlessFinished(op);
  if (op.operation_type !== "training") {
    const again = op.operation_type in START_TOOL ? " Call resume_operation with from=beginning to start it again." : "";
    throw new ToolError(`Only KTRDR v2026 trainings resume from a checkpoint; ${id} is a ${op.operation_type} operation.${again}`);
  }
  if (op.status === "completed")
    throw new ToolError(
      `${id} completed, so there is nothing to resume (KTRDR deletes a training's checkpoint when it completes). ` +
        "Read it with get_operation_results; resume_operation with from=beginning trains it again.",
    );
  const checkpoint = op.witnesses?.checkpoint !== undefined ? op.witnesses.checkpoint : await ctx.api.checkpoint(id);
  // Resuming without a checkpoint makes KTRDR fail the operation (L26/1286 → 1287): never asked.
  if (!checkpoint)
    throw new ToolError(
      `KTRDR keeps no checkpoint of ${id} (none was written, it was discarded, or the run ended), so nothing was sent: ` +
        "resuming without one makes KTRDR fail it. Call resume_operation with from=beginning to start it again.",
    );
  let resumed: { answer: Resumed; waited?: { seconds: number; from: string } } | undefined;
  const result = await startOperation(ctx, {
    // The wait is spent on a worker being freed (below), not on the training's end (hours away).
    args: { wait_seconds: 0, allow_duplicate: args.allow_duplicate },
    type: "training",
    matches: (other) => other.operation_id !== id && !isRetryGhost(other) && sameTraining(op, checkpoint)(other),
    what: "",
    start: async () => {
      resumed = await resumeOnFreeWorker(ctx, op, args.wait_seconds);
      return { operation_id: resumed.answer.operation_id, operation_type: "training" };
    },
  });
  if (!resumed) return result;
  const from = resumed.answer.from;
  const epoch = from?.epoch ?? checkpoint.epoch;
  const sameId = resumed.answer.operation_id;
  return {
    ...result,
    status: "resumed",
    message:
      `Resumed ${sameId} from its ${from?.type ?? checkpoint.type} checkpoint${epoch !== undefined ? ` at epoch ${epoch}` : ""}. ` +
      "KTRDR shows it 'resuming' at 0 % while it trains; get_operation_status follows its checkpoint.",
    ...(resumed.waited
      ? {
          // The operation's own id is in the message already: only another one is named.
          note:
            `Waited ${resumed.waited.seconds} s for KTRDR's next health check to free its training worker` +
            `${resumed.waited.from === sameId ? "" : ` from ${resumed.waited.from}`}.`,
        }
      : {}),
  };
}

/** The training a resume would duplicate: the same strategy, data and dates (the start tool's rule). */
function sameTraining(op: Operation, checkpoint: Checkpoint): (other: Operation) => boolean | "unverified" {
  const req = checkpoint.request ?? {};
  const strategy = op.strategy_name ?? req.strategy_name;
  const symbols = op.symbols ?? req.symbols ?? [];
  const timeframes = op.timeframes ?? req.timeframes ?? [];
  return (other) => {
    const rest =
      sameSet(other.symbols, symbols) &&
      sameSet(other.timeframes, timeframes) &&
      sameDate(other.start_date, op.start_date ?? req.start_date) &&
      sameDate(other.end_date, op.end_date ?? req.end_date);
    if (!rest) return false;
    return other.strategy_name === undefined || strategy === undefined ? "unverified" : other.strategy_name === strategy;
  };
}

/**
 * `POST /resume`; on KTRDR's 503 (no training worker: nothing was resumed, so asking again is
 * safe), finds out why from `/workers`. A worker still being released from an operation that
 * ended after KTRDR last checked it (L26/018) is freed at its next health check: with a wait,
 * that check is awaited and the resume asked once more (L26/024 → 021); without one, the agent
 * is told so. A worker busy with another running operation is named (design-18 §1.6).
 */
async function resumeOnFreeWorker(
  ctx: ToolContext,
  op: Operation,
  waitSeconds: number,
): Promise<{ answer: Resumed; waited?: { seconds: number; from: string } }> {
  try {
    return { answer: await ctx.api.resume(op.operation_id) };
  } catch (err) {
    if (!(err instanceof BackendError && err.is("resume_no_worker"))) throw err;
  }
  const t0 = ctx.now();
  const hold = await whatHoldsTheWorker(ctx, op);
  if (hold.kind !== "releasing" && hold.kind !== "free") throw new ToolError(heldMessage(hold, op, ctx.now()));
  if (hold.kind === "releasing") {
    if (waitSeconds <= 0) throw new ToolError(`${releasingMessage(hold, ctx.now())} Call resume_operation again with wait_seconds 15.`);
    const freed = await waitForRelease(ctx, hold, waitSeconds);
    if (!freed)
      throw new ToolError(
        `${releasingMessage(hold, ctx.now())} It was not freed within the ${waitSeconds} s waited; call resume_operation again in a few seconds.`,
      );
  }
  try {
    const answer = await ctx.api.resume(op.operation_id);
    const from = hold.kind === "releasing" ? hold.op.operation_id : "its last operation";
    return { answer, waited: { seconds: Math.max(0, Math.round((ctx.now() - t0) / 1000)), from } };
  } catch (err) {
    if (err instanceof BackendError && err.is("resume_no_worker"))
      throw new ToolError(
        "KTRDR still has no free training worker to resume on (HTTP 503), although it checked the worker since: nothing was resumed. " +
          "Call check_backend_health, then resume_operation again.",
      );
    throw err;
  }
}

type Hold =
  /** The worker runs an operation that has ended, and KTRDR has not checked it since: freed at the next check. */
  | { kind: "releasing"; worker: Worker; op: Operation; ended: number }
  /** The worker is busy with another operation that is still going. */
  | { kind: "running"; worker: Worker; op: Operation }
  /** KTRDR checked the worker after this operation's cancel and it was still running it: the cancel did not reach it. */
  | { kind: "still_running_it"; worker: Worker }
  /** /workers shows a free training worker: KTRDR freed it after its 503. */
  | { kind: "free" }
  /** Nothing explains the 503 (no training worker registered, or /workers unreadable). */
  | { kind: "unknown"; registered: boolean };

async function whatHoldsTheWorker(ctx: ToolContext, op: Operation): Promise<Hold> {
  const workers = await ctx.api.workers().catch(() => undefined);
  const training = (workers ?? []).filter((w) => w.worker_type === "training");
  const worker = training.find((w) => w.current_operation_id) ?? training[0];
  if (!worker) return { kind: "unknown", registered: false };
  const busyWith = worker.current_operation_id;
  if (!busyWith) return worker.status === "available" ? { kind: "free" } : { kind: "unknown", registered: true };
  const other = busyWith === op.operation_id ? op : await ctx.api.getOperation(busyWith).catch(() => undefined);
  if (!other) return { kind: "unknown", registered: true };
  if (isActive(other.status)) return { kind: "running", worker, op: other };
  const ended = parseTime(other.completed_at);
  const checked = parseTime(worker.last_health_check);
  if (ended !== undefined && (checked === undefined || checked < ended)) return { kind: "releasing", worker, op: other, ended };
  if (other.operation_id === op.operation_id) return { kind: "still_running_it", worker };
  return { kind: "unknown", registered: true };
}

/** Polls `/workers` within the wait until KTRDR has checked the worker after the operation ended (or it is free). */
async function waitForRelease(ctx: ToolContext, hold: Extract<Hold, { kind: "releasing" }>, waitSeconds: number): Promise<boolean> {
  const deadline = ctx.now() + waitSeconds * 1000;
  const api: KtrdrApi = ctx.api.withDeadline(Date.now() + waitSeconds * 1000);
  await ctx.progress(0, undefined, `waiting for KTRDR to free its training worker from ${hold.op.operation_id}`);
  for (let poll = 0; poll < RELEASE_MAX_POLLS && !ctx.signal.aborted; poll++) {
    const left = deadline - ctx.now();
    if (left <= 0) return false;
    await sleep(Math.min(RELEASE_POLL_MS[Math.min(poll, RELEASE_POLL_MS.length - 1)]!, left), ctx.signal);
    const workers = await api.workers().catch(() => undefined);
    if (!workers) return false;
    const w = workers.find((x) => x.worker_id === hold.worker.worker_id) ?? workers.find((x) => x.worker_type === "training");
    if (!w) continue;
    const checked = parseTime(w.last_health_check);
    if (w.current_operation_id !== hold.op.operation_id || (checked !== undefined && checked >= hold.ended)) return true;
  }
  return false;
}

const secondsAgo = (t: number | undefined, now: number) => (t === undefined ? undefined : Math.max(0, Math.round((now - t) / 1000)));

function releasingMessage(hold: Extract<Hold, { kind: "releasing" }>, now: number): string {
  const checked = secondsAgo(parseTime(hold.worker.last_health_check), now);
  const when =
    checked === undefined
      ? "KTRDR has not checked the worker since it registered"
      : `after KTRDR last checked the worker (${checked} s ago)`;
  return (
    `KTRDR's training worker is still being released (HTTP 503), so nothing was resumed: its last operation ${hold.op.operation_id} ` +
    `ended ${secondsAgo(hold.ended, now)} s ago, ${when}; KTRDR frees it at its next health check.`
  );
}

function heldMessage(hold: Exclude<Hold, { kind: "releasing" | "free" }>, op: Operation, now: number): string {
  const head = "KTRDR's training worker is busy (HTTP 503), so nothing was resumed.";
  if (hold.kind === "running") {
    const o = hold.op;
    const pct = o.progress?.percentage !== undefined ? `, ${round(o.progress.percentage)}%` : "";
    return (
      `${head} It is running ${o.operation_id} (${o.status}${pct}${o.strategy_name ? `, ${o.strategy_name}` : ""}). ` +
      `Follow that one with get_operation_status("${o.operation_id}"), or cancel it with cancel_operation; then resume again.`
    );
  }
  if (hold.kind === "still_running_it") {
    const checked = secondsAgo(parseTime(hold.worker.last_health_check), now);
    return (
      `KTRDR marked ${op.operation_id} ${op.status}, but its worker ${hold.worker.worker_id} was still running it when KTRDR checked it ` +
      `${checked ?? "?"} s ago, after the cancel (a cancel that did not reach the worker). Nothing was resumed; follow it with ` +
      "get_operation_status."
    );
  }
  return hold.registered
    ? `${head} KTRDR names no finished operation on it. Call check_backend_health, then resume_operation again in a minute.`
    : "KTRDR has no training worker registered (HTTP 503), so nothing was resumed. Call check_backend_health, then resume_operation again in a minute.";
}

// ---- from the beginning (both versions) ---------------------------------------------------------

async function fromBeginning(args: Args, ctx: ToolContext): Promise<StartedResult> {
  const id = args.operation_id;
  const op = await ctx.api.getOperation(id);
  refuseUnlessFinished(op);
  const plan = await ctx.api.restartPlan(op);
  if (plan.type === "unsupported") {
    const instead = op.operation_type === "agent_research" ? " Start a new research cycle with start_research instead." : "";
    throw new ToolError(`${id} is a ${op.operation_type} operation, which resume_operation does not start again.${instead}`);
  }
  const tool = START_TOOL[plan.type];
  const { usable, missing } = checkedArguments(tool, plan);
  const call = preparedCall(tool.name, usable);
  if (op.status === "completed")
    throw new ToolError(
      `${id} completed, so there is nothing to continue: read it with get_operation_results.` +
        (missing.length === 0 ? ` To run it again, call ${call}.` : ""),
    );
  if (missing.length > 0) throw new ToolError(missingMessage(id, plan, call, missing));
  const parsed = z.object(tool.input).parse({ ...usable, wait_seconds: args.wait_seconds, allow_duplicate: args.allow_duplicate });
  const result = (await tool.run(parsed, ctx)) as StartedResult;
  if (result.status !== "started") return result;
  return { ...result, message: `${id} was started again as ${result.operation_id} with its recorded parameters. ${result.message}` };
}

/** Ghosts, active operations and undelivered cancels have nothing to go on from (nothing sent to KTRDR). */
function refuseUnlessFinished(op: Operation): void {
  const id = op.operation_id;
  if (isRetryGhost(op))
    throw new ToolError(
      `${id} is a record made by KTRDR's retry, which no worker ever runs (it stays pending). ` +
        "Cancel it with cancel_operation, and call resume_operation on the original operation instead.",
    );
  if (op.anomaly === "cancel_not_delivered")
    throw new ToolError(
      `KTRDR marked ${id} cancelled, but its worker still runs it: there is nothing to resume while it runs. Follow it with get_operation_status.`,
    );
  if (isActive(op.status))
    throw new ToolError(`${id} is still ${op.status}: there is nothing to resume or start again. Follow it with get_operation_status.`);
}

/**
 * The recovered arguments the start tool accepts as they are; any it would refuse (or that KTRDR
 * did not record) is missing. Never a default in place of a missing one.
 */
function checkedArguments(tool: ToolDefinition, plan: Exclude<RestartPlan, { type: "unsupported" }>) {
  const usable: Record<string, unknown> = {};
  const missing: string[] = [...plan.missing];
  for (const [key, value] of Object.entries(plan.request as Record<string, unknown>)) {
    const field = tool.input[key] as z.ZodType | undefined;
    const checked = field?.safeParse(value);
    if (checked?.success) usable[key] = value;
    else if (!missing.includes(key)) missing.push(key);
  }
  return { usable, missing };
}

/** The ready-made start call, bounded: each text at most 64 characters (by the one echo rule), each list at most 20 items. */
function preparedCall(tool: string, args: Record<string, unknown>): string {
  const bound = (v: unknown): unknown => (typeof v === "string" ? echo(v, 64) : Array.isArray(v) ? v.slice(0, 20).map(bound) : v);
  return `${tool}(${JSON.stringify(Object.fromEntries(Object.entries(args).map(([k, v]) => [k, bound(v)])))})`;
}

function missingMessage(id: string, plan: Exclude<RestartPlan, { type: "unsupported" }>, call: string, missing: string[]): string {
  const what = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)}`;
  const hints = [
    missing.includes("model_path") ? "model_path is results.model_path of a completed training" : "",
    plan.type === "data_load" && missing.includes("start_date") ? "leave the dates out if the original had none" : "",
  ].filter(Boolean);
  return (
    `KTRDR did not record ${what} for ${id}, so it was not started again. Call ${call} adding ${what}` +
    `${hints.length ? ` (${hints.join("; ")})` : ""}.`
  );
}

// ---- discarding a checkpoint (cancel_operation) -----------------------------------------------

/**
 * Refuses a discard on v2025 (no checkpoints there) before anything is sent, as `cancel_operation`
 * must not cancel when the rest of what was asked cannot be done.
 */
export async function checkDiscardSupported(api: KtrdrApi): Promise<void> {
  if ((await api.version()) === "v2025") throw new Unsupported("v2025", "checkpoints");
}

/**
 * `DELETE /checkpoints/{id}` after a cancel (or alone, when it had already finished): whether KTRDR
 * deleted one, and what that means, in one note.
 */
export async function discardCheckpoint(
  api: KtrdrApi,
  id: string,
  after: { alreadyStatus?: string; remoteCancelled?: boolean },
): Promise<{ checkpoint_discarded: boolean; note: string }> {
  const discarded = await api.deleteCheckpoint(id);
  const parts = [
    after.alreadyStatus ? `It was already ${after.alreadyStatus}, so nothing was cancelled.` : "",
    discarded
      ? "KTRDR deleted its checkpoint: it can no longer be resumed (resume_operation with from=beginning starts it again)."
      : "KTRDR had no checkpoint of it.",
    after.remoteCancelled === false
      ? "The cancel did not reach its worker, which may go on writing checkpoints (KTRDR deletes them when the run ends)."
      : "",
  ];
  return { checkpoint_discarded: discarded, note: parts.filter(Boolean).join(" ") };
}

export const RESUME_TOOLS = [resumeOperation];
