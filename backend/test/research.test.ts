// v2026 research cycles (/agent/...): a cycle trains the strategy on the training worker, backtests
// the model, then fails for want of an assessment agent (as recorded); its children carry no parent
// id (v2026-unlinked-children; off: they do); cancel, validation and capacity answers; a backend
// restart fails a running cycle.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { admin, call, loadData, startTestBackend, until, waitForOp } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

let b: TestBackend;
const api = (method: string, path: string, body?: unknown) => call(b.url, method, path, body);
const ASSESSMENT =
  "Assessment dispatch failed: No available AGENT_ASSESSMENT workers. Ensure assessment agent containers are running and registered.";

beforeAll(async () => {
  b = await startTestBackend({ wire: "v2026", faults: true, workerReleaseMs: 0, researchPollMs: 20 });
  await loadData(b.url, "v2026", { symbol: "EURUSD", timeframe: "1h", mode: "tail", start_date: "2024-01-01", end_date: "2024-12-31" });
});
afterAll(() => b.close());
beforeEach(async () => {
  await admin(b, "POST", "/__quirks", { enable: ["all"] });
  await until("no active cycle", async () => (await api("GET", "/agent/status")).body.status === "idle", 60_000);
});

const trigger = (body: unknown) => api("POST", "/agent/trigger", body);

describe("research cycles", () => {
  it("idle status and budget; a cycle trains, backtests and fails at assessment; its children are not linked to it", async () => {
    const idle = (await api("GET", "/agent/status")).body;
    expect(idle).toMatchObject({
      status: "idle",
      active_researches: [],
      last_cycle: null,
      workers: {
        training: { busy: 0, total: 1 },
        backtesting: { busy: 0, total: 1 },
        agent_design: { busy: 0, total: 0 },
        agent_assessment: { busy: 0, total: 0 },
      },
      budget: { remaining: 20, daily_limit: 20 },
      capacity: { active: 0, limit: 3 },
    });
    expect((await api("GET", "/agent/budget")).body).toMatchObject({
      daily_limit: 20,
      today_spend: 0,
      remaining: 20,
      budget_disabled: false,
      spend_events: 0,
    });
    const t = await trigger({ strategy: "mcp_smoke_fast", bypass_gates: true });
    expect(t.status).toBe(202);
    expect(t.body).toEqual({
      triggered: true,
      operation_id: expect.stringMatching(/^op_agent_research_/),
      model: "claude-sonnet-4-20250514",
      message: "Research cycle started",
    });
    const id = t.body.operation_id;
    // Training: a training operation on the worker, named in the cycle's parameters and in /agent/status.
    const training = await until("the training phase", async () => {
      const op = (await api("GET", `/operations/${id}`)).body.data;
      return op.metadata.parameters.training_op_id ? op : null;
    });
    expect(training).toMatchObject({
      operation_type: "agent_research",
      is_backend_local: true,
      metadata: { parameters: { design_complete: true, strategy_name: "mcp_smoke_fast" } },
    });
    const childId = training.metadata.parameters.training_op_id;
    const child = (await api("GET", `/operations/${childId}`)).body.data;
    expect(child).toMatchObject({
      operation_type: "training",
      parent_operation_id: null,
      metadata: { symbol: "EURUSD", parameters: { start_date: "2020-01-01" } },
    });
    expect((await api("GET", `/operations/${id}/children`)).body).toEqual({ success: true, data: [], total_count: 0, active_count: 0 });
    // Backtesting, with the training's result; then the assessment cannot be dispatched.
    const backtesting = await until("the backtesting phase", async () => {
      const op = (await api("GET", `/operations/${id}`)).body.data;
      return op.metadata.parameters.phase === "backtesting" || op.status === "failed" ? op : null;
    });
    if (backtesting.status !== "failed") {
      expect(backtesting.progress).toMatchObject({ percentage: 65, current_step: "Running backtest..." });
      expect(backtesting.metadata.parameters.training_result).toMatchObject({
        output_format: "classification",
        model_path: expect.stringMatching(/^models\/mcp_smoke_fast\//),
      });
    }
    const failed = await waitForOp(b.url, id);
    expect(failed).toMatchObject({ status: "failed", error_message: ASSESSMENT, progress: { percentage: 0, current_step: null } });
    expect(failed.metadata.parameters).toEqual({
      model: "claude-sonnet-4-20250514",
      phase: "designing",
      bypass_gates: true,
      strategy_name: "mcp_smoke_fast",
      strategy_path: expect.stringMatching(/mcp_smoke_fast\.yaml$/),
      design_complete: true,
    });
    expect((await api("GET", `/operations/${id}/results`)).body).toEqual({
      success: true,
      operation_id: id,
      operation_type: "agent_research",
      status: "failed",
      results: {},
    });
    expect((await api("GET", `/checkpoints/${id}`)).body.data.checkpoint_type).toBe("failure");
    expect((await api("GET", `/operations/${childId}`)).body.data.status).toBe("completed");
    expect((await api("GET", "/agent/status")).body).toMatchObject({
      status: "idle",
      last_cycle: { operation_id: id, outcome: "failed", strategy_name: null },
    });
    expect(await api("DELETE", `/agent/cancel/${id}`)).toMatchObject({
      status: 409,
      body: { success: false, reason: "not_cancellable", message: "Cannot cancel failed operation" },
    });
    expect(await api("DELETE", `/agent/cancel/${childId}`)).toMatchObject({
      status: 404,
      body: { success: false, reason: "not_research", message: `Operation is not a research: ${childId}` },
    });
    expect(await api("DELETE", "/agent/cancel/op_agent_research_20990101_000000_deadbeef")).toMatchObject({
      status: 404,
      body: { reason: "not_found", message: "Operation not found: op_agent_research_20990101_000000_deadbeef" },
    });
  });

  it("without v2026-unlinked-children the children name their cycle and are listed under /children", async () => {
    await admin(b, "POST", "/__quirks", { disable: ["v2026-unlinked-children"] });
    const id = (await trigger({ strategy: "mcp_smoke_fast" })).body.operation_id;
    const childId = await until(
      "a child",
      async () => (await api("GET", `/operations/${id}`)).body.data.metadata.parameters.training_op_id,
    );
    expect((await api("GET", `/operations/${childId}`)).body.data.parent_operation_id).toBe(id);
    expect((await api("GET", `/operations/${id}/children`)).body.data.map((r: { operation_id: string }) => r.operation_id)).toContain(
      childId,
    );
    await waitForOp(b.url, id);
  });

  it("a second trigger is accepted while one runs; cancelling a cycle cancels its child; a brief fails at design", async () => {
    const first = (await trigger({ strategy: "mcp_smoke_fast", bypass_gates: true })).body.operation_id;
    const second = await trigger({ strategy: "mcp_smoke_fast", bypass_gates: true });
    expect(second.status).toBe(202);
    const status = (await api("GET", "/agent/status")).body;
    expect(status.status).toBe("active");
    expect(status.active_researches.map((r: { operation_id: string }) => r.operation_id)).toEqual([second.body.operation_id, first]);
    expect(status.active_researches[0]).toEqual({
      operation_id: second.body.operation_id,
      phase: expect.any(String),
      strategy_name: "mcp_smoke_fast",
      duration_seconds: expect.any(Number),
      child_operation_id: expect.toBeOneOf([null, expect.any(String)]),
    });
    const c = await api("DELETE", `/agent/cancel/${first}`);
    expect(c.body).toMatchObject({ success: true, operation_id: first, message: "Research cancelled" });
    const cancelled = (await api("GET", `/operations/${first}`)).body.data;
    expect(cancelled).toMatchObject({ status: "cancelled", error_message: "Cancelled by user", progress: { percentage: 0 } });
    if (c.body.child_cancelled)
      expect(["cancelled", "completed"]).toContain((await api("GET", `/operations/${c.body.child_cancelled}`)).body.data.status);
    expect(await api("DELETE", `/agent/cancel/${first}`)).toMatchObject({
      status: 409,
      body: { message: "Cannot cancel cancelled operation" },
    });
    await waitForOp(b.url, second.body.operation_id);
    const brief = (await trigger({ brief: "Find a momentum edge", bypass_gates: true })).body.operation_id;
    const op = await waitForOp(b.url, brief);
    expect(op).toMatchObject({
      status: "failed",
      error_message:
        "Design dispatch failed: No available AGENT_DESIGN workers. Ensure design agent containers are running and registered.",
      metadata: { parameters: { brief: "Find a momentum edge", phase: "idle", model: "claude-sonnet-4-20250514", bypass_gates: true } },
    });
  });

  it("validation: a bogus model, an unknown strategy, a strategy and a brief; model aliases", async () => {
    const bogus = await trigger({ model: "bogus" });
    expect(bogus.status).toBe(422);
    expect(bogus.body.error.details).toEqual([
      {
        field: "body -> model",
        message:
          "Value error, Invalid model 'bogus'. Valid options: claude-haiku-4-5-20251001, claude-opus-4-5-20251101, claude-sonnet-4-5-20250929, haiku, opus, sonnet",
        type: "value_error",
      },
    ]);
    const unknown = await trigger({ strategy: "no_such_strategy_xyz" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toMatch(
      /^Strategy not found: no_such_strategy_xyz\. Strategy file not found: no_such_strategy_xyz\.yaml \(searched: .*\)$/,
    );
    const both = await trigger({ strategy: "mcp_smoke_fast", brief: "x" });
    expect(both.body.error.details[0]).toMatchObject({ field: "body", type: "value_error" });
    expect(both.body.error.details[0].message).toMatch(/^Value error, Cannot specify both 'brief' and 'strategy'/);
    const haiku = await trigger({ brief: "x", model: "haiku" });
    expect(haiku.body.model).toBe("claude-haiku-4-5-20251001");
    await waitForOp(b.url, haiku.body.operation_id);
  });

  it("at capacity (3 active) a trigger is refused (not recorded); a restart fails the running cycles", async () => {
    await admin(b, "POST", "/__workers", { release_ms: 60_000 }); // keeps the cycles waiting for the worker
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await trigger({ strategy: "mcp_smoke_fast" })).body.operation_id);
    const full = await trigger({ strategy: "mcp_smoke_fast" });
    expect(full).toMatchObject({ status: 409, body: { triggered: false, reason: "at_capacity" } });
    await admin(b, "POST", "/__restart", { workers_after_ms: 0 });
    for (const id of ids) {
      expect((await api("GET", `/operations/${id}`)).body.data).toMatchObject({
        status: "failed",
        error_message: "Backend restarted - no checkpoint available",
      });
    }
    await admin(b, "POST", "/__workers", { release_ms: 0 });
  });
});
