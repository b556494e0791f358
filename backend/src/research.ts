// v2026 research cycles (POST /agent/trigger): a backend-local `agent_research` operation that, for an
// existing strategy, trains it on the training worker, backtests the model on the backtesting worker,
// then hands the result to an assessment agent — and, as recorded, fails there because no
// AGENT_ASSESSMENT worker is registered (a cycle from a `brief` fails at once for want of an
// AGENT_DESIGN worker). The LLM is never called. It looks at its child every `researchPollMs`
// (upstream: 5 s); its children carry no parent id (v2026-unlinked-children): the link is only in
// the cycle's `metadata.parameters` (training_op_id, backtest_op_id) and in /agent/status.
import { saveFailureCheckpoint } from "./checkpoints.ts";
import type { Ctx } from "./context.ts";
import { paced } from "./context.ts";
import { emptyProgress, isActiveStatus } from "./operations.ts";
import type { Operation } from "./operations.ts";
import { backtestTask } from "./backtest.ts";
import { runOnWorker, workerIdFor } from "./remote.ts";
import { naiveDateTime, onWorker } from "./route-helpers.ts";
import type { StrategyFile } from "./strategies.ts";
import { trainingTask } from "./training/task.ts";
import { isoDate, isoMicros, pause } from "./util.ts";
import type { JsonObject } from "./util.ts";

export const DEFAULT_MODEL = "claude-sonnet-4-20250514";
export const MODEL_ALIASES: Record<string, string> = {
  haiku: "claude-haiku-4-5-20251001",
  opus: "claude-opus-4-5-20251101",
  sonnet: "claude-sonnet-4-5-20250929",
};
export const VALID_MODELS = [
  "claude-haiku-4-5-20251001",
  "claude-opus-4-5-20251101",
  "claude-sonnet-4-5-20250929",
  "haiku",
  "opus",
  "sonnet",
];
export const CAPACITY = 3;
const DESIGN_FAILED =
  "Design dispatch failed: No available AGENT_DESIGN workers. Ensure design agent containers are running and registered.";
const ASSESSMENT_FAILED =
  "Assessment dispatch failed: No available AGENT_ASSESSMENT workers. Ensure assessment agent containers are running and registered.";
/** The research's training covers this period (recorded: 2020-01-01 to the day of the run). */
const TRAINING_START = "2020-01-01";
/** …and its backtest this one (recorded). */
const BACKTEST_RANGE = { start: "2024-01-01", end: "2024-06-30" };

export type Phase = "idle" | "designing" | "training" | "backtesting" | "assessing";

export interface Cycle {
  op: Operation;
  phase: Phase;
  strategy: StrategyFile | null;
  childId: string | null;
  startedMs: number;
  /** The parameters the database row keeps (the record shows them again once the cycle ends). */
  initial: JsonObject;
}

export class Research {
  private readonly cycles = new Map<string, Cycle>();

  get(id: string): Cycle | undefined {
    return this.cycles.get(id);
  }

  active(): Cycle[] {
    return [...this.cycles.values()].filter((c) => isActiveStatus(c.op.status)).sort((a, b) => b.op.createdAt - a.op.createdAt);
  }

  /** The newest finished (not cancelled) cycle. */
  last(): Cycle | undefined {
    return [...this.cycles.values()]
      .filter((c) => c.op.status === "failed" || c.op.status === "completed")
      .sort((a, b) => (b.op.completedAt ?? 0) - (a.op.completedAt ?? 0))[0];
  }

  add(c: Cycle): void {
    this.cycles.set(c.op.id, c);
  }

  clear(): void {
    this.cycles.clear();
  }
}

function pollMs(ctx: Ctx): number {
  return paced(ctx.opts.researchPollMs, 5000, ctx.opts.pace);
}

/** The cycle failed: its record falls back to the database row (0 %, the initial parameters) and a failure checkpoint is kept. */
function failCycle(ctx: Ctx, c: Cycle, message: string): void {
  saveFailureCheckpoint(ctx, c.op, { phase: c.phase, error: message, strategy_name: c.strategy?.name ?? null });
  c.op.progress = emptyProgress();
  c.op.metadata.parameters = { ...c.initial };
  ctx.ops.fail(c.op, message);
}

/** Upstream's record of a cycle that ended another way (cancel): the database row again. */
export function resetCycleRecord(c: Cycle): void {
  c.op.progress = emptyProgress();
  c.op.metadata.parameters = { ...c.initial };
}

function setPhase(c: Cycle, phase: Phase, percentage: number, step: string, extra: JsonObject): void {
  c.phase = phase;
  c.op.progress = { ...emptyProgress(), percentage, current_step: step };
  c.op.metadata.parameters = { ...c.op.metadata.parameters, phase, ...extra, phase_start_time: Date.now() / 1000 };
}

/** A child operation on a worker, linked to its cycle only where upstream links it. The cycle creates it through the API's own service, so it is listed at once. */
function childOf(ctx: Ctx, c: Cycle, child: Operation): void {
  child.parentId = ctx.quirks.has("v2026-unlinked-children") ? null : c.op.id;
  child.listed = true;
}

function startTraining(ctx: Ctx, c: Cycle): Operation | null {
  if (ctx.workers.isBusy("training")) return null;
  const s = c.strategy!;
  const today = isoDate(Date.now());
  const req = { strategy: s, symbols: s.symbols, timeframes: s.timeframes, startDate: TRAINING_START, endDate: today };
  const op = ctx.ops.create("training", { symbol: s.symbols[0] ?? null, timeframe: s.timeframes[0] ?? null, mode: "training" });
  onWorker(ctx, op, "training");
  op.dbDates = { start: naiveDateTime(TRAINING_START), end: naiveDateTime(today) };
  op.metadata.parameters = {
    strategy_yaml: s.text.slice(0, 200),
    symbols: s.symbols,
    timeframes: s.timeframes,
    start_date: TRAINING_START,
    end_date: today,
    worker_id: workerIdFor(ctx, "training"),
  };
  childOf(ctx, c, op);
  op.rerun = () => trainingTask(ctx, req);
  runOnWorker(ctx, op, "training", op.rerun());
  return op;
}

function startBacktest(ctx: Ctx, c: Cycle, modelPath: string): Operation | null {
  if (ctx.workers.isBusy("backtesting")) return null;
  const s = c.strategy!;
  const symbol = s.symbols[0]!;
  const timeframe = s.timeframes[0]!;
  const req = {
    strategyName: s.name,
    symbol,
    timeframe,
    startDate: BACKTEST_RANGE.start,
    endDate: BACKTEST_RANGE.end,
    initialCapital: 100000,
    commission: 0.001,
    slippage: 0.0005,
    modelPath,
  };
  const op = ctx.ops.create("backtesting", { symbol, timeframe, mode: "backtesting" });
  onWorker(ctx, op, "backtesting");
  op.dbDates = { start: naiveDateTime(BACKTEST_RANGE.start), end: naiveDateTime(BACKTEST_RANGE.end) };
  op.metadata.parameters = {
    strategy_name: s.name,
    initial_capital: req.initialCapital,
    commission: req.commission,
    slippage: req.slippage,
    worker_id: workerIdFor(ctx, "backtesting"),
  };
  childOf(ctx, c, op);
  op.rerun = () => backtestTask(ctx, req);
  runOnWorker(ctx, op, "backtesting", op.rerun());
  return op;
}

/** Wait (polling as upstream does) until `get` returns something, or the cycle stops. */
async function poll<T>(ctx: Ctx, c: Cycle, get: () => T | null): Promise<T | null> {
  for (;;) {
    if (!isActiveStatus(c.op.status) || c.op.killed) return null;
    const v = get();
    if (v !== null) return v;
    await pause(pollMs(ctx));
  }
}

/** The body of a research operation. */
export function researchTask(ctx: Ctx, c: Cycle): (op: Operation) => Promise<JsonObject> {
  return async () => {
    if (!c.strategy) {
      failCycle(ctx, c, DESIGN_FAILED);
      return {};
    }
    const training = await poll(ctx, c, () => startTraining(ctx, c));
    if (!training) return {};
    c.childId = training.id;
    setPhase(c, "training", 20, "Training model...", {
      design_complete: true,
      output_format: "classification",
      training_op_id: training.id,
    });
    const trained = await poll(ctx, c, () => (isActiveStatus(training.status) ? null : training));
    if (!trained) return {};
    if (trained.status !== "completed") {
      failCycle(ctx, c, `Training failed: ${trained.errorMessage ?? trained.status}`);
      return {};
    }
    const result = trained.resultSummary ?? {};
    const backtest = await poll(ctx, c, () => startBacktest(ctx, c, String(result.model_path ?? "")));
    if (!backtest) return {};
    c.childId = backtest.id;
    setPhase(c, "backtesting", 65, "Running backtest...", {
      training_result: { ...result, output_format: "classification" },
      model_path: result.model_path ?? null,
      backtest_op_id: backtest.id,
    });
    const tested = await poll(ctx, c, () => (isActiveStatus(backtest.status) ? null : backtest));
    if (!tested) return {};
    if (tested.status !== "completed") {
      failCycle(ctx, c, `Backtest failed: ${tested.errorMessage ?? tested.status}`);
      return {};
    }
    c.phase = "assessing";
    failCycle(ctx, c, ASSESSMENT_FAILED);
    return {};
  };
}

/** A row of /agent/status. */
export function statusRow(c: Cycle): JsonObject {
  return {
    operation_id: c.op.id,
    phase: c.phase,
    strategy_name: c.strategy?.name ?? null,
    duration_seconds: Math.floor((Date.now() - c.startedMs) / 1000),
    child_operation_id: c.childId,
  };
}

export function lastCycleRow(c: Cycle): JsonObject {
  return {
    operation_id: c.op.id,
    outcome: c.op.status,
    strategy_name: null,
    completed_at: c.op.completedAt === null ? null : isoMicros(c.op.completedAt, "+00:00"),
  };
}
