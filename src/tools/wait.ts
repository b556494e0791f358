/**
 * Bounded server-side waiting: polls the backend on the agent's behalf so it does not have to
 * call again and again. Ends as soon as the operation finishes (or, with `until: "change"`, as
 * soon as its status or step changes), at the cap, or when the client cancels the call.
 * Polls back off (1 s, 1.5 s, … 5 s) and never exceed a fixed number of backend calls, well
 * inside the Workers subrequest limit (50 per request on the free plan).
 */
import { z } from "zod";
import type { OperationInfo } from "../ktrdr/wire";
import type { ToolContext } from "./tool";

export const WAIT_MAX_SECONDS = 45;
/** Backend reads one wait may make, leaving room for the tool's other calls. */
export const WAIT_MAX_POLLS = 30;

export const waitInput = {
  wait_seconds: z
    .number()
    .min(0)
    .max(WAIT_MAX_SECONDS)
    .default(0)
    .describe(`Wait up to this many seconds (max ${WAIT_MAX_SECONDS}) for the operation to finish before answering; 0 answers at once`),
};

export const untilInput = {
  until: z
    .enum(["finished", "change"])
    .default("finished")
    .describe("With wait_seconds: return when the operation finishes (default) or as soon as its status or step changes"),
};

export interface WaitOutcome {
  op: OperationInfo;
  /** True when the operation is completed, failed or cancelled. */
  finished: boolean;
  waited_seconds: number;
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

export function isFinished(status: string): boolean {
  return FINISHED.has(status);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function waitForOperation(
  ctx: ToolContext,
  operationId: string,
  opts: { seconds: number; until?: "finished" | "change"; first?: OperationInfo },
): Promise<WaitOutcome> {
  const t0 = ctx.now();
  let op = opts.first ?? (await ctx.api.getOperation(operationId));
  const initial = { status: op.status, step: op.progress?.current_step ?? null };
  const deadline = t0 + opts.seconds * 1000;
  const changed = () => op.status !== initial.status || (op.progress?.current_step ?? null) !== initial.step;
  const done = () => isFinished(op.status) || (opts.until === "change" && changed());

  let delay = 1000;
  for (let polls = 0; !done() && polls < WAIT_MAX_POLLS && !ctx.signal.aborted; polls++) {
    const left = deadline - ctx.now();
    if (left <= 0) break;
    await sleep(Math.min(delay, left), ctx.signal);
    if (ctx.signal.aborted) break;
    delay = Math.min(5000, Math.round(delay * 1.5));
    op = await ctx.api.getOperation(operationId);
    const pct = typeof op.progress?.percentage === "number" ? op.progress.percentage : 0;
    await ctx.progress(pct, 100, `${op.status}${op.progress?.current_step ? `: ${op.progress.current_step}` : ""}`);
  }
  return { op, finished: isFinished(op.status), waited_seconds: Math.round((ctx.now() - t0) / 100) / 10 };
}
