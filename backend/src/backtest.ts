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
import type { StrategyFile } from "./strategies.ts";
import { listModels, readModel } from "./training.ts";
import type { ModelArtifact } from "./training.ts";
import { isoNaive, parseDate, pause, round } from "./util.ts";
import type { JsonObject } from "./util.ts";

export interface BacktestRequest {
  strategy: StrategyFile;
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
}

const details = new Map<string, BacktestDetails>();

export function backtestDetails(id: string): BacktestDetails | undefined {
  return details.get(id);
}

function findModel(ctx: Ctx, req: BacktestRequest): { artifact: ModelArtifact; path: string } | null {
  if (req.modelPath) return { artifact: readModel(req.modelPath), path: req.modelPath };
  const models = listModels(ctx, req.strategy.name).reverse();
  for (const m of models) {
    const a = readModel(m.path);
    if (a.symbols.includes(req.symbol) && a.timeframes.includes(req.timeframe)) return { artifact: a, path: m.path };
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

export function backtestTask(ctx: Ctx, req: BacktestRequest): (op: Operation) => Promise<JsonObject> {
  return async (op) => {
    ctx.ops.progress(op, { current_step: `Loading ${req.symbol} ${req.timeframe} bars from cache`, context: { symbol: req.symbol, timeframe: req.timeframe } });
    await pause(ctx.opts.pace * 300);
    const startMs = req.startDate ? parseDate(req.startDate) : null;
    const endMs = req.endDate ? parseDate(req.endDate) : null;
    const bars = ctx.cache.range(req.symbol, req.timeframe, startMs, endMs);
    if (bars.length < 50) {
      throw new Error(
        `Not enough cached data for ${req.symbol} ${req.timeframe} in the backtest range (${bars.length} bars). Load it first with trigger_data_loading(symbol="${req.symbol}", timeframe="${req.timeframe}", mode="tail").`,
      );
    }
    const found = findModel(ctx, req);
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
    let maxDd = 0;
    const chunk = Math.max(1, Math.ceil(bars.length / 20));
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
      const dd = (peak - value) / peak;
      maxDd = Math.max(maxDd, dd);
      timestamps.push(isoNaive(bar.t));
      values.push(round(value, 2));
      drawdowns.push(round(dd, 6));
      if ((i + 1) % chunk === 0) {
        if (op.abort.signal.aborted) throw new CancelledError();
        ctx.ops.progress(op, {
          percentage: round(((i + 1) / bars.length) * 100, 2),
          current_step: `Simulating bar ${i + 1}/${bars.length}`,
          items_processed: i + 1,
          items_total: bars.length,
          context: { symbol: req.symbol, timeframe: req.timeframe, bars_processed: i + 1, total_bars: bars.length, trades_so_far: trades.length },
        });
        await pause(ctx.opts.pace * 150);
      }
    }
    const rets: number[] = [];
    for (let i = 1; i < values.length; i++) rets.push(values[i]! / values[i - 1]! - 1);
    const mean = rets.reduce((a, b) => a + b, 0) / Math.max(rets.length, 1);
    const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(rets.length, 1));
    const years = Math.max((bars[bars.length - 1]!.t - bars[0]!.t) / (365.25 * 86_400_000), 1 / 365);
    const barsPerYear = bars.length / years;
    const finalValue = values[values.length - 1]!;
    const wins = trades.filter((t) => t.pnl > 0);
    const grossWin = wins.reduce((a, t) => a + t.pnl, 0);
    const grossLoss = -trades.filter((t) => t.pnl <= 0).reduce((a, t) => a + t.pnl, 0);
    details.set(op.id, { trades, equity: { timestamps, values, drawdowns } });
    return {
      strategy_name: req.strategy.name,
      symbol: req.symbol,
      timeframe: req.timeframe,
      start_date: isoNaive(bars[0]!.t),
      end_date: isoNaive(bars[bars.length - 1]!.t),
      signal_source: found ? "model" : "rule:sma_crossover_10_30",
      model_path: found?.path ?? null,
      initial_capital: req.initialCapital,
      final_value: round(finalValue, 2),
      total_return: round(finalValue / req.initialCapital - 1, 6),
      annualized_return: round((finalValue / req.initialCapital) ** (1 / years) - 1, 6),
      sharpe_ratio: sd > 0 ? round((mean / sd) * Math.sqrt(barsPerYear), 4) : 0,
      max_drawdown: round(maxDd, 6),
      total_trades: trades.length,
      win_rate: trades.length ? round(wins.length / trades.length, 4) : 0,
      profit_factor: grossLoss > 0 ? round(grossWin / grossLoss, 4) : null,
      bars_processed: bars.length,
    };
  };
}
