/**
 * Research cycles end to end (design 18 §8.4 item 11): real MCP clients → the Worker under wrangler
 * dev → the v2026 stand-in over HTTP, which runs a cycle as KTRDR does — train the strategy on the
 * training worker, backtest it on the backtesting worker, then fail at assessment because no
 * agent workers are registered (as in the recordings). The stand-in's research clock is slowed so
 * each phase lasts long enough to be read; every wait is bounded.
 *
 * Covered: start (the model KTRDR chose, the agent-worker note), a second start → already_running
 * (KTRDR itself would start a twin), phases and children found where KTRDR records the link, a
 * child's `cycle`, the failure in KTRDR's words, the research cancel reporting its child, tasks in
 * both eras (2025 task-augmented, 2026 server-directed), and v2025 refusing up front.
 * Not covered: a completed cycle — the stand-in has no agent workers to switch on.
 */
import type { TaskView } from "@modelcontextprotocol/ext-tasks/client";
import { CreateTaskResultSchema, type Task } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { admin, backendJson, openSession, type Session, type ToolReply } from "./mcp-client";
import { connectClient, taskSession } from "./modern-client";
import { until, within } from "./poll";

const stacks = inject("stacks");
const stack = stacks.v2026;

const ASSESSMENT_FAILED =
  "Assessment dispatch failed: No available AGENT_ASSESSMENT workers. Ensure assessment agent containers are running and registered.";
const NO_ASSESSMENT = "KTRDR has no agent_assessment workers registered";
const CYCLE_ID = /^op_agent_research_\d{8}_\d{6}_[0-9a-f]+$/;
/** How often a stand-in cycle looks at its child: each phase lasts at least this long. */
const RESEARCH_POLL_MS = 1500;

interface Research {
  phase?: string;
  strategy?: string;
  model?: string;
  children?: Array<{ operation_id: string; operation_type: string; status: string }>;
  budget?: { remaining: number; daily_limit: number };
}

const research = (r: ToolReply) => r.data.research as Research | undefined;

async function status(s: Session, id: string): Promise<ToolReply> {
  const r = await s.call("get_operation_status", { operation_id: id });
  expect(r.isError, r.text).toBe(false);
  return r;
}

/** Cancels every active cycle straight at the stand-in (cleanup; never throws). */
async function cancelAllCycles(): Promise<void> {
  const st = await backendJson<{ active_researches?: Array<{ operation_id: string }> }>(stack.backendOrigin, "/api/v1/agent/status").catch(
    () => ({ active_researches: [] }),
  );
  for (const r of st.active_researches ?? [])
    await fetch(`${stack.backendUrl}/agent/cancel/${r.operation_id}`, { method: "DELETE" }).catch(() => undefined);
}

/** Waits until no cycle is active (the stand-in has one training worker their trainings share). */
async function noActiveCycle(): Promise<void> {
  await until(
    () => backendJson<{ active_researches: unknown[] }>(stack.backendOrigin, "/api/v1/agent/status"),
    (st) => st.active_researches.length === 0,
    30_000,
    "active research cycles",
  );
}

describe("research cycles against the v2026 stand-in (2025 era: the SDK 1.x client)", () => {
  let s: Session;

  beforeAll(async () => {
    await admin(stack.backendOrigin, "/__clocks", { research_poll_ms: RESEARCH_POLL_MS });
    s = await openSession(stack.mcpUrl);
    // A cycle trains its strategy (EURUSD 1h) from 2020-01-01 to today and backtests the first half of 2024.
    const load = await s.call("trigger_data_loading", {
      symbol: "EURUSD",
      timeframe: "1h",
      mode: "full",
      start_date: "2020-01-01",
      wait_seconds: 45,
    });
    expect(load.data.finished, load.text).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await cancelAllCycles();
    await admin(stack.backendOrigin, "/__clocks", { research_poll_ms: null }).catch(() => undefined);
    await s?.close();
  });

  it("start, a second start → already_running, phases with their children, a child's cycle, the failure in KTRDR's words", async () => {
    await noActiveCycle();
    const started = await s.call("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true });
    expect(started.isError, started.text).toBe(false);
    const id = String(started.data.operation_id);
    expect(id).toMatch(CYCLE_ID);
    expect(started.data).toMatchObject({ success: true, operation_type: "agent_research", status: "started" });
    expect(started.data.message).toMatch(/^Research cycle started on mcp_smoke_fast with claude-sonnet-4-20250514\./);
    expect(started.data.note).toBe(`${NO_ASSESSMENT}: the cycle will fail at assessment (KTRDR's words will say so).`);

    // KTRDR would start a second, identical cycle; the server returns the first.
    const again = await s.call("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true });
    expect(again.isError, again.text).toBe(false);
    expect(again.data).toMatchObject({ operation_id: id, status: "already_running" });
    // KTRDR v2026 does not list cycles; the list includes the active one from /agent/status.
    const listed = await s.call("list_operations", { operation_type: "agent_research", active_only: true });
    expect(listed.isError, listed.text).toBe(false);
    expect((listed.data.data as Array<{ operation_id: string }>).map((r) => r.operation_id)).toContain(id);

    // Training: its child named (from the record and /agent/status), its status its own record's.
    const training = await until(
      () => status(s, id),
      (r) => r.data.status !== "running" || research(r)?.phase !== "designing",
      30_000,
      "training phase",
    );
    expect(training.data).toMatchObject({ status: "running", progress_percentage: 20, current_step: "Training model..." });
    expect(research(training)).toMatchObject({ phase: "training", strategy: "mcp_smoke_fast", model: "claude-sonnet-4-20250514" });
    expect(research(training)?.budget).toEqual({ remaining: expect.any(Number), daily_limit: expect.any(Number) });
    const [child] = research(training)!.children!;
    expect(child).toMatchObject({ operation_id: expect.stringMatching(/^op_training_/), operation_type: "training" });
    const childNow = await status(s, child!.operation_id);
    expect(childNow.data.operation_type).toBe("training");
    // The training names its cycle while the cycle runs (found statelessly, through KTRDR's own link).
    expect(childNow.data.cycle).toBe(id);

    // Backtesting: both children, each as its own record says.
    const backtesting = await until(
      () => status(s, id),
      (r) => r.data.status !== "running" || research(r)?.phase === "backtesting",
      60_000,
      "backtesting phase",
    );
    expect(backtesting.data).toMatchObject({ status: "running", progress_percentage: 65, current_step: "Running backtest..." });
    const children = research(backtesting)!.children!;
    expect(children.map((c) => c.operation_type)).toEqual(["training", "backtesting"]);
    expect(children[0]).toMatchObject({ operation_id: child!.operation_id, status: "completed" });
    const backtest = await status(s, children[1]!.operation_id);
    // Read a moment later, the backtest's own record may have moved on (pending → running → finished), never back.
    const stage = (st: unknown) => (st === "pending" ? 0 : st === "running" ? 1 : 2);
    expect(stage(backtest.data.status), `${children[1]!.status} → ${backtest.data.status}`).toBeGreaterThanOrEqual(
      stage(children[1]!.status),
    );

    // It fails at assessment, in KTRDR's words; KTRDR then drops the links (said, not guessed).
    const failed = await until(
      () => status(s, id),
      (r) => r.data.status !== "running",
      60_000,
      "the cycle's end",
    );
    expect(failed.data.status).toBe("failed");
    expect(failed.data.error_message).toBe(ASSESSMENT_FAILED);
    expect(research(failed)).not.toHaveProperty("phase");
    expect(research(failed)).not.toHaveProperty("children");
    expect(failed.data.unknown).toContain("children");
    expect(failed.data.note).toContain("KTRDR drops a cycle's links to its operations when it ends.");
    expect(failed.data.note).toContain(`${NO_ASSESSMENT}: cycles fail at assessment until its operator starts them.`);
    // The children's own records say they completed, and no longer name the ended cycle.
    expect((await status(s, child!.operation_id)).data).toMatchObject({ status: "completed" });
    expect((await status(s, child!.operation_id)).data.cycle).toBeUndefined();
  }, 180_000);

  it("cancel_operation of a cycle goes through KTRDR's research cancel and reports its child", async () => {
    await noActiveCycle();
    const started = await s.call("start_research", { strategy: "mcp_smoke_slow", bypass_gates: true });
    expect(started.isError, started.text).toBe(false);
    const id = String(started.data.operation_id);
    try {
      const training = await until(
        () => status(s, id),
        (r) => (research(r)?.children?.length ?? 0) > 0,
        30_000,
        "the cycle's training",
      );
      const childId = research(training)!.children![0]!.operation_id;
      // The child names its cycle from the moment KTRDR links it (it may still be pending on its worker).
      const child = (await status(s, childId)).data;
      expect(child).toMatchObject({ cycle: id });
      expect(["pending", "running"]).toContain(child.status);

      const cancelled = await s.call("cancel_operation", { operation_id: id });
      expect(cancelled.isError, cancelled.text).toBe(false);
      expect(cancelled.data).toMatchObject({ success: true, operation_id: id, status: "cancelled" });
      expect(cancelled.data.children).toEqual([{ operation_id: childId, operation_type: "training", status: "cancelled" }]);
      expect(cancelled.data.note).toBe(`KTRDR cancelled the cycle and asked to stop its training ${childId}, which is now cancelled.`);
      expect((await status(s, id)).data.status).toBe("cancelled");

      // A second cancel: KTRDR's 409 not_cancellable, said as "already cancelled".
      const twice = await s.call("cancel_operation", { operation_id: id });
      expect(twice.isError).toBe(true);
      expect(twice.text).toMatch(new RegExp(`^Operation ${id} is already cancelled`));
    } finally {
      await cancelAllCycles();
    }
  }, 120_000);

  it("start_research as a 2025 task: the task id is the cycle's, tasks/get follows it to KTRDR's failure", async () => {
    await noActiveCycle();
    const created = await s.client.request(
      { method: "tools/call", params: { name: "start_research", arguments: { strategy: "mcp_smoke_fast", bypass_gates: true } } },
      CreateTaskResultSchema,
      { task: { ttl: 3_600_000 } },
    );
    const { taskId } = created.task;
    expect(taskId).toMatch(CYCLE_ID);
    const last = await until(
      () => s.client.experimental.tasks.getTask(taskId),
      (t: Task) => !["working", "input_required"].includes(t.status),
      120_000,
      "the research task",
    );
    expect(last.status).toBe("failed");
    expect(last.statusMessage).toContain("Assessment dispatch failed");
  }, 150_000);
});

describe("research cycles against the v2026 stand-in (2026 era: @modelcontextprotocol/client, ext-tasks)", () => {
  beforeAll(async () => {
    await admin(stack.backendOrigin, "/__clocks", { research_poll_ms: 300 });
  });
  afterAll(async () => {
    await cancelAllCycles();
    await admin(stack.backendOrigin, "/__clocks", { research_poll_ms: null }).catch(() => undefined);
  });

  it("start_research as a server-directed task: the cycle's id, followed by tasks/get to its failure", async () => {
    await noActiveCycle();
    const c = await connectClient(stack.mcpUrl, "pin");
    const session = taskSession(stack.mcpUrl, c);
    try {
      const exec = await within(
        session.callTool("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true }),
        30_000,
        "start_research",
      );
      expect(exec.kind).toBe("task");
      if (exec.kind !== "task") return;
      const taskId = exec.handle.taskId;
      expect(taskId).toMatch(CYCLE_ID);
      const ctl = session.task(taskId);
      const last = await until(
        () => ctl.snapshot(),
        (t: TaskView) => t.status !== "working",
        120_000,
        "the research task",
      );
      expect(last).toMatchObject({ taskId, status: "failed" });
      expect(last.statusMessage).toContain("Assessment dispatch failed");
    } finally {
      await session.close();
      await c.close();
    }
  }, 150_000);
});

describe("research cycles against the v2025 stand-in", () => {
  it("start_research is refused up front: KTRDR v2025 has none", async () => {
    const s = await openSession(stacks.v2025.mcpUrl);
    try {
      const r = await s.call("start_research", { strategy: "mcp_smoke_fast" });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^KTRDR v2025 has no research cycles .*nothing was sent/);
    } finally {
      await s.close();
    }
  });
});
