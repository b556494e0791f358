// Gap analysis (/gap-analysis/...) and indicator calculation (POST /indicators/calculate), both wires.
// Gaps are real: the bars the market calendar expects in the range that the cache does not hold. As
// recorded, upstream cannot analyse a symbol it has data for (gap-analysis-tz-500: 500s, and the
// batch lists "Cannot localize tz-aware Timestamp" per symbol); an unknown symbol gets zero gaps.
// v2026 knows none of the indicator ids tried (v2026-indicator-ids-unknown), after a data check.
import type { Ctx } from "./context.ts";
import { findIndicator, rsi } from "./indicators.ts";
import { barSpans, findSymbol, findTimeframe, TIMEFRAME_IDS } from "./market-data.ts";
import type { Router } from "./router.ts";
import { isoMicros, isoNaive, nowMicros, parseDate, round } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply, missing, QueryCheck } from "./validation.ts";
import { json, validationError } from "./wire.ts";
import type { Reply, ValidationIssue } from "./wire.ts";

const SUPPORTED = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"];
const TZ_ERROR = "Cannot localize tz-aware Timestamp, use tz_convert for conversions";
const HOUR = 3_600_000;

interface Gap {
  start_time: string;
  end_time: string;
  missing_bars: number;
  duration_hours: number;
  classification: "critical" | "major" | "minor";
}

/** The gaps of the cached bars in [start, end): runs of expected bars the cache lacks. */
function analyse(ctx: Ctx, symbol: string, timeframe: string, start: number, end: number): JsonObject {
  const info = findSymbol(symbol);
  const tf = findTimeframe(timeframe);
  const rangeHours = (end - start) / HOUR;
  const empty = {
    total_gaps: 0,
    critical_gaps: 0,
    major_gaps: 0,
    minor_gaps: 0,
    total_missing_hours: rangeHours,
    coverage_percentage: 0,
    data_quality_score: 0,
  };
  if (!info || !tf) return { symbol, timeframe, analysis_mode: "normal", summary: empty, gaps: [] };
  const have = new Set(ctx.cache.range(info.symbol, tf.id, start, end).map((b) => b.t));
  const expected = barSpans(info, tf, start, end, Date.now());
  const gaps: Gap[] = [];
  let run: typeof expected = [];
  const close = () => {
    if (!run.length) return;
    const hours = round((run[run.length - 1]!.close - run[0]!.t) / HOUR, 2);
    gaps.push({
      start_time: isoNaive(run[0]!.t),
      end_time: isoNaive(run[run.length - 1]!.close),
      missing_bars: run.length,
      duration_hours: hours,
      classification: hours >= 24 ? "critical" : hours >= 4 ? "major" : "minor",
    });
    run = [];
  };
  for (const span of expected) {
    if (have.has(span.t)) close();
    else run.push(span);
  }
  close();
  const missingBars = gaps.reduce((a, g) => a + g.missing_bars, 0);
  const coverage = expected.length ? round(((expected.length - missingBars) / expected.length) * 100, 2) : 0;
  return {
    symbol: info.symbol,
    timeframe: tf.id,
    analysis_mode: "normal",
    summary: {
      total_gaps: gaps.length,
      critical_gaps: gaps.filter((g) => g.classification === "critical").length,
      major_gaps: gaps.filter((g) => g.classification === "major").length,
      minor_gaps: gaps.filter((g) => g.classification === "minor").length,
      total_missing_hours: round(
        gaps.reduce((a, g) => a + g.duration_hours, 0),
        2,
      ),
      coverage_percentage: coverage,
      data_quality_score: coverage,
    },
    gaps: gaps as unknown as Json[],
  };
}

function hasData(ctx: Ctx, symbol: string, timeframe: string): boolean {
  const s = findSymbol(symbol)?.symbol;
  return s !== undefined && ctx.cache.read(s, timeframe).length > 0;
}

function registerGapRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  const broken = () => ctx.quirks.has("gap-analysis-tz-500");

  router.add("GET", "/gap-analysis/health", () =>
    json(200, {
      success: true,
      data: {
        status: "healthy",
        service: "gap_analysis",
        data_directory: "data",
        gap_classifier_symbols: 0,
        supported_timeframes: SUPPORTED,
        version: "1.0.0",
      },
      error: null,
    }),
  );

  const range = (query: URLSearchParams): [number, number] | Reply => {
    const check = new QueryCheck(query);
    const issues: ValidationIssue[] = [];
    const start = check.str("start_date");
    const end = check.str("end_date");
    if (start === undefined) issues.push(missing(["query", "start_date"], null));
    if (end === undefined) issues.push(missing(["query", "end_date"], null));
    check.str("mode");
    check.bool("include_expected", false);
    if (issues.length || check.issues.length) return validationError(v, [...issues, ...check.issues]);
    const s = parseDate(start!);
    const e = parseDate(end!);
    if (s === null || e === null) return json(400, { detail: `Invalid date range: ${start} to ${end}` });
    return [s, e];
  };

  for (const [route, failure] of [
    ["summary", "Internal server error"],
    ["gaps", "Internal server error during gap analysis"],
  ] as const) {
    router.add("GET", `/gap-analysis/data/{symbol}/{timeframe}/${route}`, (req, p) => {
      const r = range(req.query);
      if (isReply(r)) return r;
      if (broken() && hasData(ctx, p.symbol!, p.timeframe!)) return json(500, { detail: failure });
      return json(200, { success: true, data: analyse(ctx, p.symbol!, p.timeframe!, r[0], r[1]), error: null });
    });
  }

  router.add("POST", "/gap-analysis/data/batch", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const symbols = check.strList("symbols", true, true);
    const timeframe = check.str("timeframe", true);
    const start = check.date("start_date");
    const end = check.date("end_date");
    if (body.start_date === undefined) check.issues.push(missing(["body", "start_date"], body));
    if (body.end_date === undefined) check.issues.push(missing(["body", "end_date"], body));
    const mode = check.str("mode", false) ?? "quick";
    if (check.issues.length) return validationError(v, check.issues);
    const results: JsonObject = {};
    const errors: JsonObject[] = [];
    for (const symbol of symbols!) {
      if (broken() && hasData(ctx, symbol, timeframe!)) errors.push({ symbol, error: TZ_ERROR });
      else results[symbol] = analyse(ctx, symbol, timeframe!, start![1], end![1]);
    }
    return json(200, {
      success: true,
      data: {
        success: true,
        timeframe: timeframe!,
        start_date: start![0],
        end_date: end![0],
        results,
        overall_summary: {
          symbols_requested: symbols!.length,
          symbols_successful: Object.keys(results).length,
          symbols_failed: errors.length,
          mode,
          errors,
        },
        generated_at: isoMicros(nowMicros()).slice(0, -1),
      },
      error: null,
    });
  });
}

/** The wire's error for an indicator id this backend cannot compute. */
function unknownIndicator(id: string): Reply {
  return json(400, {
    detail: {
      success: false,
      error: {
        code: "CONFIG-UnknownIndicator",
        message: `[CONFIG-UnknownIndicator] Unknown indicator: ${id}`,
        details: { indicator_id: id },
      },
    },
  });
}

function calculationFailed(message: string): Reply {
  return json(500, {
    detail: {
      success: false,
      error: { code: "PROC-CalculationFailed", message: "Failed to calculate indicators", details: { error: message } },
    },
  });
}

/** The indicator for an upstream id (`RSIIndicator`, `RSI`, `rsi`). */
function indicatorFor(id: string) {
  return findIndicator(id.replace(/Indicator$/, ""));
}

function registerCalculateRoute(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  router.add("POST", "/indicators/calculate", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const symbol = check.str("symbol", true);
    const timeframe = check.str("timeframe", true);
    const start = check.date("start_date");
    const end = check.date("end_date");
    const q = new QueryCheck(req.query);
    const page = q.int("page", 1, 1, 1_000_000)!;
    const pageSize = q.int("page_size", 1000, 1, 10_000)!;
    const list = Array.isArray(body.indicators) ? (body.indicators as JsonObject[]) : null;
    if (!list) check.issues.push(missing(["body", "indicators"], body));
    if (check.issues.length || q.issues.length) return validationError(v, [...check.issues, ...q.issues]);
    if (!TIMEFRAME_IDS.includes(timeframe!)) return json(400, { detail: `Invalid timeframe: ${timeframe}` });
    const sym = findSymbol(symbol!)?.symbol ?? symbol!;
    const bars = ctx.cache.range(sym, timeframe!, start?.[1] ?? null, end?.[1] ?? null);
    const specs = list!.map((i) => ({ id: String(i.id ?? ""), params: (i.parameters ?? {}) as Record<string, number> }));
    const unknownAll = v === "v2026" && ctx.quirks.has("v2026-indicator-ids-unknown");
    const columns: JsonObject = {};
    for (const s of specs) {
      const spec = indicatorFor(s.id);
      const period = Number(s.params.period ?? 14);
      // The data check comes first (v2026 reports too few points before it looks the id up).
      if ((spec || unknownAll) && bars.length <= period) {
        const msg = `Insufficient data: ${bars.length} points available, ${period + 1} required`;
        return calculationFailed(v === "v2026" ? msg : `Failed to compute indicator ${s.id}: ${msg}`);
      }
      if (!spec || unknownAll) return unknownIndicator(s.id);
      const values =
        spec.name === "rsi"
          ? rsi(
              Float64Array.from(bars, (b) => b.c),
              period,
            )
          : spec.feature(bars, s.params);
      columns[`${spec.name}_${period}`] = Array.from(values, (x) => (Number.isFinite(x) ? round(x, 6) : 0));
    }
    const total = bars.length;
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const from = (page - 1) * pageSize;
    const slice = <T>(xs: T[]) => xs.slice(from, from + pageSize);
    const fmt = (t: number) => isoNaive(t).replace("T", " ");
    return json(200, {
      success: true,
      dates: slice(bars.map((b) => fmt(b.t))),
      indicators: Object.fromEntries(Object.entries(columns).map(([k, xs]) => [k, slice(xs as Json[])])),
      metadata: {
        symbol: sym,
        timeframe: timeframe!,
        start_date: total ? fmt(bars[0]!.t) : null,
        end_date: total ? fmt(bars[total - 1]!.t) : null,
        points: total,
        total_items: total,
        total_pages: pages,
        current_page: page,
        page_size: pageSize,
        has_next: page < pages,
        has_prev: page > 1,
      },
    });
  });
}

export function registerAnalysisRoutes(router: Router, ctx: Ctx): void {
  registerGapRoutes(router, ctx);
  registerCalculateRoute(router, ctx);
}
