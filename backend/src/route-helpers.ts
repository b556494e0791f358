// Small pieces the start routes share: request dates as records show them, strategy lookup with
// upstream's errors, timeframe checks, and handing an operation to a v2026 worker.
import type { Ctx } from "./context.ts";
import { findTimeframe } from "./market-data.ts";
import type { Operation, Task } from "./operations.ts";
import { runOnWorker, workerIdFor, workerTypeOf } from "./remote.ts";
import type { StrategyFile } from "./strategies.ts";
import { isoNaive, parseDate } from "./util.ts";
import { detail } from "./wire.ts";
import type { Reply } from "./wire.ts";
import type { WorkerType } from "./workers.ts";

/** "2023-01-01" → "2023-01-01T00:00:00" (how the records show request dates). */
export function naiveDateTime(s: string | null): string | null {
  if (s === null) return null;
  const ms = parseDate(s);
  return ms === null ? s : isoNaive(ms);
}

export function strategyNotFoundMessage(ctx: Ctx, name: string): string {
  return `Strategy file not found: ${name}.yaml (searched: ${ctx.strategies.files().join(", ")})`;
}

export function strategyNotFound(ctx: Ctx, name: string): Reply {
  return detail(400, strategyNotFoundMessage(ctx, name));
}

/** The strategy by name, or upstream's 400 (unknown / unparseable). */
export function loadStrategy(ctx: Ctx, name: string): StrategyFile | Reply {
  try {
    return ctx.strategies.load(name) ?? strategyNotFound(ctx, name);
  } catch (err) {
    return detail(400, `Invalid strategy configuration '${name}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Timeframes must exist; v2025 answers 400, v2026 422 for these value errors. */
export function checkTimeframes(ctx: Ctx, timeframes: string[]): Reply | null {
  const status = ctx.opts.wire === "v2026" ? 422 : 400;
  for (const t of timeframes) if (!findTimeframe(t)) return detail(status, `Invalid timeframe: ${t}`);
  return null;
}

/** v2026: the operation will run on the worker of that type (see remote.ts); returns that worker's id. */
export function onWorker(ctx: Ctx, op: Operation, type: WorkerType): string {
  op.remote = true;
  op.view = "start";
  op.listed = !ctx.quirks.has("v2026-list-cache");
  return workerIdFor(ctx, type);
}

/** Run the operation's task: on its worker (v2026 remote operations) or in this process. */
export function startTask(ctx: Ctx, op: Operation, task: Task): void {
  const type = op.remote ? workerTypeOf(op) : null;
  if (type) runOnWorker(ctx, op, type, task);
  else ctx.ops.run(op, task);
}
