/**
 * Native MCP tasks end to end: the SDK's own Client (its experimental tasks API) → the Worker
 * under wrangler dev → the local KTRDR backend, against both wire versions. The task id is the
 * operation id; tasks/get and tasks/result are answered from the backend. (Surviving an eviction
 * of the session's Durable Object is shown in test/worker/tasks.test.ts, where eviction can be
 * forced.)
 */
import { type CallToolResult, CallToolResultSchema, CreateTaskResultSchema, type Task } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { admin, openSession, type Session, waitUntilFinished } from "./mcp-client";

const stacks = inject("stacks");

const TERMINAL = ["completed", "failed", "cancelled"];

async function pollTask(s: Session, taskId: string, timeoutMs = 90_000): Promise<Task[]> {
  const seen: Task[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await s.client.experimental.tasks.getTask(taskId);
    seen.push(t);
    if (TERMINAL.includes(t.status)) return seen;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${t.status} after ${timeoutMs} ms`);
    // The server suggests 5 s or more (t.pollInterval); the local backend is fast, so poll sooner.
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(["v2025", "v2026"] as const)("MCP tasks against a %s backend", (wire) => {
  const stack = stacks[wire];
  let s: Session;

  beforeAll(async () => {
    s = await openSession(stack.mcpUrl);
    const load = await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail" });
    expect(load.isError, load.text).toBe(false);
    expect((await waitUntilFinished(s, String(load.data.operation_id))).data.status).toBe("completed");
  });
  afterAll(async () => {
    await s?.close();
  });

  it("advertises tasks and lets start_training run as a task", async () => {
    expect(s.client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await s.client.listTools();
    expect(tools.find((t) => t.name === "start_training")?.execution).toEqual({ taskSupport: "optional" });
    // No execution field: "forbidden", the 2025-11-25 default.
    expect(tools.find((t) => t.name === "get_operation_status")?.execution?.taskSupport).toBeUndefined();
  });

  it("a task-augmented start_training, driven through tasks/get and tasks/result", async () => {
    const created = await s.client.request(
      {
        method: "tools/call",
        params: {
          name: "start_training",
          arguments: { strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"], start_date: "2024-01-02" },
        },
      },
      CreateTaskResultSchema,
      { task: { ttl: 3_600_000 } },
    );
    const { taskId } = created.task;
    expect(taskId).toMatch(/^op_training_/);
    expect(created.task.ttl).toBeNull();
    expect(["working", "completed"]).toContain(created.task.status);

    // The task id is the operation id: the plain tools see the same operation.
    const status = await s.call("get_operation_status", { operation_id: taskId });
    expect(status.isError, status.text).toBe(false);
    expect(status.data.operation_type).toBe("training");

    const seen = await pollTask(s, taskId);
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ taskId, status: "completed" });
    for (const t of seen) expect(t.taskId).toBe(taskId);

    const result = (await s.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result._meta?.["io.modelcontextprotocol/related-task"]).toEqual({ taskId });
    const sc = result.structuredContent as Record<string, unknown>;
    expect(sc).toMatchObject({ success: true, operation_id: taskId, operation_type: "training", status: "completed", finished: true });
    const plain = await s.call("get_operation_results", { operation_id: taskId });
    expect(plain.isError, plain.text).toBe(false);
    expect(sc.operation).toEqual(plain.data);
    // … and those are the training's outcome, not an empty object.
    const results = (sc.operation as { results: { training_metrics?: Record<string, unknown> } }).results;
    expect(Number(results.training_metrics?.epochs_completed), JSON.stringify(results)).toBeGreaterThan(0);
    expect(results.training_metrics?.final_val_loss).toBeTypeOf("number");

    // Another session (another Durable Object) finds the same task.
    const other = await openSession(stack.mcpUrl);
    try {
      expect(await other.client.experimental.tasks.getTask(taskId)).toMatchObject({ taskId, status: "completed" });
      const { tasks } = await other.client.experimental.tasks.listTasks();
      expect(tasks.map((t) => t.taskId)).toContain(taskId);
    } finally {
      await other.close();
    }
  });

  it("callToolStream: the SDK client's own task flow, its result checked against the tool's outputSchema", async () => {
    await s.client.listTools(); // caches output validators and which tools take tasks
    const kinds: string[] = [];
    let result: CallToolResult | undefined;
    let taskId: string | undefined;
    for await (const m of s.client.experimental.tasks.callToolStream(
      {
        name: "start_training",
        arguments: { strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"], start_date: "2024-01-03" },
      },
      CallToolResultSchema,
      { task: { ttl: 3_600_000 } },
    )) {
      kinds.push(m.type);
      if (m.type === "taskCreated") taskId = m.task.taskId;
      if (m.type === "result") result = m.result as CallToolResult;
      if (m.type === "error") throw m.error;
    }
    expect(kinds[0]).toBe("taskCreated");
    expect(kinds[kinds.length - 1]).toBe("result");
    expect(taskId).toMatch(/^op_training_/);
    expect(result?.structuredContent).toMatchObject({ operation_id: taskId, status: "completed" });
  }, 150_000);

  it("tasks/cancel cancels the backend operation", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 1 }); // a training that runs long enough to cancel
    try {
      const created = await s.client.request(
        {
          method: "tools/call",
          params: {
            name: "start_training",
            arguments: { strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"], start_date: "2024-01-04" },
          },
        },
        CreateTaskResultSchema,
        { task: {} },
      );
      const { taskId } = created.task;
      expect(created.task.status).toBe("working");
      const cancelled = await s.client.experimental.tasks.cancelTask(taskId);
      expect(cancelled).toMatchObject({ taskId, status: "cancelled" });
      const status = await s.call("get_operation_status", { operation_id: taskId });
      expect(status.data.status).toBe("cancelled");
      const result = (await s.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ status: "cancelled" });
      const again = await s.client.experimental.tasks.cancelTask(taskId).catch((e: Error & { code?: number }) => e);
      expect((again as { code?: number }).code).toBe(-32602);
    } finally {
      await admin(stack.backendOrigin, "/__pace", { pace: 0 });
    }
  });

  it("an unknown task id is a -32602 error that mentions a backend restart", async () => {
    const err = await s.client.experimental.tasks
      .getTask("op_training_20240101_000000_deadbeef")
      .catch((e: Error & { code?: number }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: number }).code).toBe(-32602);
    expect((err as Error).message).toMatch(/backend restarted/);
  });

  it("a plain start_training still answers at once with the old shape", async () => {
    const r = await s.call("start_training", {
      strategy_name: "mlp_basic",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      start_date: "2024-01-05",
    });
    expect(r.isError, r.text).toBe(false);
    expect(r.data).toMatchObject({ success: true, operation_type: "training", status: "started" });
    expect(String(r.data.operation_id)).toMatch(/^op_training_/);
    expect(Object.keys(r.data).sort()).toEqual(expect.arrayContaining(["message", "operation_id", "operation_type", "status", "success"]));
    expect(r.data).not.toHaveProperty("task");
    expect(JSON.parse(r.text)).toEqual(r.data);
    await waitUntilFinished(s, String(r.data.operation_id));
  });
});
