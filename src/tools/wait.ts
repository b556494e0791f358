/**
 * Bounded server-side waiting: polls the backend on the agent's behalf so it does not have to
 * call again and again. Ends as soon as the operation finishes (or, with `until: "change"`, as
 * soon as its status or step changes), at the deadline, or when the client cancels the call.
 *
 * One deadline bounds everything: the sleeps, and every backend read inside the wait (each read's
 * timeout and retries end by it). A read that fails ends the wait with the last state seen and
 * the failure, never with an error that hides what was already known. Polls back off (1 s, 1.5 s,
 * … 5 s) and never exceed a fixed number of backend calls, well inside the Workers subrequest
 * limit (50 per request on the free plan).
 */
import { z } from "zod";
import { isFinished, type Operation } from "../ktrdr/model";
import { sleep } from "../ktrdr/http";
import type { ToolContext } from "./tool";

export const WAIT_MAX_SECONDS = 45;
/** Backend reads one wait may make, leaving room for the tool's other calls. */
export const WAIT_MAX_POLLS = 30;

export const waitInput = {
  wait_seconds: z.number().min(0).max(WAIT_MAX_SECONDS).default(0).describe("Server-side wait for it to finish"),
};

export const untilInput = {
  until: z
    .enum(["finished", "change"])
    .default("finished")
    .describe("With wait_seconds: return when it finishes, or when its status or step changes"),
};

export interface WaitOutcome {
  /** The last state seen; absent only when not even one read succeeded. */
  op?: Operation;
  /** True when the operation is completed, failed or cancelled. */
  finished: boolean;
  waited_seconds: number;
  /** Set when a read failed and ended the wait early: what went wrong. */
  readError?: unknown;
}

export async function waitForOperation(
  ctx: ToolContext,
  operationId: string,
  opts: { seconds: number; until?: "finished" | "change"; first?: Operation },
): Promise<WaitOutcome> {
  const t0 = ctx.now();
  const deadline = t0 + opts.seconds * 1000;
  const api = ctx.api.withDeadline(Date.now() + opts.seconds * 1000);
  const waited = () => Math.round((ctx.now() - t0) / 100) / 10;
  let op = opts.first;
  if (!op) {
    try {
      op = await api.getOperation(operationId);
    } catch (err) {
      return { finished: false, waited_seconds: waited(), readError: err };
    }
  }
  const initial = { status: op.status, step: op.progress?.current_step };
  const changed = (o: Operation) => o.status !== initial.status || o.progress?.current_step !== initial.step;
  const done = (o: Operation) => isFinished(o.status) || (opts.until === "change" && changed(o));

  let delay = 1000;
  for (let polls = 0; !done(op) && polls < WAIT_MAX_POLLS && !ctx.signal.aborted; polls++) {
    const left = deadline - ctx.now();
    if (left <= 0) break;
    await sleep(Math.min(delay, left), ctx.signal);
    if (ctx.signal.aborted || deadline - ctx.now() <= 0) break;
    delay = Math.min(5000, Math.round(delay * 1.5));
    try {
      op = await api.getOperation(operationId);
    } catch (err) {
      return { op, finished: isFinished(op.status), waited_seconds: waited(), readError: err };
    }
    const pct = op.progress?.percentage ?? 0;
    await ctx.progress(pct, 100, `${op.status}${op.progress?.current_step ? `: ${op.progress.current_step}` : ""}`);
  }
  return { op, finished: isFinished(op.status), waited_seconds: waited() };
}
