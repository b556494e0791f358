/**
 * Issue 16, items 3 and 4, end to end: real MCP clients → the Worker under wrangler dev → the
 * local KTRDR stand-in over real HTTP, both wire versions.
 *
 * 3. A completed data load whose record and `/results` answer 500 (the list still works: the
 *    stand-in's fault injection) is not reported `success: true, results: {}`: get_operation_results,
 *    get_operation_status, the 2025 tasks/result and the 2026 tasks/get all say the results are
 *    unknown and why.
 * 4. KTRDR's "Strategy file not found: x.yaml (searched: <absolute paths>)" reaches the agent with
 *    file names only.
 */
import { type CallToolResult, CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { admin, openSession, type Session, waitUntilFinished } from "./mcp-client";
import { rawRequest, TASK_CAPABILITIES } from "./modern-client";

const stacks = inject("stacks");

describe.each(["v2025", "v2026"] as const)("the agent is told the truth (%s backend)", (wire) => {
  const stack = stacks[wire];
  const apiPath = new URL(stack.backendUrl).pathname.replace(/\/$/, "");
  let s: Session;

  beforeAll(async () => {
    s = await openSession(stack.mcpUrl);
  });
  afterEach(async () => {
    await admin(stack.backendOrigin, "/__faults");
  });
  afterAll(async () => {
    await s?.close();
  });

  it("a completed data load whose record and results answer 500: unknown results, never success with {}", async () => {
    const start = await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1d", mode: "tail", allow_duplicate: true });
    expect(start.isError, start.text).toBe(false);
    const id = String(start.data.operation_id);
    expect((await waitUntilFinished(s, id)).data.status).toBe("completed");
    const before = await s.call("get_operation_results", { operation_id: id });
    expect(before.data).toMatchObject({ success: true, status: "completed" });
    expect(Object.keys(before.data.results as object).length).toBeGreaterThan(0);

    await admin(stack.backendOrigin, "/__faults", {
      rules: [
        { method: "GET", path: `${apiPath}/operations/${id}`, fault: "500_detail" },
        { method: "GET", path: `${apiPath}/operations/${id}/results`, fault: "500_detail" },
      ],
    });

    const unknownResults = (out: Record<string, unknown>, where: string) => {
      const m = `${where}: ${JSON.stringify(out)}`;
      expect(out.status, m).toBe("completed");
      expect(out.success, m).toBe(false);
      expect(out.unknown, m).toContain("results");
      expect(out.note, m).toMatch(/results are not known/);
      expect(out.note, m).toMatch(/HTTP 500/);
      expect(out.results, m).toEqual({});
    };

    const results = await s.call("get_operation_results", { operation_id: id });
    expect(results.isError, results.text).toBe(false);
    unknownResults(results.data, "get_operation_results");

    const status = await s.call("get_operation_status", { operation_id: id });
    expect(status.data.status).toBe("completed");
    expect(status.data.unknown).toContain("results");
    expect(status.data.result).toBeUndefined();

    // 2025 tasks/result (the SDK 1.x client's own tasks API, on this session).
    const r2025 = (await s.client.experimental.tasks.getTaskResult(id, CallToolResultSchema)) as CallToolResult;
    const sc2025 = r2025.structuredContent as Record<string, unknown>;
    expect(sc2025).toMatchObject({ success: false, status: "completed", finished: true });
    expect(sc2025.message).toMatch(/results could not be read/);
    unknownResults(sc2025.operation as Record<string, unknown>, "2025 tasks/result");

    // 2026 tasks/get (stateless): the result carried inline says the same.
    const r2026 = await rawRequest(stack.mcpUrl, "tasks/get", { taskId: id }, TASK_CAPABILITIES);
    expect(r2026.body.error, JSON.stringify(r2026.body.error)).toBeUndefined();
    const task = r2026.body.result as Record<string, any>;
    expect(task.status).toBe("completed");
    const sc2026 = task.result.structuredContent as Record<string, unknown>;
    expect(sc2026).toMatchObject({ success: false, status: "completed" });
    unknownResults(sc2026.operation as Record<string, unknown>, "2026 tasks/get");

    // Once KTRDR answers again, the results are there.
    await admin(stack.backendOrigin, "/__faults");
    expect((await s.call("get_operation_results", { operation_id: id })).data).toMatchObject({ success: true });
  });

  it("an unknown strategy: the agent reads which files KTRDR searched, not where they are", async () => {
    const r = await s.call("start_training", { strategy_name: "no_such_strategy_xyz", symbols: ["AAPL"], timeframes: ["1h"] });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/Strategy file not found: no_such_strategy_xyz\.yaml \(searched: \w+\.yaml, /);
    expect(r.text).not.toMatch(/(^|[\s(:,])\/\w+\/\w+/);
    expect(r.text).not.toContain("backend/strategies");
    expect(r.text.length).toBeLessThan(600);
  });
});
