/**
 * Few calls and few tokens: bounded server-side waits (ending on completion, on change, at the
 * cap, on client cancellation), progress notifications to a real client, token budgets counted
 * with a real BPE tokenizer, and the duplicate-start guard in both directions.
 */
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { countTokens } from "../../scripts/tokens.mjs";
import { admin, openSession, type Session, waitUntilFinished } from "./mcp-client";

const stack = inject("stacks").v2025;
let s: Session;

async function loadAapl(): Promise<void> {
  const load = await s.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", wait_seconds: 30 });
  expect(load.isError, load.text).toBe(false);
  expect(load.data.finished, load.text).toBe(true);
}

async function cancelAllActive(): Promise<void> {
  const list = await s.call("list_operations", { active_only: true, limit: 100 });
  for (const row of (list.data.data ?? []) as Array<{ operation_id: string }>) {
    await s.call("cancel_operation", { operation_id: row.operation_id, reason: "test cleanup" });
  }
}

beforeAll(async () => {
  s = await openSession(stack.mcpUrl);
  await loadAapl();
});
afterEach(async () => {
  await admin(stack.backendOrigin, "/__pace", { pace: 0 });
  await cancelAllActive();
});
afterAll(async () => {
  await s?.close();
});

describe("bounded waits", () => {
  it("a start with wait_seconds returns the outcome of a short operation in one call", async () => {
    const r = await s.call("trigger_data_loading", { symbol: "MSFT", timeframe: "1d", mode: "tail", wait_seconds: 30 });
    expect(r.isError, r.text).toBe(false);
    expect(r.data).toMatchObject({ status: "started", finished: true });
    expect((r.data.operation as Record<string, unknown>).status).toBe("completed");
    expect(Number(r.data.waited_seconds)).toBeLessThan(30);
  });

  it("ends on completion, well before the cap", async () => {
    const start = await s.call("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], allow_duplicate: true });
    const r = await s.call("get_operation_status", { operation_id: start.data.operation_id, wait_seconds: 40 });
    expect(r.isError, r.text).toBe(false);
    expect(r.data).toMatchObject({ status: "completed", finished: true });
    expect(Number(r.data.waited_seconds)).toBeLessThan(40);
  });

  it("ends at the cap when the operation is still running, saying so", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 1 });
    const start = await s.call("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], allow_duplicate: true });
    const r = await s.call("get_operation_status", { operation_id: start.data.operation_id, wait_seconds: 2 });
    expect(r.isError, r.text).toBe(false);
    expect(r.data.finished).toBe(false);
    expect(r.data.status).toBe("running");
    expect(Number(r.data.waited_seconds)).toBeGreaterThanOrEqual(1.9);
  });

  it("ends on change when asked to", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 1 });
    const start = await s.call("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], allow_duplicate: true });
    const before = await s.call("get_operation_status", { operation_id: start.data.operation_id });
    const r = await s.call("get_operation_status", { operation_id: start.data.operation_id, wait_seconds: 40, until: "change" });
    expect(r.isError, r.text).toBe(false);
    expect(r.data.finished).toBe(false);
    expect([r.data.status, r.data.current_step]).not.toEqual([before.data.status, before.data.current_step]);
    expect(Number(r.data.waited_seconds)).toBeLessThan(40);
  });

  it("sends progress notifications to a client that asked for them", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 0.3 });
    const start = await s.call("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], allow_duplicate: true });
    const seen: Array<{ progress: number; message?: string }> = [];
    const res = await s.client.callTool(
      { name: "get_operation_status", arguments: { operation_id: start.data.operation_id, wait_seconds: 6 } },
      undefined,
      { onprogress: (p) => seen.push(p), timeout: 60_000 },
    );
    expect(res.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((p) => p.progress >= 0 && p.progress <= 100)).toBe(true);
    expect(seen.some((p) => /running|completed/.test(p.message ?? ""))).toBe(true);
  });

  it("stops waiting when the client cancels the call", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 1 });
    const start = await s.call("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], allow_duplicate: true });
    const id = String(start.data.operation_id);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    await expect(
      s.client.callTool({ name: "get_operation_status", arguments: { operation_id: id, wait_seconds: 40 } }, undefined, {
        signal: controller.signal,
      }),
    ).rejects.toThrow();
    // The server's log line for that call shows it ended soon after the cancel, not at the cap.
    const deadline = Date.now() + 15_000;
    let line: { ms: number } | undefined;
    while (!line && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      line = readFileSync(stack.workerLog, "utf8")
        .split("\n")
        .filter((l) => l.includes('"tool_call"') && l.includes(id) && l.includes("get_operation_status"))
        .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { ms: number })
        .find((l) => l.ms >= 1000);
    }
    expect(line, "no log line for the cancelled wait").toBeDefined();
    // Judged against the wait's own cap, not a stopwatch: a wait that ignored the cancel would run to 40 s.
    expect(line!.ms).toBeLessThan(40_000);
    // The session still works.
    const after = await s.call("get_operation_status", { operation_id: id });
    expect(after.isError, after.text).toBe(false);
  });
});

describe("token budgets (o200k_base)", () => {
  it("a running training's status fits in 100 tokens, both as text and as structuredContent", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 1 });
    const start = await s.call("start_training", { strategy_name: "mlp_basic", symbols: ["AAPL"], allow_duplicate: true });
    const r = await s.call("get_operation_status", { operation_id: start.data.operation_id, wait_seconds: 3, until: "change" });
    expect(r.data.status).toBe("running");
    const raw = await (await fetch(`${stack.backendUrl}/operations/${String(start.data.operation_id)}`)).text();
    expect(countTokens(r.text)).toBeLessThanOrEqual(100);
    expect(countTokens(r.data)).toBeLessThanOrEqual(100);
    expect(countTokens(r.text)).toBeLessThan(countTokens(raw) / 2);
  });

  it("ten listed operations fit in 600 tokens", async () => {
    for (let i = 0; i < 10; i++)
      await s.call("trigger_data_loading", { symbol: "EURUSD", timeframe: "1d", mode: "local", allow_duplicate: true });
    const r = await s.call("list_operations", { limit: 10 });
    expect(r.data.returned_count).toBe(10);
    expect(countTokens(r.text)).toBeLessThanOrEqual(600);
  });

  it("a training's results fit in 250 tokens", async () => {
    const start = await s.call("start_training", {
      strategy_name: "mlp_basic",
      symbols: ["AAPL"],
      allow_duplicate: true,
      wait_seconds: 40,
    });
    expect(start.data.finished, start.text).toBe(true);
    const r = await s.call("get_operation_results", { operation_id: start.data.operation_id });
    expect(r.isError, r.text).toBe(false);
    expect(countTokens(r.text)).toBeLessThanOrEqual(250);
    const full = await s.call("get_operation_results", { operation_id: start.data.operation_id, detail: "full" });
    expect(countTokens(full.text)).toBeGreaterThan(countTokens(r.text));
  });
});

describe("safe starts", () => {
  it("returns the active twin instead of starting a duplicate, unless asked for a second one", async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 1 });
    const args = { strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"] };
    const first = await s.call("start_training", args);
    expect(first.data.status).toBe("started");
    const second = await s.call("start_training", args);
    expect(second.isError, second.text).toBe(false);
    expect(second.data).toMatchObject({ status: "already_running", operation_id: first.data.operation_id });
    const other = await s.call("start_training", { ...args, symbols: ["MSFT"] });
    expect(other.data.status).toBe("started");
    expect(other.data.operation_id).not.toBe(first.data.operation_id);
    const forced = await s.call("start_training", { ...args, allow_duplicate: true });
    expect(forced.data.status).toBe("started");
    expect(forced.data.operation_id).not.toBe(first.data.operation_id);
    for (const id of [first.data.operation_id, other.data.operation_id, forced.data.operation_id]) {
      const st = await s.call("get_operation_status", { operation_id: id });
      expect(["pending", "running", "failed"]).toContain(st.data.status);
    }
  });

  it("starts again once the twin has finished", async () => {
    const args = { symbol: "GBPUSD", timeframe: "1d", mode: "tail" };
    const first = await s.call("trigger_data_loading", { ...args, wait_seconds: 30 });
    expect(first.data.finished).toBe(true);
    const second = await s.call("trigger_data_loading", args);
    expect(second.data.status).toBe("started");
    expect(second.data.operation_id).not.toBe(first.data.operation_id);
    await waitUntilFinished(s, String(second.data.operation_id));
  });
});
