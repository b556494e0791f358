// POST /dummy/start: KTRDR's dummy_task — 100 iterations of "work" with progress, for testing
// operation handling. ~2 s per iteration at pace 1 (as upstream); never faster than 400 ms, so
// that it can be observed and cancelled at pace 0 too.
import type { Ctx } from "./context.ts";
import { CancelledError } from "./operations.ts";
import type { Operation, Task } from "./operations.ts";
import { nowMicros, sleep } from "./util.ts";
import type { JsonObject } from "./util.ts";

export const DUMMY_ITERATIONS = 100;
const ITERATION_MS = 2000;
const DUMMY_MIN_ITERATION_MS = 400;
const DUMMY_CANCEL_NOTICE_MS = 300;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
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

function iterationContext(i: number): JsonObject {
  return {
    operation: "dummy_task",
    service: "DummyService",
    context: { current_step: `Iteration ${i}/${DUMMY_ITERATIONS}`, current_item: `Processing step ${i}` },
  };
}

export function startDummy(ctx: Ctx): Operation {
  const op = ctx.ops.create("dummy", {
    symbol: "N/A",
    timeframe: "N/A",
    mode: "N/A",
    parameters:
      ctx.opts.wire === "v2026"
        ? { service_name: "DummyService", operation_name: "dummy_task" }
        : { operation_name: "dummy_task", service_name: "DummyService" },
  });
  op.rerun = () => dummyTask(ctx);
  ctx.ops.run(op, op.rerun());
  return op;
}

/** The dummy's body: 100 iterations with progress; a cancel is noticed when the current iteration ends. */
function dummyTask(ctx: Ctx): Task {
  const iterationMs = () => Math.max(ITERATION_MS * ctx.opts.pace, DUMMY_MIN_ITERATION_MS);
  return async (o) => {
    const show = (i: number) => {
      o.progress = {
        percentage: i,
        current_step: `Working hard on iteration ${i}! [${i}/${DUMMY_ITERATIONS}] (${i.toFixed(1)}%)`,
        steps_completed: i,
        steps_total: DUMMY_ITERATIONS,
        items_processed: i,
        items_total: null,
        current_item: null,
        context: iterationContext(i),
      };
    };
    // Before the first iteration ends (lifecycle-v2025/032).
    o.progress = {
      percentage: 0,
      current_step: `Starting dummy_task [0/${DUMMY_ITERATIONS}]`,
      steps_completed: 0,
      steps_total: DUMMY_ITERATIONS,
      items_processed: 0,
      items_total: null,
      current_item: null,
      context: { operation: "dummy_task", service: "DummyService" },
    };
    for (let i = 1; i <= DUMMY_ITERATIONS; i++) {
      const started = Date.now();
      const length = iterationMs();
      await abortableSleep(length, o.abort.signal);
      if (o.abort.signal.aborted) {
        if (o.status !== "cancelled") throw new CancelledError(); // reset / shutdown
        // The task notices the cancel when its current iteration ends (never sooner than 300 ms
        // after the DELETE, so that reads right after it still see `cancelled`, as recorded).
        const cancelledMs = (o.cancelledAt ?? nowMicros()) / 1000;
        const wait = Math.max(started + length - Date.now(), cancelledMs + DUMMY_CANCEL_NOTICE_MS - Date.now(), 0);
        await sleep(wait);
        const stillOurs = () => o.status === "cancelled" && ctx.ops.peek(o.id) === o && !o.killed;
        if (i === 1 && stillOurs() && ctx.quirks.has("v2026-dummy-early-cancel-fails")) {
          // Cancelled within its first iteration: the database row turns failed when the iteration
          // ends, the API's record an iteration later (error_message null, the times rewritten).
          const failedAt = nowMicros();
          ctx.db.update(o.id, {
            status: "failed",
            started_at: failedAt - 1604,
            completed_at: failedAt,
            error_message: null,
            progress_percent: 0,
          });
          await sleep(length);
          if (stillOurs()) {
            o.startedAt = failedAt - 1604;
            o.completedAt = failedAt;
            o.status = "failed";
            o.errorMessage = null;
            o.progress = { ...o.progress, percentage: 0 };
          }
        } else if (stillOurs() && ctx.quirks.has("dummy-cancel-completes")) {
          o.status = "completed";
          o.completedAt = nowMicros();
          o.resultSummary = { status: "cancelled", iterations_completed: i, message: `Stopped after ${i} iterations` };
          o.progress = {
            percentage: 100,
            current_step: `Operation dummy_task completed [${DUMMY_ITERATIONS}/${DUMMY_ITERATIONS}] (100.0%)`,
            steps_completed: DUMMY_ITERATIONS,
            steps_total: DUMMY_ITERATIONS,
            items_processed: i,
            items_total: null,
            current_item: null,
            context: iterationContext(i),
          };
          ctx.db.update(o.id, { status: "completed", completed_at: o.completedAt, progress_percent: 100, result_summary: o.resultSummary });
        }
        throw new CancelledError();
      }
      show(i);
    }
    o.progress = {
      ...o.progress,
      current_step: `Operation dummy_task completed [${DUMMY_ITERATIONS}/${DUMMY_ITERATIONS}] (100.0%)`,
    };
    return { status: "success", iterations_completed: DUMMY_ITERATIONS, message: `Completed ${DUMMY_ITERATIONS} iterations` };
  };
}
