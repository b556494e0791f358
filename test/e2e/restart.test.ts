/**
 * Backend restart (issue 6, item 2). A v2025 KTRDR keeps its operations in memory, so a restart
 * forgets them. For an id the backend no longer knows, get_operation_status,
 * get_operation_results and cancel_operation each answer isError with a message that says the
 * operation may have been lost in a backend restart and points to list_operations; listing shows
 * what the backend knows now. Twice: the stand-in's `POST /__reset` (what a restart does to the
 * registry), and a real process restart — the backend killed and started again on the same port
 * under a running `wrangler dev`, the MCP session kept open throughout.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort, startBackend, startWorker, tempDir } from "../../scripts/stack.mjs";
import { admin, openSession, type Session, waitUntilFinished } from "./mcp-client";

const stacks = inject("stacks");

const LOST = /lost when the backend restarted/i;

/** The three per-id tools on a forgotten id: isError, the cause, and the next step. */
async function expectForgotten(s: Session, id: string): Promise<void> {
  const calls = [
    ["get_operation_status", { operation_id: id }],
    ["get_operation_results", { operation_id: id }],
    ["cancel_operation", { operation_id: id, reason: "restart test" }],
  ] as const;
  for (const [tool, args] of calls) {
    const r = await s.call(tool, args);
    expect(r.isError, `${tool}: ${r.text}`).toBe(true);
    const first = r.text.split("\n")[0] ?? "";
    expect(first, tool).toContain(id);
    expect(first, tool).toMatch(LOST);
    expect(first, tool).toMatch(/list_operations/);
    expect(first, tool).not.toMatch(/\bat \w+ \(|Error:|stack/i);
  }
}

async function listedIds(s: Session): Promise<string[]> {
  const r = await s.call("list_operations", { limit: 100 });
  expect(r.isError, r.text).toBe(false);
  return (r.data.data as Array<{ operation_id: string }>).map((o) => o.operation_id);
}

async function loadOnce(s: Session, symbol: string): Promise<string> {
  const r = await s.call("trigger_data_loading", {
    symbol,
    timeframe: "1d",
    mode: "tail",
    start_date: "2025-01-01",
    allow_duplicate: true,
  });
  expect(r.isError, r.text).toBe(false);
  const id = String(r.data.operation_id);
  expect((await waitUntilFinished(s, id)).data.status).toBe("completed");
  return id;
}

describe("a v2025 backend forgets its operations (POST /__reset)", () => {
  const stack = stacks.v2025;
  let s: Session;
  beforeAll(async () => {
    s = await openSession(stack.mcpUrl);
  });
  afterAll(async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 0 }).catch(() => {});
    await s?.close();
  });

  it("status, results and cancel explain a forgotten id; listing shows what the backend knows now", async () => {
    const finished = await loadOnce(s, "MSFT");
    // One still running when the backend restarts (slowed down so it is).
    await admin(stack.backendOrigin, "/__pace", { pace: 1 });
    const started = await s.call("start_training", {
      strategy_name: "mlp_basic",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      allow_duplicate: true,
    });
    expect(started.isError, started.text).toBe(false);
    const running = String(started.data.operation_id);
    expect(await listedIds(s)).toEqual(expect.arrayContaining([finished, running]));

    const res = await fetch(`${stack.backendOrigin}/__reset`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { operations_forgotten: number }).operations_forgotten).toBeGreaterThanOrEqual(2);
    await admin(stack.backendOrigin, "/__pace", { pace: 0 });

    await expectForgotten(s, finished);
    await expectForgotten(s, running);

    // What the backend knows now: a new operation, never the forgotten ones.
    const fresh = await loadOnce(s, "NVDA");
    const ids = await listedIds(s);
    expect(ids).toContain(fresh);
    expect(ids).not.toContain(finished);
    expect(ids).not.toContain(running);
    const all = await s.call("list_operations", { limit: 100 });
    expect(all.data.total_count).toBe(ids.length);
  });
});

describe("a v2025 backend process restarts on the same port", () => {
  const dir = tempDir("restart");
  let port: number;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let s: Session;
  const startIt = () =>
    startBackend({
      port,
      wire: "v2025",
      pace: 0,
      quiet: true,
      dataDir: join(dir, "data"),
      logFile: join(dir, `backend-${Date.now()}.log`),
    });

  beforeAll(async () => {
    port = await freePort();
    backend = await startIt();
    worker = await startWorker({
      vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local", KTRDR_API_TIMEOUT_MS: "5000" },
      persistTo: join(dir, "state"),
      logFile: join(dir, "worker.log"),
    });
    s = await openSession(worker.mcpUrl);
  });
  afterAll(async () => {
    await s?.close().catch(() => {});
    await Promise.all([worker?.stop(), backend?.stop()]);
  });

  it("while it is down the session says so; after it is back, forgotten ids are explained", async () => {
    const before = await loadOnce(s, "AAPL");

    await backend.stop();
    const down = await s.call("get_operation_status", { operation_id: before });
    expect(down.isError).toBe(true);
    expect(down.text).toMatch(/unreachable/i);
    expect(down.text).toMatch(/check_backend_health/);

    backend = await startIt();
    const health = await s.call("check_backend_health");
    expect(health.isError, health.text).toBe(false);

    await expectForgotten(s, before);
    const fresh = await loadOnce(s, "SPY");
    const ids = await listedIds(s);
    expect(ids).toEqual([fresh]);
  });
});
