/**
 * KTRDR v2026 research cycles as the agent is told them, replayed from the real backend's
 * recordings (test/fixtures/real-ktrdr/lifecycle-v2026, `agent` and `post` scenarios; see
 * FACTS-lifecycle.md "Research cycles"). Design 18 §8.3, replay tests 21–24: start (and the
 * duplicate guard KTRDR lacks), follow (phase, children found where KTRDR records the link, the
 * failure in KTRDR's words), a child naming its cycle, and the research cancel.
 *
 * The children's records exist only from 00:14:43 (L26/1249–1252, after the cycles ended): these
 * tests assert the links and that each child's status is the one its record gave, not a picture
 * consistent with the cycle's phase at the time.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import type { WireVersionSetting } from "../../src/config";
import { classifyHttp, readErrorBody } from "../../src/ktrdr/errors";
import { runTool, type ToolOutcome } from "../../src/tools/run";
import { countTokens } from "../../scripts/tokens.mjs";
import { config, expectErr, expectOk, quietConsole, tool } from "./helpers";
import { body, type Exchange, pick, Replay, type ReplayOptions } from "./replay";

quietConsole();

const L26 = (...p: string[]) => pick("lifecycle-v2026", ...p);

const CYCLE = "op_agent_research_20261206_001012_725aecea"; // strategy mcp_smoke_fast: training → backtest → failed at assessment
const SECOND = "op_agent_research_20261206_001012_0b836488"; // the same trigger again (L26/516), queued for the worker
const TO_CANCEL = "op_agent_research_20261206_001031_fd8033f2";
const BRIEF_CYCLE = "op_agent_research_20261206_001039_c475617c";
const TRAINING = "op_training_20261206_001012_cccb0a3f"; // CYCLE's training (L26/518)
const BACKTEST = "op_backtesting_20261206_001017_45d3a5bb"; // CYCLE's backtest (L26/524)
const CANCELLED_CHILD = "op_training_20261206_001032_cad9ac0c"; // TO_CANCEL's training (L26/541, 543)
/** A clock at the `agent` scenario (timeline.json: 00:10:12–00:10:39). */
const AGENT_NOW = Date.parse("2026-12-06T00:10:20Z");

interface Sent {
  method: string;
  path: string;
  body?: unknown;
}

/** Runs tools against recorded exchanges (the v2026 wire pinned unless said), checking each answer against the tool's output schema. */
function recorded(exchanges: Exchange[], wireVersion: WireVersionSetting = "v2026", opts: ReplayOptions = {}) {
  const replay = new Replay(exchanges, opts);
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const raw = typeof init?.body === "string" ? init.body : undefined;
    sent.push({
      method: (init?.method ?? "GET").toUpperCase(),
      path: url.pathname.replace(/^\/api\/v1/, "") + url.search,
      ...(raw ? { body: JSON.parse(raw) as unknown } : {}),
    });
    return replay.fetch(input, init);
  };
  const cfg = config({ baseUrl: replay.base, wireVersion });
  const run = async (name: string, args: Record<string, unknown> = {}, parse = true): Promise<ToolOutcome> => {
    const def = tool(name);
    const given = parse ? (z.object(def.input).parse(args) as Record<string, unknown>) : args;
    const outcome = await runTool(def, given, {
      auth: LOCAL_CONTEXT,
      backend: cfg,
      signal: new AbortController().signal,
      requestId: "replay",
      fetch,
      now: () => AGENT_NOW,
    });
    if (opts.unrecorded !== "fastapi-404" && replay.unmatched.length > 0)
      throw new Error(`${name} asked for unrecorded exchanges: ${JSON.stringify(replay.unmatched)}`);
    if (outcome.ok) {
      const check = z.object(def.output).safeParse(outcome.value);
      if (!check.success) throw new Error(`${name} output does not match its outputSchema: ${check.error.message}`);
    }
    return outcome;
  };
  const mutations = () => sent.filter((s) => s.method !== "GET");
  return { replay, sent, run, mutations };
}

// ---- 21. start ----------------------------------------------------------------------------------

describe("21. start_research (L26/513–516, 537–539, 554)", () => {
  it("starts a cycle on a strategy, names KTRDR's model, and says it will fail for want of assessment workers (L26/513+515)", async () => {
    const r = recorded(L26("513", "515"));
    const v = expectOk(await r.run("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true }));
    expect(v).toMatchObject({ success: true, operation_id: CYCLE, operation_type: "agent_research", status: "started" });
    expect(v.message).toMatch(/^Research cycle started on mcp_smoke_fast with claude-sonnet-4-20250514\./);
    expect(v.note).toBe("KTRDR has no agent_assessment workers registered: the cycle will fail at assessment (KTRDR's words will say so).");
    // The guard looked first (KTRDR itself would start a twin); then the trigger, as recorded.
    expect(r.sent.map((s) => `${s.method} ${s.path}`)).toEqual(["GET /agent/status", "POST /agent/trigger"]);
    expect(r.mutations()[0]!.body).toEqual(L26("515")[0]!.request.body);
  });

  it("a brief: the note names design, where such a cycle fails first (L26/513+554)", async () => {
    const brief = `Find a mean-reversion edge in EURUSD 1h. ${"Use RSI and Bollinger bands. ".repeat(40)}`;
    const r = recorded(L26("513", "554"));
    const v = expectOk(await r.run("start_research", { brief, bypass_gates: true }));
    expect(v).toMatchObject({ operation_id: BRIEF_CYCLE, status: "started" });
    expect(v.note).toMatch(/^KTRDR has no agent_design or agent_assessment workers registered: the cycle will fail at design/);
    // Sent whole, echoed only in part.
    expect(r.mutations()[0]!.body).toEqual({ brief, bypass_gates: true });
    expect(JSON.stringify(v)).not.toContain(brief.slice(0, 120));
    expect(String(v.message)).toContain(brief.slice(0, 40));
  });

  it("a second start while the first runs returns it (already_running) and sends no trigger (L26/517+518)", async () => {
    const r = recorded(L26("517", "518"));
    const v = expectOk(await r.run("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true }));
    expect(v).toMatchObject({ operation_id: CYCLE, operation_type: "agent_research", status: "already_running" });
    expect(v.message).toMatch(/already running .*allow_duplicate=true/);
    expect(r.mutations()).toEqual([]);
  });

  it("allow_duplicate starts the second one, as KTRDR allows (L26/517+516)", async () => {
    const r = recorded(L26("516", "517"));
    const v = expectOk(await r.run("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true, allow_duplicate: true }));
    expect(v).toMatchObject({ operation_id: SECOND, status: "started" });
    expect(r.mutations()).toHaveLength(1);
  });

  it("refusals: an unknown model and an unknown strategy in one line (no paths), both or neither before any call (L26/537–539)", async () => {
    const model = recorded([...L26("513"), ...L26("537")]);
    const m = expectErr(await model.run("start_research", { strategy: "mcp_smoke_fast", model: "bogus" }));
    expect(m).toMatch(/^KTRDR rejected the request \(HTTP 422\): .*Invalid model 'bogus'\. Valid options: claude-haiku-4-5-20251001/);
    expect(m).not.toContain("\n");

    const strategy = recorded([...L26("513"), ...L26("538")]);
    const s = expectErr(await strategy.run("start_research", { strategy: "no_such_strategy_xyz" }));
    expect(s).toBe("KTRDR has no strategy 'no_such_strategy_xyz' (HTTP 422). get_available_strategies lists them; nothing was started.");
    expect(s).not.toMatch(/\/srv|searched/);

    const both = recorded(L26("539"));
    expect(expectErr(await both.run("start_research", { strategy: "mcp_smoke_fast", brief: "x" }))).toMatch(/^Give either strategy/);
    expect(expectErr(await both.run("start_research", {}))).toMatch(/^Give either strategy/);
    expect(both.sent).toEqual([]);
  });

  it("inputs are bounded at the edge: a brief over 4,000 characters, a model that is no name (nothing sent, nothing echoed)", async () => {
    const r = recorded(L26("513", "515"));
    const long = "b".repeat(4001);
    const msg = expectErr(await r.run("start_research", { brief: long }, false));
    expect(msg).toMatch(/^Invalid arguments for tool start_research: brief: /);
    expect(msg).not.toContain("b".repeat(100));
    expect(expectErr(await r.run("start_research", { strategy: "x", model: "a b/../c" }, false))).toMatch(/model: must be a model name/);
    expect(expectErr(await r.run("start_research", { strategy: "x", model: "m".repeat(65) }, false))).toMatch(/model: /);
    expect(r.sent).toEqual([]);
  });

  it("KTRDR v2025 has no research cycles: refused up front, nothing sent", async () => {
    const r = recorded([], "v2025");
    expect(expectErr(await r.run("start_research", { strategy: "mcp_smoke_fast" }))).toMatch(
      /^KTRDR v2025 has no research cycles .*nothing was sent/,
    );
    expect(r.sent).toEqual([]);
  });
});

// ---- 22. follow ---------------------------------------------------------------------------------

describe("22. get_operation_status of a cycle: phase, children found where KTRDR records them, the failure (L26/518–532, 1249–1250)", () => {
  it("training phase: the child named by the record and /agent/status, read by id (L26/518+520+1249)", async () => {
    const r = recorded(L26("518", "520", "1249"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: CYCLE }));
    expect(v).toMatchObject({ status: "running", progress_percentage: 20, current_step: "Training model..." });
    expect(v.research).toEqual({
      phase: "training",
      strategy: "mcp_smoke_fast",
      model: "claude-sonnet-4-20250514",
      // The child's status is what its own record said (read later: completed), not guessed from the phase.
      children: [{ operation_id: TRAINING, operation_type: "training", status: "completed" }],
      budget: { remaining: 20, daily_limit: 20 },
    });
    expect(v.note).toMatch(/no agent_assessment workers registered: the cycle will fail at assessment/);
    // Never KTRDR's empty /children.
    expect(r.sent.map((s) => s.path)).not.toContain(`/operations/${CYCLE}/children`);
    expect(countTokens(v)).toBeLessThanOrEqual(200);
  });

  it("backtesting phase: both children, at most two reads (L26/524+527+1249+1250)", async () => {
    const r = recorded(L26("524", "527", "1249", "1250"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: CYCLE }));
    expect(v).toMatchObject({ status: "running", progress_percentage: 65, current_step: "Running backtest..." });
    expect((v.research as { phase: string }).phase).toBe("backtesting");
    expect((v.research as { children: unknown[] }).children).toEqual([
      { operation_id: TRAINING, operation_type: "training", status: "completed" },
      { operation_id: BACKTEST, operation_type: "backtesting", status: "completed" },
    ]);
    expect(r.sent.filter((s) => /^\/operations\/op_(training|backtesting)_/.test(s.path))).toHaveLength(2);
    expect(countTokens(v)).toBeLessThanOrEqual(200);
  });

  it("failed: KTRDR's reason verbatim, the agent-worker note, no phase, children unknown (L26/529+532)", async () => {
    const r = recorded(L26("529", "532"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: CYCLE }));
    expect(v.status).toBe("failed");
    expect(v.error_message).toBe(
      "Assessment dispatch failed: No available AGENT_ASSESSMENT workers. Ensure assessment agent containers are running and registered.",
    );
    expect(v.research).toEqual({
      strategy: "mcp_smoke_fast",
      model: "claude-sonnet-4-20250514",
      budget: { remaining: 20, daily_limit: 20 },
    });
    expect(v.unknown).toContain("children");
    expect(v.note).toContain("KTRDR drops a cycle's links to its operations when it ends.");
    expect(v.note).toContain("KTRDR has no agent_assessment workers registered: cycles fail at assessment until its operator starts them.");
    expect(v.note).not.toMatch(/\/srv/);
    expect(countTokens(v)).toBeLessThanOrEqual(200);
  });

  it("a brief cycle that failed at design: its reason, the design note (L26/555+558)", async () => {
    const r = recorded(L26("555", "558"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: BRIEF_CYCLE }));
    expect(v).toMatchObject({
      status: "failed",
      error_message: expect.stringMatching(/^Design dispatch failed: No available AGENT_DESIGN/),
    });
    expect(v.note).toContain("KTRDR has no agent_design or agent_assessment workers registered: cycles fail at design");
    expect((v.research as Record<string, unknown>).strategy).toBeUndefined();
  });
});

// ---- 23. a child's cycle ------------------------------------------------------------------------

describe("23. a child's status names its cycle, found statelessly (L26/1249, 520, 525, 527, 553)", () => {
  it("through the /agent/status row that names it (L26/1249+520)", async () => {
    const r = recorded(L26("1249", "520"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: TRAINING }));
    expect(v).toMatchObject({ operation_type: "training", status: "completed", cycle: CYCLE });
  });

  it("through an active cycle's record when the row names a later child; a designing cycle is not read (L26/1249+527+525)", async () => {
    const r = recorded(L26("1249", "527", "525"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: TRAINING }));
    expect(v.cycle).toBe(CYCLE);
    expect(r.sent.map((s) => s.path)).not.toContain(`/operations/${SECOND}`);
  });

  it("no active cycle names it: nothing is said, nothing guessed (L26/1249+553)", async () => {
    const r = recorded(L26("1249", "553"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: TRAINING }));
    expect(v.cycle).toBeUndefined();
    expect(v.status).toBe("completed");
  });
});

// ---- 24. cancel ---------------------------------------------------------------------------------

describe("24. cancel_operation of a cycle goes through KTRDR's research cancel (L26/534–536, 541–543, 1251)", () => {
  it("DELETE /agent/cancel, never /operations; what became of the child, in its own record's words (L26/541+543+1251)", async () => {
    const r = recorded(L26("541", "543", "1251"));
    const v = expectOk(await r.run("cancel_operation", { operation_id: TO_CANCEL, reason: "stop it" }));
    expect(v).toMatchObject({ success: true, operation_id: TO_CANCEL, status: "cancelled" });
    expect(v.children).toEqual([{ operation_id: CANCELLED_CHILD, operation_type: "training", status: "completed" }]);
    expect(v.note).toBe(
      `KTRDR cancelled the cycle and asked to stop its training ${CANCELLED_CHILD}, which KTRDR reports completed ` +
        "(at 2026-12-06T00:10:33Z): the cancel did not change it. KTRDR's research cancel takes no reason; it records 'Cancelled by user'.",
    );
    expect(r.mutations().map((s) => `${s.method} ${s.path}`)).toEqual([`DELETE /agent/cancel/${TO_CANCEL}`]);
  });

  it("a finished cycle: 409 not_cancellable → 'already failed' (L26/529+534)", async () => {
    const r = recorded(L26("529", "534"));
    const msg = expectErr(await r.run("cancel_operation", { operation_id: CYCLE }));
    expect(msg).toBe(`Operation ${CYCLE} is already failed; there is nothing to cancel. Read its outcome with get_operation_results.`);
    expect(r.mutations().map((s) => s.path)).toEqual([`/agent/cancel/${CYCLE}`]);
  });

  it("a training is cancelled by its own route, never sent to /agent/cancel (L26/012+014)", async () => {
    // Other reads a newer server makes around a cancel are answered as routes KTRDR lacks; only the route matters here.
    const r = recorded(L26("012", "014"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("cancel_operation", { operation_id: "op_training_20261206_000619_04fd49dc" }));
    expect(v.operation_id).toBe("op_training_20261206_000619_04fd49dc");
    expect(r.mutations().map((s) => `${s.method} ${s.path}`)).toEqual(["DELETE /operations/op_training_20261206_000619_04fd49dc"]);
  });

  it("KTRDR's {success:false, reason, message} answers are read: not_cancellable, not_found, not_research (L26/534–536)", () => {
    const [finished, unknown, notResearch] = L26("534", "535", "536");
    expect(classifyHttp(409, readErrorBody(body(finished!)))).toEqual({ is: "not_cancellable", status: "failed" });
    expect(classifyHttp(404, readErrorBody(body(unknown!)))).toEqual({ is: "operation_not_found" });
    expect(classifyHttp(404, readErrorBody(body(notResearch!)))).toEqual({ is: "not_research" });
    expect(readErrorBody(body(notResearch!))?.message).toBe("Operation is not a research: op_training_20261206_000852_9e3e82e7");
  });
});

// ---- lists ----------------------------------------------------------------------------------------

describe("list_operations(operation_type=agent_research): v2026 lists none (L26/1253)", () => {
  it("the active cycles come from /agent/status and their records (L26/1253+520+518; the other cycle's record unrecorded then)", async () => {
    const r = recorded(L26("1253", "520", "518"), "v2026", { unrecorded: "fastapi-404" });
    const v = expectOk(await r.run("list_operations", { operation_type: "agent_research" }));
    const ids = (v.data as Array<{ operation_id: string }>).map((d) => d.operation_id);
    expect(ids).toContain(CYCLE);
    expect(v.note).toMatch(/active research cycle\(s\), which KTRDR v2026 does not list, are included from \/agent\/status/);
  });
});
