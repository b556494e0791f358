/**
 * What the agent is told on the real KTRDR backends, v2025 and v2026: every tool is run against
 * exchanges recorded from them (test/fixtures/real-ktrdr, see FACTS.md there), one scenario per
 * test, grouped by the classes of the real-KTRDR issue. The recordings are the authority; these
 * tests fail on the server before it normalised them (statuses, reasons, listings, shapes).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import type { WireVersionSetting } from "../../src/config";
import { classifyHttp, readErrorBody } from "../../src/ktrdr/errors";
import { scrubText } from "../../src/ktrdr/scrub";
import { runTool, type ToolOutcome } from "../../src/tools/run";
import { config, expectErr, expectOk, quietConsole, tool } from "./helpers";
import { body, type Exchange, folder, pick, RECORDED_NOW, Replay, type ReplayOptions } from "./replay";

quietConsole();

interface Run {
  replay: Replay;
  run: (name: string, args?: Record<string, unknown>) => Promise<ToolOutcome>;
}

/** Runs tools against recorded exchanges, checking every answer against the tool's output schema. */
function recorded(exchanges: Exchange[], wireVersion: WireVersionSetting = "auto", opts: ReplayOptions & { now?: number } = {}): Run {
  // The v2026 sets before the lifecycle ones never asked /agent/status (which a v2026 training's
  // status reads for its research cycle): there it answers as a route the recordings lack, which says no cycle.
  const asksAgent = exchanges.some((e) => e.request.path === "/agent/status");
  const replay = new Replay(asksAgent ? exchanges : [...exchanges, routeMissing("GET", "/agent/status")], opts);
  const cfg = config({ baseUrl: replay.base, wireVersion });
  const run = async (name: string, args: Record<string, unknown> = {}) => {
    const def = tool(name);
    const parsed = z.object(def.input).parse(args) as Record<string, unknown>;
    const outcome = await runTool(def, parsed, {
      auth: LOCAL_CONTEXT,
      backend: cfg,
      signal: new AbortController().signal,
      requestId: "replay",
      fetch: replay.fetch,
      now: () => opts.now ?? RECORDED_NOW,
    });
    if (replay.unmatched.length > 0) throw new Error(`${name} asked for unrecorded exchanges: ${JSON.stringify(replay.unmatched)}`);
    if (outcome.ok) {
      const check = z.object(def.output).safeParse(outcome.value);
      if (!check.success) throw new Error(`${name} output does not match its outputSchema: ${check.error.message}`);
    }
    return outcome;
  };
  return { replay, run };
}

/**
 * FastAPI's answer for a route a version does not have, as recorded (v2026's 404 for v2025's
 * `POST /data/load`), at another method and path: e.g. `GET /workers` on v2025.
 */
function routeMissing(method: string, path: string): Exchange {
  const e = pick("v2026", "013")[0]!;
  return { ...e, file: `${e.file} (as ${method} ${path})`, request: { method, path, body: null } };
}
const NO_WORKERS_V2025 = routeMissing("GET", "/workers");
/**
 * The v2026 witnesses these older sets did not record (issue 18): served as a missing route, so the
 * tests below see the "could not read" wording, never a belief made up from nothing.
 */
const NO_LIST_WITNESSES = [routeMissing("GET", "/agent/status"), routeMissing("GET", "/checkpoints")];
const noWitnesses = (id: string) => [
  routeMissing("GET", "/workers"),
  routeMissing("GET", `/checkpoints/${id}`),
  routeMissing("GET", "/health"),
];

const v25 = (...p: string[]) => pick("v2025", ...p);
const v26 = (...p: string[]) => pick("v2026", ...p);
const f25 = (...p: string[]) => pick("v2025-focus", ...p);
const f26 = (...p: string[]) => pick("v2026-focus", ...p);

const FAST_V2025 = "op_training_20261201_193117_e7816777"; // v2025-focus q7: completed, record unserialisable
const CANCELLED_V2025 = "op_training_20261201_193120_e03e9a88"; // v2025-focus q8: cancelled, reported failed
const SLOW_V2026 = "op_training_20261201_193014_bc51e652"; // v2026-focus q1-q3: run on a worker, then cancelled

// ---- 1. v2025 serialisation bug -----------------------------------------------------------------

describe("1. v2025: a completed training's record cannot be serialised (HTTP 500 for good)", () => {
  const scenario = () => f25("004", "005", "003", "006", "007");

  it("get_operation_status answers completed from the list row and performance, naming what is missing", async () => {
    const r = recorded(scenario());
    const v = expectOk(await r.run("get_operation_status", { operation_id: FAST_V2025 }));
    expect(v).toMatchObject({ operation_id: FAST_V2025, operation_type: "training", status: "completed", progress_percentage: 100 });
    expect(v.result).toBe("val_loss 0.4407, test_accuracy 0.8193, 3 epochs");
    expect(v.unknown).toEqual(expect.arrayContaining(["started_at", "model_path"]));
    expect(v.note).toMatch(/PydanticSerializationError/);
    expect(JSON.stringify(v)).not.toMatch(/retry/i);
  });

  it("get_operation_results gives the final metrics and says the model path is unknown", async () => {
    const r = recorded(scenario());
    const v = expectOk(await r.run("get_operation_results", { operation_id: FAST_V2025 }));
    expect(v).toMatchObject({ success: true, status: "completed", operation_type: "training" });
    expect(v.results).toEqual({
      training_metrics: {
        final_train_loss: 0.4979,
        final_val_loss: 0.4407,
        final_train_accuracy: 0.7512,
        final_val_accuracy: 0.7934,
        epochs_completed: 3,
        early_stopped: false,
        training_time_minutes: 0,
      },
      test_metrics: { test_loss: 0.4208, test_accuracy: 0.8193, precision: 0.843, recall: 0.8193, f1_score: 0.8089 },
    });
    expect(v.unknown).toContain("model_path");
  });

  it("start_training with wait_seconds returns the started id and its completion, though every record read fails", async () => {
    const r = recorded(f25("001", "004", "003", "006"), "v2025");
    const v = expectOk(
      await r.run("start_training", {
        strategy_name: "mcp_smoke_fast",
        symbols: ["AAPL"],
        start_date: "2023-01-01",
        end_date: "2024-12-31",
        wait_seconds: 2,
        allow_duplicate: true,
      }),
    );
    expect(v).toMatchObject({ success: true, operation_id: FAST_V2025, status: "started", finished: true });
    expect((v.operation as Record<string, unknown>).status).toBe("completed");
    expect(v.message).toMatch(/completed within/);
  });

  it("when nothing else can answer, the status read says exactly that (no 'retry later')", async () => {
    const r = recorded([...f25("004"), { ...v25("006")[0]!, body: { success: true, data: [], total_count: 0, active_count: 0 } }]);
    const msg = expectErr(await r.run("get_operation_status", { operation_id: FAST_V2025 }));
    expect(msg).toMatch(/cannot serialise this operation's record/);
    expect(msg).toMatch(/will not go away by retrying/);
  });

  it("get_operation_metrics: no metrics route, no record: says the history is unknown and where the final metrics are", async () => {
    const r = recorded(scenario());
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: FAST_V2025 }));
    expect(v.unknown).toEqual(["epochs"]);
    expect(v.note).toMatch(/get_operation_results/);
  });
});

// ---- 2. cancels that turn into failures (or completions) ---------------------------------------

describe("2. a cancel KTRDR reports as failed (v2025 training) or completed (dummy) is cancelled", () => {
  it("v2025 training: status is cancelled, the lost reason is named, the backend's own words stay in detail full", async () => {
    const r = recorded(f25("015"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: CANCELLED_V2025 }));
    expect(v).toMatchObject({ status: "cancelled", unknown: ["cancel_reason"] });
    expect(v.error_message).toBeUndefined();
    const full = expectOk(await recorded(f25("015")).run("get_operation_status", { operation_id: CANCELLED_V2025, detail: "full" }));
    expect(full.backend).toEqual({ status: "failed", error_message: "Training operation cancelled" });
  });

  it("v2025 training: get_operation_results says cancelled, not a failure", async () => {
    const r = recorded(f25("023", "022"));
    const v = expectOk(await r.run("get_operation_results", { operation_id: CANCELLED_V2025 }));
    expect(v).toMatchObject({ success: false, status: "cancelled", results: {} });
    expect(v.error_message).toBeUndefined();
  });

  it("v2025 training: the results read right after the cancel (200 failed) is cancelled too", async () => {
    const r = recorded(f25("027", "028"));
    const v = expectOk(await r.run("get_operation_results", { operation_id: "op_training_20261201_193139_d058e681" }));
    expect(v.status).toBe("cancelled");
  });

  it.each([
    ["v2025", "completed", () => v25("028", "026"), "op_dummy_20261201_190817_6116ee34"],
    ["v2025", "failed", () => v25("041", "039"), "op_training_20261201_190827_3f8065e9"],
    ["v2026", "completed", () => v26("027", "025"), "op_dummy_20261201_191134_35103fc4"],
  ] as const)("%s: a second cancel says it is already cancelled (KTRDR says %s), not 'fix the arguments'", async (_v, _said, ex, id) => {
    const msg = expectErr(await recorded(ex()).run("cancel_operation", { operation_id: id }));
    expect(msg).toMatch(new RegExp(`${id} is already cancelled \\(KTRDR reports it as (completed|failed)\\)`));
    expect(msg).not.toMatch(/fix the arguments|OperationStatus/i);
  });

  it("cancel of a finished operation reads the Python enum name as a status", async () => {
    const msg = expectErr(
      await recorded(v26("069", "070")).run("cancel_operation", { operation_id: "op_backtesting_20261201_191218_b48a58b6" }),
    );
    expect(msg).toBe(
      "Operation op_backtesting_20261201_191218_b48a58b6 is already completed; there is nothing to cancel. Read its outcome with get_operation_results.",
    );
  });

  it.each([
    ["v2025", "op_dummy_20261201_190817_6116ee34", () => v25("026", "027"), "mcp acceptance probe"],
    ["v2026", "op_dummy_20261201_191134_35103fc4", () => v26("025", "026"), "mcp acceptance probe"],
  ] as const)("%s dummy %s: cancelled with its reason, though KTRDR says completed", async (_v, id, ex, reason) => {
    const r = recorded(ex());
    const s = expectOk(await r.run("get_operation_status", { operation_id: id }));
    expect(s).toMatchObject({ status: "cancelled", cancel_reason: reason });
    const res = expectOk(await recorded(ex()).run("get_operation_results", { operation_id: id }));
    expect(res).toMatchObject({ success: false, status: "cancelled", cancel_reason: reason });
  });

  it("v2025: list_operations(status=cancelled) finds the cancelled training and dummy KTRDR lists as failed and completed", async () => {
    const r = recorded([...v25("068", "067", "066", "039", "043", "026"), NO_WORKERS_V2025]);
    const v = expectOk(await r.run("list_operations", { status: "cancelled" }));
    const rows = v.data as Array<Record<string, unknown>>;
    expect(rows.map((x) => [x.operation_id, x.status, x.backend_status])).toEqual([
      ["op_backtesting_20261201_190846_be67af45", "cancelled", undefined],
      ["op_training_20261201_190827_3f8065e9", "cancelled", "failed"],
      ["op_dummy_20261201_190817_6116ee34", "cancelled", "completed"],
    ]);
    expect(v.total_count).toBe(3);
  });

  it("v2025: list_operations(status=failed) leaves out the cancelled training and says so", async () => {
    const r = recorded([...v25("067", "039", "043"), NO_WORKERS_V2025]);
    const v = expectOk(await r.run("list_operations", { status: "failed" }));
    const ids = (v.data as Array<Record<string, unknown>>).map((x) => x.operation_id);
    expect(ids).not.toContain("op_training_20261201_190827_3f8065e9");
    expect(ids).toContain("op_training_20261201_190840_b49c66ce");
    expect(v.note).toMatch(/KTRDR lists as failed were in fact cancelled/);
  });
});

// ---- 3. v2026 listing and the worker model --------------------------------------------------------

describe("3. v2026: operations run by workers, the listing, the duplicate guard and the busy worker", () => {
  it("a fresh session finds the running training KTRDR does not list yet (workers reveal it)", async () => {
    const r = recorded([...f26("005", "009", "002"), ...NO_LIST_WITNESSES]);
    const v = expectOk(await r.run("list_operations", { active_only: true }));
    expect((v.data as Array<Record<string, unknown>>).map((x) => [x.operation_id, x.status])).toEqual([[SLOW_V2026, "running"]]);
    expect(v.note).toMatch(/lists only operations read since it started \(a cache\).*added 1 it did not list/);
    expect(v).not.toHaveProperty("total_count");
    expect(v.total_at_least).toBe(1);
  });

  it("after the read by id KTRDR lists it itself: no duplicate row", async () => {
    const r = recorded([...f26("005", "009", "010"), ...NO_LIST_WITNESSES]);
    const v = expectOk(await r.run("list_operations", { active_only: true }));
    expect((v.data as unknown[]).length).toBe(1);
    // KTRDR's count is its cache's: at least that many exist.
    expect(v).not.toHaveProperty("total_count");
    expect(v.total_at_least).toBe(1);
  });

  it("the duplicate guard recognises the identical training although v2026 records no strategy_name", async () => {
    // 003: v2026's answer to the list of resuming trainings the guard also asks for (none).
    const r = recorded(f26("005", "009", "010", "003"), "v2026");
    const v = expectOk(
      await r.run("start_training", {
        strategy_name: "mcp_smoke_slow",
        symbols: ["EURUSD"],
        start_date: "2023-01-01",
        end_date: "2024-12-31",
      }),
    );
    expect(v).toMatchObject({ status: "already_running", operation_id: SLOW_V2026 });
    expect(v.message).toMatch(/does not report its strategy/);
    expect(r.replay.served.some((s) => s.method === "POST")).toBe(false);
  });

  it("a start refused with 503 (object detail) names the operation on the worker and does not invite a duplicate", async () => {
    const exchanges = f26("030", "005", "009", "010", "003");
    const r = recorded(exchanges, "v2026");
    const msg = expectErr(
      await r.run("start_training", {
        strategy_name: "mcp_smoke_fast",
        symbols: ["EURUSD"],
        start_date: "2024-01-01",
        end_date: "2024-06-30",
      }),
    );
    expect(msg).toMatch(/worker is busy \(HTTP 503\), so nothing was started/);
    expect(msg).toContain(SLOW_V2026);
    expect(msg).not.toMatch(/retry in a minute/i);
  });

  it("list_operations: a cancelled v2026 training is listed without a fake 0 %", async () => {
    const v = expectOk(await recorded([...f26("027", "022"), ...NO_LIST_WITNESSES]).run("list_operations", {}));
    const row = (v.data as Array<Record<string, unknown>>)[0]!;
    expect(row).toMatchObject({ operation_id: SLOW_V2026, status: "cancelled" });
    expect(row.progress_percentage).toBeUndefined();
  });
});

// ---- 4. failures with their reasons ------------------------------------------------------------

describe("4. a failed operation's results carry its reason (the record's error_message)", () => {
  it.each([
    ["v2025 backtest", "op_backtesting_20261201_190852_ed17d8ea", () => v25("062", "061"), "Strategy 'nope' not found"],
    ["v2025 training", "op_training_20261201_190840_b49c66ce", () => v25("044", "043"), /./],
    ["v2026 training", "op_training_20261201_191158_90fd487c", () => v26("048", "047"), /./],
    ["v2026 data load", "op_data_load_20261201_191133_616622b5", () => v26("015", "014"), /Host service connection failed/],
  ] as const)("%s %s", async (_n, id, ex, reason) => {
    const rec = ex();
    const v = expectOk(await recorded(rec).run("get_operation_results", { operation_id: id }));
    expect(v).toMatchObject({ success: false, status: "failed", results: {} });
    // As KTRDR worded it, through the one scrubber (its routes and paths reduced to their last segment).
    const expected = (body(rec[1]!) as { data: { error_message: string } }).data.error_message;
    expect(v.error_message).toBe(scrubText(expected));
    expect(v.error_message).toMatch(reason);
  });
});

// ---- 5. version facts ----------------------------------------------------------------------------

describe("5. version facts", () => {
  it("v2026 has no local data-load mode: refused up front, with what to do instead (nothing sent)", async () => {
    const r = recorded([], "v2026");
    const msg = expectErr(await r.run("trigger_data_loading", { symbol: "EURUSD", mode: "local", allow_duplicate: true }));
    expect(msg).toMatch(/no 'local' data-load mode/);
    expect(r.replay.served).toEqual([]);
  });

  it("auto on v2026: the v2025 route 404s, then local mode is refused before the v2026 route is called", async () => {
    const r = recorded(v26("013"), "auto");
    const msg = expectErr(await r.run("trigger_data_loading", { symbol: "EURUSD", mode: "local", allow_duplicate: true }));
    expect(msg).toMatch(/no 'local' data-load mode/);
    expect(r.replay.served.map((s) => s.path)).toEqual(["/data/load"]);
  });

  it("v2026's 500 'Invalid mode: local' is a refused argument, not a server fault to retry", () => {
    const e = v26("011")[0]!;
    expect(classifyHttp(e.status, readErrorBody(e.body))).toEqual({ is: "invalid_request" });
  });

  it("v2026 backtests need model_path: refused up front with where to find it", async () => {
    const r = recorded([], "v2026");
    const msg = expectErr(
      await r.run("start_backtest", {
        strategy_name: "mcp_smoke_fast",
        symbol: "EURUSD",
        timeframe: "1h",
        start_date: "2024-01-01",
        end_date: "2024-12-31",
        allow_duplicate: true,
      }),
    );
    expect(msg).toMatch(/needs model_path/);
    expect(msg).toMatch(/results\.model_path/);
  });

  it("v2026 training results show the model path (top-level on v2026) and the epochs trained", async () => {
    const v = expectOk(await recorded(v26("030")).run("get_operation_results", { operation_id: "op_training_20261201_191142_340470b7" }));
    expect(v.results).toMatchObject({
      model_path: "models/mcp_smoke_fast/1h_v1",
      training_metrics: { epochs_completed: 3, final_val_loss: 1.226 },
      test_metrics: { test_accuracy: 0.8175 },
    });
  });

  it("v2026 /metrics nests epochs as a (list, cursor) pair repeating history: read as 103 epochs", async () => {
    const v = expectOk(await recorded(f26("014")).run("get_operation_metrics", { operation_id: SLOW_V2026 }));
    expect(v.epochs_shown).toBe("last 10 of 103");
    const epochs = v.epochs as Array<Record<string, number>>;
    expect(epochs.map((e) => e.epoch)).toEqual([93, 94, 95, 96, 97, 98, 99, 100, 101, 102]);
    expect(v.diagnosis).toMatchObject({ best_epoch: expect.any(Number) });
  });

  it("v2026 metrics after a cancel ([[],0]): the record, then the checkpoint (not recorded here: said), no epochs, and why", async () => {
    const r = recorded([...f26("021", "019"), routeMissing("GET", `/checkpoints/${SLOW_V2026}`)]);
    const v = expectOk(await r.run("get_operation_metrics", { operation_id: SLOW_V2026 }));
    expect(v.unknown).toEqual(["epochs"]);
    expect(v.note).toMatch(/no epochs of this cancelled training, and its checkpoint could not be read \(HTTP 404\)/);
  });

  it("v2026 cancelled: progress is unknown (KTRDR reset it to 0), the reason is kept", async () => {
    const v = expectOk(
      await recorded([...f26("019"), ...noWitnesses(SLOW_V2026)]).run("get_operation_status", { operation_id: SLOW_V2026 }),
    );
    expect(v).toMatchObject({ status: "cancelled", cancel_reason: "focus probe", unknown: ["progress"] });
    expect(v.progress_percentage).toBeUndefined();
  });

  it("v2026 running training: the record's nested metrics give a diagnosis", async () => {
    const id = "op_training_20261201_191149_982fa8f5";
    const v = expectOk(await recorded([...v26("035"), ...noWitnesses(id)]).run("get_operation_status", { operation_id: id }));
    expect(v).toMatchObject({ status: "running", progress_percentage: 2.542, current_step: "Epoch 39/1500 · Batch 10/80" });
    expect(v.diagnosis).toBeDefined();
  });

  it("KTRDR's *_pct backtest figures are fractions: given as percentages (23.33 %, not 0.2333 %)", async () => {
    const res = expectOk(
      await recorded(v26("061")).run("get_operation_results", { operation_id: "op_backtesting_20261201_191209_0d9d1aec" }),
    );
    expect(res.results).toMatchObject({
      total_return: 23330,
      total_return_pct: 23.33,
      max_drawdown_pct: 1.495,
      sharpe_ratio: 2.298,
      total_trades: 9,
    });
    const status = expectOk(
      await recorded(v26("060")).run("get_operation_status", { operation_id: "op_backtesting_20261201_191209_0d9d1aec" }),
    );
    expect(status.result).toBe("return 23.33%, sharpe 2.298, 9 trades");
  });

  it("a v2025 backtest's equity curve (parallel arrays) is a downsampled series in detail full; v2026 sends none and that is said", async () => {
    const v25full = expectOk(
      await recorded(v25("049")).run("get_operation_results", { operation_id: "op_backtesting_20261201_190841_06ab9ee7", detail: "full" }),
    );
    const equity = (v25full.series as { equity: { columns: string[]; points: unknown[][]; of: number } }).equity;
    expect(equity.of).toBe(1777);
    expect(equity.points.length).toBe(300);
    expect(equity.columns).toEqual(["time", "value", "drawdown"]);
    const concise = expectOk(
      await recorded(v25("049")).run("get_operation_results", { operation_id: "op_backtesting_20261201_190841_06ab9ee7" }),
    );
    expect(concise).not.toHaveProperty("series");
    expect(JSON.stringify(concise.results)).not.toContain("equity");
    const v26full = expectOk(
      await recorded(v26("061")).run("get_operation_results", { operation_id: "op_backtesting_20261201_191209_0d9d1aec", detail: "full" }),
    );
    expect(v26full.series_note).toBe(
      "KTRDR v2026 keeps only the number of trades (9) and of equity points (1777), not the trades or the curve.",
    );
  });

  it("v2026's empty strategy list says training by name still works", async () => {
    const v = expectOk(await recorded(v26("002", "010")).run("get_available_strategies"));
    expect(v).toMatchObject({ count: 0 });
    expect(v.note).toMatch(/training and backtesting by name still work/);
  });

  it("v2025's strategy list is taken as it is", async () => {
    const v = expectOk(await recorded([...v25("002")], "v2025").run("get_available_strategies"));
    expect(v.count).toBeGreaterThan(0);
    expect(v.note).toBeUndefined();
  });
});

// ---- 6. never invent facts ---------------------------------------------------------------------

describe("6. an answer without the facts is an error, never a default", () => {
  it("results of an unexpected shape are not reported as a completed operation", async () => {
    const odd = { ...v25("049")[0]!, body: { hello: "world" } };
    const msg = expectErr(await recorded([odd]).run("get_operation_results", { operation_id: "op_backtesting_20261201_190841_06ab9ee7" }));
    expect(msg).toMatch(/lacks a fact this server needs/);
  });

  it("a list without total_count does not report one", async () => {
    const e = v25("021")[0]!;
    const b = { ...(e.body as Record<string, unknown>) };
    delete b.total_count;
    const v = expectOk(await recorded([{ ...e, body: b }], "v2025").run("list_operations", { active_only: true }));
    expect(v.total_count).toBeUndefined();
    expect(v.returned_count).toBe(1);
  });
});

// ---- every recorded answer, both versions: the tools never crash and never mislead ---------------

describe.each(["v2025", "v2026"] as const)("every recorded %s operation read", (version) => {
  // (The 500s of v2025's unserialisable records are class 1's scenarios above.)
  const reads = folder(version).filter(
    (e) => e.request.method === "GET" && /^\/operations\/op_[^/?]+$/.test(e.request.path) && e.status !== 500,
  );
  it.each(reads.map((e) => [e.file, e] as const))("%s: status matches the normalised record", async (_f, e) => {
    const id = e.request.path.split("/")[2]!;
    const all = folder(version);
    const lists = [all.filter((x) => x.request.path === "/operations").at(-1)!, ...all.filter((x) => x.request.path === "/workers")];
    const witnesses = version === "v2026" ? noWitnesses(id).slice(1) : [];
    const out = await recorded([e, ...lists, ...witnesses, ...(version === "v2025" ? pick("v2025-focus", "006") : [])], version).run(
      "get_operation_status",
      { operation_id: id },
    );
    if (e.status === 404) {
      expect(expectErr(out)).toMatch(/not found/);
      return;
    }
    const v = expectOk(out);
    const wireStatus = (e.body as { data: { status: string; operation_type: string; error_message?: string } }).data;
    const cancelledAsFailure = wireStatus.error_message === "Training operation cancelled";
    const cancelledDummy = wireStatus.operation_type === "dummy" && wireStatus.status === "completed";
    expect(v.status).toBe(cancelledAsFailure || cancelledDummy ? "cancelled" : wireStatus.status);
    if (v.status === "failed") expect(v.error_message).toBe(scrubText(wireStatus.error_message ?? ""));
  });
});
