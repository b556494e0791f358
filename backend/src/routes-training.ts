// Training, backtesting and strategy endpoints.
import type { Ctx } from "./context.ts";
import { backtestDetails, backtestTask } from "./backtest.ts";
import { findSymbol, findTimeframe } from "./market-data.ts";
import type { Operation } from "./operations.ts";
import type { Router } from "./router.ts";
import { noWorker } from "./routes-operations.ts";
import type { StrategyFile } from "./strategies.ts";
import { estimatedMinutes, listModels, readModel, trainingTask } from "./training.ts";
import { isoDate, isoMicros, isoNaive, parseDate } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";
import type { Reply } from "./wire.ts";
import type { WorkerType } from "./workers.ts";

/** v2025-cancel-fails-training: how long after the DELETE the training turns failed. */
const CANCEL_TO_FAILED_MS = 250;

/** "2023-01-01" → "2023-01-01T00:00:00" (how the records show request dates). */
function naiveDateTime(s: string | null): string | null {
  if (s === null) return null;
  const ms = parseDate(s);
  return ms === null ? s : isoNaive(ms);
}

export function registerTrainingRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  const q = ctx.quirks;

  const strategyNotFound = (name: string): Reply =>
    detail(400, `Strategy file not found: ${name}.yaml (searched: ${ctx.strategies.files().join(", ")})`);

  const loadStrategy = (name: string): StrategyFile | Reply => {
    try {
      return ctx.strategies.load(name) ?? strategyNotFound(name);
    } catch (err) {
      return detail(400, `Invalid strategy configuration '${name}': ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** Timeframes must exist; v2025 answers 400, v2026 422 for these value errors. */
  const checkTimeframes = (timeframes: string[]): Reply | null => {
    const status = v === "v2026" ? 422 : 400;
    for (const t of timeframes) if (!findTimeframe(t)) return detail(status, `Invalid timeframe: ${t}`);
    return null;
  };

  /** v2026: the operation runs on the worker of that type (busy → 503 with v2026-one-worker). */
  const onWorker = (op: Operation, type: WorkerType): string => {
    op.remote = true;
    op.view = "start";
    op.listed = !q.has("v2026-list-cache");
    op.onEnd.push(() => ctx.workers.ended(op.id));
    return ctx.workers.assign(type, op.id);
  };

  router.add("POST", "/trainings/start", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const required = v === "v2025";
    let symbols = check.strList("symbols", required, false);
    let timeframes = check.strList("timeframes", required, false);
    const strategyName = check.str("strategy_name", true);
    const start = check.date("start_date");
    const end = check.date("end_date");
    check.str("task_id", false);
    const analytics = check.bool("detailed_analytics", false);
    const suffix = v === "v2026" ? " when symbols are provided" : "";
    if (symbols && symbols.length === 0) {
      check.issues.push({
        type: "value_error",
        loc: ["body", "symbols"],
        msg: `Value error, At least one symbol must be specified${suffix}`,
        input: [],
        ctx: { error: {} },
      });
    }
    if (timeframes && timeframes.length === 0) {
      const tfSuffix = v === "v2026" ? " when timeframes are provided" : "";
      check.issues.push({
        type: "value_error",
        loc: ["body", "timeframes"],
        msg: `Value error, At least one timeframe must be specified${tfSuffix}`,
        input: [],
        ctx: { error: {} },
      });
    }
    if (check.issues.length) return validationError(v, check.issues);
    const strategy = loadStrategy(strategyName!);
    if (isReply(strategy)) return strategy;
    // Symbols are not checked here: one without data starts and then fails (as upstream).
    symbols = (symbols ?? strategy.symbols).map((s) => findSymbol(s)?.symbol ?? s);
    timeframes = timeframes ?? strategy.timeframes;
    if (symbols.length === 0 || timeframes.length === 0) {
      return detail(400, `Strategy '${strategy.name}' names no symbols/timeframes; pass them in the request`);
    }
    const bad = checkTimeframes(timeframes);
    if (bad) return bad;
    if (q.has("v2026-one-worker") && ctx.workers.isBusy("training")) return noWorker(ctx, "training");
    const startDate = start?.[0] ?? null;
    const endDate = end?.[0] ?? null;
    let op: Operation;
    if (v === "v2026") {
      op = ctx.ops.create("training", { symbol: symbols[0]!, timeframe: timeframes[0]!, mode: "training" });
      const workerId = onWorker(op, "training");
      op.dbDates = { start: naiveDateTime(startDate), end: naiveDateTime(endDate) };
      // Upstream stores the strategy's YAML (truncated), not its name.
      op.metadata.parameters = {
        strategy_yaml: strategy.text.slice(0, 200),
        symbols,
        timeframes,
        start_date: startDate,
        end_date: endDate,
        worker_id: workerId,
      };
    } else {
      op = ctx.ops.create("training", {
        symbol: symbols[0]!,
        timeframe: timeframes[0]!,
        mode: "training",
        start_date: naiveDateTime(startDate),
        end_date: naiveDateTime(endDate),
        parameters: {
          strategy_name: strategy.name,
          strategy_path: strategy.path,
          training_type: "mlp",
          symbols,
          timeframes,
          epochs:
            typeof (strategy.raw.model as JsonObject | undefined)?.training === "object"
              ? (((strategy.raw.model as JsonObject).training as JsonObject).epochs ?? null)
              : null,
          use_host_service: false,
          analytics_enabled: analytics,
          training_mode: "local",
          operation_name: "training",
          service_name: "TrainingService",
        },
      });
      op.afterCancel = () => {
        // v2025-cancel-fails-training: the training task reports the cancellation as a failure a
        // moment later (upstream: ~7 ms; here 250 ms so that reads right after the DELETE still
        // see `cancelled`, as the recordings mostly do).
        setTimeout(() => {
          if (op.status === "cancelled" && q.has("v2025-cancel-fails-training") && ctx.ops.get(op.id) === op) {
            ctx.ops.fail(op, "Training operation cancelled");
          }
        }, CANCEL_TO_FAILED_MS);
      };
    }
    if (v === "v2026" && analytics) op.metadata.parameters.analytics_enabled = true;
    ctx.ops.run(op, trainingTask(ctx, { strategy, symbols, timeframes, startDate, endDate }));
    return json(200, {
      success: true,
      task_id: op.id,
      status: "training_started",
      message: `Neural network training started for ${symbols.join(", ")} using ${strategy.name} strategy`,
      symbols,
      timeframes,
      strategy_name: strategy.name,
      estimated_duration_minutes: estimatedMinutes(),
    });
  });

  router.add("GET", "/trainings/{task_id}/performance", (_req, p) => {
    const op = ctx.ops.get(p.task_id!);
    if (op?.type !== "training") return detail(404, `Training task not found: ${p.task_id}`);
    if (op.status !== "completed" || !op.training) return detail(404, `Training task ${op.id} is not completed (status: ${op.status})`);
    const t = op.training;
    return json(200, {
      success: true,
      task_id: op.id,
      status: op.status,
      training_metrics: t.training_metrics!,
      test_metrics: t.test_metrics!,
      model_info: t.model_info!,
    });
  });

  // ---- backtests ----
  const startBacktest = (body: JsonObject): Reply => {
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
      // v2026: symbol and timeframe default to the strategy's.
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
    if (q.has("v2026-one-worker") && ctx.workers.isBusy("backtesting")) return noWorker(ctx, "backtesting");
    const startDate = start?.[0] ?? null;
    const endDate = end?.[0] ?? null;
    let op: Operation;
    if (v === "v2026") {
      op = ctx.ops.create("backtesting", { symbol, timeframe: timeframe!, mode: "backtesting" });
      const workerId = onWorker(op, "backtesting");
      op.dbDates = { start: naiveDateTime(startDate), end: naiveDateTime(endDate) };
      op.metadata.parameters = { strategy_name: strategyName!, initial_capital: initialCapital, commission, slippage, worker_id: workerId };
    } else {
      const z = (s: string | null) => (s === null ? null : `${naiveDateTime(s)}Z`);
      op = ctx.ops.create("backtesting", {
        symbol,
        timeframe: timeframe!,
        mode: "backtesting",
        start_date: z(startDate),
        end_date: z(endDate),
        parameters: { strategy_name: strategyName!, initial_capital: initialCapital },
      });
    }
    ctx.ops.run(
      op,
      backtestTask(ctx, {
        strategyName: strategyName!,
        symbol,
        timeframe: timeframe!,
        startDate,
        endDate,
        initialCapital,
        commission,
        slippage,
        modelPath,
      }),
    );
    if (v === "v2026") {
      return json(200, {
        success: true,
        operation_id: op.id,
        status: "started",
        message: `Backtest started for ${symbol} ${timeframe}`,
        symbol,
        timeframe: timeframe!,
        mode: "distributed",
      });
    }
    return json(200, { success: true, backtest_id: op.id, status: "starting", message: `Backtest ${op.id} started for ${strategyName}` });
  };

  if (v === "v2025") {
    router.add("POST", "/backtests/", (req) => {
      const body = bodyObject(req, v);
      return isReply(body) ? body : startBacktest(body);
    });

    const backtestOp = (id: string) => {
      const op = ctx.ops.get(id);
      return op && op.type === "backtesting" ? op : undefined;
    };
    const notFound = (id: string) => detail(404, `Backtest not found: ${id}`);
    const ts = (micros: number | null) => (micros === null ? null : isoMicros(micros, "+00:00"));

    router.add("GET", "/backtests/{backtest_id}", (_req, p) => {
      const op = backtestOp(p.backtest_id!);
      if (!op) return notFound(p.backtest_id!);
      return json(200, {
        success: true,
        backtest_id: op.id,
        strategy_name: op.metadata.parameters.strategy_name ?? null,
        symbol: op.metadata.symbol,
        timeframe: op.metadata.timeframe,
        status: op.status,
        progress: Math.round(op.progress.percentage),
        started_at: ts(op.startedAt),
        completed_at: ts(op.completedAt),
        error: op.errorMessage,
      });
    });

    const finished = (id: string): Reply | { op: Operation } => {
      const op = backtestOp(id);
      if (!op) return notFound(id);
      if (op.status !== "completed" || !backtestDetails(op.id)) return detail(400, `Backtest not completed (status: ${op.status})`);
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
  } else {
    router.add("POST", "/backtests/start", (req) => {
      const body = bodyObject(req, v);
      return isReply(body) ? body : startBacktest(body);
    });
  }

  // ---- strategies ----
  const strategyInfo = (name: string): JsonObject | null => {
    const s = ctx.strategies.tryLoad(name);
    if (!s) return null;
    const models = listModels(ctx, name);
    const latest = models.at(-1);
    const artifact = latest ? readModel(latest.path) : null;
    return {
      name: s.name,
      description: s.description,
      symbol: s.symbols.join(", "),
      timeframe: s.timeframes.join(", "),
      indicators: s.indicators,
      fuzzy_config: s.fuzzyConfig,
      training_status: artifact ? "trained" : "untrained",
      available_versions: models.map((m) => m.version),
      latest_version: latest?.version ?? null,
      latest_training_date: latest ? isoDate(latest.mtime) : null,
      latest_metrics: artifact ? artifact.metrics : null,
    };
  };
  const emptyList = () => q.has("v2026-empty-strategy-list");

  router.add("GET", "/strategies/", () => {
    if (emptyList()) return json(200, { success: true, strategies: [] });
    const strategies = ctx.strategies
      .names()
      .map(strategyInfo)
      .filter((s): s is JsonObject => s !== null);
    return json(200, { success: true, strategies });
  });

  router.add("GET", "/strategies/{strategy_name}", (_req, p) => {
    const info = emptyList() ? null : strategyInfo(p.strategy_name!);
    return info ? json(200, info) : detail(404, `Strategy '${p.strategy_name}' not found`);
  });
}
