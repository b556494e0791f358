/**
 * Phase 2 details, read from the lifecycle recordings (test/fixtures/real-ktrdr/lifecycle-v2025,
 * lifecycle-v2026, FACTS-lifecycle.md) without a new tool: a backtest's trades and equity under
 * get_operation_results(detail "full"), a training's epoch history wherever KTRDR keeps it
 * (get_operation_metrics), the gaps of cached data (get_data_summary) and strategy validation by
 * name (get_available_strategies(name)). Each scenario uses exchanges of one recorded moment; each
 * test failed on the server before these details (it asked elsewhere, or said less).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import type { WireVersionSetting } from "../../src/config";
import { runTool, type ToolOutcome } from "../../src/tools/run";
import { TRADE_CELL_MAX_CHARS, TRADES_MAX_ROWS, tradesView } from "../../src/tools/views";
import { countTokens } from "../../scripts/tokens.mjs";
import { config, expectErr, expectOk, quietConsole, tool } from "./helpers";
import { type Exchange, pick, RECORDED_NOW, Replay, type ReplayOptions } from "./replay";

quietConsole();

interface Run {
  replay: Replay;
  run: (name: string, args?: Record<string, unknown>) => Promise<ToolOutcome>;
}

/** Runs tools against recorded exchanges (answers checked against the tool's output schema). */
function recorded(exchanges: Exchange[], wireVersion: WireVersionSetting, opts: ReplayOptions = {}): Run {
  const replay = new Replay(exchanges, opts);
  const cfg = config({ baseUrl: replay.base, wireVersion });
  const run = async (name: string, args: Record<string, unknown> = {}) => {
    const def = tool(name);
    const parsed = z.object(def.input).parse(args) as Record<string, unknown>;
    const outcome = await runTool(def, parsed, {
      auth: LOCAL_CONTEXT,
      backend: cfg,
      signal: new AbortController().signal,
      requestId: "details",
      fetch: replay.fetch,
      now: () => RECORDED_NOW,
    });
    if (replay.unmatched.length > 0 && opts.unrecorded !== "fastapi-404")
      throw new Error(`${name} asked for unrecorded exchanges: ${JSON.stringify(replay.unmatched)}`);
    if (outcome.ok) {
      const check = z.object(def.output).safeParse(outcome.value);
      if (!check.success) throw new Error(`${name} output does not match its outputSchema: ${check.error.message}`);
    }
    return outcome;
  };
  return { replay, run };
}

const L25 = (...p: string[]) => pick("lifecycle-v2025", ...p);
const L26 = (...p: string[]) => pick("lifecycle-v2026", ...p);
const paths = (r: Run) => r.replay.served.map((s) => `${s.method} ${s.path.replace(/\?.*/, "")}`);

/** An exchange with its body changed: for a shape the recordings do not hold, said where used. */
function altered(e: Exchange, body: unknown, note: string): Exchange {
  return { ...e, file: `${e.file} (${note})`, body };
}

const BACKTEST_V2025 = "op_backtesting_20261206_000849_1f96396e"; // L25/004-018: 6 months EURUSD 1h, completed, no trades
const BACKTEST_V2026 = "op_backtesting_20261206_001017_45d3a5bb"; // L26/1250: research child, 3 trades, 860 equity points
const SLOW = "op_training_20261206_000619_04fd49dc"; // L26/006-048: cancelled at epoch 43, resumed, checkpoint at 214
const FAST = "op_training_20261206_000852_9e3e82e7"; // L26/460-462: 3 epochs, completed

// ---- 25. trades and equity -----------------------------------------------------------------------

describe("25. a backtest's trades and equity curve under detail full", () => {
  it("v2025: the trades and the curve from the results (L25/014), as a table with its count; nothing else asked", async () => {
    const r = recorded(L25("009", "014"), "v2025");
    const v = expectOk(await r.run("get_operation_results", { operation_id: BACKTEST_V2025, detail: "full" }));
    // KTRDR traded nothing in this backtest: an empty list is "no trades", not unknown.
    expect(v.trades).toEqual({ count: 0 });
    const equity = (v.series as { equity: { points: unknown[][]; of: number } }).equity;
    // The shared copy keeps 40 of the 860 points (FACTS-lifecycle.md: arrays cut to first and last 20).
    expect(equity.of).toBe(40);
    expect(v.series_note).toBeUndefined();
    // The lists are not repeated in the results as sent.
    expect(v.results).not.toHaveProperty("trades");
    expect(v.results).not.toHaveProperty("equity_curve");
    expect(paths(r)).toEqual([`GET /operations/${BACKTEST_V2025}/results`]);
  });

  it("concise results stay as they were: no trades, no curve", async () => {
    const v = expectOk(await recorded(L25("014"), "v2025").run("get_operation_results", { operation_id: BACKTEST_V2025 }));
    expect(v).not.toHaveProperty("trades");
    expect(v).not.toHaveProperty("series");
    expect(v.results).toMatchObject({ total_trades: 0, initial_capital: 100000 });
  });

  it("v2025 without the trades in its summary: asks /backtests/{id}/trades (L25/012)", async () => {
    const sent = L25("014")[0]!;
    const { trades: _t, ...summary } = (sent.body as { results: Record<string, unknown> }).results;
    // A summary without the key (the recorded ones all carry it): the route v2025 keeps beside it answers.
    const r = recorded([altered(sent, { ...(sent.body as object), results: summary }, "results without trades"), ...L25("012")], "v2025");
    const v = expectOk(await r.run("get_operation_results", { operation_id: BACKTEST_V2025, detail: "full" }));
    expect(v.trades).toEqual({ count: 0 });
    expect(paths(r)).toEqual([`GET /operations/${BACKTEST_V2025}/results`, `GET /backtests/${BACKTEST_V2025}/trades`]);
  });

  it("v2025, and that route fails (its 404 'not completed yet', L25/007): said in one line, the rest still given", async () => {
    const sent = L25("014")[0]!;
    const { trades: _t, ...summary } = (sent.body as { results: Record<string, unknown> }).results;
    const r = recorded([altered(sent, { ...(sent.body as object), results: summary }, "results without trades"), ...L25("007")], "v2025");
    const v = expectOk(await r.run("get_operation_results", { operation_id: BACKTEST_V2025, detail: "full" }));
    expect(v).not.toHaveProperty("trades");
    expect(v.series_note).toMatch(/^KTRDR did not return this backtest's trades \(its backtest route failed\)/);
    expect(v.series).toBeDefined();
  });

  it("v2026 keeps only the counts (L26/1250): one line, and nothing more is asked", async () => {
    // /results of this backtest was not recorded: the record (which carries the same summary) answers.
    const r = recorded(L26("1250"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("get_operation_results", { operation_id: BACKTEST_V2026, detail: "full" }));
    expect(v.series_note).toBe("KTRDR v2026 keeps only the number of trades (3) and of equity points (860), not the trades or the curve.");
    expect(v).not.toHaveProperty("trades");
    expect(v).not.toHaveProperty("series");
    expect(paths(r)).toEqual([`GET /operations/${BACKTEST_V2026}/results`, `GET /operations/${BACKTEST_V2026}`]);
  });

  it("trades are bounded: the last 50 rows under KTRDR's field names, with the count", () => {
    // KTRDR's trade fields are not recorded (only empty lists): any object is shown as sent.
    const trades = Array.from({ length: 123 }, (_, i) => ({ trade_id: i + 1, side: "LONG", entry_price: 1.0873456 + i, pnl: -12.5 }));
    const v = tradesView(trades);
    expect(v.count).toBe(123);
    expect(v.shown).toBe("last 50 of 123");
    expect(v.rows).toHaveLength(TRADES_MAX_ROWS);
    expect(v.columns).toEqual(["trade_id", "side", "entry_price", "pnl"]);
    expect(v.rows?.[0]).toEqual([74, "LONG", 74.0873, -12.5]);
    expect(v.rows?.at(-1)).toEqual([123, "LONG", 123.087, -12.5]);
  });

  it("a trade's nested or long field becomes bounded text, so every cell is a scalar the schema names", () => {
    const v = tradesView([{ id: 1, tags: { exit: "stop", sizes: [1, 2] }, note: "x".repeat(500), open: undefined }]);
    expect(v.rows?.[0]).toEqual([1, '{"exit":"stop","sizes":[1,2]}', "x".repeat(TRADE_CELL_MAX_CHARS), null]);
  });
});

// ---- 26. epoch history -------------------------------------------------------------------------

describe("26. a training's epoch history wherever KTRDR keeps it", () => {
  it("v2026 completed (L26/460): the history from its results, read with the record alone", async () => {
    const r = recorded(L26("460", "461"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: FAST }));
    expect((v.epochs as Array<{ epoch: number }>).map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect((v.epochs as Array<Record<string, number>>)[2]).toMatchObject({ val_loss: 1.133, train_accuracy: 0.7527 });
    expect(v.source).toBe("results");
    expect(v).not.toHaveProperty("unknown");
    expect(paths(r)).toEqual([`GET /operations/${FAST}`]);
  });

  it("v2026 completed, the record without its summary: /results (L26/461)", async () => {
    const rec = L26("460")[0]!;
    const data = { ...(rec.body as { data: Record<string, unknown> }).data, result_summary: null };
    const r = recorded([altered(rec, { ...(rec.body as object), data }, "record without result_summary"), ...L26("461")], "v2026", {
      unrecorded: "fastapi-404",
    });
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: FAST }));
    expect((v.epochs as unknown[]).length).toBe(3);
    expect(paths(r)).toEqual([`GET /operations/${FAST}`, `GET /operations/${FAST}/results`]);
  });

  it("v2026 cancelled (L26/016+017): the cancellation checkpoint's history, numbered up to its epoch, source said", async () => {
    const r = recorded(L26("016", "017"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: SLOW }));
    const epochs = (v.epochs as Array<{ epoch: number }>).map((e) => e.epoch);
    expect(epochs.at(-1)).toBe(43);
    expect(epochs).toHaveLength(10);
    expect(v.source).toBe("checkpoint");
    expect(v.note).toBe(
      "KTRDR's record holds no epochs of this cancelled training: these are from its cancellation checkpoint (epoch 43, 2026-12-06T00:06:24Z).",
    );
    expect(v.diagnosis).toMatchObject({ best_epoch: expect.any(Number) });
    expect(paths(r)).toEqual([`GET /operations/${SLOW}`, `GET /checkpoints/${SLOW}`]);
  });

  it("v2026 resumed (L26/045+046): 'resuming' with no epochs; the periodic checkpoint's epochs since the resume", async () => {
    const r = recorded(L26("045", "046"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: SLOW, detail: "full" }));
    const epochs = v.epochs as Array<{ epoch: number }>;
    // 171 epochs (44…214) in KTRDR's answer; the shared copy keeps 40 of them, numbered back from 214.
    expect(epochs.at(-1)?.epoch).toBe(214);
    expect(epochs[0]!.epoch).toBeGreaterThan(43);
    expect(v.source).toBe("checkpoint");
    expect(v.note).toMatch(
      /^KTRDR shows a resumed training 'resuming' with no epochs: these are from its periodic checkpoint \(epoch 214,/,
    );
  });

  it("version not yet known: /metrics answers [[],0] (L26/043), the v2026 record leads to the checkpoint (045, 046)", async () => {
    const r = recorded(L26("043", "045", "046"), "auto", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: SLOW }));
    expect((v.epochs as Array<{ epoch: number }>).at(-1)?.epoch).toBe(214);
    expect(v.source).toBe("checkpoint");
    expect(paths(r)).toEqual([`GET /operations/${SLOW}/metrics`, `GET /operations/${SLOW}`, `GET /checkpoints/${SLOW}`]);
  });

  it("v2026 cancelled whose checkpoint was deleted (L26/467+468): no history, and why", async () => {
    const r = recorded(L26("468", "467"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: SLOW }));
    expect(v.unknown).toEqual(["epochs"]);
    expect(v.note).toMatch(/keeps no checkpoint of it, so its history is not known/);
  });

  it("v2025 completed (its record unserialisable): one line, KTRDR v2025 keeps no history of a finished training", async () => {
    const f25 = (...p: string[]) => pick("v2025-focus", ...p);
    const r = recorded(f25("004", "005", "003", "006", "007"), "auto");
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: "op_training_20261201_193117_e7816777" }));
    expect(v.unknown).toEqual(["epochs"]);
    expect(v.note).toBe("KTRDR v2025 keeps no per-epoch history of a finished training; its final metrics are in get_operation_results.");
  });
});

// ---- 27. validation by name -----------------------------------------------------------------------

describe("27. get_available_strategies(name) validates a strategy", () => {
  it.each([
    ["v2026", "582"],
    ["v2025", "079"],
  ] as const)("%s valid: valid, no issues, not KTRDR's list of every indicator", async (wire, file) => {
    const r = recorded(wire === "v2026" ? L26(file) : L25(file), wire);
    const v = expectOk(await r.run("get_available_strategies", { name: "mcp_smoke_fast" }));
    expect(v).toEqual({ strategy_name: "mcp_smoke_fast", valid: true });
    expect(paths(r)).toEqual(["POST /strategies/validate/mcp_smoke_fast"]);
  });

  it("v2026 invalid (L26/585): its issue in KTRDR's words, on one line", async () => {
    const v = expectOk(await recorded(L26("585"), "v2026").run("get_available_strategies", { name: "mcp_rec_invalid" }));
    expect(v).toEqual({
      strategy_name: "mcp_rec_invalid",
      valid: false,
      issues: [
        {
          severity: "error",
          category: "indicators",
          message:
            "Strategy validation failed: - fuzzy_sets.rsi_momentum.indicator: 'rsi_99_missing' not found in indicators. Available indicators: rsi_14",
        },
      ],
    });
  });

  it("v2025 invalid (L25/081): both issues, each message bounded, no details", async () => {
    const v = expectOk(await recorded(L25("081"), "v2025").run("get_available_strategies", { name: "strategies/mcp_rec_invalid.yaml" }));
    expect(v.valid).toBe(false);
    const issues = v.issues as Array<{ severity: string; category: string; message: string }>;
    expect(issues.map((i) => i.category)).toEqual(["indicators", "fuzzy_sets"]);
    expect(issues[0]!.message).toMatch(/^Missing indicators: not_a_real_indicator referenced by the strategy\. Available/);
    expect(issues[0]!.message.length).toBeLessThanOrEqual(300);
    expect(issues[0]!.message.endsWith("…")).toBe(true);
    expect(JSON.stringify(v)).not.toMatch(/details|available_indicators|WilliamsRIndicator/);
    expect(countTokens(v)).toBeLessThan(200);
  });

  it.each([
    ["v2026", "588"],
    ["v2025", "083"],
  ] as const)("%s unknown name (404): an error naming the file and where names come from", async (wire, file) => {
    const r = recorded(wire === "v2026" ? L26(file) : L25(file), wire);
    const msg = expectErr(await r.run("get_available_strategies", { name: "no_such_strategy_xyz" }));
    expect(msg).toBe(
      "No strategy file no_such_strategy_xyz.yaml on KTRDR; get_available_strategies lists them " +
        "(on v2026 the list may be empty although training by name works).",
    );
  });

  it("without a name it still lists (no validation call)", async () => {
    const r = recorded(pick("v2025", "002"), "v2025");
    const v = expectOk(await r.run("get_available_strategies"));
    expect(v.count).toBeGreaterThan(0);
    expect(paths(r)).toEqual(["GET /strategies/"]);
  });
});

// ---- gaps of cached data ---------------------------------------------------------------------------

/**
 * `POST /data/range` is not in the lifecycle sets: its answer in the contract's shape
 * (/work/shared/ktrdr-api-contract.md), over the range the gap recordings asked about.
 */
function range(symbol: string, timeframe: string, start: string, end: string): Exchange {
  const e = L26("589")[0]!;
  return {
    ...e,
    file: `data/range (contract shape, ${symbol} ${timeframe})`,
    request: { method: "POST", path: "/data/range", body: { symbol, timeframe } },
    body: { success: true, data: { symbol, timeframe, start_date: start, end_date: end, point_count: 1 } },
  };
}

describe("get_data_summary adds KTRDR's gap analysis of the cached range", () => {
  it.each([
    ["v2025", "085"],
    ["v2026", "590"],
  ] as const)("%s: a symbol with data → KTRDR's 500, said in one line", async (wire, file) => {
    const r = recorded([range("EURUSD", "1h", "2024-01-01", "2024-01-31"), ...(wire === "v2026" ? L26(file) : L25(file))], wire);
    const v = expectOk(await r.run("get_data_summary", { symbol: "EURUSD", timeframe: "1h" }));
    expect(v).toEqual({
      symbol: "EURUSD",
      timeframe: "1h",
      available: true,
      first_bar: "2024-01-01",
      last_bar: "2024-01-31",
      note: "KTRDR's gap analysis failed for EURUSD 1h (HTTP 500, as it does for every symbol with cached data on both recorded versions).",
    });
    expect(r.replay.served.at(-1)?.path).toBe("/gap-analysis/data/EURUSD/1h/summary?start_date=2024-01-01&end_date=2024-01-31");
  });

  it("v2026 daily bars too (L26/1276)", async () => {
    const r = recorded([range("EURUSD", "1d", "2024-01-01", "2024-03-31"), ...L26("1276")], "v2026");
    const v = expectOk(await r.run("get_data_summary", { symbol: "EURUSD", timeframe: "1d" }));
    expect(v.note).toMatch(/gap analysis failed for EURUSD 1d \(HTTP 500/);
    expect(v).not.toHaveProperty("gaps");
  });

  it("a 200 (L26/593, 0 % coverage) is reported as sent", async () => {
    const r = recorded([range("ZZZZ", "1h", "2024-01-01", "2024-01-31"), ...L26("593")], "v2026");
    const v = expectOk(await r.run("get_data_summary", { symbol: "ZZZZ", timeframe: "1h" }));
    expect(v.gaps).toEqual({ total: 0, critical: 0, major: 0, minor: 0, coverage_pct: 0 });
    expect(v).not.toHaveProperty("note");
  });
});
