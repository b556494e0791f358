// Data modes (local/tail/backfill/full), the generator's calendars and determinism, no-results flag.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, loadData, startTestBackend } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";
import { findSymbol, findTimeframe, generateBars } from "../src/market-data.ts";

let b: TestBackend;
const api = (method: string, path: string, body?: unknown) => call(b.url, method, path, body);
const range = async (symbol: string, tf: string) => (await api("POST", "/data/range", { symbol, timeframe: tf })).body.data;

beforeAll(async () => {
  b = await startTestBackend({ wire: "v2025", quirks: "none" });
});
afterAll(() => b.close());

describe("load modes", () => {
  it("local on an empty cache fails; it never fetches", async () => {
    const op = await loadData(b.url, "v2025", { symbol: "MSFT", timeframe: "1d", mode: "local" });
    expect(op.status).toBe("failed");
    expect(op.error_message).toMatch(/mode 'tail'/);
  });
  it("tail with explicit dates fetches that range; tail again is up to date; backfill extends backwards; full fills both ends", async () => {
    const first = await loadData(b.url, "v2025", {
      symbol: "MSFT",
      timeframe: "1d",
      mode: "tail",
      start_date: "2024-01-01",
      end_date: "2024-06-30",
    });
    expect(first.result_summary).toMatchObject({
      status: "success",
      cached_before: false,
      gaps_analyzed: 1,
      segments_fetched: 1,
      ib_requests_made: 1,
    });
    let r = await range("MSFT", "1d");
    expect(r.start_date).toBe("2024-01-02T00:00:00"); // Jan 1 is a holiday
    expect(r.end_date).toBe("2024-06-28T00:00:00"); // last weekday before the end
    const n1 = r.point_count;
    expect(n1).toBe(first.result_summary.fetched_bars);

    const same = await loadData(b.url, "v2025", { symbol: "MSFT", timeframe: "1d", mode: "tail", end_date: "2024-06-30" });
    expect(same.result_summary).toMatchObject({ fetched_bars: 0, cached_before: true, segments_fetched: 0 });

    const back = await loadData(b.url, "v2025", { symbol: "MSFT", timeframe: "1d", mode: "backfill", start_date: "2023-01-01" });
    expect(back.result_summary.cached_before).toBe(true);
    r = await range("MSFT", "1d");
    expect(r.start_date).toBe("2023-01-02T00:00:00"); // first weekday of 2023 (observed holidays are not modelled)
    expect(r.end_date).toBe("2024-06-28T00:00:00"); // backfill does not touch the end
    const n2 = r.point_count;
    expect(n2).toBe(n1 + back.result_summary.fetched_bars);

    const tail = await loadData(b.url, "v2025", { symbol: "MSFT", timeframe: "1d", mode: "tail", end_date: "2025-01-01" });
    r = await range("MSFT", "1d");
    expect(r.end_date).toBe("2024-12-31T00:00:00");
    expect(r.start_date).toBe("2023-01-02T00:00:00"); // first weekday of 2023 (observed holidays are not modelled)
    expect(r.point_count).toBe(n2 + tail.result_summary.fetched_bars);

    const full = await loadData(b.url, "v2025", {
      symbol: "MSFT",
      timeframe: "1d",
      mode: "full",
      start_date: "2022-06-01",
      end_date: "2025-03-01",
    });
    expect(full.result_summary.gaps_analyzed).toBe(2);
    r = await range("MSFT", "1d");
    expect(r.start_date).toBe("2022-06-01T00:00:00");
    expect(r.end_date).toBe("2025-02-28T00:00:00");

    // As recorded (v2025/011): a local load "fetches" the cached bars in one segment, no IB request.
    const local = await loadData(b.url, "v2025", { symbol: "MSFT", timeframe: "1d", mode: "local" });
    expect(local.status).toBe("completed");
    expect(local.result_summary).toMatchObject({
      fetched_bars: r.point_count,
      cached_before: true,
      gaps_analyzed: 1,
      segments_fetched: 1,
      ib_requests_made: 0,
    });
  });
  it("overlapping loads agree bar for bar (deterministic per symbol)", async () => {
    const a = (await api("GET", "/data/MSFT/1d?start_date=2024-03-01&end_date=2024-03-31")).body.data;
    const bars = generateBars(
      findSymbol("MSFT")!,
      findTimeframe("1d")!,
      Date.parse("2024-03-01T00:00:00Z"),
      Date.parse("2024-04-01T00:00:00Z"),
      Date.now(),
    );
    expect(a.ohlcv).toEqual(bars.map((x) => [x.o, x.h, x.l, x.c, x.v]));
    const other = generateBars(
      findSymbol("AAPL")!,
      findTimeframe("1d")!,
      Date.parse("2024-03-01T00:00:00Z"),
      Date.parse("2024-04-01T00:00:00Z"),
      Date.now(),
    );
    expect(other.map((x) => x.c)).not.toEqual(bars.map((x) => x.c));
  });
  it("1h segments are ~30 days, as IB's limits", async () => {
    const op = await loadData(b.url, "v2025", {
      symbol: "GOOGL",
      timeframe: "1h",
      mode: "tail",
      start_date: "2024-01-01",
      end_date: "2024-12-31",
    });
    expect(op.result_summary.segments_fetched).toBe(13);
    expect(op.progress.context.step_detail).toMatch(/^Segment 13\/13: 2024-12-\d\dT00:00:00 to 2024-12-31T00:00:00$/);
  });
});

describe("market data generator", () => {
  const now = Date.now();
  it("stock intraday bars only inside regular trading hours, weekdays", () => {
    const bars = generateBars(
      findSymbol("AAPL")!,
      findTimeframe("1h")!,
      Date.parse("2024-07-01T00:00:00Z"),
      Date.parse("2024-07-15T00:00:00Z"),
      now,
    );
    expect(bars.length).toBe(9 * 7); // 10 weekdays minus July 4th, 7 bars a day
    for (const x of bars) {
      const d = new Date(x.t);
      expect([1, 2, 3, 4, 5]).toContain(d.getUTCDay());
      const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
      expect(minutes).toBeGreaterThanOrEqual(13 * 60 + 30); // 09:30 EDT
      expect(minutes).toBeLessThan(20 * 60); // 16:00 EDT
    }
  });
  it("daily bars skip weekends; FX trades 24/5", () => {
    const d = generateBars(
      findSymbol("EURUSD")!,
      findTimeframe("1d")!,
      Date.parse("2024-03-01T00:00:00Z"),
      Date.parse("2024-04-01T00:00:00Z"),
      now,
    );
    expect(d.every((x) => ![0, 6].includes(new Date(x.t).getUTCDay()))).toBe(true);
    const h = generateBars(
      findSymbol("EURUSD")!,
      findTimeframe("1h")!,
      Date.parse("2024-03-04T00:00:00Z"),
      Date.parse("2024-03-11T00:00:00Z"),
      now,
    );
    expect(h.length).toBe(24 * 5); // Mon 00:00 .. Fri 22:00, plus Sun 22:00-24:00
    expect(h.some((x) => new Date(x.t).getUTCDay() === 6)).toBe(false);
  });
  it("no bars in the future", () => {
    const bars = generateBars(findSymbol("EURUSD")!, findTimeframe("1h")!, now - 5 * 86400_000, now + 5 * 86400_000, now);
    expect(bars.every((x) => x.t + 3600_000 <= now)).toBe(true);
  });
});

describe("--no-results-endpoints", () => {
  it("/results and /metrics answer FastAPI's 404 Not Found; the summary stays in OperationInfo", async () => {
    const early = await startTestBackend({ wire: "v2025", resultsEndpoints: false, dataDir: b.dataDir });
    try {
      const op = await loadData(early.url, "v2025", { symbol: "MSFT", timeframe: "1d", mode: "local" });
      expect(op.status).toBe("completed");
      expect(op.result_summary.status).toBe("success");
      expect(await call(early.url, "GET", `/operations/${op.operation_id}/results`)).toMatchObject({
        status: 404,
        body: { detail: "Not Found" },
      });
      expect(await call(early.url, "GET", `/operations/${op.operation_id}/metrics`)).toMatchObject({
        status: 404,
        body: { detail: "Not Found" },
      });
    } finally {
      await early.close();
    }
  });
});

describe("path safety", () => {
  it("symbols with separators never reach the file system", async () => {
    const r = await call(b.url, "GET", `/data/${encodeURIComponent("../cache/MSFT_1d")}/1d`);
    expect(r.status).toBe(200);
    expect(r.body.data.dates).toEqual([]);
    const range = await call(b.url, "POST", "/data/range", { symbol: "../cache/MSFT", timeframe: "1d" });
    expect(range.status).toBe(404);
  });
});
