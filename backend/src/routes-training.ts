// Training, backtesting and strategy endpoints.
import type { Ctx } from "./context.ts";
import { backtestDetails, backtestTask } from "./backtest.ts";
import { findSymbol, findTimeframe } from "./market-data.ts";
import type { Router } from "./router.ts";
import type { StrategyFile } from "./strategies.ts";
import { estimatedMinutes, listModels, readModel, trainingTask } from "./training.ts";
import { isoDate, isoMicros } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";
import type { Reply } from "./wire.ts";

export function registerTrainingRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;

  const strategyNotFound = (name: string): Reply =>
    v === "v2026"
      ? detail(400, { error: "configuration_error", message: `Strategy not found: ${name}`, strategy_name: name, available_strategies: ctx.strategies.names() })
      : detail(400, `Strategy file not found: strategies/${name}.yaml`);

  const loadStrategy = (name: string): StrategyFile | Reply => {
    try {
      return ctx.strategies.load(name) ?? strategyNotFound(name);
    } catch (err) {
      return detail(400, `Invalid strategy configuration '${name}': ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** Symbols/timeframes must exist; v2025 answers 400, v2026 422 for these value errors. */
  const checkMarket = (symbols: string[], timeframes: string[]): Reply | null => {
    const status = v === "v2026" ? 422 : 400;
    for (const s of symbols) if (!findSymbol(s)) return detail(status, `Invalid symbol: ${s}`);
    for (const t of timeframes) if (!findTimeframe(t)) return detail(status, `Invalid timeframe: ${t}`);
    return null;
  };

  router.add("POST", "/trainings/start", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const required = v === "v2025";
    let symbols = check.strList("symbols", required, true);
    let timeframes = check.strList("timeframes", required, true);
    const strategyName = check.str("strategy_name", true);
    const start = check.date("start_date");
    const end = check.date("end_date");
    check.str("task_id", false);
    check.bool("detailed_analytics", false);
    if (check.issues.length) return validationError(v, check.issues);
    const strategy = loadStrategy(strategyName!);
    if (isReply(strategy)) return strategy;
    symbols = (symbols ?? strategy.symbols).map((s) => findSymbol(s)?.symbol ?? s);
    timeframes = timeframes ?? strategy.timeframes;
    if (symbols.length === 0 || timeframes.length === 0) {
      return detail(400, { error: "configuration_error", message: `Strategy '${strategy.name}' names no symbols/timeframes; pass them in the request` });
    }
    const bad = checkMarket(symbols, timeframes);
    if (bad) return bad;
    const op = ctx.ops.create("training", {
      symbol: symbols[0]!,
      timeframe: timeframes[0]!,
      mode: "local",
      start_date: start?.[0] ?? null,
      end_date: end?.[0] ?? null,
      parameters: {
        strategy_name: strategy.name,
        symbols,
        timeframes,
        start_date: start?.[0] ?? null,
        end_date: end?.[0] ?? null,
        training_mode: "local",
        detailed_analytics: body.detailed_analytics === true,
      },
    });
    ctx.ops.run(op, trainingTask(ctx, { strategy, symbols, timeframes, startDate: start?.[0] ?? null, endDate: end?.[0] ?? null }));
    return json(200, {
      success: true,
      task_id: op.id,
      status: "training_started",
      message: `Neural network training started for ${symbols.join(", ")} using ${strategy.name} strategy`,
      symbols,
      timeframes,
      strategy_name: strategy.name,
      estimated_duration_minutes: estimatedMinutes(ctx),
    });
  });

  router.add("GET", "/trainings/{task_id}/performance", (_req, p) => {
    const op = ctx.ops.get(p.task_id!);
    if (!op || op.type !== "training") return detail(404, `Training task not found: ${p.task_id}`);
    if (op.status !== "completed" || !op.resultSummary) return detail(404, `Training task ${op.id} is not completed (status: ${op.status})`);
    const r = op.resultSummary;
    const info = (r.model_info ?? {}) as JsonObject;
    return json(200, {
      success: true,
      task_id: op.id,
      status: op.status,
      training_metrics: r.training_metrics ?? {},
      test_metrics: r.test_metrics ?? {},
      model_info: { model_size_bytes: info.model_size_bytes ?? 0, parameters_count: info.parameters_count ?? 0, architecture: info.architecture ?? "mlp" },
    });
  });

  // ---- backtests ----
  const startBacktest = (body: JsonObject, fromStrategy: boolean): Reply => {
    const check = new BodyCheck(body);
    const strategyName = check.str("strategy_name", true);
    let symbol = check.str("symbol", !fromStrategy);
    let timeframe = check.str("timeframe", !fromStrategy);
    const start = check.date("start_date");
    const end = check.date("end_date");
    if (!start && body.start_date === undefined) check.issues.push({ type: "missing", loc: ["body", "start_date"], msg: "Field required", input: body });
    if (!end && body.end_date === undefined) check.issues.push({ type: "missing", loc: ["body", "end_date"], msg: "Field required", input: body });
    const initialCapital = check.num("initial_capital", 100000, 0);
    const commission = check.num("commission", 0.001, 0);
    const slippage = check.num("slippage", 0.0005, 0);
    const modelPath = check.str("model_path", false);
    if (!fromStrategy) check.str("data_mode", false);
    if (check.issues.length) return validationError(v, check.issues);
    const strategy = loadStrategy(strategyName!);
    if (isReply(strategy)) return strategy;
    symbol = findSymbol(symbol ?? strategy.symbols[0] ?? "")?.symbol ?? symbol ?? strategy.symbols[0] ?? "";
    timeframe = timeframe ?? strategy.timeframes[0] ?? "1h";
    const bad = checkMarket([symbol], [timeframe]);
    if (bad) return bad;
    if (modelPath !== null) {
      const known = listModels(ctx, strategy.name).some((m) => m.path === modelPath);
      if (!known) return detail(400, `Model not found: ${modelPath}`);
      readModel(modelPath);
    }
    const op = ctx.ops.create("backtesting", {
      symbol,
      timeframe,
      mode: "backtest",
      start_date: start?.[0] ?? null,
      end_date: end?.[0] ?? null,
      parameters: { strategy_name: strategy.name, symbol, timeframe, initial_capital: initialCapital, commission, slippage, model_path: modelPath },
    });
    ctx.ops.run(op, backtestTask(ctx, { strategy, symbol, timeframe, startDate: start?.[0] ?? null, endDate: end?.[0] ?? null, initialCapital, commission, slippage, modelPath }));
    const message = `Backtest started for ${strategy.name} on ${symbol} ${timeframe}`;
    if (fromStrategy) return json(200, { success: true, operation_id: op.id, status: "started", message, symbol, timeframe, mode: "local" });
    return json(200, { success: true, backtest_id: op.id, status: "started", message });
  };

  if (v === "v2025") {
    router.add("POST", "/backtests/", (req) => {
      const body = bodyObject(req, v);
      return isReply(body) ? body : startBacktest(body, false);
    });

    const backtestOp = (id: string) => {
      const op = ctx.ops.get(id);
      return op && op.type === "backtesting" ? op : undefined;
    };
    const notFound = (id: string) => detail(404, `Backtest not found: ${id}`);

    router.add("GET", "/backtests/{backtest_id}", (_req, p) => {
      const op = backtestOp(p.backtest_id!);
      if (!op) return notFound(p.backtest_id!);
      return json(200, {
        success: true,
        backtest_id: op.id,
        status: op.status,
        progress: Math.round(op.progress.percentage),
        started_at: op.startedAt === null ? null : isoMicros(op.startedAt),
        completed_at: op.completedAt === null ? null : isoMicros(op.completedAt),
        error: op.errorMessage,
      });
    });

    const finished = (id: string): Reply | { summary: JsonObject; opId: string } => {
      const op = backtestOp(id);
      if (!op) return notFound(id);
      if (op.status !== "completed" || !op.resultSummary) return detail(400, `Backtest not completed (status: ${op.status})`);
      return { summary: op.resultSummary, opId: op.id };
    };

    router.add("GET", "/backtests/{backtest_id}/results", (_req, p) => {
      const f = finished(p.backtest_id!);
      if (isReply(f)) return f;
      const s = f.summary;
      return json(200, {
        success: true,
        backtest_id: f.opId,
        strategy_name: s.strategy_name,
        symbol: s.symbol,
        timeframe: s.timeframe,
        start_date: s.start_date,
        end_date: s.end_date,
        metrics: {
          total_return: s.total_return,
          annualized_return: s.annualized_return,
          sharpe_ratio: s.sharpe_ratio,
          max_drawdown: s.max_drawdown,
          win_rate: s.win_rate,
          profit_factor: s.profit_factor,
          total_trades: s.total_trades,
        },
        summary: { initial_capital: s.initial_capital, final_value: s.final_value, signal_source: s.signal_source, model_path: s.model_path },
      });
    });

    router.add("GET", "/backtests/{backtest_id}/trades", (_req, p) => {
      const f = finished(p.backtest_id!);
      if (isReply(f)) return f;
      return json(200, { success: true, backtest_id: f.opId, trades: (backtestDetails(f.opId)?.trades ?? []) as unknown as Json[] });
    });

    router.add("GET", "/backtests/{backtest_id}/equity_curve", (_req, p) => {
      const f = finished(p.backtest_id!);
      if (isReply(f)) return f;
      const e = backtestDetails(f.opId)?.equity ?? { timestamps: [], values: [], drawdowns: [] };
      return json(200, { success: true, backtest_id: f.opId, timestamps: e.timestamps, values: e.values, drawdowns: e.drawdowns });
    });
  } else {
    router.add("POST", "/backtests/start", (req) => {
      const body = bodyObject(req, v);
      return isReply(body) ? body : startBacktest(body, true);
    });
  }

  // ---- strategies ----
  router.add("GET", "/strategies/", () => {
    const strategies: JsonObject[] = [];
    for (const name of ctx.strategies.names()) {
      let s: StrategyFile | undefined;
      try {
        s = ctx.strategies.load(name);
      } catch {
        continue;
      }
      if (!s) continue;
      const models = listModels(ctx, name);
      const latest = models.at(-1);
      const artifact = latest ? readModel(latest.path) : null;
      strategies.push({
        name: s.name,
        description: s.description,
        symbol: s.symbols.join(", ") || null,
        timeframe: s.timeframes.join(", ") || null,
        indicators: s.indicators,
        fuzzy_config: s.fuzzyConfig,
        training_status: artifact ? "trained" : "untrained",
        available_versions: models.map((m) => m.version),
        latest_version: latest?.version ?? null,
        latest_training_date: latest ? isoDate(latest.mtime) : null,
        latest_metrics: artifact ? artifact.metrics : null,
      });
    }
    return json(200, { success: true, strategies });
  });
}
