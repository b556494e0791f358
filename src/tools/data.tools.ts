/**
 * Market data: load it into KTRDR's cache (an operation), read it back, summarise what is cached.
 */
import { z } from "zod";
import { BackendError } from "../ktrdr/errors";
import type { KtrdrApi } from "../ktrdr/ktrdr.api";
import * as input from "./inputs";
import * as names from "./names";
import { sameDate } from "./dedupe";
import { startInput, startOperation, startedOutput } from "./started";
import { defineTool, READER, STARTER } from "./tool";
import { round } from "./views";

export const MARKET_DATA_MAX_BARS = 200;

export const triggerDataLoading = defineTool({
  name: names.TRIGGER_DATA_LOADING,
  title: "Load market data",
  description:
    "Start loading market data from IB into KTRDR's cache; returns an operation_id at once, not data. " +
    "Modes: tail (default) updates the cache, backfill extends history back, full does both, local (v2025 only) re-reads the cache.",
  ...STARTER,
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  input: {
    symbol: input.symbol,
    timeframe: input.timeframe.default("1h"),
    mode: input.dataMode.default("tail"),
    start_date: input.date.optional(),
    end_date: input.date.optional(),
    ...startInput,
  },
  output: startedOutput,
  async run(args, ctx) {
    input.checkDateRange(args.start_date, args.end_date);
    return startOperation(ctx, {
      args,
      type: "data_load",
      // v2025 records a load's symbol, timeframe and mode as "N/A": such a load matches nothing.
      matches: (op) =>
        op.symbol === args.symbol &&
        op.timeframe === args.timeframe &&
        op.mode === args.mode &&
        sameDate(op.start_date, args.start_date) &&
        sameDate(op.end_date, args.end_date),
      what: `Data loading started for ${args.symbol} ${args.timeframe} (${args.mode} mode).`,
      start: () => ctx.api.startDataLoad(args),
    });
  },
});

export const getMarketData = defineTool({
  name: names.GET_MARKET_DATA,
  title: "Get market data",
  description:
    "Read cached OHLCV bars (no loading): the most recent limit_bars in the date range " +
    "as rows [time, open, high, low, close, volume]. Empty: nothing is cached; run trigger_data_loading first.",
  ...READER,
  input: {
    symbol: input.symbol,
    timeframe: input.timeframe.default("1h"),
    start_date: input.date.optional(),
    end_date: input.date.optional(),
    trading_hours_only: z.boolean().default(false),
    limit_bars: z.number().int().min(1).max(MARKET_DATA_MAX_BARS).default(50),
  },
  output: {
    symbol: z.string(),
    timeframe: z.string(),
    total_bars: z.number().describe("Cached in the range"),
    returned_bars: z.number(),
    columns: z.array(z.string()),
    bars: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
    message: z.string().optional(),
  },
  async run(args, { api }) {
    input.checkDateRange(args.start_date, args.end_date);
    const d = await api.getMarketData(args.symbol, args.timeframe, args);
    const total = d.dates.length;
    const from = Math.max(0, total - args.limit_bars);
    const bars = d.dates.slice(from).map((t, i) => {
      const row = d.ohlcv[from + i] ?? [];
      return [t.replace(/:00$/, ""), ...row.slice(0, 5).map((v) => (v === null || v === undefined ? null : round(v)))];
    });
    return {
      symbol: args.symbol,
      timeframe: args.timeframe,
      total_bars: total,
      returned_bars: bars.length,
      columns: ["time", "open", "high", "low", "close", "volume"],
      bars,
      ...(total === 0
        ? { message: `No cached ${args.timeframe} data for ${args.symbol} in that range. Load it with trigger_data_loading.` }
        : {}),
    };
  },
});

export const getDataSummary = defineTool({
  name: names.GET_DATA_SUMMARY,
  title: "Summarise cached data",
  description:
    "First and last cached bar of a symbol and timeframe, and KTRDR's count of gaps. " +
    "Check it before training or a backtest; get_market_data reads bars.",
  ...READER,
  input: {
    symbol: input.symbol,
    timeframe: input.timeframe.default("1h"),
  },
  output: {
    symbol: z.string(),
    timeframe: z.string(),
    available: z.boolean(),
    first_bar: z.string().optional(),
    last_bar: z.string().optional(),
    gaps: z.record(z.string(), z.number()).optional(), // total, critical, major, minor, coverage_pct as KTRDR counts them
    message: z.string().optional(),
    note: z.string().optional(),
  },
  async run(args, { api }) {
    const nothing = {
      symbol: args.symbol,
      timeframe: args.timeframe,
      available: false,
      message: "Nothing cached. Load it with trigger_data_loading.",
    };
    let r: { first_bar?: string; last_bar?: string };
    try {
      r = await api.dataRange(args.symbol, args.timeframe);
    } catch (err) {
      if (err instanceof BackendError && err.status === 404 && !err.is("route_missing")) return nothing;
      throw err;
    }
    // KTRDR's point_count counts calendar hours between the bars, not bars: it is not reported.
    if (!r.first_bar && !r.last_bar) return nothing;
    const found = { symbol: args.symbol, timeframe: args.timeframe, available: true, ...r };
    if (!r.first_bar || !r.last_bar) return found;
    return { ...found, ...(await gapsBetween(api, args.symbol, args.timeframe, r.first_bar, r.last_bar)) };
  },
});

/**
 * KTRDR's gap analysis over the cached range, or one line saying why there is none: it answers
 * 500 for every symbol it holds data for on both recorded versions (lifecycle-v2025/085,
 * lifecycle-v2026/590, 1276). Its failure never fails the summary.
 */
async function gapsBetween(
  api: KtrdrApi,
  symbol: string,
  timeframe: string,
  first: string,
  last: string,
): Promise<{ gaps?: Record<string, number>; note?: string }> {
  try {
    const gaps = await api.gapSummary(symbol, timeframe, first, last);
    if (Object.keys(gaps).length > 0) return { gaps: { ...gaps } };
    return { note: "KTRDR's gap analysis answered without counts." };
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    const f = err.failure;
    if (err.is("route_missing")) return { note: "This KTRDR has no gap analysis." };
    if (f.kind === "http" && f.status === 500)
      return {
        note:
          `KTRDR's gap analysis failed for ${symbol} ${timeframe} (HTTP 500, as it does for every symbol with cached data ` +
          "on both recorded versions).",
      };
    const why = f.kind === "http" ? `HTTP ${f.status}` : f.kind === "timeout" ? "it timed out" : f.kind.replace("_", " ");
    return { note: `KTRDR's gap analysis could not be read for ${symbol} ${timeframe} (${why}).` };
  }
}

/** What get_data_summary answers. */
export type DataSummaryView = z.input<z.ZodObject<typeof getDataSummary.output>>;

export const DATA_TOOLS = [triggerDataLoading, getMarketData, getDataSummary];
