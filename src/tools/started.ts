/**
 * The one result shape of every start tool, whichever backend version answered:
 * `operation_id`, `operation_type`, `status: "started"` and a message at the top level — or,
 * when an identical operation is already active, that one with `status: "already_running"`.
 * With `wait_seconds`, the outcome of a short operation comes back in the same call.
 */
import { z } from "zod";
import type { StartedOperation } from "../ktrdr/ktrdr.api";
import { findActiveTwin, type Matcher } from "./dedupe";
import { describeError } from "./errors";
import { type ToolContext, ToolError } from "./tool";
import { conciseStatus } from "./views";
import { waitForOperation, waitInput } from "./wait";

export const startInput = {
  ...waitInput,
  allow_duplicate: z
    .boolean()
    .default(false)
    .describe("Start even if an identical operation is already pending or running (default: return that one instead)"),
};

export const startedOutput = {
  success: z.boolean(),
  operation_id: z.string(),
  operation_type: z.string(),
  status: z.string().describe('"started", or "already_running" when an identical operation was found'),
  message: z.string(),
  estimated_duration_minutes: z.number().optional(),
  finished: z.boolean().optional().describe("With wait_seconds: whether it finished while waiting"),
  waited_seconds: z.number().optional(),
  operation: z.record(z.string(), z.unknown()).optional().describe("With wait_seconds: its status when the wait ended"),
};

type StartedResult = z.input<z.ZodObject<typeof startedOutput>>;

export async function startOperation(
  ctx: ToolContext,
  opts: {
    args: { wait_seconds: number; allow_duplicate: boolean };
    type: string;
    symbol?: string;
    matches: Matcher;
    what: string;
    start: () => Promise<StartedOperation>;
  },
): Promise<StartedResult> {
  if (!opts.args.allow_duplicate) {
    let twin;
    try {
      twin = await findActiveTwin(ctx, opts.type, opts.matches, opts.symbol);
    } catch (err) {
      // Nothing was started: say so, so the agent does not go looking for a half-started operation.
      throw new ToolError(`${describeError(err, { tool: "list_operations", backendHost: ctx.api.backendHost })} Nothing was started (the server could not check for an identical running operation first).`);
    }
    if (twin) {
      return {
        success: true,
        operation_id: twin.operation_id,
        operation_type: twin.operation_type,
        status: "already_running",
        message: `An identical ${opts.type} operation is already ${twin.status} (${twin.operation_id}); returning it instead of starting a duplicate. Pass allow_duplicate=true to start another.`,
        operation: conciseStatus(twin, ctx.now()),
      };
    }
  }
  const op = await opts.start();
  const result: StartedResult = {
    success: true,
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: "started",
    message: `${opts.what} Check progress later with get_operation_status("${op.operation_id}").`,
    ...(op.estimated_duration_minutes !== undefined ? { estimated_duration_minutes: op.estimated_duration_minutes } : {}),
  };
  if (opts.args.wait_seconds > 0) {
    const w = await waitForOperation(ctx, op.operation_id, { seconds: opts.args.wait_seconds });
    result.finished = w.finished;
    result.waited_seconds = w.waited_seconds;
    result.operation = conciseStatus(w.op, ctx.now());
    if (w.finished) result.message = `${opts.what} It ${w.op.status} within ${w.waited_seconds} s.${w.op.status === "completed" || w.op.status === "failed" ? " Read the outcome with get_operation_results." : ""}`;
  }
  return result;
}
