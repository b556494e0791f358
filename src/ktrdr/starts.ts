/**
 * Starting operations: data loads, trainings, backtests and KTRDR's test operation. Never
 * retried (a retry could start a second operation). Where the versions differ, the route,
 * body and answer of each are here; what a version cannot do is refused before anything starts.
 */
import { BackendError, Unsupported } from "./errors";
import type { KtrdrHttp } from "./http";
import type { Started } from "./model";
import { scrubOptional } from "./scrub";
import * as wire from "./wire";

export interface DataLoadRequest {
  symbol: string;
  timeframe: string;
  mode: string;
  start_date?: string;
  end_date?: string;
}

export interface TrainingRequest {
  strategy_name: string;
  symbols: string[];
  timeframes: string[];
  start_date?: string;
  end_date?: string;
}

export interface BacktestRequest {
  strategy_name: string;
  symbol: string;
  timeframe: string;
  start_date: string;
  end_date: string;
  model_path?: string;
  initial_capital: number;
  commission: number;
  slippage: number;
}

export async function startDataLoad(http: KtrdrHttp, r: DataLoadRequest): Promise<Started> {
  const body = { symbol: r.symbol, timeframe: r.timeframe, mode: r.mode, start_date: r.start_date ?? null, end_date: r.end_date ?? null };
  return http.versioned(
    async () => {
      const res = await http.call("POST", "/data/load", wire.dataLoadStartV2025Schema, { body });
      return { operation_id: res.data.operation_id, operation_type: "data_load" };
    },
    async () => {
      if (r.mode === "local") throw new Unsupported("v2026", "local_mode");
      const res = await http.call("POST", "/data/acquire/download", wire.dataDownloadStartV2026Schema, { body });
      return { operation_id: res.operation_id, operation_type: "data_load", backend_message: scrubOptional(res.message) };
    },
  );
}

export async function startTraining(http: KtrdrHttp, r: TrainingRequest): Promise<Started> {
  const res = await http.call("POST", "/trainings/start", wire.trainingStartSchema, {
    body: {
      symbols: r.symbols,
      timeframes: r.timeframes,
      strategy_name: r.strategy_name,
      start_date: r.start_date ?? null,
      end_date: r.end_date ?? null,
    },
  });
  const id = res.operation_id ?? res.task_id;
  if (!id) throw new BackendError({ kind: "bad_shape", status: 200, where: "task_id" }, "POST /trainings/start", "-");
  return {
    operation_id: id,
    operation_type: "training",
    backend_message: scrubOptional(res.message),
    estimated_duration_minutes: res.estimated_duration_minutes ?? undefined,
  };
}

export async function startBacktest(http: KtrdrHttp, r: BacktestRequest): Promise<Started> {
  const common = {
    strategy_name: r.strategy_name,
    symbol: r.symbol,
    timeframe: r.timeframe,
    start_date: r.start_date,
    end_date: r.end_date,
    initial_capital: r.initial_capital,
    commission: r.commission,
    slippage: r.slippage,
  };
  const started = (res: { operation_id?: string | null; backtest_id?: string | null; message?: string | null }, route: string): Started => {
    const id = res.operation_id ?? res.backtest_id;
    if (!id) throw new BackendError({ kind: "bad_shape", status: 200, where: "operation_id" }, route, "-");
    return { operation_id: id, operation_type: "backtesting", backend_message: scrubOptional(res.message) };
  };
  return http.versioned(
    async () => {
      const out = started(
        await http.call("POST", "/backtests/", wire.backtestStartSchema, { body: { ...common, data_mode: "local" } }),
        "POST /backtests/",
      );
      // v2025 takes no model: it backtests the strategy's latest one.
      return r.model_path ? { ...out, ignored: "model_path" } : out;
    },
    async () => {
      // v2026 starts a backtest without a model and then fails it: refuse before anything starts.
      if (!r.model_path) throw new Unsupported("v2026", "backtest_without_model_path");
      return started(
        await http.call("POST", "/backtests/start", wire.backtestStartSchema, { body: { ...common, model_path: r.model_path } }),
        "POST /backtests/start",
      );
    },
  );
}

/** KTRDR's test operation (100 slow iterations, both versions): backs the conformance fixtures' long task. */
export async function startDummy(http: KtrdrHttp): Promise<Started> {
  const res = await http.call("POST", "/dummy/start", wire.dummyStartSchema, { body: {} });
  return { operation_id: res.data.operation_id, operation_type: "dummy", backend_message: scrubOptional(res.data.message) };
}
