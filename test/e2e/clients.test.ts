/**
 * Real 2026-era clients against both stacks (issue 12, item 5): the TypeScript client
 * `@modelcontextprotocol/client` 2.4 with its own StreamableHTTPClientTransport, pinned to
 * 2026-07-28 and in `auto`, and `@modelcontextprotocol/ext-tasks` 0.2.2 for tasks. Against a
 * dual-era server a modern client must connect with exactly one HTTP request (server/discover,
 * no failed probe), and a start tool it calls declaring the tasks extension must come back as a
 * task whose id is the backend operation id, which tasks/get follows and tasks/cancel cancels.
 * The same package in its default legacy mode still gets a 2025-11-25 session, tasks included.
 *
 * Every training started here is cancelled before its test ends (the v2026 stand-in has one
 * training worker, shared by every test); every wait is bounded.
 */
import type { TaskEnabledSession, TaskView } from "@modelcontextprotocol/ext-tasks/client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TOOLS } from "../../src/tools/catalogue";
import { cancelAtBackend, ensureAapl2024, RANGE_2024 as RANGE } from "./mcp-client";
import { connectClient, type ModernClient, MODERN, type Mode, taskSession, TASKS_EXTENSION } from "./modern-client";
import { until, within } from "./poll";

const stacks = inject("stacks");

/** ~45 s of training at any pace: long enough to read and cancel. */
const SLOW_TRAINING = { strategy_name: "mcp_smoke_slow", symbols: ["AAPL"], ...RANGE, allow_duplicate: true };
const READ_TOOL = "check_backend_health";
const FIXTURES = ["greet", "slow_compute", "failing_job", "protocol_error_job"];

/** Waits until no training is active (the v2026 stand-in's single training worker is free again). */
async function noActiveTraining(c: ModernClient): Promise<void> {
  await until(
    async () => {
      const r = await c.client.callTool({ name: "list_operations", arguments: { operation_type: "training", active_only: true } });
      return (r.structuredContent as { data?: unknown[] } | undefined)?.data?.length ?? -1;
    },
    (n) => n === 0,
    30_000,
    "active trainings",
  );
}

/**
 * start_training as a task through ext-tasks: the task id is the operation id, tasks/get (from a
 * controller made from the id alone) follows it, tasks/cancel cancels it and tasks/get then says so.
 */
async function runAndCancelTraining(
  stack: { backendUrl: string; mcpUrl: string },
  c: ModernClient,
  session: TaskEnabledSession,
  era: "modern" | "legacy",
): Promise<void> {
  await noActiveTraining(c);
  const wireBefore = c.wire.length;
  let taskId: string | undefined;
  let cancelled = false;
  try {
    const exec = await within(
      session.callTool("start_training", SLOW_TRAINING, era === "legacy" ? { task: { preference: "require" } } : {}),
      30_000,
      "start_training",
    );
    expect(exec.kind).toBe("task");
    if (exec.kind !== "task") return;
    const id = exec.handle.taskId;
    taskId = id;
    expect(taskId).toMatch(/^op_training_\d{8}_\d{6}_[0-9a-f]+$/);

    // tasks/get by id alone, as any other client holding the id would.
    const ctl = session.task(id);
    const first = await within(ctl.snapshot(), 15_000, "tasks/get");
    expect(first).toMatchObject({ taskId, status: "working" });
    // The task IS the backend operation: the plain read tool sees it under the same id.
    const status = await c.client.callTool({ name: "get_operation_status", arguments: { operation_id: taskId } });
    expect(status.isError, JSON.stringify(status.content)).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ operation_id: taskId, operation_type: "training" });
    const running = await until(
      () => ctl.snapshot(),
      (t: TaskView) => t.status !== "working" || /Epoch/.test(t.statusMessage ?? ""),
      20_000,
      "training progress",
    );
    expect(running.status).toBe("working");

    await within(ctl.cancel(), 15_000, "tasks/cancel");
    const last = await until(
      () => ctl.snapshot(),
      (t: TaskView) => t.status !== "working",
      20_000,
      "tasks/get after cancel",
    );
    expect(last).toMatchObject({ taskId, status: "cancelled" });
    cancelled = true;
    // The execution that created it settles as cancelled too (it polls at the server's interval, ≥ 5 s).
    const { outcome } = await within(exec.settle(), 30_000, "execution settle");
    expect(outcome.status).toBe("cancelled");
    const after = await c.client.callTool({ name: "get_operation_status", arguments: { operation_id: taskId } });
    expect(after.structuredContent).toMatchObject({ operation_id: taskId, status: "cancelled" });

    if (era === "modern") {
      // On the wire: the tools/call answered with a task; tasks/get and tasks/cancel went out; nothing failed.
      const calls = c.wire.slice(wireBefore);
      expect(calls.map((w) => w.mcpMethod)).toEqual(expect.arrayContaining(["tools/call", "tasks/get", "tasks/cancel"]));
      expect(calls.filter((w) => w.status >= 400)).toEqual([]);
    }
  } finally {
    if (taskId && !cancelled) await cancelAtBackend(stack.backendUrl, taskId);
  }
}

describe.each(["v2025", "v2026"] as const)("@modelcontextprotocol/client 2.4 against the %s stack", (wire) => {
  const stack = stacks[wire];

  beforeAll(async () => {
    // The training below needs AAPL 1h bars for 2024.
    await ensureAapl2024(stack.mcpUrl);
  });

  describe.each(["pin", "auto"] as const)("versionNegotiation %s", (mode: Mode) => {
    let c: ModernClient;
    beforeAll(async () => {
      c = await connectClient(stack.mcpUrl, mode);
    });
    afterAll(async () => {
      await c?.close();
    });

    it("connects with exactly one HTTP request (server/discover, 200) and speaks 2026-07-28", () => {
      expect(c.connectWire).toEqual([{ http: "POST", mcpMethod: "server/discover", status: 200 }]);
      expect(c.client.getProtocolEra()).toBe("modern");
      expect(c.client.getNegotiatedProtocolVersion()).toBe(MODERN);
      const discover = c.client.getDiscoverResult();
      expect(discover?.supportedVersions).toContain(MODERN);
      expect(discover?.capabilities.extensions?.[TASKS_EXTENSION]).toEqual({});
      expect(c.client.getServerVersion()?.name).toBe("ktrdr-mcp");
    });

    it("lists the tools and calls a read tool", async () => {
      const before = c.wire.length;
      const { tools } = await c.client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["start_training", "get_operation_status", READ_TOOL, ...FIXTURES]));
      expect(tools.length).toBe(TOOLS.length + FIXTURES.length);
      // 2026-07-28 has no per-tool task declaration: the server decides per request.
      expect(tools.find((t) => t.name === "start_training")).not.toHaveProperty("execution");
      const health = await c.client.callTool({ name: READ_TOOL, arguments: {} });
      expect(health.isError).toBeFalsy();
      expect(health.structuredContent).toMatchObject({ healthy: true });
      expect(c.wire.slice(before)).toEqual([
        { http: "POST", mcpMethod: "tools/list", status: 200 },
        { http: "POST", mcpMethod: "tools/call", status: 200 },
      ]);
    });

    it("runs start_training as a task (ext-tasks): operation id, tasks/get, tasks/cancel → cancelled", async () => {
      const session = taskSession(stack.mcpUrl, c);
      try {
        expect(session.capabilities).toMatchObject({ execution: true, cancellation: true });
        await runAndCancelTraining(stack, c, session, "modern");
      } finally {
        await session.close();
      }
    }, 120_000);
  });

  describe("legacy mode (the package's default): a 2025-11-25 session", () => {
    let c: ModernClient;
    beforeAll(async () => {
      c = await connectClient(stack.mcpUrl, "legacy", { tasks: false });
    });
    afterAll(async () => {
      await c?.close();
    });

    it("initializes (no discover probe), lists the 2025 catalogue and calls a read tool", async () => {
      expect(c.connectWire.map((w) => [w.mcpMethod, w.status])).toEqual([
        ["initialize", 200],
        ["notifications/initialized", 202],
      ]);
      expect(c.client.getProtocolEra()).toBe("legacy");
      expect(c.client.getNegotiatedProtocolVersion()).toBe("2025-11-25");
      expect(c.client.getServerCapabilities()?.tasks).toBeTruthy();
      const { tools } = await c.client.listTools();
      expect(tools.length).toBe(TOOLS.length);
      expect(tools.map((t) => t.name)).not.toContain("greet");
      expect(tools.find((t) => t.name === "start_training")?.execution).toEqual({ taskSupport: "optional" });
      const health = await c.client.callTool({ name: READ_TOOL, arguments: {} });
      expect(health.isError).toBeFalsy();
      expect(health.structuredContent).toMatchObject({ healthy: true });
    });

    it("runs start_training as a 2025 task (ext-tasks over the session): tasks/get, tasks/cancel → cancelled", async () => {
      const session = taskSession(stack.mcpUrl, c);
      try {
        expect(session.capabilities).toMatchObject({ execution: true, cancellation: true, inventory: "server-list" });
        await runAndCancelTraining(stack, c, session, "legacy");
      } finally {
        await session.close();
      }
    }, 120_000);
  });
});
