/**
 * Every tool through `runTool`, the backend faked, both wire versions: output shapes, the
 * normalisation the requirements ask for, errors an agent can act on, and scope checks.
 */
import { describe, expect, it } from "vitest";
import { countTokens } from "../../scripts/tokens.mjs";
import type { AuthContext } from "../../src/auth/context";
import { TOOLS } from "../../src/tools/catalogue";
import { startedOutput } from "../../src/tools/started";
import {
  DATA_LOAD_RESULT_SUMMARY,
  EPOCHS,
  FAULTS,
  IDS,
  json,
  NOW,
  type RecordedRequest,
  TRAINING_RESULT_SUMMARY,
  TRAINING_RESULT_SUMMARY_V2026,
  type WireVersion,
} from "./fake-backend";
import catalogue from "../tool-catalogue.json";
import { expectErr, expectOk, harness, quietConsole, VALID_ARGS } from "./helpers";

quietConsole();

const VERSIONS: WireVersion[] = ["v2025", "v2026"];

describe.each(VERSIONS)("start tools against %s", (version) => {
  it("trigger_data_loading returns the started shape at the top level", async () => {
    const h = harness(version);
    const v = expectOk(
      await h.run("trigger_data_loading", { symbol: "aapl", timeframe: "1d", mode: "backfill", start_date: "2024-01-01" }),
    );
    const created = h.backend.operations.at(-1)!;
    expect(v).toEqual({
      success: true,
      operation_id: created.operation_id,
      operation_type: "data_load",
      status: "started",
      message: expect.stringContaining("AAPL 1d (backfill mode)"),
    });
    expect(v.message).toContain(`get_operation_status("${created.operation_id}")`);
    // The symbol was normalised to upper case before it reached the backend.
    const req = h.backend.requests.filter((r) => r.method === "POST").at(-1)!;
    expect(req.body).toMatchObject({ symbol: "AAPL", timeframe: "1d", mode: "backfill", start_date: "2024-01-01" });
    // One start: the duplicate check's GET /workers already told the server which version this is.
    expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("trigger_data_loading defaults: timeframe 1h, mode tail", async () => {
    const h = harness(version);
    expectOk(await h.run("trigger_data_loading", { symbol: "MSFT" }));
    expect(h.backend.requests.at(-1)!.body).toMatchObject({ symbol: "MSFT", timeframe: "1h", mode: "tail" });
  });

  it("start_training returns operation_id from task_id, with the estimated duration", async () => {
    const h = harness(version);
    const v = expectOk(
      await h.run("start_training", { strategy_config_path: "strategies/mlp_basic.yaml", symbols: ["AAPL", "aapl", "MSFT"] }),
    );
    const created = h.backend.operations.at(-1)!;
    expect(created.operation_type).toBe("training");
    expect(v).toMatchObject({
      success: true,
      operation_id: created.operation_id,
      operation_type: "training",
      status: "started",
    });
    // KTRDR's fixed 30-minute estimate is not relayed (it says 30 for a 2 s training).
    expect(v).not.toHaveProperty("estimated_duration_minutes");
    expect(v.message).toMatch(/mlp_basic on AAPL, MSFT \(1h\)/);
    expect(h.backend.requests.at(-1)!.body).toEqual({
      symbols: ["AAPL", "MSFT"],
      timeframes: ["1h"],
      strategy_name: "mlp_basic",
      start_date: null,
      end_date: null,
    });
  });

  it("start_training refuses bad combinations before calling the backend", async () => {
    const h = harness(version);
    expect(expectErr(await h.run("start_training", { symbols: ["AAPL"] }))).toMatch(/strategy_name is required.*get_available_strategies/);
    expect(
      expectErr(await h.run("start_training", { strategy_name: "mlp_basic", strategy_config_path: "other.yaml", symbols: ["AAPL"] })),
    ).toMatch(/different strategies/);
    expect(
      expectErr(await h.run("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], training_config: { epochs: 5 } })),
    ).toMatch(/training_config is not supported/);
    expect(
      expectErr(
        await h.run("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], start_date: "2025-02-01", end_date: "2025-01-01" }),
      ),
    ).toMatch(/after end_date.*swap/);
    expect(h.backend.requests).toHaveLength(0);
  });

  it("start_training with an unknown strategy relays the backend's reason and says what to fix", async () => {
    const h = harness(version);
    const msg = expectErr(await h.run("start_training", { strategy_name: "nope", symbols: ["AAPL"] }));
    expect(msg).toBe(
      "KTRDR rejected the request (HTTP 400): Strategy file not found: strategies/nope.yaml. " +
        "Fix the arguments and call start_training again.",
    );
  });

  it("start_backtest uses the version's route and returns the started shape", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("start_backtest", VALID_ARGS.start_backtest!));
    const created = h.backend.operations.at(-1)!;
    expect(created.operation_type).toBe("backtesting");
    expect(v).toMatchObject({ success: true, operation_id: created.operation_id, operation_type: "backtesting", status: "started" });
    expect(v.message).toMatch(/Backtest started for mlp_basic on AAPL 1h \(2025-01-01 to 2025-06-30\)/);
    const posts = h.backend.requests.filter((r) => r.method === "POST").map((r) => r.path);
    expect(posts).toEqual(version === "v2025" ? ["/backtests/"] : ["/backtests/start"]);
    expect(h.backend.requests.at(-1)!.body).toMatchObject({ initial_capital: 100000, commission: 0.001, slippage: 0.001 });
    // v2025 has no model_path parameter: the agent is told it was not used.
    if (version === "v2025") expect(v.note).toMatch(/takes no model_path/);
    else expect(h.backend.requests.at(-1)!.body).toMatchObject({ model_path: "models/mlp_basic/AAPL_1h_v3" });
  });

  it("start_backtest refuses a reversed range without a backend call", async () => {
    const h = harness(version);
    const msg = expectErr(
      await h.run("start_backtest", { ...VALID_ARGS.start_backtest, start_date: "2025-07-01", end_date: "2025-06-30" }),
    );
    expect(msg).toMatch(/after end_date/);
    expect(h.backend.requests).toHaveLength(0);
  });
});

describe.each(VERSIONS)("list_operations against %s", (version) => {
  it("sends the default limit 10 and returns the requirements' shape with returned_count", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("list_operations", {}));
    const q = h.backend.requests.filter((r) => r.path === "/operations").at(-1)!.url.searchParams;
    expect(q.get("limit")).toBe("10");
    expect(q.get("offset")).toBe("0");
    expect(q.has("active_only")).toBe(false);
    const data = v.data as Array<Record<string, unknown>>;
    expect(v.success).toBe(true);
    expect(v.returned_count).toBe(data.length);
    if (version === "v2025") {
      expect(v.total_count).toBe(h.backend.operations.length);
      expect(v.active_count).toBe(3);
    } else {
      // v2026 lists a cache (design-18 §2): at least KTRDR's count, never a total; no active count.
      expect(v).not.toHaveProperty("total_count");
      expect(v).not.toHaveProperty("active_count");
      expect(v.total_at_least).toBe(h.backend.operations.length);
    }
    // Newest first, as the backend sorted them.
    const created = data.map((r) => String(r.created_at));
    expect([...created].sort().reverse()).toEqual(created);
    // Compact rows: seconds precision, no "N/A" symbol, no nulls.
    const dl = data.find((r) => r.operation_id === IDS.dataLoadCompleted)!;
    expect(dl).toMatchObject({
      operation_id: IDS.dataLoadCompleted,
      operation_type: "data_load",
      status: "completed",
      created_at: "2025-10-04T14:00:12Z",
      duration_seconds: 13,
    });
    // v2025 lists a data load as "N/A" (dropped: unknown); v2026 names its symbol (v2026/089).
    if (version === "v2025") expect(dl).not.toHaveProperty("symbol");
    else expect(dl.symbol).toBe("AAPL");
    const running = data.find((r) => r.operation_id === IDS.trainingRunning)!;
    expect(running).toEqual({
      operation_id: IDS.trainingRunning,
      operation_type: "training",
      status: "running",
      created_at: "2025-10-04T14:35:30Z",
      progress_percentage: 65.23,
      current_step: "Epoch 32/50 · Batch 245/640",
      symbol: "AAPL",
      duration_seconds: 5965,
    });
    expect(JSON.stringify(data)).not.toMatch(/null|N\/A/);
    const pending = data.find((r) => r.operation_id === IDS.backtestPending)!;
    expect(pending).not.toHaveProperty("duration_seconds");
    expect(pending).not.toHaveProperty("current_step");
  });

  it("passes filters and paging; returned_count counts the page, total_count the matches", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("list_operations", { operation_type: "data_load", limit: 2, offset: 1 }));
    expect(Object.fromEntries(h.backend.requests.filter((r) => r.path === "/operations").at(-1)!.url.searchParams)).toEqual({
      operation_type: "data_load",
      limit: "2",
      offset: "1",
    });
    expect(version === "v2025" ? v.total_count : v.total_at_least).toBe(3);
    expect(v.returned_count).toBe(2);
    const active = expectOk(await h.run("list_operations", { active_only: true }));
    expect(
      h.backend.requests
        .filter((r) => r.path === "/operations")
        .at(-1)!
        .url.searchParams.get("active_only"),
    ).toBe("true");
    expect((active.data as Array<{ status: string }>).every((r) => r.status === "running" || r.status === "pending")).toBe(true);
  });

  it("limits are bounded before the backend is called", async () => {
    const h = harness(version);
    await expect(h.run("list_operations", { limit: 101 })).rejects.toThrow();
    await expect(h.run("list_operations", { limit: 0 })).rejects.toThrow();
    await expect(h.run("list_operations", { status: "bogus" })).rejects.toThrow(/pending.*running.*completed.*failed.*cancelled/);
    expect(h.backend.requests).toHaveLength(0);
  });
});

describe.each(VERSIONS)("get_operation_status against %s", (version) => {
  it("concise view of a running training: duration, ETA, epoch metrics, no nulls", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingRunning }));
    // started 14:35:35, now 16:15:00 → 5965 s; 65.23456 % → eta = 5965 * (100-65.23456)/65.23456
    const elapsed = (NOW - Date.parse("2025-10-04T14:35:35Z")) / 1000;
    expect(v.duration_seconds).toBe(elapsed);
    expect(v.eta_seconds).toBe(Math.round((elapsed * (100 - 65.23456)) / 65.23456));
    expect(v).toMatchObject({
      operation_id: IDS.trainingRunning,
      operation_type: "training",
      status: "running",
      progress_percentage: 65.23,
      current_step: "Epoch 32/50 · Batch 245/640",
      symbol: "AAPL",
      // v2025 reports the last epoch in the progress context; v2026 keeps none there, so it is the history's last.
      epoch_metrics:
        version === "v2025"
          ? { train_loss: 0.02341, val_loss: 0.03121, train_accuracy: 0.8812, val_accuracy: 0.861 }
          : { train_loss: 0.042, val_loss: 0.067, train_accuracy: 0.74, val_accuracy: 0.68 },
    });
    if (version === "v2026") expect(v.diagnosis).toMatchObject({ best_epoch: 9, val_loss_rising: true });
    const text = JSON.stringify(v);
    expect(text).not.toContain("null");
    expect(text).not.toContain("[]");
    expect(text).not.toContain("{}");
    expect(v).not.toHaveProperty("error_message");
  });

  it("concise view of a running data load keeps the segments and bars saved", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_operation_status", { operation_id: IDS.dataLoadRunning }));
    expect(v).toMatchObject({
      operation_type: "data_load",
      status: "running",
      segments: "3/12",
      bars_saved: 5400,
      progress_percentage: 25,
      duration_seconds: 900,
    });
    expect(v.eta_seconds).toBe(2700);
    // v2025 registers a data load as "N/A" (symbol, timeframe, mode): unknown, not "N/A".
    if (version === "v2026") expect(v.symbol).toBe("TSLA");
    else expect(v).not.toHaveProperty("symbol");
  });

  it("completed: duration to completion, no ETA, a result headline; failed: the error", async () => {
    const h = harness(version);
    const done = expectOk(await h.run("get_operation_status", { operation_id: IDS.dataLoadCompleted }));
    expect(done.duration_seconds).toBe(13); // 14:00:12.5 → 14:00:25 rounds to 13 (12.5 s)
    expect(done).not.toHaveProperty("eta_seconds");
    expect(done.result).toBe("1247 bars into AAPL_1h.csv");
    const t = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingCompleted }));
    expect(t.result).toBe("val_loss 0.02451, test_accuracy 0.8921, 50 epochs");
    const failed = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingFailed }));
    expect(failed).toMatchObject({ status: "failed", error_message: "Training failed: CUDA out of memory", duration_seconds: 763 });
    const pending = expectOk(await h.run("get_operation_status", { operation_id: IDS.backtestPending }));
    expect(pending).not.toHaveProperty("duration_seconds");
    expect(pending).not.toHaveProperty("eta_seconds");
  });

  it("full view keeps the whole record minus nulls and empties, with duration and ETA", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingRunning, detail: "full" }));
    // The normalised facts at the top, the backend's record (minus nulls and empties) under `record`.
    expect(v).toMatchObject({ status: "running", strategy_name: "mlp_basic", symbols: ["AAPL"] });
    const record = v.record as Record<string, unknown>;
    const progress = record.progress as Record<string, unknown>;
    const parameters = (record.metadata as Record<string, unknown>).parameters as Record<string, unknown>;
    if (version === "v2025") {
      const ctx = progress.context as Record<string, unknown>;
      expect(ctx.epoch_metrics).toEqual({
        epoch: 30,
        total_epochs: 50,
        train_loss: 0.023412345,
        train_accuracy: 0.8812,
        val_loss: 0.031212345,
        val_accuracy: 0.861,
        progress_type: "epoch",
        multi_symbol: true,
      });
      expect(ctx.batch_total_per_epoch).toBe(640);
      expect(parameters).toMatchObject({ strategy_name: "mlp_basic" });
    } else {
      // v2026: no context (empty, dropped), no current item (null, dropped), the strategy only as YAML.
      expect(progress).not.toHaveProperty("context");
      expect(progress).not.toHaveProperty("current_item");
      expect(parameters.strategy_yaml).toMatch(/^name: mlp_basic\n/);
    }
    expect(record).not.toHaveProperty("completed_at"); // null dropped
    expect(record).not.toHaveProperty("warnings"); // empty dropped
    expect(v).not.toHaveProperty("result_summary");
    expect(typeof v.duration_seconds).toBe("number");
    expect(typeof v.eta_seconds).toBe("number");
    expect(JSON.stringify(v)).not.toContain("null");
  });

  it("an unknown operation: lost in a restart, call list_operations", async () => {
    const h = harness(version);
    const msg = expectErr(await h.run("get_operation_status", { operation_id: IDS.unknown }));
    expect(msg).toContain(IDS.unknown);
    expect(msg).toMatch(/not found/);
    expect(msg).toMatch(/restart/);
    expect(msg).toMatch(/list_operations/);
  });
});

describe.each(VERSIONS)("cancel_operation against %s", (version) => {
  it("cancels a running training with the reason; normalised response", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("cancel_operation", { operation_id: IDS.trainingRunning, reason: "User changed strategy parameters" }));
    expect(v).toMatchObject({
      success: true,
      operation_id: IDS.trainingRunning,
      status: "cancelled",
      cancellation_reason: "User changed strategy parameters",
      task_cancelled: true,
      remote_cancelled: true,
      // KTRDR sends +00:00 here (Z on its other times): normalised to the model's one form.
      cancelled_at: "2025-10-04T16:15:00.000000Z",
    });
    if (version === "v2026") expect(v.children_cancelled).toBe(2);
    else expect(v).not.toHaveProperty("children_cancelled");
    expect(v).not.toHaveProperty("training_session_cancelled");
    expect(h.backend.op(IDS.trainingRunning)!.status).toBe("cancelled");
  });

  it.each([
    [IDS.trainingCompleted, "completed", true],
    [IDS.trainingFailed, "failed", true],
    [IDS.dataLoadCancelled, "cancelled", false],
  ] as const)("a finished operation (%s) gets an error naming its status", async (id, status, suggestsResults) => {
    const h = harness(version);
    const msg = expectErr(await h.run("cancel_operation", { operation_id: id }));
    expect(msg).toContain(`already ${status}`);
    expect(msg).toContain(id);
    expect(msg).toMatch(/nothing to cancel/);
    if (suggestsResults) expect(msg).toMatch(/get_operation_results/);
    expect(msg).not.toMatch(/\n|at \w|Error:/);
  });

  it("an unknown operation: may have been lost in a restart; suggests list_operations", async () => {
    const h = harness(version);
    const msg = expectErr(await h.run("cancel_operation", { operation_id: IDS.unknown, reason: "x" }));
    expect(msg).toMatch(new RegExp(`^Operation ${IDS.unknown} not found\\..*restart.*list_operations`));
  });
});

describe.each(VERSIONS)("get_operation_results against %s", (version) => {
  for (const hasResults of [true, false]) {
    const label = hasResults ? "with /results" : "without /results";
    it(`${label}: completed training gives the concise key metrics and model path`, async () => {
      const h = harness(version, { hasResults });
      const v = expectOk(await h.run("get_operation_results", { operation_id: IDS.trainingCompleted }));
      expect(v).toEqual({
        success: true,
        operation_id: IDS.trainingCompleted,
        operation_type: "training",
        status: "completed",
        results: {
          training_metrics: {
            final_train_loss: 0.01871,
            final_val_loss: 0.02451,
            final_train_accuracy: 0.9012,
            final_val_accuracy: 0.8876,
            epochs_completed: 50,
            training_time_minutes: 32.5,
            // v2026's summary has neither (v2026/029).
            ...(version === "v2025" ? { early_stopped: false, best_epoch: 47 } : {}),
          },
          test_metrics: { test_loss: 0.0301, test_accuracy: 0.8921, precision: 0.875, recall: 0.861, f1_score: 0.868 },
          model_path: version === "v2025" ? TRAINING_RESULT_SUMMARY.artifacts.model_path : TRAINING_RESULT_SUMMARY_V2026.model_path,
        },
      });
    });

    it(`${label}: full detail keeps everything non-empty`, async () => {
      const h = harness(version, { hasResults });
      const v = expectOk(await h.run("get_operation_results", { operation_id: IDS.trainingCompleted, detail: "full" }));
      const r = v.results as Record<string, Record<string, unknown>>;
      if (version === "v2025") {
        expect(r.session_info).toEqual(TRAINING_RESULT_SUMMARY.session_info);
        expect(r.artifacts).toEqual(TRAINING_RESULT_SUMMARY.artifacts);
      } else {
        expect(r.session_info).toEqual(TRAINING_RESULT_SUMMARY_V2026.session_info);
        expect(r.training_metrics!.history).toEqual(TRAINING_RESULT_SUMMARY_V2026.training_metrics.history);
        // Its artifacts are all null: dropped.
        expect(r).not.toHaveProperty("artifacts");
      }
    });

    it(`${label}: completed data load and failed training have results`, async () => {
      const h = harness(version, { hasResults });
      const dl = expectOk(await h.run("get_operation_results", { operation_id: IDS.dataLoadCompleted }));
      const d = DATA_LOAD_RESULT_SUMMARY;
      expect(dl.results).toEqual({
        bars_loaded: d.fetched_bars,
        merged_file: d.merged_file,
        segments: d.segments_fetched,
        gaps_analyzed: d.gaps_analyzed,
        ib_requests: d.ib_requests_made,
      });
      // A failed training keeps no result summary (v2025/043, v2026/047): empty results.
      const failed = expectOk(await h.run("get_operation_results", { operation_id: IDS.trainingFailed }));
      expect(failed).toMatchObject({ success: false, status: "failed", error_message: "Training failed: CUDA out of memory" });
      expect(failed.results).toEqual({});
    });

    it(`${label}: a failed operation with a partial result summary reports what it holds`, async () => {
      const h = harness(version, { hasResults });
      const op = h.backend.op(IDS.trainingFailed)!;
      op.result_summary = { training_metrics: { epochs_completed: 6 } };
      const failed = expectOk(await h.run("get_operation_results", { operation_id: IDS.trainingFailed }));
      expect(failed.status).toBe("failed");
      expect(failed.results).toEqual({ training_metrics: { epochs_completed: 6 } });
    });

    it(`${label}: a cancelled operation answers cancelled, with its reason and no results`, async () => {
      const h = harness(version, { hasResults });
      const v = expectOk(await h.run("get_operation_results", { operation_id: IDS.dataLoadCancelled }));
      expect(v).toEqual({
        success: false,
        operation_id: IDS.dataLoadCancelled,
        operation_type: "data_load",
        status: "cancelled",
        cancel_reason: "Operation cancelled by user",
        results: {},
        // v2026 resets a cancelled operation's progress: how far it got is unknown, and said so.
        ...(version === "v2026"
          ? { unknown: ["progress"], note: "KTRDR v2026 resets progress when an operation is cancelled: how far it got is not known." }
          : {}),
      });
    });

    it.each([
      [IDS.trainingRunning, "running", /still running.*get_operation_status/],
      [IDS.backtestPending, "pending", /still pending.*get_operation_status/],
    ] as const)(`${label}: %s (%s) → an error saying the status and what to do`, async (id, _status, expected) => {
      const h = harness(version, { hasResults });
      const msg = expectErr(await h.run("get_operation_results", { operation_id: id }));
      expect(msg).toMatch(expected);
      expect(msg).toContain(id);
    });

    it(`${label}: unknown operation → lost in a restart, list_operations`, async () => {
      const h = harness(version, { hasResults });
      const msg = expectErr(await h.run("get_operation_results", { operation_id: IDS.unknown }));
      expect(msg).toMatch(/not found.*restart.*list_operations/);
    });
  }
});

describe.each(VERSIONS)("get_operation_metrics against %s", (version) => {
  it("with /metrics: the last 10 epochs, a diagnosis and the summary numbers", async () => {
    const h = harness(version, { hasMetrics: true });
    const outcome = await h.run("get_operation_metrics", { operation_id: IDS.trainingRunning });
    const v = expectOk(outcome);
    const epochs = v.epochs as Array<Record<string, unknown>>;
    expect(epochs).toHaveLength(10);
    expect(epochs[0]).toEqual({ epoch: 3, train_loss: 0.078, val_loss: 0.085, train_accuracy: 0.56, val_accuracy: 0.545 });
    expect(epochs.at(-1)!.epoch).toBe(12);
    expect(epochs[0]).not.toHaveProperty("duration");
    expect(v.epochs_shown).toBe("last 10 of 12");
    // … and the number for the operation view, as data beside the result (the view parses no text).
    expect(outcome.ok && outcome.view).toEqual({ epochs_total: 12 });
    expect(v.diagnosis).toEqual({
      best_epoch: 9,
      best_val_loss: 0.055,
      val_loss_rising: true,
      note: "val_loss rising for 2 epochs; best at epoch 9",
    });
    // v2026 sends only the epochs (a serialised list); v2025's object carries summary numbers too.
    if (version === "v2025") expect(v.metrics).toMatchObject({ total_epochs_planned: 50, best_epoch: 9, is_overfitting: true });
    else expect(v.metrics).toBeUndefined();
    const full = expectOk(await h.run("get_operation_metrics", { operation_id: IDS.trainingRunning, detail: "full" }));
    // In full, v2026's learning rate per epoch too (v2026-focus/013); v2025's contract object has none.
    const lr = version === "v2026" ? { learning_rate: 0.001 } : {};
    expect(full.epochs).toEqual(EPOCHS.map(({ duration: _d, ...e }) => ({ ...e, ...lr })));
  });

  it("without /metrics: falls back to the operation record", async () => {
    const h = harness(version, { hasMetrics: false });
    const v = expectOk(await h.run("get_operation_metrics", { operation_id: IDS.trainingRunning }));
    if (version === "v2026") {
      // v2026 records carry `metrics.epochs`.
      expect((v.epochs as unknown[]).length).toBe(10);
    } else {
      // v2025: only the last completed epoch's metrics, from the progress context (KTRDR numbers it from 0).
      expect(v.epochs).toEqual([{ epoch: 30, train_loss: 0.02341, val_loss: 0.03121, train_accuracy: 0.8812, val_accuracy: 0.861 }]);
    }
    expect(h.backend.requests.map((r) => r.path)).toEqual([
      `/operations/${IDS.trainingRunning}/metrics`,
      `/operations/${IDS.trainingRunning}`,
    ]);
  });

  it("unknown operation → restart hint", async () => {
    const h = harness(version, { hasMetrics: true });
    expect(expectErr(await h.run("get_operation_metrics", { operation_id: IDS.unknown }))).toMatch(/not found.*list_operations/);
  });
});

describe.each(VERSIONS)("data tools against %s", (version) => {
  it("get_market_data: the most recent 50 bars by default, compact rows", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_market_data", { symbol: "aapl" }));
    expect(h.backend.requests.at(-1)!.path).toBe("/data/AAPL/1h");
    expect(v).toMatchObject({
      symbol: "AAPL",
      timeframe: "1h",
      total_bars: 120,
      returned_bars: 50,
      columns: ["time", "open", "high", "low", "close", "volume"],
    });
    const rows = v.bars as unknown[][];
    expect(rows).toHaveLength(50);
    // Last bar: index 119, 2025-09-01T09:30 + 119 h = 2025-09-06T08:30; seconds dropped.
    expect(rows.at(-1)).toEqual(["2025-09-06T08:30", 164.7, 165.8, 163.7, 165.2, 10119]);
    expect(rows[0]![0]).toBe("2025-09-04T07:30");
    expect(v).not.toHaveProperty("message");
  });

  it("get_market_data: limit_bars bounded at 200 and honoured", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_market_data", { symbol: "AAPL", limit_bars: 200 }));
    expect(v.returned_bars).toBe(120);
    const three = expectOk(await h.run("get_market_data", { symbol: "AAPL", limit_bars: 3 }));
    expect((three.bars as unknown[][]).map((r) => r[0])).toEqual(["2025-09-06T06:30", "2025-09-06T07:30", "2025-09-06T08:30"]);
    await expect(h.run("get_market_data", { symbol: "AAPL", limit_bars: 201 })).rejects.toThrow();
    await expect(h.run("get_market_data", { symbol: "AAPL", limit_bars: 0 })).rejects.toThrow();
  });

  it("get_market_data: nothing cached → empty with a hint to load it; reversed range refused", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_market_data", { symbol: "NVDA", timeframe: "1d" }));
    expect(v).toMatchObject({ total_bars: 0, returned_bars: 0, bars: [] });
    expect(v.message).toMatch(/trigger_data_loading/);
    const n = h.backend.requests.length;
    expect(expectErr(await h.run("get_market_data", { symbol: "AAPL", start_date: "2025-02-01", end_date: "2025-01-31" }))).toMatch(
      /after end_date/,
    );
    expect(h.backend.requests).toHaveLength(n);
  });

  it("get_data_summary: cached and not cached", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_data_summary", { symbol: "AAPL" }));
    // KTRDR's point_count (calendar hours, not bars) is not passed on as a bar count.
    expect(v).toEqual({
      symbol: "AAPL",
      timeframe: "1h",
      available: true,
      first_bar: "2025-09-01T09:30:00",
      last_bar: "2025-09-06T08:30:00",
      // The fake has no gap analysis (details.test.ts replays KTRDR's).
      note: "This KTRDR has no gap analysis.",
    });
    expect(h.backend.requests.find((r) => r.path === "/data/range")!.body).toEqual({ symbol: "AAPL", timeframe: "1h" });
    const none = expectOk(await h.run("get_data_summary", { symbol: "NVDA", timeframe: "1d" }));
    expect(none).toMatchObject({ symbol: "NVDA", available: false });
    expect(none.message).toMatch(/trigger_data_loading/);
  });
});

describe.each(VERSIONS)("discovery tools against %s", (version) => {
  it("check_backend_health", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("check_backend_health"));
    expect(v).toMatchObject({
      healthy: true,
      status: "ok",
      version: version === "v2026" ? "2.3.0" : "1.0.7",
      backend: new URL(h.cfg.baseUrl).host,
    });
    expect(v.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("get_available_symbols / indicators / strategies: compact lists with counts", async () => {
    const h = harness(version);
    const s = expectOk(await h.run("get_available_symbols"));
    expect(s.count).toBe(2);
    expect((s.symbols as unknown[])[0]).toEqual({
      symbol: "AAPL",
      name: "Apple Inc.",
      type: "stock",
      exchange: "NASDAQ",
      currency: "USD",
      timeframes: ["1h", "1d"],
    });
    const i = expectOk(await h.run("get_available_indicators"));
    expect(i.indicators).toEqual([
      { name: "RSI", description: "Relative Strength Index", parameters: ["period", "source"] },
      { name: "SMA", description: "Simple Moving Average", parameters: ["period"] },
    ]);
    const st = expectOk(await h.run("get_available_strategies"));
    expect(st.count).toBe(2);
    expect((st.strategies as unknown[])[1]).toEqual({
      name: "momentum_fx",
      description: "Momentum on EURUSD",
      symbol: "EURUSD",
      timeframe: "1h",
      training_status: "untrained",
    });
  });

  it("get_model_performance: a completed training; a running one → not found with the backend's reason", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("get_model_performance", { task_id: IDS.trainingCompleted }));
    expect(v).toEqual({
      task_id: IDS.trainingCompleted,
      status: "completed",
      training_metrics: {
        final_train_loss: 0.01871,
        final_val_loss: 0.02451,
        final_train_accuracy: 0.9012,
        final_val_accuracy: 0.8876,
        epochs_completed: 50,
        early_stopped: false,
        training_time_minutes: 32.5,
      },
      test_metrics: { test_loss: 0.0301, test_accuracy: 0.8921, precision: 0.875, recall: 0.861, f1_score: 0.868 },
      model_info: { model_size_bytes: 123456, parameters_count: 12345, architecture: "mlp_64_32" },
    });
    const msg = expectErr(await h.run("get_model_performance", { task_id: IDS.trainingRunning }));
    expect(msg).toMatch(/not found/i);
    expect(msg).toMatch(/not completed/);
  });
});

describe("what each tool is, as its definition says", () => {
  it("the start tools start an operation and answer with the started shape; the view tools name their kind", () => {
    // The one place these sets are written: everything else (task support, the view's links, the
    // "did it start?" wording of errors) asks the definitions.
    expect(TOOLS.filter((t) => t.startsOperation).map((t) => t.name)).toEqual([
      "trigger_data_loading",
      "start_training",
      "start_backtest",
      "start_research",
      "resume_operation",
    ]);
    for (const t of TOOLS) expect(t.output === startedOutput, t.name).toBe(t.startsOperation);
    expect(Object.fromEntries(TOOLS.filter((t) => t.view !== false).map((t) => [t.name, t.view]))).toEqual({
      trigger_data_loading: "started",
      start_training: "started",
      start_backtest: "started",
      start_research: "started",
      resume_operation: "started",
      get_operation_status: "status",
      get_operation_metrics: "metrics",
      get_operation_results: "results",
    });
  });
});

describe("scopes", () => {
  const readOnly: AuthContext = { principal: "key:reader", method: "api_key", scopes: ["ktrdr:read"] };
  const none: AuthContext = { principal: "key:none", method: "api_key", scopes: [] };

  it("operate tools are refused without ktrdr:operate, naming the scope, with no backend call", async () => {
    const operate = TOOLS.filter((t) => t.scope === "ktrdr:operate")
      .map((t) => t.name)
      .sort();
    expect(operate).toEqual([
      "cancel_operation",
      "resume_operation",
      "start_backtest",
      "start_research",
      "start_training",
      "trigger_data_loading",
    ]);
    for (const name of operate) {
      const h = harness("v2025");
      const msg = expectErr(await h.run(name, VALID_ARGS[name], readOnly));
      expect(msg).toContain(name);
      expect(msg).toContain("'ktrdr:operate'");
      expect(h.backend.requests).toHaveLength(0);
    }
  });

  it("read tools work with ktrdr:read only, and nothing works with no scope", async () => {
    for (const t of TOOLS) {
      const h = harness("v2025");
      if (t.scope === "ktrdr:read") expectOk(await h.run(t.name, VALID_ARGS[t.name], readOnly));
      const before = h.backend.requests.length;
      const msg = expectErr(await h.run(t.name, VALID_ARGS[t.name], none));
      expect(msg).toContain(`'${t.scope}'`);
      // Refused before the tool ran: nothing reached the backend.
      expect(h.backend.requests.length, t.name).toBe(before);
    }
  });
});

it("the catalogue an agent reads stays within budget: at most 20 tools, 5,000 o200k tokens (the 2025-era listing)", () => {
  // test/tool-catalogue.json is the listing as a client sees it (test/e2e/catalogue.test.ts keeps it so).
  expect(catalogue.tools.length).toBe(TOOLS.length);
  expect(catalogue.tools.length).toBeLessThanOrEqual(20);
  expect(catalogue.tools.reduce((n, t) => n + countTokens(t), 0)).toBeLessThanOrEqual(5000);
});

it("VALID_ARGS covers every tool in the catalogue (17)", () => {
  expect(TOOLS.map((t) => t.name).sort()).toEqual(Object.keys(VALID_ARGS).sort());
  expect(TOOLS).toHaveLength(17);
});

describe.each(VERSIONS)("safe starts against %s", (version) => {
  // The running training's parameters, as KTRDR recorded them.
  const RUNNING = { strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"], start_date: "2024-01-01", end_date: "2025-09-30" };

  it("start_training with the parameters of an active training returns it instead of starting a duplicate", async () => {
    const h = harness(version);
    const v = expectOk(await h.run("start_training", RUNNING));
    expect(v).toMatchObject({ success: true, operation_id: IDS.trainingRunning, operation_type: "training", status: "already_running" });
    expect(v.message).toMatch(/allow_duplicate=true/);
    expect((v.operation as Record<string, unknown>).status).toBe("running");
    expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    const list = h.backend.requests.find((r) => r.path === "/operations")!;
    expect(Object.fromEntries(list.url.searchParams)).toMatchObject({ operation_type: "training", active_only: "true" });
  });

  it("allow_duplicate=true starts anyway; a different symbol set starts a new one", async () => {
    const h = harness(version);
    const dup = expectOk(await h.run("start_training", { ...RUNNING, allow_duplicate: true }));
    expect(dup.status).toBe("started");
    expect(dup.operation_id).not.toBe(IDS.trainingRunning);
    const other = expectOk(await h.run("start_training", { ...RUNNING, symbols: ["AAPL", "MSFT"] }));
    expect(other.status).toBe("started");
    expect(h.backend.requests.filter((r) => r.path === "/trainings/start")).toHaveLength(2);
  });

  it("trigger_data_loading for the running TSLA 1d backfill returns it (v2026); another mode starts a new load", async () => {
    const h = harness(version);
    const same = expectOk(await h.run("trigger_data_loading", { symbol: "TSLA", timeframe: "1d", mode: "backfill" }));
    // v2025 records a data load as "N/A" (symbol, timeframe, mode: v2025/011), so it cannot be matched: a new one starts.
    if (version === "v2026") expect(same).toMatchObject({ operation_id: IDS.dataLoadRunning, status: "already_running" });
    else expect(same.status).toBe("started");
    const other = expectOk(await h.run("trigger_data_loading", { symbol: "TSLA", timeframe: "1d", mode: "tail" }));
    expect(other.status).toBe("started");
  });
});

describe("safe starts see v2026 resuming operations (active_only covers pending + running only)", () => {
  const resumingTwin = (h: ReturnType<typeof harness>) => {
    const op = h.backend.op(IDS.trainingFailed)!;
    Object.assign(op, {
      status: "resuming",
      completed_at: null,
      error_message: null,
      metadata: { ...(op.metadata as object), parameters: { strategy_name: "mlp_basic", symbols: ["MSFT"], timeframes: ["1h"] } },
    });
  };
  const START = { strategy_name: "mlp_basic", symbols: ["MSFT"], timeframes: ["1h"] };

  it.each(["auto", "v2026"] as const)(
    "v2026 backend, KTRDR_API_VERSION=%s: a resuming twin is returned, nothing is started",
    async (pin) => {
      const h = harness("v2026", { cfg: { wireVersion: pin } });
      resumingTwin(h);
      const v = expectOk(await h.run("start_training", START));
      expect(v).toMatchObject({ operation_id: IDS.trainingFailed, status: "already_running" });
      expect(v.message).toMatch(/already resuming/);
      expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(0);
      const lists = h.backend.requests.filter((r) => r.path === "/operations").map((r) => Object.fromEntries(r.url.searchParams));
      expect(lists).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ operation_type: "training", active_only: "true" }),
          expect.objectContaining({ operation_type: "training", status: "resuming" }),
        ]),
      );
    },
  );

  it("control: the backend's active_only list leaves the resuming twin out, so only the second query finds it", async () => {
    const h = harness("v2026", { cfg: { wireVersion: "auto" } });
    resumingTwin(h);
    const listed = expectOk(await h.run("list_operations", { operation_type: "training", active_only: true }));
    const ids = (listed.data as Array<{ operation_id: string }>).map((o) => o.operation_id);
    expect(ids).toContain(IDS.trainingRunning);
    expect(ids).not.toContain(IDS.trainingFailed);
  });

  it("v2025 backend with auto: GET /workers 404s, so the server knows it is v2025 and asks for no resuming operations", async () => {
    const h = harness("v2025", { cfg: { wireVersion: "auto" } });
    expect(expectOk(await h.run("start_training", START)).status).toBe("started");
    expect(h.backend.requests.some((r) => r.url.searchParams.get("status") === "resuming")).toBe(false);
  });

  it("v2025 backend with auto, version still unknown: its 422 for status=resuming means none, and the start goes ahead", async () => {
    const h = harness("v2025", { cfg: { wireVersion: "auto" } });
    h.backend.fault(async () => json({ detail: "Internal Server Error" }, 500), { match: (r) => r.path === "/workers" });
    const v = expectOk(await h.run("start_training", START));
    expect(v.status).toBe("started");
    const resumingQuery = h.backend.requests.find((r) => r.path === "/operations" && r.url.searchParams.get("status") === "resuming");
    expect(resumingQuery).toBeDefined();
    expect(h.backend.requests.filter((r) => r.path === "/trainings/start")).toHaveLength(1);
  });

  it("pinned to v2025, no resuming query is made", async () => {
    const h = harness("v2025", { cfg: { wireVersion: "v2025" } });
    expectOk(await h.run("start_training", START));
    expect(h.backend.requests.some((r) => r.url.searchParams.get("status") === "resuming")).toBe(false);
  });

  it("a v2026 backend failing the resuming query: nothing is started, and the agent is told so", async () => {
    const h = harness("v2026", { cfg: { wireVersion: "auto" } });
    h.backend.fault(async () => json({ detail: "Internal Server Error" }, 500), {
      match: (r) => r.url.searchParams.get("status") === "resuming",
    });
    const msg = expectErr(await h.run("start_training", START));
    expect(msg).toMatch(/Nothing was started/);
    expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });
});

describe("bounded waits", () => {
  it("get_operation_status with wait_seconds returns as soon as the operation finishes", async () => {
    let t = NOW;
    const progress: number[] = [];
    const h = harness("v2025", {
      now: () => t,
      progress: async (p) => {
        progress.push(p);
      },
    });
    // Each read advances the clock 1 s; the second read sees the training completed.
    let reads = 0;
    h.backend.onRequest = (r) => {
      if (r.path !== `/operations/${IDS.trainingRunning}`) return;
      reads += 1;
      t += 1000;
      if (reads >= 2)
        Object.assign(h.backend.op(IDS.trainingRunning)!, {
          status: "completed",
          completed_at: "2025-10-04T16:15:01.000000Z",
          result_summary: TRAINING_RESULT_SUMMARY,
        });
    };
    const v = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingRunning, wait_seconds: 5 }));
    expect(v.status).toBe("completed");
    expect(v.finished).toBe(true);
    expect(v.waited_seconds).toBe(1);
    expect(reads).toBe(2);
    expect(progress).toEqual([65.23456]);
  });

  it("wait_seconds on a finished operation answers at once with one read", async () => {
    const h = harness("v2026");
    const v = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingCompleted, wait_seconds: 30 }));
    expect(v).toMatchObject({ status: "completed", finished: true, waited_seconds: 0 });
    // One read of the record (after it, v2026 asks /agent/status once for the training's research cycle).
    expect(h.backend.requests.filter(isRecordRead)).toHaveLength(1);
  });

  it("wait_seconds is capped at 45 by the input schema", async () => {
    const h = harness("v2025");
    await expect(h.run("get_operation_status", { operation_id: IDS.trainingRunning, wait_seconds: 46 })).rejects.toThrow();
    expect(h.backend.requests).toHaveLength(0);
  });
});

/** A read of an operation record (not the list), as the waits make. */
const isRecordRead = (r: RecordedRequest) => r.method === "GET" && /^\/operations\/op_[^/]+$/.test(r.path);
/** A read that fails for good (a 5xx would be answered from the list row instead). */
const truncated = FAULTS.find((f) => f.name === "truncated JSON")!;

describe.each(VERSIONS)("a read that fails inside a wait, against %s: what is known stands, the failure is said", (version) => {
  const START = { strategy_name: "mlp_basic", symbols: ["MSFT"], timeframes: ["1h"] };
  /** What the agent is told about the failed read itself (the same sentence a plain read would give). */
  const readFailure =
    String.raw`KTRDR backend sent malformed or truncated JSON \(HTTP 200\) \(request [^)]+\)\. ` +
    String.raw`Retry; if it persists, the backend or tunnel is faulty\.`;
  const startedNote = new RegExp(
    `^It started, but reading it back failed: ${readFailure} The operation_id stands; do not start it again\\.$`,
  );
  const lastSeenNote = new RegExp(`^This is the last state seen: a later read failed \\(${readFailure}\\)$`);

  /** Record reads after the start went through (the duplicate check before it reads the running training). */
  const readBack = (h: ReturnType<typeof harness>) => (r: RecordedRequest) =>
    isRecordRead(r) && h.backend.requestsTo("/trainings/start", "POST").length > 0;

  it("a start whose first read-back fails: the operation_id stands, nothing is claimed about its state", async () => {
    const h = harness(version);
    h.backend.fault(truncated.respond, { match: readBack(h) });
    const v = expectOk(await h.run("start_training", { ...START, wait_seconds: 5 }));
    const created = h.backend.operations.at(-1)!;
    expect(v).toEqual({
      success: true,
      operation_id: created.operation_id,
      operation_type: "training",
      status: "started",
      message: expect.stringContaining(`get_operation_status("${created.operation_id}")`),
      finished: false,
      waited_seconds: 0,
      note: expect.stringMatching(startedNote),
    });
    // One start, one read back (that failed), no retry of either.
    expect(h.backend.requestsTo("/trainings/start", "POST")).toHaveLength(1);
    const after = h.backend.requests.slice(h.backend.requests.findIndex((r) => r.method === "POST") + 1);
    expect(after.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /operations/${created.operation_id}`]);
  });

  it("a start whose later read fails: the operation_id, the last state seen, finished false, and the note", async () => {
    let t = NOW;
    const h = harness(version, { now: () => t });
    let reads = 0;
    h.backend.onRequest = (r) => {
      if (!readBack(h)(r)) return;
      reads += 1;
      t += 1000;
    };
    h.backend.fault(truncated.respond, { match: (r) => readBack(h)(r) && reads >= 2 });
    const v = expectOk(await h.run("start_training", { ...START, wait_seconds: 5 }));
    const created = h.backend.operations.at(-1)!;
    expect(reads).toBe(2);
    expect(v).toMatchObject({ operation_id: created.operation_id, status: "started", finished: false, waited_seconds: 2 });
    expect(v.note).toMatch(startedNote);
    // The state the first read saw: the backend's pending record.
    expect(v.operation).toMatchObject({ operation_id: created.operation_id, operation_type: "training", status: "pending" });
  });

  it("get_operation_status whose later poll fails: the last state seen, finished false, and the note", async () => {
    let t = NOW;
    const h = harness(version, { now: () => t });
    let reads = 0;
    h.backend.onRequest = (r) => {
      if (!isRecordRead(r)) return;
      reads += 1;
      t += 1000;
    };
    h.backend.fault(truncated.respond, { match: (r) => isRecordRead(r) && reads >= 2 });
    const v = expectOk(await h.run("get_operation_status", { operation_id: IDS.trainingRunning, wait_seconds: 5 }));
    expect(reads).toBe(2);
    // Exactly what a plain read at the same moment answers, plus the wait's outcome and the note.
    const plain = expectOk(await harness(version, { now: () => t }).run("get_operation_status", { operation_id: IDS.trainingRunning }));
    expect(plain.status).toBe("running");
    expect(plain.note).toBeUndefined();
    expect(v).toEqual({
      ...plain,
      finished: false,
      waited_seconds: 1,
      note: expect.stringMatching(lastSeenNote),
    });
  });
});
