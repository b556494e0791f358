/**
 * Issue 16, item 4: backend texts pass one scrubber (`src/ktrdr/scrub.ts`) before an agent sees
 * them. KTRDR's "Strategy file not found: x.yaml (searched: /srv/ktrdr/strategies/a.yaml, …)"
 * (recorded on both versions) reached the agent verbatim, with the backend's directory layout.
 * Absolute paths become file names, relative paths (facts agents act on) stay, length is bounded;
 * in error messages, operation errors, cancel reasons, current steps and the records and result
 * summaries shown under `detail: "full"`. The path fact `model_path` stays usable.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import { classifyHttp, readErrorBody } from "../../src/ktrdr/errors";
import { runTool } from "../../src/tools/run";
import { json } from "./fake-backend";
import { config, expectErr, expectOk, harness, quietConsole, tool } from "./helpers";
import { type Exchange, type Folder, folder, pick, Replay } from "./replay";

quietConsole();

/** Every recorded KTRDR answer quoting the paths it searched (v2025, v2026 and the v2026 agent trigger). */
const SEARCHED: Exchange[] = [...folder("v2025"), ...folder("v2026"), ...pick("lifecycle-v2026" as Folder, "538")].filter((e) =>
  JSON.stringify(e.body).includes("(searched: /"),
);

const ABSOLUTE = /(^|[\s(:,'"])(\/(srv|app|home|opt|usr|tmp|var|etc)\b|[A-Za-z]:\\|file:)/;

describe("recorded KTRDR texts", () => {
  it("the recordings hold the texts this is about (one per version and the agent trigger)", () => {
    expect(SEARCHED.map((e) => `${e.folder}/${e.file}`)).toEqual([
      "v2025/045_training_unknown_strategy",
      "v2026/049_training_unknown_strategy",
      "lifecycle-v2026/538_agent_trigger_unknown_strategy",
    ]);
  });

  it.each(SEARCHED.map((e) => [`${e.folder}/${e.file}`, e] as const))(
    "%s: the error message names the files, not where they are, and is bounded",
    (_f, e) => {
      const sent = (e.body as { detail: string }).detail;
      const read = readErrorBody(e.body);
      expect(read).toBeDefined();
      const msg = read!.message;
      expect(msg).not.toMatch(ABSOLUTE);
      expect(msg).not.toContain("/srv/ktrdr");
      expect(msg.length).toBeLessThanOrEqual(300);
      // What the agent needs: which strategy was missing, and (some of) the ones that exist.
      const missing = /not found: (\w+\.yaml)/.exec(sent)![1]!;
      expect(msg).toContain(`not found: ${missing} (searched: `);
      const firstSearched = /\(searched: \/[^,]*\/([^/,]+\.yaml)/.exec(sent)![1]!;
      expect(msg).toContain(`(searched: ${firstSearched}, `);
      // Still classified as the refused argument it is (the research trigger's 422 names the strategy as the cause).
      const expected = /^Strategy not found: /.test(sent) ? "strategy_not_found" : "invalid_request";
      expect(classifyHttp(e.status, read)).toEqual({ is: expected });
    },
  );

  it("start_training with an unknown strategy: the agent reads file names, not the backend's directories", async () => {
    for (const [version, file] of [
      ["v2025", "045"],
      ["v2026", "049"],
    ] as const) {
      const recordedAnswer = pick(version, file)[0]!;
      const h = harness(version);
      h.backend.fault(() => Promise.resolve(json(recordedAnswer.body, recordedAnswer.status)), {
        match: (r) => r.method === "POST" && r.path === "/trainings/start",
      });
      const msg = expectErr(await h.run("start_training", { strategy_name: "does_not_exist", symbols: ["EURUSD"], timeframes: ["1h"] }));
      expect(msg).toMatch(
        /^KTRDR rejected the request \(HTTP 400\): Strategy file not found: does_not_exist\.yaml \(searched: \w+\.yaml, /,
      );
      expect(msg).not.toMatch(ABSOLUTE);
      expect(msg).not.toContain("/srv/");
      expect(msg.length).toBeLessThan(500);
    }
  });

  it("a recorded v2025 training record under detail full: strategy_path is a file name, the rest as sent", async () => {
    const e = pick("lifecycle-v2025" as Folder, "043")[0]!;
    const replay = new Replay([e]);
    const def = tool("get_operation_status");
    const args = z.object(def.input).parse({ operation_id: e.request.path.split("/")[2], detail: "full" }) as Record<string, unknown>;
    const out = expectOk(
      await runTool(def, args, {
        auth: LOCAL_CONTEXT,
        backend: config({ baseUrl: replay.base, wireVersion: "v2025" }),
        signal: new AbortController().signal,
        requestId: "scrub",
        fetch: replay.fetch,
      }),
    );
    const params = ((out.record as Record<string, any>).metadata as Record<string, any>).parameters;
    expect(params.strategy_path).toBe("mcp_smoke_slow.yaml");
    expect(params.strategy_name).toBe("mcp_smoke_slow");
    expect(params.symbols).toEqual(["EURUSD"]);
    expect(JSON.stringify(out)).not.toContain("/srv/");
  });
});

// ---- every text an agent reads, through the tools ------------------------------------------------

const PATHY = {
  error: "Training failed: could not open /srv/ktrdr/data/EURUSD_1h.csv (see C:\\ktrdr\\logs\\train.log)",
  step: "Loading file:///srv/ktrdr/cache/EURUSD_1h.parquet",
  cancel: "Cancelled by ops: disk /mnt/data nearly full",
  summaryNote: "analytics written to /home/ktrdr/training_analytics/run_7 and \\\\fileserver\\share\\run_7.zip",
};

describe("backend texts through the tools (fake KTRDR quoting host paths)", () => {
  it("get_operation_status, list_operations and get_operation_results: no absolute path, relative facts and model_path kept", async () => {
    const h = harness("v2026");
    const ops = h.backend.operations as Array<Record<string, any>>;
    const failed = ops.find((o) => o.status === "failed")!;
    failed.error_message = PATHY.error;
    const running = ops.find((o) => o.status === "running" && o.operation_type === "training")!;
    running.progress.current_step = PATHY.step;
    const cancelled = ops.find((o) => o.status === "cancelled")!;
    cancelled.error_message = PATHY.cancel;
    const completed = ops.find((o) => o.status === "completed" && o.operation_type === "training")!;
    completed.result_summary = {
      ...completed.result_summary,
      note: PATHY.summaryNote,
      artifacts: {
        ...completed.result_summary.artifacts,
        model_path: "/srv/ktrdr/models/mlp_basic/AAPL_1h_v3",
        analytics_dir: "training_analytics/mlp_basic_20251003",
        checkpoints: ["epoch_10.pt", "best.pt"],
      },
    };

    const seen: string[] = [];
    const read = async (name: string, args: Record<string, unknown>) => {
      const v = expectOk(await h.run(name, args));
      seen.push(JSON.stringify(v));
      return v;
    };
    const f = await read("get_operation_status", { operation_id: failed.operation_id });
    expect(f.error_message).toBe("Training failed: could not open EURUSD_1h.csv (see train.log)");
    await read("get_operation_status", { operation_id: failed.operation_id, detail: "full" });
    await read("get_operation_results", { operation_id: failed.operation_id, detail: "full" });
    const r = await read("get_operation_status", { operation_id: running.operation_id });
    expect(r.current_step).toBe("Loading EURUSD_1h.parquet");
    await read("get_operation_status", { operation_id: running.operation_id, detail: "full" });
    const list = await read("list_operations", { active_only: true });
    expect(JSON.stringify(list)).toContain("Loading EURUSD_1h.parquet");
    const c = await read("get_operation_status", { operation_id: cancelled.operation_id });
    expect(c.cancel_reason).toBe("Cancelled by ops: disk data nearly full");

    const concise = await read("get_operation_results", { operation_id: completed.operation_id });
    const full = await read("get_operation_results", { operation_id: completed.operation_id, detail: "full" });
    await read("get_operation_status", { operation_id: completed.operation_id, detail: "full" });
    // model_path is a fact start_backtest takes back: it stays usable, also in the full record.
    expect((concise.results as Record<string, unknown>).model_path).toBe("/srv/ktrdr/models/mlp_basic/AAPL_1h_v3");
    const raw = full.results as Record<string, any>;
    expect(raw.artifacts.model_path).toBe("/srv/ktrdr/models/mlp_basic/AAPL_1h_v3");
    expect(raw.note).toBe("analytics written to run_7 and run_7.zip");
    // Relative paths are facts, not the host's layout: as sent.
    expect(raw.artifacts.analytics_dir).toBe("training_analytics/mlp_basic_20251003");
    expect(raw.artifacts.checkpoints).toContain("epoch_10.pt");

    // Apart from the one model_path fact, nothing the agent read names a host directory.
    for (const s of seen) {
      const text = s.replaceAll("/srv/ktrdr/models/mlp_basic/AAPL_1h_v3", "MODEL_PATH");
      expect(text).not.toMatch(/\/srv\/|\/mnt\/|\/home\/|C:\\\\|\\\\\\\\fileserver|file:/);
    }
  });

  it("cancel_operation: KTRDR's recorded cancellation reason is scrubbed too", async () => {
    const h = harness("v2025");
    const id = (h.backend.operations.find((o) => o.status === "running") as Record<string, any>).operation_id as string;
    const out = expectOk(await h.run("cancel_operation", { operation_id: id, reason: "stop: see /var/log/ktrdr/ops.log" }));
    expect(out.cancellation_reason).toBe("stop: see ops.log");
  });

  it("an over-long backend text is bounded, also inside a full record", async () => {
    const h = harness("v2025");
    const failed = (h.backend.operations as Array<Record<string, any>>).find((o) => o.status === "failed")!;
    failed.error_message = `Training failed: ${"x".repeat(20_000)}`;
    failed.warnings = [`warn ${"y".repeat(5_000)}`];
    const status = expectOk(await h.run("get_operation_status", { operation_id: failed.operation_id, detail: "full" }));
    expect((status.error as string).length).toBeLessThanOrEqual(300);
    expect(((status.record as Record<string, any>).warnings[0] as string).length).toBeLessThanOrEqual(300);
    expect(((status.record as Record<string, any>).error_message as string).length).toBeLessThanOrEqual(300);
  });
});
