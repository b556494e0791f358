// Backtests: v2025 `POST /backtests/` and its detail routes; v2026 `POST /backtests/start` (a worker).
import { backtestDetails, backtestTask } from "./backtest.ts";
import type { BacktestRequest } from "./backtest.ts";
import type { Ctx } from "./context.ts";
import { findSymbol, findTimeframe } from "./market-data.ts";
import type { Operation } from "./operations.ts";
import { naiveDateTime, onWorker, startTask } from "./route-helpers.ts";
import type { Router } from "./router.ts";
import { noWorker } from "./routes-operations.ts";
import { isoMicros } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";
import type { Reply, WireVersion } from "./wire.ts";

/** The body of a backtest start (v2026: symbol and timeframe default to the strategy's). */
function parseBacktestStart(ctx: Ctx, body: JsonObject, v: WireVersion): BacktestRequest | Reply {
  const check = new BodyCheck(body);
  const strategyName = check.str("strategy_name", true);
  let symbol = check.str("symbol", v === "v2025");
  let timeframe = check.str("timeframe", v === "v2025");
  const start = check.date("start_date");
  const end = check.date("end_date");
  if (!start && body.start_date === undefined)
    check.issues.push({ type: "missing", loc: ["body", "start_date"], msg: "Field required", input: body });
  if (!end && body.end_date === undefined)
    check.issues.push({ type: "missing", loc: ["body", "end_date"], msg: "Field required", input: body });
  const initialCapital = check.num("initial_capital", 100000, 0);
  const commission = check.num("commission", 0.001, 0);
  const slippage = check.num("slippage", 0.0005, 0);
  const modelPath = check.str("model_path", false);
  if (v === "v2025") check.str("data_mode", false);
  if (check.issues.length) return validationError(v, check.issues);
  if (symbol === null || timeframe === null) {
    const s = ctx.strategies.tryLoad(strategyName!);
    symbol ??= s?.symbols[0] ?? null;
    timeframe ??= s?.timeframes[0] ?? null;
    if (symbol === null) check.issues.push({ type: "missing", loc: ["body", "symbol"], msg: "Field required", input: body });
    if (timeframe === null) check.issues.push({ type: "missing", loc: ["body", "timeframe"], msg: "Field required", input: body });
    if (check.issues.length) return validationError(v, check.issues);
  }
  symbol = findSymbol(symbol!)?.symbol ?? symbol!;
  const status = v === "v2026" ? 422 : 400;
  if (!findSymbol(symbol)) return detail(status, `Invalid symbol: ${symbol}`);
  if (!findTimeframe(timeframe!)) return detail(status, `Invalid timeframe: ${timeframe}`);
  return {
    strategyName: strategyName!,
    symbol,
    timeframe: timeframe!,
    startDate: start?.[0] ?? null,
    endDate: end?.[0] ?? null,
    initialCapital,
    commission,
    slippage,
    modelPath,
  };
}

function createRecord(ctx: Ctx, req: BacktestRequest): Operation {
  if (ctx.opts.wire === "v2026") {
    const op = ctx.ops.create("backtesting", { symbol: req.symbol, timeframe: req.timeframe, mode: "backtesting" });
    const workerId = onWorker(ctx, op, "backtesting");
    op.dbDates = { start: naiveDateTime(req.startDate), end: naiveDateTime(req.endDate) };
    op.metadata.parameters = {
      strategy_name: req.strategyName,
      initial_capital: req.initialCapital,
      commission: req.commission,
      slippage: req.slippage,
      worker_id: workerId,
    };
    return op;
  }
  const z = (s: string | null) => (s === null ? null : `${naiveDateTime(s)}Z`);
  return ctx.ops.create("backtesting", {
    symbol: req.symbol,
    timeframe: req.timeframe,
    mode: "backtesting",
    start_date: z(req.startDate),
    end_date: z(req.endDate),
    parameters: { strategy_name: req.strategyName, initial_capital: req.initialCapital },
  });
}

/** Validate, check the worker, create the record and run the backtest; the start answer per wire. */
function startBacktest(ctx: Ctx, body: JsonObject): Reply {
  const v = ctx.opts.wire;
  const req = parseBacktestStart(ctx, body, v);
  if (isReply(req)) return req;
  if (ctx.quirks.has("v2026-one-worker") && ctx.workers.isBusy("backtesting")) return noWorker(ctx, "backtesting");
  const op = createRecord(ctx, req);
  op.rerun = () => backtestTask(ctx, req);
  startTask(ctx, op, op.rerun());
  if (v === "v2026") {
    return json(200, {
      success: true,
      operation_id: op.id,
      status: "started",
      message: `Backtest started for ${req.symbol} ${req.timeframe}`,
      symbol: req.symbol,
      timeframe: req.timeframe,
      mode: "distributed",
    });
  }
  return json(200, { success: true, backtest_id: op.id, status: "starting", message: `Backtest ${op.id} started for ${req.strategyName}` });
}

/** v2025's detail routes: the record, results, trades and equity curve of a backtest. */
function registerV2025Details(router: Router, ctx: Ctx): void {
  // v2025-backtest-route-any-op: the record route answers any operation; results, trades and the curve need a backtest.
  const backtestOp = (id: string, anyType = false) => {
    const op = ctx.ops.get(id);
    return op && (op.type === "backtesting" || (anyType && ctx.quirks.has("v2025-backtest-route-any-op"))) ? op : undefined;
  };
  const notFound = (id: string) => detail(404, `Backtest ${id} not found`);
  const ts = (micros: number | null) => (micros === null ? null : isoMicros(micros, "+00:00"));

  router.add("GET", "/backtests/{backtest_id}", (_req, p) => {
    const op = backtestOp(p.backtest_id!, true);
    if (!op) return notFound(p.backtest_id!);
    return json(200, {
      success: true,
      backtest_id: op.id,
      strategy_name: op.metadata.parameters.strategy_name ?? null,
      symbol: op.metadata.symbol,
      timeframe: op.metadata.timeframe,
      status: op.status,
      progress: Math.floor(op.progress.percentage),
      started_at: ts(op.startedAt),
      completed_at: ts(op.completedAt),
      error: op.errorMessage,
    });
  });

  const finished = (id: string): Reply | { op: Operation } => {
    const op = backtestOp(id);
    if (!op) return notFound(id);
    if (op.status !== "completed" || !backtestDetails(op.id)) return detail(404, `Backtest ${op.id} is not completed yet`);
    return { op };
  };

  router.add("GET", "/backtests/{backtest_id}/results", (_req, p) => {
    const f = finished(p.backtest_id!);
    if (isReply(f)) return f;
    const d = backtestDetails(f.op.id)!;
    const m = d.metrics;
    const pnl = d.trades.reduce((a, t) => a + t.pnl, 0);
    return json(200, {
      success: true,
      backtest_id: f.op.id,
      strategy_name: d.strategyName,
      symbol: f.op.metadata.symbol,
      timeframe: f.op.metadata.timeframe,
      start_date: d.startDate,
      end_date: d.endDate,
      metrics: {
        total_return: m.total_return!,
        annualized_return: m.annualized_return!,
        sharpe_ratio: m.sharpe_ratio!,
        max_drawdown: m.max_drawdown!,
        win_rate: m.win_rate!,
        profit_factor: m.profit_factor!,
        total_trades: m.total_trades!,
      },
      summary: {
        initial_capital: d.initialCapital,
        final_value: d.finalValue,
        total_pnl: pnl,
        winning_trades: m.winning_trades!,
        losing_trades: m.losing_trades!,
      },
    });
  });

  router.add("GET", "/backtests/{backtest_id}/trades", (_req, p) => {
    const f = finished(p.backtest_id!);
    if (isReply(f)) return f;
    return json(200, { success: true, backtest_id: f.op.id, trades: (backtestDetails(f.op.id)?.trades ?? []) as unknown as Json[] });
  });

  router.add("GET", "/backtests/{backtest_id}/equity_curve", (_req, p) => {
    const f = finished(p.backtest_id!);
    if (isReply(f)) return f;
    const e = backtestDetails(f.op.id)!.equity;
    return json(200, { success: true, backtest_id: f.op.id, timestamps: e.timestamps, values: e.values, drawdowns: e.drawdowns });
  });
}

export function registerBacktestRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  const start = (http: Parameters<typeof bodyObject>[0]) => {
    const body = bodyObject(http, v);
    return isReply(body) ? body : startBacktest(ctx, body);
  };
  if (v === "v2025") {
    router.add("POST", "/backtests/", start);
    registerV2025Details(router, ctx);
  } else {
    router.add("POST", "/backtests/start", start);
  }
}
