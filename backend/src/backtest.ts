// Backtesting as an operation: run a trained model (or, without one, an SMA-crossover rule)
// over cached bars; long/flat positions with commission and slippage; trades, equity, metrics.
import type { Ctx } from "./context.ts";
import type { Bar } from "./market-data.ts";
import { featureMatrix } from "./features.ts";
import { applyScaler } from "./features.ts";
import { MLP } from "./mlp.ts";
import { CancelledError } from "./operations.ts";
import type { Operation } from "./operations.ts";
import { sma } from "./indicators.ts";
import { listModels, readModel, resolveModelPath } from "./models.ts";
import type { ModelArtifact } from "./models.ts";
import { isoDate, isoMicros, isoNaive, nowMicros, parseDate, pause, round } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";

export interface BacktestRequest {
  /** The strategy name as requested (it may not exist). */
  strategyName: string;
  symbol: string;
  timeframe: string;
  startDate: string | null;
  endDate: string | null;
  initialCapital: number;
  commission: number;
  slippage: number;
  modelPath: string | null;
}

export interface Trade {
  trade_id: number;
  side: "LONG";
  entry_time: string;
  exit_time: string;
  entry_price: number;
  exit_price: number;
  quantity: number;
  pnl: number;
  pnl_percent: number;
  commission: number;
  holding_bars: number;
}

export interface BacktestDetails {
  trades: Trade[];
  equity: { timestamps: string[]; values: number[]; drawdowns: number[] };
  /** What made the decisions: a trained model or, without one, the SMA crossover rule. */
  signalSource: "model" | "rule:sma_crossover_10_30";
  modelPath: string | null;
  strategyName: string;
  metrics: JsonObject;
  initialCapital: number;
  finalValue: number;
  startDate: string;
  endDate: string;
}

const details = new Map<string, BacktestDetails>();

export function backtestDetails(id: string): BacktestDetails | undefined {
  return details.get(id);
}

/** Milliseconds of artificial work per bar: v2025's in-process engine is slow (~2.5 ms/bar), v2026's worker fast. */
function perBarMs(ctx: Ctx): number {
  return ctx.opts.wire === "v2026" ? Math.max(0.2 * ctx.opts.pace, 0.05) : Math.max(2.5 * ctx.opts.pace, 1.0);
}

function money(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

/** The newest model of the strategy trained on this symbol and timeframe. */
function findModel(ctx: Ctx, strategy: string, symbol: string, timeframe: string): { artifact: ModelArtifact; path: string } | null {
  const models = listModels(ctx, strategy).reverse();
  for (const m of models) {
    const a = readModel(m.path);
    if (a.symbols.includes(symbol) && a.timeframes.includes(timeframe)) return { artifact: a, path: m.ref };
  }
  return null;
}

/** +1 long, 0 flat, per bar (decided at that bar's close). */
function signals(bars: Bar[], model: ModelArtifact | null): Int8Array {
  const out = new Int8Array(bars.length);
  if (!model) {
    const c = Float64Array.from(bars, (b) => b.c);
    const fast = sma(c, 10);
    const slow = sma(c, 30);
    for (let i = 0; i < bars.length; i++) out[i] = fast[i]! > slow[i]! ? 1 : 0;
    return out;
  }
  const { cols } = featureMatrix(bars, model.config);
  const dim = cols.length;
  const net = MLP.fromJSON(model.model);
  const row = new Float64Array(dim);
  let pos = 0;
  for (let i = 0; i < bars.length; i++) {
    let ok = true;
    for (let d = 0; d < dim; d++) {
      row[d] = cols[d]![i]!;
      if (!Number.isFinite(row[d]!)) ok = false;
    }
    if (ok) {
      const p = net.forward(applyScaler(row, dim, model.scaler), 0);
      if (p[2]! > p[0]! && p[2]! > p[1]!) pos = 1;
      else if (p[0]! > p[2]! && p[0]! > p[1]!) pos = 0;
    }
    out[i] = pos;
  }
  return out;
}

function staticProgress(op: Operation, percentage: number, step: string, stepsCompleted: number): void {
  op.progress = {
    percentage,
    current_step: step,
    steps_completed: stepsCompleted,
    steps_total: 10,
    items_processed: 0,
    items_total: null,
    current_item: null,
    context: {},
  };
}

/** The 22 metrics upstream reports (every one a number; 0 where undefined). */
function metricsOf(values: number[], trades: Trade[], initial: number, bars: Bar[]): JsonObject {
  const rets: number[] = [];
  for (let i = 1; i < values.length; i++) rets.push(values[i]! / values[i - 1]! - 1);
  const mean = rets.reduce((a, b) => a + b, 0) / Math.max(rets.length, 1);
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(rets.length, 1));
  const downs = rets.filter((r) => r < 0);
  const downSd = Math.sqrt(downs.reduce((a, b) => a + b ** 2, 0) / Math.max(rets.length, 1));
  const years = Math.max((bars[bars.length - 1]!.t - bars[0]!.t) / (365.25 * 86_400_000), 1 / 365);
  const perYear = bars.length / years;
  const final = values[values.length - 1] ?? initial;
  let peak = initial;
  let maxDd = 0;
  let maxDdPct = 0;
  for (const v of values) {
    peak = Math.max(peak, v);
    maxDd = Math.max(maxDd, peak - v);
    maxDdPct = Math.max(maxDdPct, (peak - v) / peak);
  }
  const wins = trades.filter((t) => t.pnl > 0);
  const losses = trades.filter((t) => t.pnl <= 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const avg = (xs: number[]) => (xs.length ? sum(xs) / xs.length : 0);
  const grossWin = sum(wins.map((t) => t.pnl));
  const grossLoss = -sum(losses.map((t) => t.pnl));
  const annualized = (final / initial) ** (1 / years) - 1;
  return {
    total_return: final - initial,
    total_return_pct: final / initial - 1,
    annualized_return: annualized,
    volatility: sd * Math.sqrt(perYear),
    sharpe_ratio: sd > 0 ? (mean / sd) * Math.sqrt(perYear) : 0,
    max_drawdown: maxDd,
    max_drawdown_pct: maxDdPct,
    total_trades: trades.length,
    winning_trades: wins.length,
    losing_trades: losses.length,
    win_rate: trades.length ? wins.length / trades.length : 0,
    profit_factor: grossLoss > 0 ? grossWin / grossLoss : 0,
    avg_holding_period: avg(trades.map((t) => t.holding_bars)),
    avg_win_holding_period: avg(wins.map((t) => t.holding_bars)),
    avg_loss_holding_period: avg(losses.map((t) => t.holding_bars)),
    avg_win: avg(wins.map((t) => t.pnl)),
    avg_loss: avg(losses.map((t) => t.pnl)),
    largest_win: wins.length ? Math.max(...wins.map((t) => t.pnl)) : 0,
    largest_loss: losses.length ? Math.min(...losses.map((t) => t.pnl)) : 0,
    calmar_ratio: maxDdPct > 0 ? annualized / maxDdPct : 0,
    sortino_ratio: downSd > 0 ? (mean / downSd) * Math.sqrt(perYear) : 0,
    recovery_factor: maxDd > 0 ? (final - initial) / maxDd : 0,
  };
}

function dateOnly(s: string | null, fallbackMs: number): string {
  if (s) {
    const ms = parseDate(s);
    if (ms !== null) return isoDate(ms);
  }
  return isoDate(fallbackMs);
}

export function backtestTask(ctx: Ctx, req: BacktestRequest): (op: Operation) => Promise<JsonObject> {
  return async (op) => {
    const v = ctx.opts.wire;
    const wallStart = nowMicros();
    const t0 = performance.now();
    staticProgress(op, 5, "Validating strategy configuration", 0);
    await pause(ctx.opts.pace * 100);
    // Which model decides: the given model_path, else the newest model of the strategy, else a rule.
    let found: { artifact: ModelArtifact; path: string } | null = null;
    let strategyName = req.strategyName;
    if (req.modelPath !== null) {
      const file = resolveModelPath(ctx, req.modelPath);
      if (!file) throw new Error(`Model not found: ${req.modelPath}`);
      found = { artifact: readModel(file), path: req.modelPath };
      strategyName = found.artifact.strategy_name; // the model carries its strategy
    } else {
      if (ctx.quirks.has("v2026-backtest-needs-model-path")) throw new Error("model_path is required for backtesting");
      const strategy = ctx.strategies.tryLoad(req.strategyName);
      if (!strategy) throw new Error(`Strategy '${req.strategyName}' not found`);
      strategyName = strategy.name;
      found = findModel(ctx, strategy.name, req.symbol, req.timeframe);
    }
    staticProgress(op, 10, "Loading market data", 1);
    await pause(ctx.opts.pace * 200);
    const startMs = req.startDate ? parseDate(req.startDate) : null;
    const endMs = req.endDate ? parseDate(req.endDate) : null;
    const bars = ctx.cache.range(req.symbol, req.timeframe, startMs, endMs);
    if (bars.length < 50) {
      throw new Error(
        `Not enough cached data for ${req.symbol} ${req.timeframe} in the backtest range (${bars.length} bars). Load it first with trigger_data_loading(symbol="${req.symbol}", timeframe="${req.timeframe}", mode="tail").`,
      );
    }
    const sig = signals(bars, found?.artifact ?? null);
    let cash = req.initialCapital;
    let qty = 0;
    let entryPrice = 0;
    let entryIdx = 0;
    let entryCommission = 0;
    const trades: Trade[] = [];
    const timestamps: string[] = [];
    const values: number[] = [];
    const drawdowns: number[] = [];
    let peak = req.initialCapital;
    const chunk = 50;
    const chunkMs = chunk * perBarMs(ctx);
    for (let i = 0; i < bars.length; i++) {
      const bar = bars[i]!;
      const want = i < bars.length - 1 ? sig[i]! : 0;
      if (want === 1 && qty === 0) {
        const price = bar.c * (1 + req.slippage);
        qty = Math.floor(cash / (price * (1 + req.commission)));
        if (qty > 0) {
          entryCommission = qty * price * req.commission;
          cash -= qty * price + entryCommission;
          entryPrice = price;
          entryIdx = i;
        }
      } else if (want === 0 && qty > 0) {
        const price = bar.c * (1 - req.slippage);
        const comm = qty * price * req.commission;
        cash += qty * price - comm;
        const pnl = (price - entryPrice) * qty - comm - entryCommission;
        trades.push({
          trade_id: trades.length + 1,
          side: "LONG",
          entry_time: isoNaive(bars[entryIdx]!.t),
          exit_time: isoNaive(bar.t),
          entry_price: round(entryPrice, 4),
          exit_price: round(price, 4),
          quantity: qty,
          pnl: round(pnl, 2),
          pnl_percent: round((pnl / (entryPrice * qty)) * 100, 3),
          commission: round(comm + entryCommission, 2),
          holding_bars: i - entryIdx,
        });
        qty = 0;
      }
      const value = cash + qty * bar.c;
      peak = Math.max(peak, value);
      timestamps.push(isoNaive(bar.t));
      values.push(round(value, 2));
      drawdowns.push(round((peak - value) / peak, 6));
      if ((i + 1) % chunk === 0 || i === bars.length - 1) {
        if (op.abort.signal.aborted) throw new CancelledError();
        ctx.ops.progress(op, {
          percentage: 20 + (70 * (i + 1)) / bars.length,
          current_step: `Processing bar ${i + 1} of ${money(bars.length)} | Portfolio: $${money(value)}`,
          steps_completed: 3,
          steps_total: 10,
          items_processed: i + 1,
          items_total: bars.length,
          current_item: null,
          context: {},
        });
        await pause(chunkMs);
        if (op.abort.signal.aborted) throw new CancelledError();
      }
    }
    const finalValue = values[values.length - 1]!;
    const metrics = metricsOf(values, trades, req.initialCapital, bars);
    const startDay = dateOnly(req.startDate, bars[0]!.t);
    const endDay = dateOnly(req.endDate, bars[bars.length - 1]!.t);
    details.set(op.id, {
      trades,
      equity: { timestamps, values, drawdowns },
      signalSource: found ? "model" : "rule:sma_crossover_10_30",
      modelPath: found?.path ?? null,
      strategyName,
      metrics,
      initialCapital: req.initialCapital,
      finalValue,
      startDate: startDay,
      endDate: endDay,
    });
    staticProgress(op, 100, "Processing backtest results", 9);
    const execution = (performance.now() - t0) / 1000;
    if (v === "v2026") {
      const v2026Summary: JsonObject = {
        config: {
          end_date: `${endDay}T00:00:00`,
          slippage: req.slippage,
          commission: req.commission,
          start_date: `${startDay}T00:00:00`,
          initial_capital: req.initialCapital,
        },
        symbol: req.symbol,
        metrics,
        end_time: `${endDay}T00:00:00`,
        timeframe: req.timeframe,
        start_time: `${startDay}T00:00:00`,
        trade_count: trades.length,
        strategy_name: strategyName,
        equity_curve_length: values.length,
        execution_time_seconds: execution,
      };
      return v2026Summary;
    }
    const v2025Summary: JsonObject = {
      strategy_name: strategyName,
      symbol: req.symbol,
      timeframe: req.timeframe,
      start_time: isoMicros(wallStart).slice(0, -1),
      end_time: isoMicros(nowMicros()).slice(0, -1),
      execution_time_seconds: execution,
      config: {
        initial_capital: req.initialCapital,
        commission: req.commission,
        slippage: req.slippage,
        start_date: startDay,
        end_date: endDay,
      },
      metrics,
      trade_count: trades.length,
      equity_curve_length: values.length,
      trades: trades as unknown as Json[],
      equity_curve: { timestamps: timestamps.map((t) => `${t}.000000Z`), values, drawdowns },
    };
    return v2025Summary;
  };
}
