/**
 * Market data and discovery: cached bars and their gaps, the backend's health, and the symbols,
 * indicators and strategies it knows (and whether a strategy is valid). Reads, safe to repeat;
 * every text an agent may read passes the scrubber.
 */
import { BackendError } from "./errors";
import type { KtrdrHttp } from "./http";
import { segment } from "./http";
import type { GapSummary, Results, StrategyValidation } from "./model";
import { resultsFromPerformance } from "./normalise";
import { scrubOptional, scrubText, scrubValue } from "./scrub";
import * as wire from "./wire";
import { wireVersion } from "./workers";

export interface MarketData {
  dates: string[];
  ohlcv: Array<Array<number | null>>;
}

export interface Strategy {
  name: string;
  description?: string;
  symbol?: unknown;
  timeframe?: unknown;
  training_status?: string;
  latest_version?: unknown;
  latest_training_date?: string;
}

export async function readMarketData(
  http: KtrdrHttp,
  symbol: string,
  timeframe: string,
  q: { start_date?: string; end_date?: string; trading_hours_only?: boolean },
): Promise<MarketData> {
  const res = await http.call("GET", `/data/${segment(symbol)}/${segment(timeframe)}`, wire.marketDataSchema, {
    query: { start_date: q.start_date, end_date: q.end_date, trading_hours_only: q.trading_hours_only ? true : undefined },
    idempotent: true,
  });
  return { dates: res.data.dates, ohlcv: res.data.ohlcv };
}

export async function readHealth(http: KtrdrHttp): Promise<{ status: string; version?: string }> {
  const h = await http.call("GET", "/health", wire.healthSchema, { idempotent: true });
  return { status: scrubText(h.status), ...(h.version ? { version: scrubText(h.version) } : {}) };
}

export async function listSymbols(http: KtrdrHttp) {
  const list = (await http.call("GET", "/symbols", wire.symbolsSchema, { idempotent: true })).data;
  return list.map((s) =>
    scrubValue({
      symbol: s.symbol,
      name: s.name ?? undefined,
      type: s.type ?? undefined,
      exchange: s.exchange ?? undefined,
      currency: s.currency ?? undefined,
      timeframes: s.available_timeframes ?? undefined,
    }),
  );
}

export async function listIndicators(http: KtrdrHttp) {
  const list = (await http.call("GET", "/indicators/", wire.indicatorsSchema, { idempotent: true })).data;
  return list.map((i) => {
    const p = i.parameters;
    const parameters = Array.isArray(p)
      ? p.map((x) => (x && typeof x === "object" && "name" in x ? String((x as { name: unknown }).name) : String(x)))
      : p && typeof p === "object"
        ? Object.keys(p)
        : undefined;
    const name = typeof i.name === "string" ? i.name : typeof i.id === "string" ? i.id : undefined;
    return scrubValue({ name, description: typeof i.description === "string" ? i.description : undefined, parameters });
  });
}

/**
 * Strategies. `listEmptyOnV2026` is set when a v2026 backend answers none: its list drops every
 * v3 strategy file it fails to validate, although training by name works.
 */
export async function listStrategies(http: KtrdrHttp): Promise<{ strategies: Strategy[]; listMayBeIncomplete: boolean }> {
  const list = (await http.call("GET", "/strategies/", wire.strategiesSchema, { idempotent: true })).strategies;
  const strategies = list.map((s) =>
    scrubValue({
      name: s.name,
      description: s.description ?? undefined,
      symbol: s.symbol,
      timeframe: s.timeframe,
      training_status: s.training_status ?? undefined,
      latest_version: s.latest_version,
      latest_training_date: s.latest_training_date ?? undefined,
    }),
  );
  const listMayBeIncomplete = strategies.length === 0 && (await wireVersion(http)) !== "v2025";
  return { strategies, listMayBeIncomplete };
}

/**
 * First and last cached bar. KTRDR's `point_count` here counts calendar hours between them, not
 * cached bars, so it is not passed on.
 */
export async function readDataRange(
  http: KtrdrHttp,
  symbol: string,
  timeframe: string,
): Promise<{ first_bar?: string; last_bar?: string }> {
  // A read, though the backend takes it as a POST: safe to repeat.
  const d = (await http.call("POST", "/data/range", wire.dataRangeSchema, { body: { symbol, timeframe }, idempotent: true })).data;
  const first = scrubOptional(d.start_date);
  const last = scrubOptional(d.end_date);
  return { ...(first ? { first_bar: first } : {}), ...(last ? { last_bar: last } : {}) };
}

export async function readModelPerformance(
  http: KtrdrHttp,
  taskId: string,
): Promise<{ task_id: string; status?: string; results: Results; model_info?: Record<string, unknown> }> {
  const r = await http.call("GET", `/trainings/${segment(taskId)}/performance`, wire.performanceSchema, { idempotent: true });
  return {
    task_id: r.task_id ?? taskId,
    ...(r.status ? { status: scrubText(r.status) } : {}),
    results: resultsFromPerformance(r as Record<string, unknown>),
    ...(r.model_info ? { model_info: scrubValue(r.model_info) } : {}),
  };
}

/**
 * KTRDR's check of a strategy file by name, `POST /strategies/validate/{name}` (a read, though a
 * POST). An invalid strategy is a 200 with `valid: false` and its issues; `null` when KTRDR has no
 * file of that name (404 "Strategy file not found"). KTRDR's list of every indicator it knows
 * (`available_indicators`, also inside an issue's `details`) is not passed on.
 */
export async function validateStrategy(http: KtrdrHttp, name: string): Promise<StrategyValidation | null> {
  try {
    const r = await http.call("POST", `/strategies/validate/${segment(name)}`, wire.strategyValidationSchema, { idempotent: true });
    return {
      strategy_name: scrubOptional(r.strategy_name) ?? name,
      valid: r.valid,
      issues: (r.issues ?? []).map((i) =>
        Object.fromEntries(
          Object.entries({
            severity: scrubOptional(i.severity),
            category: scrubOptional(i.category),
            message: scrubOptional(i.message),
          }).filter(([, v]) => v !== undefined),
        ),
      ),
    };
  } catch (err) {
    if (err instanceof BackendError && err.is("strategy_not_found")) return null;
    throw err;
  }
}

/**
 * KTRDR's gap analysis of a symbol's cached bars between two times, as it counts them. On both
 * recorded versions it fails (HTTP 500, "Cannot localize tz-aware Timestamp" in its log) for every
 * symbol it holds data for (lifecycle-v2025/085, lifecycle-v2026/590, 1276); the caller says so.
 */
export async function readGapSummary(http: KtrdrHttp, symbol: string, timeframe: string, start: string, end: string): Promise<GapSummary> {
  const r = await http.call("GET", `/gap-analysis/data/${segment(symbol)}/${segment(timeframe)}/summary`, wire.gapSummarySchema, {
    query: { start_date: start, end_date: end },
    idempotent: true,
  });
  const g = r.data.summary;
  const facts: GapSummary = {
    total: g.total_gaps ?? undefined,
    critical: g.critical_gaps ?? undefined,
    major: g.major_gaps ?? undefined,
    minor: g.minor_gaps ?? undefined,
    coverage_pct: g.coverage_percentage ?? undefined,
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as GapSummary;
}
