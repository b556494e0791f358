/**
 * 2026-07-28 wire details, one raw request each, against the v2026 stack: what the tasks
 * extension and SEP-2164 require of methods a client may send, and what a 2026 client is told.
 * (Found by the 2026 conformance run and the 2026 clients; see test/e2e/conformance-2026.test.ts.)
 */
import { describe, expect, inject, it } from "vitest";
import { rawRequest, TASK_CAPABILITIES, TASKS_EXTENSION } from "./modern-client";

const stacks = inject("stacks");
const url = stacks.v2026.mcpUrl;

describe("2026-07-28 wire details", () => {
  it("tasks/update from a client that did not declare the tasks extension: -32021, HTTP 400 (extension spec, MUST)", async () => {
    // conformance: tasks-capability-negotiation / sep-2663-tasks-methods-non-declaring
    const r = await rawRequest(url, "tasks/update", { taskId: "op_training_20240101_000000_deadbeef", inputResponses: {} });
    expect(r.body.error?.code, JSON.stringify(r.body)).toBe(-32021);
    expect(r.status).toBe(400);
    expect(r.body.error?.data?.requiredCapabilities).toEqual({ extensions: { [TASKS_EXTENSION]: {} } });
  });

  it("tasks/update exists for a declaring client: an unknown task is -32602, as for tasks/get and tasks/cancel", async () => {
    const r = await rawRequest(
      url,
      "tasks/update",
      { taskId: "op_training_20240101_000000_deadbeef", inputResponses: {} },
      TASK_CAPABILITIES,
    );
    expect(r.body.error?.code, JSON.stringify(r.body)).toBe(-32602);
    const get = await rawRequest(url, "tasks/get", { taskId: "op_training_20240101_000000_deadbeef" }, TASK_CAPABILITIES);
    expect(get.body.error?.code).toBe(-32602);
  });

  it("resources/read of an unknown URI: -32602 naming the URI in error.data.uri (SEP-2164, SHOULD)", async () => {
    // conformance: sep-2164-resource-not-found / sep-2164-data-uri (a WARNING, which the suite's baseline counts as a failure)
    const uri = "test://nonexistent-resource";
    const r = await rawRequest(url, "resources/read", { uri });
    expect(r.body.error?.code).toBe(-32602);
    expect(r.body.error?.data, JSON.stringify(r.body)).toMatchObject({ uri });
  });

  it("what a 2026 client is told about a task names no method the 2026 era lacks (tasks/result, tasks/list)", async () => {
    const created = await rawRequest(
      url,
      "tools/call",
      {
        name: "trigger_data_loading",
        arguments: { symbol: "AAPL", timeframe: "1h", mode: "tail", start_date: "2024-01-01", end_date: "2024-02-01", wait_seconds: 30 },
      },
      TASK_CAPABILITIES,
    );
    expect(created.body.result, JSON.stringify(created.body)).toMatchObject({ resultType: "task", status: "completed" });
    const taskId = String(created.body.result?.taskId);
    const got = await rawRequest(url, "tasks/get", { taskId }, TASK_CAPABILITIES);
    expect(got.body.result).toMatchObject({ taskId, status: "completed" });
    const unknown = await rawRequest(url, "tasks/get", { taskId: "op_training_20240101_000000_deadbeef" }, TASK_CAPABILITIES);
    for (const text of [created.body.result?.statusMessage, got.body.result?.statusMessage, unknown.body.error?.message]) {
      expect(String(text)).not.toMatch(/tasks\/result|tasks\/list/);
    }
  });
});
