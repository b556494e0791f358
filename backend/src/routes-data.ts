// Data endpoints: load (v2025) / acquire/download (v2026), cached bars, range, discovery, health.
import type { Ctx } from "./context.ts";
import { LOAD_MODES, runDataLoad } from "./data-load.ts";
import type { LoadMode, LoadRequest } from "./data-load.ts";
import { SYMBOLS, TIMEFRAMES, TIMEFRAME_IDS, findSymbol, findTimeframe } from "./market-data.ts";
import { indicatorCatalogue } from "./indicators.ts";
import { isObject } from "./router.ts";
import type { Router } from "./router.ts";
import { isoNaive, parseDate } from "./util.ts";
import type { JsonObject } from "./util.ts";
import { BodyCheck, QueryCheck, bodyObject, isReply } from "./validation.ts";
import { detail, envelope, json, validationError } from "./wire.ts";
import type { Reply } from "./wire.ts";

export const BACKEND_VERSION = { v2025: "1.0.7.2", v2026: "0.0.0.dev" } as const;

export function registerDataRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;

  /** Shared body parsing of /data/load and /data/acquire/download. */
  const parseLoad = (body: JsonObject): LoadRequest | Reply => {
    const check = new BodyCheck(body);
    const symbol = check.str("symbol", true);
    const timeframe = check.enumOf("timeframe", TIMEFRAME_IDS, "1h");
    const mode = check.enumOf<LoadMode>("mode", LOAD_MODES, "local", false, true);
    const start = check.date("start_date");
    const end = check.date("end_date");
    const filters = check.object("filters");
    if (start && end && start[1] > end[1]) {
      check.issues.push({
        type: "value_error",
        loc: ["body"],
        msg: "Value error, start_date must be before end_date",
        input: body,
        ctx: { error: {} },
      });
    }
    if (check.issues.length) return validationError(v, check.issues);
    const info = findSymbol(symbol!);
    if (!info) {
      if (v === "v2026") return detail(500, `Failed to start data download: Invalid symbol '${symbol}': not found in data source`);
      return envelope(400, "DATA-InvalidSymbol", `Invalid symbol: ${symbol}`, {
        symbol: symbol!,
        reason: "Symbol not found in data source",
      });
    }
    return {
      symbol: info,
      timeframe: findTimeframe(timeframe!)!,
      mode: mode!,
      startMs: start?.[1] ?? null,
      endMs: end?.[1] ?? null,
      filters,
    };
  };

  const startLoad = (req: LoadRequest) => {
    const startIso = req.startMs === null ? null : new Date(req.startMs).toISOString();
    const endIso = req.endMs === null ? null : new Date(req.endMs).toISOString();
    // What the operation record shows: v2025's data service registers the load generically
    // ("N/A" everywhere); v2026's acquisition service names symbol, timeframe and mode.
    const op =
      v === "v2025"
        ? ctx.ops.create("data_load", {
            symbol: "N/A",
            timeframe: "N/A",
            mode: "N/A",
            parameters: { operation_name: "data_load", service_name: "Data/IB" },
          })
        : ctx.ops.create("data_load", {
            symbol: req.symbol.symbol,
            timeframe: req.timeframe.id,
            mode: req.mode,
            start_date: startIso,
            end_date: endIso,
            parameters: {
              service_name: "Data/Acquisition",
              operation_name: `Download ${req.symbol.symbol} ${req.timeframe.id} (${req.mode} mode)`,
            },
          });
    op.rerun = () => (o) => runDataLoad(ctx, o, req);
    ctx.ops.run(op, op.rerun());
    return op;
  };

  /** Both versions' download routes take the same body: validate it and start the operation. */
  const acceptLoad = (req: Parameters<typeof bodyObject>[0]) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const parsed = parseLoad(body);
    if (isReply(parsed)) return parsed;
    return { op: startLoad(parsed), parsed };
  };

  if (v === "v2025") {
    router.add("POST", "/data/load", (req) => {
      const started = acceptLoad(req);
      if (isReply(started)) return started;
      const { op } = started;
      return json(200, {
        success: true,
        error: null,
        data: {
          status: "started",
          operation_id: op.id,
          fetched_bars: 0,
          cached_before: false,
          merged_file: "",
          gaps_analyzed: 0,
          segments_fetched: 0,
          ib_requests_made: 0,
          execution_time_seconds: 0.0,
          error_message: null,
        },
      });
    });
  } else {
    router.add("POST", "/data/acquire/download", (req) => {
      if (ctx.quirks.has("v2026-no-local-mode") && isObject(req.body) && req.body.mode === "local") {
        return detail(500, "Data acquisition failed: Invalid mode: local. Must be 'tail', 'backfill', or 'full'");
      }
      const started = acceptLoad(req);
      if (isReply(started)) return started;
      const { op, parsed } = started;
      return json(200, {
        success: true,
        operation_id: op.id,
        status: "started",
        message: `Started ${parsed.mode} download for ${parsed.symbol.symbol} ${parsed.timeframe.id}`,
      });
    });
  }

  router.add("GET", "/data/info", () => {
    const cached = ctx.cache.listCached();
    const symbols = [...new Set(cached.map((c) => c.symbol))];
    const reprs = ctx.quirks.has("data-info-python-reprs");
    const repr = (o: JsonObject): string =>
      `{${Object.entries(o)
        .map(([k, v]) => `'${k}': ${Array.isArray(v) ? `[${v.map((x) => `'${String(x)}'`).join(", ")}]` : `'${String(v)}'`}`)
        .join(", ")}}`;
    const symbolInfo = (symbol: string): JsonObject => {
      const tfs = cached.filter((c) => c.symbol === symbol).map((c) => c.timeframe);
      const bars = tfs.flatMap((tf) => {
        const b = ctx.cache.read(symbol, tf);
        return b.length ? [b[0]!.t, b[b.length - 1]!.t] : [];
      });
      const info = findSymbol(symbol);
      const day = (ms: number) => `${isoNaive(ms).slice(0, 10)}T00:00:00+00:00`;
      return {
        symbol,
        name: reprs ? symbol : (info?.name ?? symbol),
        type: reprs ? "unknown" : (info?.type ?? "unknown"),
        exchange: reprs ? "unknown" : (info?.exchange ?? "unknown"),
        currency: reprs ? "unknown" : (info?.currency ?? "unknown"),
        available_timeframes: tfs,
        start_date: bars.length ? day(Math.min(...bars)) : null,
        end_date: bars.length ? day(Math.max(...bars)) : null,
      };
    };
    const rows = symbols.map(symbolInfo);
    const types: Record<string, number> = {};
    for (const r of rows) types[String(r.type)] = (types[String(r.type)] ?? 0) + 1;
    const timeframes = TIMEFRAMES.map((t) => ({ id: t.id, name: t.name, description: t.description }));
    return json(200, {
      success: true,
      data: {
        data_directory: ctx.cache.dir,
        total_symbols: symbols.length,
        available_symbols: reprs ? rows.map(repr) : rows,
        symbol_types: types,
        timeframes_available: reprs ? timeframes.map(repr) : timeframes,
        total_timeframes: timeframes.length,
        data_sources: ["local_files", "ib_gateway"],
        features: ["symbol_discovery", "data_validation", "gap_filling", "real_time_updates"],
      },
      error: null,
    });
  });

  router.add("POST", "/data/range", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const symbol = check.str("symbol", true);
    const timeframe = check.str("timeframe", true);
    if (check.issues.length) return validationError(v, check.issues);
    const s = findSymbol(symbol!)?.symbol ?? symbol!;
    const bars = ctx.cache.read(s, timeframe!);
    if (bars.length === 0)
      return envelope(404, "DATA-NotFound", `Data not found for ${symbol} (${timeframe})`, { symbol: symbol!, timeframe: timeframe! });
    const first = bars[0]!.t;
    const last = bars[bars.length - 1]!.t;
    // range-point-count-hours: upstream counts the calendar periods between the first and the last
    // bar (hours for 1h: 17,502 for 3,654 cached bars), not the bars.
    const periodMs = (findTimeframe(timeframe!)?.seconds ?? 3600) * 1000;
    const pointCount = ctx.quirks.has("range-point-count-hours") ? Math.floor((last - first) / periodMs) + 1 : bars.length;
    return json(200, {
      success: true,
      data: { symbol: s, timeframe, start_date: isoNaive(first), end_date: isoNaive(last), point_count: pointCount },
    });
  });

  router.add("GET", "/data/{symbol}/{timeframe}", (req, p) => {
    const check = new QueryCheck(req.query);
    const startRaw = check.str("start_date");
    const endRaw = check.str("end_date");
    check.bool("trading_hours_only", false);
    check.bool("include_extended", false);
    const limit = v === "v2026" ? check.int("limit", undefined, 1, 100000) : undefined;
    if (check.issues.length) return validationError(v, check.issues);
    const parse = (raw: string | undefined): number | null | Reply => {
      if (raw === undefined || raw === "") return null;
      const ms = parseDate(raw);
      if (ms === null)
        return envelope(400, "DATA-InvalidDate", `Invalid date format: ${raw}`, { date: raw, expected: "ISO 8601 or YYYY-MM-DD" });
      return ms;
    };
    const start = parse(startRaw);
    if (isReply(start)) return start;
    const end = parse(endRaw);
    if (isReply(end)) return end;
    const symbol = findSymbol(p.symbol!)?.symbol ?? p.symbol!;
    const tf = p.timeframe!;
    if (!findTimeframe(tf)) {
      return envelope(400, "DATA-InvalidTimeframe", `Invalid timeframe: ${tf}`, { timeframe: tf, valid_timeframes: TIMEFRAME_IDS });
    }
    let bars = ctx.cache.range(symbol, tf, start, end);
    if (limit !== undefined) bars = bars.slice(-limit);
    if (bars.length === 0) {
      return json(200, {
        success: true,
        error: null,
        data: { dates: [], ohlcv: [], points: null, metadata: { symbol, timeframe: tf, start: "", end: "", points: 0 } },
      });
    }
    return json(200, {
      success: true,
      error: null,
      data: {
        dates: bars.map((b) => isoNaive(b.t)),
        ohlcv: bars.map((b) => [b.o, b.h, b.l, b.c, b.v]),
        points: null,
        metadata: {
          symbol,
          timeframe: tf,
          start_date: `${isoNaive(bars[0]!.t)}+00:00`,
          end_date: `${isoNaive(bars[bars.length - 1]!.t)}+00:00`,
          point_count: bars.length,
        },
      },
    });
  });

  router.add("GET", "/symbols", () =>
    json(200, {
      success: true,
      data: SYMBOLS.map((s) => ({
        symbol: s.symbol,
        name: s.name,
        type: s.type,
        exchange: s.exchange,
        currency: s.currency,
        available_timeframes: TIMEFRAME_IDS,
        trading_hours:
          s.type === "stock"
            ? {
                timezone: "America/New_York",
                regular_hours: { start: "09:30", end: "16:00", name: "Regular Trading Hours" },
                extended_hours: [],
                trading_days: [0, 1, 2, 3, 4],
              }
            : null,
      })),
      error: null,
    }),
  );

  router.add("GET", "/timeframes", () =>
    json(200, { success: true, data: TIMEFRAMES.map((t) => ({ id: t.id, name: t.name, description: t.description })), error: null }),
  );

  router.add("GET", "/indicators/", () => json(200, { success: true, data: indicatorCatalogue() }));

  router.add("GET", "/health", () => {
    if (v === "v2025") return json(200, { status: "ok", version: BACKEND_VERSION.v2025 });
    return json(200, { status: "ok", version: BACKEND_VERSION.v2026, orphan_detector: ctx.orphans.status() });
  });
}
