// Data loading as an operation: work out what is missing for the mode, fetch it from the
// generator in IB-sized segments, merge into the CSV cache, report progress and a summary.
import type { Ctx } from "./context.ts";
import { barSpans, generateBars } from "./market-data.ts";
import type { SymbolInfo, TimeframeInfo } from "./market-data.ts";
import { CancelledError } from "./operations.ts";
import type { Operation } from "./operations.ts";
import { isoNaive, pause, round } from "./util.ts";
import type { JsonObject } from "./util.ts";

export const LOAD_MODES = ["local", "tail", "backfill", "full"] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

export interface LoadRequest {
  symbol: SymbolInfo;
  timeframe: TimeframeInfo;
  mode: LoadMode;
  startMs: number | null;
  endMs: number | null;
  filters: JsonObject | null;
}

const DAY = 86_400_000;
/** What a load that needs IB reports when the IB Gateway does not answer (recorded on both versions). */
export const IB_UNREACHABLE = "Host service connection failed: HTTP error for POST /data/validate: All connection attempts failed";

/** The [start, end) ranges the mode must fetch, given what the cache holds. */
export function plannedGaps(req: LoadRequest, cachedFirst: number | null, cachedLast: number | null, nowMs: number): [number, number][] {
  const end = Math.min(req.endMs ?? nowMs, nowMs);
  const lookback = req.timeframe.defaultLookbackDays * DAY;
  const start = req.startMs ?? end - lookback;
  const step = req.timeframe.seconds * 1000;
  if (req.mode === "local") return [];
  if (cachedFirst === null || cachedLast === null) return start < end ? [[start, end]] : [];
  const gaps: [number, number][] = [];
  if (req.mode === "backfill" || req.mode === "full") {
    const from = req.startMs ?? cachedFirst - lookback;
    if (from < cachedFirst) gaps.push([from, cachedFirst]);
  }
  if (req.mode === "tail" || req.mode === "full") {
    const from = cachedLast + step;
    if (from < end) gaps.push([from, end]);
  }
  return gaps;
}

function segmentsOf(gaps: [number, number][], segmentMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of gaps) for (let s = a; s < b; s += segmentMs) out.push([s, Math.min(s + segmentMs, b)]);
  return out;
}

export function runDataLoad(ctx: Ctx, op: Operation, req: LoadRequest): Promise<JsonObject> {
  return (async () => {
    const t0 = performance.now();
    const sym = req.symbol.symbol;
    const tf = req.timeframe.id;
    const existing = ctx.cache.read(sym, tf);
    const cachedBefore = existing.length > 0;
    const fileName = ctx.cache.fileName(sym, tf);
    const nowMs = Date.now();
    const service = { operation: "data_load", service: "Data/IB" };
    /** v2025's generic end-of-operation progress. */
    const done = (items: number, extra: JsonObject = {}) => {
      op.progress = {
        percentage: 100,
        current_step: "Operation data_load completed [100/100] (100.0%)",
        steps_completed: 100,
        steps_total: 100,
        items_processed: items,
        items_total: null,
        current_item: null,
        context: { ...service, ...extra },
      };
    };
    if (req.mode !== "local" && !ctx.ib.connected) {
      // No IB Gateway (POST /__ib {"connected": false}): the symbol check fails first, as recorded.
      if (ctx.opts.wire === "v2025") {
        op.progress = {
          percentage: 10,
          current_step: `⚡ Checking if ${sym} is valid and tradeable (${sym} ${tf}, ${req.mode} mode) [1/10]`,
          steps_completed: 1,
          steps_total: 10,
          items_processed: 0,
          items_total: null,
          current_item: null,
          context: { symbol: sym, timeframe: tf, mode: req.mode, operation: "symbol_validation" },
        };
      }
      await pause(0);
      throw new Error(`${ctx.opts.wire === "v2025" ? "Symbol validation failed: " : ""}${IB_UNREACHABLE}`);
    }
    ctx.ops.progress(op, {
      current_step: `Analyzing cached data for ${sym} ${tf} (mode: ${req.mode})`,
      context: { ...service, symbol: sym, timeframe: tf, mode: req.mode },
    });
    await pause(ctx.opts.pace * 200);
    if (req.mode === "local") {
      if (!cachedBefore) {
        throw new Error(
          `No cached data for ${sym} ${tf}: mode 'local' only reads the local cache. Load it from the data source with mode 'tail' (recent data) or 'full'.`,
        );
      }
      // As upstream: a local load "fetches" the cached bars in one segment without any IB request.
      done(0);
      return { ...summary(existing.length, cachedBefore, fileName, 1, 1, t0), ib_requests_made: 0 };
    }
    const first = cachedBefore ? existing[0]!.t : null;
    const last = cachedBefore ? existing[existing.length - 1]!.t : null;
    const gaps = plannedGaps(req, first, last, nowMs);
    // A gap the market was closed for (weekend, holiday, night) needs no request.
    const open = gaps.filter(([a, b]) => barSpans(req.symbol, req.timeframe, a, b, nowMs).length > 0);
    const segments = segmentsOf(open, req.timeframe.segmentDays * DAY);
    const n = segments.length;
    if (n === 0) {
      done(0, { symbol: sym, timeframe: tf, mode: req.mode });
      return summary(0, cachedBefore, fileName, gaps.length, 0, t0);
    }
    ctx.ops.progress(op, { current_step: `Fetch ${n} segments from IB`, steps_total: n, items_total: null });
    let fetched = 0;
    let saved = 0;
    for (let i = 0; i < n; i++) {
      if (op.abort.signal.aborted) throw new CancelledError();
      const [a, b] = segments[i]!;
      const detail = `Segment ${i + 1}/${n}: ${isoNaive(a)} to ${isoNaive(b)}`;
      ctx.ops.progress(op, {
        current_step: `Fetch ${n} segments from IB`,
        percentage: round((i / n) * 100, 2),
        current_item: detail,
        context: {
          ...service,
          symbol: sym,
          timeframe: tf,
          mode: req.mode,
          step_current: i + 1,
          step_total: n,
          step_detail: detail,
          step_progress: `${i + 1}/${n}`,
        },
      });
      await pause(ctx.opts.pace * 250);
      if (op.abort.signal.aborted) throw new CancelledError();
      const bars = generateBars(req.symbol, req.timeframe, a, b, nowMs);
      fetched += bars.length;
      saved += ctx.cache.merge(sym, tf, bars);
      ctx.ops.progress(op, { percentage: round(((i + 1) / n) * 100, 2), steps_completed: i + 1, items_processed: saved });
    }
    done(saved, { ...op.progress.context });
    return summary(fetched, cachedBefore, fileName, gaps.length, n, t0);
  })();
}

function summary(fetched: number, cachedBefore: boolean, mergedFile: string, gaps: number, segments: number, t0: number): JsonObject {
  return {
    status: "success",
    fetched_bars: fetched,
    cached_before: cachedBefore,
    merged_file: mergedFile,
    gaps_analyzed: gaps,
    segments_fetched: segments,
    ib_requests_made: segments,
    execution_time_seconds: round((performance.now() - t0) / 1000, 3),
  };
}
