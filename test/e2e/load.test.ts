/**
 * Load (issue 6, item 4), CI-sized: the same run as `npm run load` (scripts/load.mjs, 200 × 20 with
 * 50 sessions in flight), reduced to half the sessions on v2025 (100 × 20, 50 in flight) and to
 * 50 × 10 (25 in flight) on v2026, against the shared stacks. Half size keeps the full run's
 * concurrency, which is what broke `wrangler dev` before 4.131 (a dropped ProxyWorker connection was
 * fatal to the dev server). Pass/fail is zero errors only; the figures are printed, never asserted
 * (CI machines vary).
 *
 * And a session's Durable Object losing its in-memory state mid-session: `wrangler dev` cannot
 * call evictDurableObject, so the whole Worker process is restarted on the same port with the
 * same `--persist-to` directory — every Durable Object starts again from its storage, as after an
 * eviction. The same session id keeps working with the same auth context: the same (scope-limited)
 * tools/list, a call that works, a call outside its scope still refused, and other credentials
 * presenting the session id still turned away.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { formatReport, runLoad } from "../../scripts/load.mjs";
import { freePort, startBackend, startWorker, tempDir } from "../../scripts/stack.mjs";
import { mintKey } from "./auth-flow";
import { openSession, type Session } from "./mcp-client";

const stacks = inject("stacks");

describe("load (CI size)", () => {
  it.each([
    ["v2025", 100, 20, 50],
    ["v2026", 50, 10, 25],
  ] as const)(
    "%s: %i sessions × %i calls, %i at a time, zero errors",
    async (wire, sessions, calls, concurrency) => {
      const report = await runLoad({ url: stacks[wire].mcpUrl, sessions, calls, concurrency, timeLimitMs: 150_000 });
      console.log(formatReport(report));
      expect(report.errors, report.errors.map((e) => `${e.tool}: ${e.message}`).join("\n")).toEqual([]);
      expect(report.errorCount).toBe(0);
      expect(report.totalCalls).toBe(sessions * calls);
      expect(report.sessionsCompleted).toBe(sessions);
    },
    200_000,
  );
});

describe("a session survives its Durable Object losing its in-memory state", () => {
  const dir = tempDir("evict");
  const reader = mintKey("reader", ["ktrdr:read"]);
  const operator = mintKey("operator", ["ktrdr:read", "ktrdr:operate"]);
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let port: number;
  let s: Session | undefined;
  const envFile = join(dir, "secrets.env");
  const start = () =>
    startWorker({
      port,
      vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "api_keys", ALLOW_INSECURE_BACKEND: "true", KTRDR_API_TIMEOUT_MS: "5000" },
      envFile,
      persistTo: join(dir, "state"),
      logFile: join(dir, `worker-${Date.now()}.log`),
    });

  beforeAll(async () => {
    writeFileSync(envFile, `API_KEYS='${JSON.stringify([reader.entry, operator.entry])}'\n`, { mode: 0o600 });
    backend = await startBackend({ wire: "v2025", pace: 0, quiet: true, dataDir: join(dir, "data") });
    port = await freePort();
    worker = await start();
  });
  afterAll(async () => {
    await s?.close().catch(() => {});
    await Promise.all([worker?.stop(), backend?.stop()]);
  });

  it("same session id, same auth context after a restart of wrangler dev with the same --persist-to", async () => {
    s = await openSession(worker!.mcpUrl, { authorization: `Bearer ${reader.key}` });
    const transport = s.client.transport as { sessionId?: string };
    const sid = transport.sessionId;
    expect(sid).toBeTruthy();
    const toolsBefore = (await s.client.listTools()).tools.map((t) => t.name).sort();
    // A read-only key sees only the read tools.
    expect(toolsBefore).toContain("list_operations");
    expect(toolsBefore).not.toContain("trigger_data_loading");
    expect((await s.call("check_backend_health")).isError).toBe(false);

    await worker!.stop();
    worker = await start();

    // The same client, the same Mcp-Session-Id, no new initialize.
    expect(transport.sessionId).toBe(sid);
    const toolsAfter = (await s.client.listTools()).tools.map((t) => t.name).sort();
    expect(toolsAfter).toEqual(toolsBefore);
    const listed = await s.call("list_operations", { limit: 5 });
    expect(listed.isError, listed.text).toBe(false);
    expect(listed.data.success).toBe(true);
    // Still the reader: a start is not among its tools.
    const refused = await s.call("trigger_data_loading", { symbol: "AAPL", mode: "local" });
    expect(refused.isError).toBe(true);

    // Other credentials presenting this session id are refused (the bound context came from storage).
    const res = await fetch(worker!.mcpUrl, {
      method: "POST",
      headers: {
        authorization: `Bearer ${operator.key}`,
        "mcp-session-id": String(sid),
        "mcp-protocol-version": "2025-11-25",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 99, method: "tools/list" }),
    });
    expect(res.status).toBe(403);
    await res.body?.cancel();
  });
});
