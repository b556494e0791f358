// POST /dummy/start: KTRDR's dummy_task — 100 iterations of "work" with progress, for testing
// operation handling. ~2 s per iteration at pace 1 (as upstream); never faster than 400 ms, so
// that it can be observed and cancelled at pace 0 too.
import type { Ctx } from "./context.ts";
import { CancelledError } from "./operations.ts";
import type { Operation } from "./operations.ts";
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
  const iterationMs = () => Math.max(ITERATION_MS * ctx.opts.pace, DUMMY_MIN_ITERATION_MS);
  ctx.ops.run(op, async (o) => {
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
    show(0);
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
        if (o.status === "cancelled" && ctx.quirks.has("dummy-cancel-completes") && ctx.ops.get(o.id) === o) {
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
  });
  return op;
}
