/**
 * Resume and start again, replayed from the lifecycle recordings of the real KTRDR backends
 * (test/fixtures/real-ktrdr/lifecycle-v2026, lifecycle-v2025; FACTS-lifecycle.md): what the agent
 * is told and what is sent to KTRDR (design-18 §3, §8.3 tests 15–18 and 28). Each scenario combines
 * exchanges of one recorded moment, its clock the recording's wall time (`timeline.json`).
 *
 * What KTRDR does when it is asked wrongly is recorded too, and is why some calls must never go out:
 * resuming without a checkpoint turns the operation `failed` (L26/1286 → 1287); the record KTRDR's
 * retry makes is never run (L26/480–512, L25/033–070).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { countTokens } from "../../scripts/tokens.mjs";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import type { WireVersionSetting } from "../../src/config";
import { classifyHttp, readErrorBody } from "../../src/ktrdr/errors";
import { describeError } from "../../src/tools/errors";
import { BackendError } from "../../src/ktrdr/errors";
import { runTool, type ToolOutcome } from "../../src/tools/run";
import timeline26 from "../fixtures/real-ktrdr/lifecycle-v2026/timeline.json";
import { config, expectErr, expectOk, quietConsole, tool } from "./helpers";
import { type Exchange, type Folder, pick, Replay } from "./replay";

quietConsole();

const L26: Folder = "lifecycle-v2026";
const L25: Folder = "lifecycle-v2025";
const l26 = (...p: string[]) => pick(L26, ...p);
const l25 = (...p: string[]) => pick(L25, ...p);

/** The recording's wall clock for one exchange (all recorded on 2026-12-06). */
function wall(prefix: string): number {
  const entry = Object.entries(timeline26 as Record<string, { wall: string }>).find(([f]) => f.startsWith(`${prefix}_`));
  if (!entry) throw new Error(`no timeline entry ${prefix}`);
  return Date.parse(`2026-12-06T${entry[1].wall}`);
}

interface Sent {
  method: string;
  path: string;
  body: unknown;
  file?: string;
}

/** Runs tools against recorded exchanges: every answer checked against the tool's output schema, every request kept. */
function recorded(exchanges: Exchange[], wireVersion: WireVersionSetting, now: number) {
  // A v2026 training's status also asks /agent/status for its research cycle; these moments have no such
  // read recorded, so it answers as a route the recordings lack (as in replay.test.ts), which says no cycle.
  const asksAgent = exchanges.some((e) => e.request.path === "/agent/status");
  const replay = new Replay(asksAgent ? exchanges : [...exchanges, routeMissing("GET", "/agent/status")]);
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const res = await replay.fetch(input, init);
    const last = replay.served.at(-1);
    sent.push({
      method: last?.method ?? "?",
      path: last?.path ?? "?",
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
      file: last?.file,
    });
    return res;
  };
  const cfg = config({ baseUrl: replay.base, wireVersion });
  const run = async (name: string, args: Record<string, unknown> = {}): Promise<ToolOutcome> => {
    const def = tool(name);
    const parsed = z.object(def.input).parse(args) as Record<string, unknown>;
    const outcome = await runTool(def, parsed, {
      auth: LOCAL_CONTEXT,
      backend: cfg,
      signal: new AbortController().signal,
      requestId: "replay",
      fetch,
      now: () => now,
    });
    if (replay.unmatched.length > 0) throw new Error(`${name} asked for unrecorded exchanges: ${JSON.stringify(replay.unmatched)}`);
    if (outcome.ok) {
      const check = z.object(def.output).safeParse(outcome.value);
      if (!check.success) throw new Error(`${name} output does not match its outputSchema: ${check.error.message}`);
    }
    return outcome;
  };
  const posts = () => sent.filter((s) => s.method !== "GET");
  return { run, sent, posts };
}

/** FastAPI's answer for a route the recordings lack (v2026's recorded 404 for `POST /data/load`), at another path. */
function routeMissing(method: string, path: string): Exchange {
  const e = pick("v2026", "013")[0]!;
  return { ...e, file: `${e.file} (as ${method} ${path})`, request: { method, path, body: null } };
}

/** A request body without the nulls the adapter sends for "not given" (KTRDR reads both alike). */
function given(body: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null));
}

/** The JSON arguments of the ready-made call a refusal names, e.g. `start_backtest({...})`. */
function preparedCall(message: string, toolName: string): Record<string, unknown> {
  const m = new RegExp(`${toolName}\\((\\{.*?\\})\\)`).exec(message);
  if (!m) throw new Error(`no prepared ${toolName} call in: ${message}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

const SLOW = "op_training_20261206_000619_04fd49dc"; // resume scenario: started 00:06:19, cancelled 00:06:24 at epoch 43
const CKDEL = "op_training_20261206_001505_6f1eabaf"; // ckdel scenario: cancelled, its checkpoint deleted

// ---- 15, 16: resume, and KTRDR's 503 while its worker is being released ------------------------

describe("resume_operation from the checkpoint (v2026)", () => {
  it("15. a 503 while the worker is released: waits for KTRDR's next health check of it, asks once more, resumed", async () => {
    // 015 record cancelled at 00:06:24.75; 017 its cancellation checkpoint (epoch 43); 019 the 503; 018 the worker
    // busy with it, checked at 00:06:20.54 (before the cancel); 024 checked again at 00:06:30.56, free; 021 resumed.
    const r = recorded(l26("015", "017", "019", "018", "024", "021"), "v2026", wall("019"));
    const v = expectOk(await r.run("resume_operation", { operation_id: SLOW, wait_seconds: 15, allow_duplicate: true }));
    expect(v).toMatchObject({ success: true, operation_id: SLOW, operation_type: "training", status: "resumed" });
    expect(v.message).toMatch(/^Resumed op_training_20261206_000619_04fd49dc from its cancellation checkpoint at epoch 43\./);
    expect(v.message).toMatch(/'resuming' at 0 % while it trains; get_operation_status follows its checkpoint\.$/);
    // The recording's clock stands still, so the wait reads 0 s.
    expect(v.note).toBe("Waited 0 s for KTRDR's next health check to free its training worker.");
    // Design-18 §6: a resume result within 120 tokens.
    expect(countTokens(v)).toBeLessThanOrEqual(120);
    expect(r.sent.map((s) => `${s.method} ${s.file}`)).toEqual([
      "GET lifecycle-v2026/015_resume_slow_after_cancel_immediate",
      "GET lifecycle-v2026/017_resume_checkpoint_after_cancel",
      "POST lifecycle-v2026/019_resume_resume",
      "GET lifecycle-v2026/018_resume_workers_after_cancel",
      "GET lifecycle-v2026/024_resume_resumed_workers_00",
      "POST lifecycle-v2026/021_resume_resume",
    ]);
  });

  it("16. the same 503 without a wait: 'still being released', with KTRDR's own times; nothing else is sent", async () => {
    const r = recorded(l26("015", "017", "019", "018"), "v2026", wall("019"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: SLOW, allow_duplicate: true }));
    expect(msg).toBe(
      "KTRDR's training worker is still being released (HTTP 503), so nothing was resumed: its last operation " +
        "op_training_20261206_000619_04fd49dc ended 2 s ago, after KTRDR last checked the worker (6 s ago); KTRDR frees it at " +
        "its next health check. Call resume_operation again with wait_seconds 15.",
    );
    expect(r.posts()).toHaveLength(1);
    expect(r.sent.at(-1)?.file).toBe("lifecycle-v2026/018_resume_workers_after_cancel");
  });
});

// ---- 17: refusals without calling KTRDR's resume ---------------------------------------------------

describe("17. resume_operation refuses without asking KTRDR to resume when it cannot work", () => {
  it("a completed training (KTRDR deletes its checkpoint; it would answer 409, L26/463)", async () => {
    const r = recorded(l26("460"), "v2026", wall("463"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: "op_training_20261206_000852_9e3e82e7" }));
    expect(msg).toMatch(/completed, so there is nothing to resume/);
    expect(msg).toMatch(/get_operation_results/);
    expect(r.posts()).toEqual([]);
  });

  it("a cancelled training without a checkpoint: KTRDR would fail it (L26/1286 → 1287), so nothing is sent", async () => {
    const r = recorded(l26("468", "467"), "v2026", wall("469"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: SLOW }));
    expect(msg).toMatch(/^KTRDR keeps no checkpoint of op_training_20261206_000619_04fd49dc .*nothing was sent/);
    expect(msg).toMatch(/resume_operation with from=beginning/);
    expect(r.posts()).toEqual([]);
  });

  it("not a training (a cancelled dummy; KTRDR: 404 'No checkpoint available', L26/473)", async () => {
    const r = recorded(l26("472"), "v2026", wall("473"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: "op_dummy_20261206_000853_688c3c9c" }));
    expect(msg).toBe("Only KTRDR v2026 trainings resume from a checkpoint; op_dummy_20261206_000853_688c3c9c is a dummy operation.");
    expect(r.sent.map((s) => s.method)).toEqual(["GET"]);
  });

  it("KTRDR v2025 keeps no checkpoints: refused before anything is sent", async () => {
    const r = recorded([], "v2025", wall("473"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: "op_training_20261206_000857_8de210c7" }));
    expect(msg).toMatch(/^KTRDR v2025 keeps no checkpoints, so it cannot resume an operation\. .*from=beginning.*Nothing was sent/);
    expect(r.sent).toEqual([]);
  });

  it("a record made by KTRDR's retry is neither running nor resumable (L26/486: pending, never started)", async () => {
    const r = recorded(l26("486"), "v2026", wall("486"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: "op_retry_data_load_20261206_000901_ad9be121" }));
    expect(msg).toMatch(/made by KTRDR's retry, which no worker ever runs/);
    expect(msg).not.toMatch(/still pending/);
    expect(r.posts()).toEqual([]);
  });

  it("KTRDR's own refusals, should a race reach them, are one line each with the next step", () => {
    const cases: Array<[string, RegExp]> = [
      ["463", /already completed \(HTTP 409\)\. Read its outcome with get_operation_results\./],
      ["469", /refuses to resume .* from status cancelled \(HTTP 409\).*from=beginning/],
      ["473", /no checkpoint of .* to resume from \(HTTP 404\).*from=beginning/],
      ["1286", /no checkpoint of .* to resume from \(HTTP 404\), and may now report it failed/],
      ["019", /no free training worker to resume on \(HTTP 503\).*Nothing was resumed; call resume_operation again/],
      ["464", /^Operation op_training_20990101_000000_deadbeef not found\./],
    ];
    for (const [file, expected] of cases) {
      const e = l26(file)[0]!;
      const body = readErrorBody(e.body);
      const cause = classifyHttp(e.status, body);
      const id = /operations\/([^/]+)\/resume/.exec(e.request.path)?.[1];
      const err = new BackendError({ kind: "http", status: e.status, message: body?.message ?? "", cause }, "POST /resume", "r1");
      const msg = describeError(err, { tool: "resume_operation", startsOperation: true, operationId: id });
      expect(msg, file).toMatch(expected);
      expect(msg, file).not.toMatch(/\n/);
      expect(err.transient, file).toBe(false);
    }
  });
});

// ---- status: can it be resumed, and from which epoch ------------------------------------------------

describe("get_operation_status says whether a cancelled v2026 training can be resumed", () => {
  it("from its cancellation checkpoint at epoch 43 (L26/015 + 017)", async () => {
    // + the workers of that moment (L26/018): get_operation_status reads them on v2026 (s1's witnesses).
    const r = recorded(l26("015", "017", "018"), "v2026", wall("017"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: SLOW }));
    expect(v).toMatchObject({ status: "cancelled", checkpoint: { epoch: 43, type: "cancellation", age_s: 2, resumable: true } });
  });

  it("a resumed one, 'resuming' at 0 % over the API: how far it is, from its checkpoint, not resumable (L26/045 + 046)", async () => {
    // + the workers of that moment (L26/050): the worker runs it, so the belief is running (design-18 §1.3).
    const r = recorded(l26("045", "046", "050"), "v2026", wall("046"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: SLOW }));
    expect(v).toMatchObject({ status: "running", backend_status: "resuming", checkpoint: { epoch: 214, type: "periodic" } });
    expect(v.checkpoint).not.toHaveProperty("resumable");
  });

  it("not once KTRDR has none (L26/1287 + 1283): no checkpoint is shown", async () => {
    const r = recorded(l26("1287", "1283"), "v2026", wall("1287"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: CKDEL }));
    expect(v.status).toBe("failed");
    expect(v).not.toHaveProperty("checkpoint");
  });
});

// ---- 18: start again, from the recorded parameters -------------------------------------------------

describe("18. resume_operation from the beginning: the recorded parameters through the normal start", () => {
  it("v2025 training (recorded failed after its cancel, L25/029): the original request again; the retry ghost is no twin", async () => {
    // The duplicate guard reads the active list (L25/047) and the record there (L25/046): KTRDR's retry record of this
    // very training, identical and pending, which no worker runs. The start answer is a real v2025 one (v2025-focus/025).
    const exchanges = [...l25("029", "047", "046"), ...pick("v2025-focus", "025")];
    const r = recorded(exchanges, "v2025", Date.parse("2026-12-06T00:09:16Z"));
    const v = expectOk(await r.run("resume_operation", { operation_id: "op_training_20261206_000857_8de210c7", from: "beginning" }));
    expect(v).toMatchObject({ success: true, status: "started", operation_id: "op_training_20261201_193139_d058e681" });
    expect(v.message).toMatch(/^op_training_20261206_000857_8de210c7 was started again as op_training_20261201_193139_d058e681/);
    const start = r.posts()[0]!;
    expect(start.path).toBe("/trainings/start");
    expect(given(start.body)).toEqual(l25("027")[0]!.request.body);
  });

  it("v2026 training: the strategy from its checkpoint (the record keeps only the YAML, L26/015 + 017)", async () => {
    const r = recorded(l26("015", "017", "600"), "v2026", wall("017"));
    const v = expectOk(await r.run("resume_operation", { operation_id: SLOW, from: "beginning", allow_duplicate: true }));
    expect(v).toMatchObject({ status: "started", operation_id: "op_training_20261206_001046_92cd7a04" });
    expect(given(r.posts()[0]!.body)).toEqual(l26("006")[0]!.request.body);
  });

  it("v2026 data load (L26/479): symbol, timeframe and mode as recorded, no dates (none were given)", async () => {
    const r = recorded([...l26("479"), ...pick("v2026", "012")], "v2026", wall("479"));
    const v = expectOk(
      await r.run("resume_operation", { operation_id: "op_data_load_20261206_000859_587579fa", from: "beginning", allow_duplicate: true }),
    );
    expect(v).toMatchObject({ status: "started", operation_id: "op_data_load_20261201_191133_616622b5" });
    expect(given(r.posts()[0]!.body)).toEqual(l26("478")[0]!.request.body);
  });

  it("v2026 backtest (failed, L26/569): KTRDR never records model_path, so the prepared call names it; that call then works", async () => {
    const id = "op_backtesting_20261206_001040_1b2a4832";
    const r = recorded(l26("569"), "v2026", wall("569"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: id, from: "beginning" }));
    expect(msg).toMatch(new RegExp(`^KTRDR did not record model_path for ${id}, so it was not started again\\. Call start_backtest\\(`));
    expect(msg).toMatch(/adding model_path \(model_path is results\.model_path of a completed training\)\.$/);
    const args = preparedCall(msg, "start_backtest");
    expect(args).toEqual({
      strategy_name: "mcp_smoke_fast",
      symbol: "EURUSD",
      timeframe: "1h",
      start_date: "2024-01-01",
      end_date: "2024-03-31",
      initial_capital: 100000,
      commission: 0.001,
      slippage: 0.0005,
    });
    expect(r.posts()).toEqual([]);
    // The agent adds model_path (the original's, L26/563) and calls it: the original request again.
    const original = l26("563")[0]!.request.body as Record<string, unknown>;
    const again = recorded(pick("v2026", "059"), "v2026", wall("569"));
    const started = expectOk(await again.run("start_backtest", { ...args, model_path: original.model_path, allow_duplicate: true }));
    expect(started.status).toBe("started");
    // The original sent no capital, commission or slippage: KTRDR recorded its defaults, which the new one sends.
    expect(given(again.posts()[0]!.body)).toMatchObject(original);
  });

  it("v2025 backtest (cancelled, L25/022): commission and slippage are not recorded; the prepared call then works", async () => {
    const id = "op_backtesting_20261206_000852_b34b6cdd";
    const r = recorded(l25("022"), "v2025", wall("470"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: id, from: "beginning" }));
    expect(msg).toMatch(new RegExp(`^KTRDR did not record commission and slippage for ${id}, so it was not started again\\.`));
    const args = preparedCall(msg, "start_backtest");
    expect(args).toEqual({
      strategy_name: "mcp_smoke_fast",
      symbol: "EURUSD",
      timeframe: "1h",
      start_date: "2024-01-01",
      end_date: "2024-12-31",
      initial_capital: 100000,
    });
    const again = recorded(pick("v2025", "047"), "v2025", wall("470"));
    const started = expectOk(await again.run("start_backtest", { ...args, commission: 0.001, slippage: 0.001, allow_duplicate: true }));
    expect(started.status).toBe("started");
    expect(given(again.posts()[0]!.body)).toMatchObject(l25("020")[0]!.request.body as Record<string, unknown>);
  });

  it("v2025 data load (failed, L25/026): 'N/A' metadata, its context has the rest, the dates are never recorded", async () => {
    const id = "op_data_load_20261206_000855_91cf3fc7";
    const r = recorded(l25("026"), "v2025", wall("470"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: id, from: "beginning" }));
    expect(msg).toBe(
      `KTRDR did not record start_date and end_date for ${id}, so it was not started again. Call ` +
        'trigger_data_loading({"symbol":"EURUSD","timeframe":"1h","mode":"tail"}) adding start_date and end_date ' +
        "(leave the dates out if the original had none).",
    );
    // Its original had none (L25/025): the prepared call as it stands starts it again.
    const again = recorded(pick("v2025", "013"), "v2025", wall("470"));
    const args = preparedCall(msg, "trigger_data_loading");
    expect(expectOk(await again.run("trigger_data_loading", { ...args, allow_duplicate: true })).status).toBe("started");
    expect(given(again.posts()[0]!.body)).toEqual(l25("025")[0]!.request.body);
  });

  it("an active operation, and a completed one, are not started again (the completed one names the call that would)", async () => {
    const active = recorded(l26("486"), "v2026", wall("486"));
    expect(
      expectErr(await active.run("resume_operation", { operation_id: "op_retry_data_load_20261206_000901_ad9be121", from: "beginning" })),
    ).toMatch(/made by KTRDR's retry/);
    const done = recorded(l26("460"), "v2026", wall("460"));
    const msg = expectErr(await done.run("resume_operation", { operation_id: "op_training_20261206_000852_9e3e82e7", from: "beginning" }));
    expect(msg).toMatch(
      /completed, so there is nothing to continue: read it with get_operation_results\. To run it again, call start_training\(/,
    );
    expect(active.posts()).toEqual([]);
    expect(done.posts()).toEqual([]);
  });
});

// ---- 28: discarding a checkpoint, and the resume that then refuses --------------------------------

describe("28. cancel_operation(discard_checkpoint) and what it leaves", () => {
  it("cancels, then deletes the checkpoint (L26/1280, 1282)", async () => {
    const r = recorded(l26("1280", "1282"), "v2026", wall("1282"));
    const v = expectOk(await r.run("cancel_operation", { operation_id: CKDEL, reason: "done with it", discard_checkpoint: true }));
    expect(v).toMatchObject({ success: true, status: "cancelled", remote_cancelled: true, checkpoint_discarded: true });
    expect(v.note).toMatch(/^KTRDR deleted its checkpoint: it can no longer be resumed/);
    expect(r.sent.map((s) => `${s.method} ${s.path}`)).toEqual([`DELETE /operations/${CKDEL}`, `DELETE /checkpoints/${CKDEL}`]);
  });

  it("KTRDR had none (404, L26/1284): discarded false, said so", async () => {
    const r = recorded(l26("1280", "1284"), "v2026", wall("1284"));
    const v = expectOk(await r.run("cancel_operation", { operation_id: CKDEL, discard_checkpoint: true }));
    expect(v).toMatchObject({ status: "cancelled", checkpoint_discarded: false, note: "KTRDR had no checkpoint of it." });
  });

  it("the resume after it refuses without asking KTRDR (which would fail the training, L26/1286 → 1287)", async () => {
    const r = recorded(l26("1287", "1283"), "v2026", wall("1286"));
    const msg = expectErr(await r.run("resume_operation", { operation_id: CKDEL }));
    expect(msg).toMatch(/^KTRDR keeps no checkpoint of op_training_20261206_001505_6f1eabaf/);
    expect(r.posts()).toEqual([]);
  });

  it("v2025 keeps no checkpoints: discarding one is refused before the cancel is sent", async () => {
    const r = recorded([], "v2025", wall("1282"));
    const msg = expectErr(
      await r.run("cancel_operation", { operation_id: "op_training_20261206_000857_8de210c7", discard_checkpoint: true }),
    );
    expect(msg).toMatch(/^KTRDR v2025 keeps no checkpoints: there is none to discard\. .*Nothing was sent to KTRDR\.$/);
    expect(r.sent).toEqual([]);
  });
});
