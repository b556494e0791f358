/**
 * Training and backtesting: start them as operations, read a finished model's performance.
 */
import { z } from "zod";
import * as input from "./inputs";
import * as names from "./names";
import { sameDate, sameSet } from "./dedupe";
import { startInput, startOperation, startedOutput } from "./started";
import { defineTool, READER, STARTER, ToolError } from "./tool";
import { compact, conciseResults, prune } from "./views";

export const startTraining = defineTool({
  name: names.START_TRAINING,
  title: "Start model training",
  description:
    "Start training a strategy's neural network on cached data; returns an operation_id at once (it takes minutes to hours). " +
    "Hyperparameters come from the strategy's YAML: get_available_strategies(name) validates it. Load data first with trigger_data_loading.",
  ...STARTER,
  input: {
    strategy_name: input.strategyName.optional(),
    strategy_config_path: input.strategyName.optional().describe("Alias of strategy_name (a YAML path is accepted)"),
    symbols: z.array(input.symbol).min(1).max(20),
    timeframes: z.array(input.timeframe).min(1).max(5).default(["1h"]),
    training_config: z.record(z.string(), z.unknown()).optional().describe("Unsupported: hyperparameters come from the strategy YAML"),
    start_date: input.date.optional(),
    end_date: input.date.optional(),
    ...startInput,
  },
  output: startedOutput,
  async run(args, ctx) {
    const given = [args.strategy_name, args.strategy_config_path].filter((s): s is string => Boolean(s)).map(input.strategyFromPath);
    if (given.length === 0) throw new ToolError("strategy_name is required (e.g. mlp_basic); get_available_strategies lists them.");
    if (given.length === 2 && given[0] !== given[1])
      throw new ToolError(`strategy_name (${given[0]}) and strategy_config_path (${given[1]}) name different strategies; pass one.`);
    if (args.training_config && Object.keys(args.training_config).length > 0)
      throw new ToolError(
        "training_config is not supported: KTRDR takes hyperparameters from the strategy's YAML. Leave it out, or pick another strategy.",
      );
    input.checkDateRange(args.start_date, args.end_date);
    const strategy = given[0]!;
    const symbols = [...new Set(args.symbols)];
    const timeframes = [...new Set(args.timeframes)];
    return startOperation(ctx, {
      args,
      type: "training",
      matches: (op) => {
        const rest =
          sameSet(op.symbols, symbols) &&
          sameSet(op.timeframes, timeframes) &&
          sameDate(op.start_date, args.start_date) &&
          sameDate(op.end_date, args.end_date);
        if (!rest) return false;
        return op.strategy_name === undefined ? "unverified" : op.strategy_name === strategy;
      },
      what: `Training started for ${strategy} on ${symbols.join(", ")} (${timeframes.join(", ")}).`,
      start: () =>
        ctx.api.startTraining({ strategy_name: strategy, symbols, timeframes, start_date: args.start_date, end_date: args.end_date }),
    });
  },
});

export const startBacktest = defineTool({
  name: names.START_BACKTEST,
  title: "Start a backtest",
  description:
    "Backtest a strategy's trained model over cached bars; returns an operation_id at once. " +
    "get_operation_results then gives trades, return, drawdown and Sharpe.",
  ...STARTER,
  input: {
    strategy_name: input.strategyName,
    symbol: input.symbol,
    timeframe: input.timeframe,
    start_date: input.date,
    end_date: input.date,
    model_path: z
      .string()
      .max(300)
      .regex(/^[A-Za-z0-9_./-]+$/, "must be a model path as returned in training results")
      .refine((s) => !s.split("/").includes(".."), "must not contain '..'")
      .optional()
      .describe("A completed training's results.model_path; KTRDR v2026 needs it"),
    initial_capital: z.number().positive().max(1e12).default(100000),
    commission: z.number().min(0).max(0.1).default(0.001).describe("Fraction per trade"),
    slippage: z.number().min(0).max(0.1).default(0.001).describe("Fraction per trade"),
    ...startInput,
  },
  output: startedOutput,
  async run(args, ctx) {
    input.checkDateRange(args.start_date, args.end_date);
    const strategy = input.strategyFromPath(args.strategy_name);
    return startOperation(ctx, {
      args,
      type: "backtesting",
      matches: (op) => {
        const rest =
          op.symbol === args.symbol &&
          op.timeframe === args.timeframe &&
          sameDate(op.start_date, args.start_date) &&
          sameDate(op.end_date, args.end_date);
        if (!rest) return false;
        return op.strategy_name === undefined ? "unverified" : op.strategy_name === strategy;
      },
      what: `Backtest started for ${strategy} on ${args.symbol} ${args.timeframe} (${args.start_date} to ${args.end_date}).`,
      start: () => ctx.api.startBacktest({ ...args, strategy_name: strategy }),
    });
  },
});

export const getModelPerformance = defineTool({
  name: names.GET_MODEL_PERFORMANCE,
  title: "Get trained model performance",
  description:
    "Training and test metrics and model facts of a completed training (task_id: its operation_id). " +
    "While it runs: get_operation_metrics.",
  ...READER,
  input: {
    task_id: input.operationId.describe("The training's operation_id"),
  },
  output: {
    task_id: z.string(),
    status: z.string().optional(),
    training_metrics: z.record(z.string(), z.unknown()).optional(),
    test_metrics: z.record(z.string(), z.unknown()).optional(),
    model_info: z.record(z.string(), z.unknown()).optional(),
  },
  async run(args, { api }) {
    const r = await api.modelPerformance(args.task_id);
    const view = conciseResults("training", r.results);
    return prune({
      task_id: r.task_id,
      status: r.status,
      training_metrics: view.training_metrics as Record<string, unknown> | undefined,
      test_metrics: view.test_metrics as Record<string, unknown> | undefined,
      model_info: compact(r.model_info ?? {}) as Record<string, unknown>,
    });
  },
});

export const TRAINING_TOOLS = [startTraining, startBacktest, getModelPerformance];
