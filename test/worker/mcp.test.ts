/**
 * Through the real MCP endpoint in workerd: the Worker's default export at http://localhost/mcp
 * (local mode), JSON-RPC over streamable HTTP, the Durable Object running the tools. The backend
 * is the fake, served from a stub of the global fetch (the Durable Object shares the isolate).
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import type { KtrdrMcp } from "../../src/mcp/legacy/session";
import { sessionObject } from "../../src/mcp/legacy/session-object";
import { TOOLS } from "../../src/tools/catalogue";
import { FAULTS, FakeBackend, IDS } from "./fake-backend";
import { type CallResult, McpSession, quietConsole, stubGlobalFetch, VALID_ARGS } from "./helpers";

quietConsole();

let backend: FakeBackend;
let stub: { restore: () => void };
beforeEach(() => {
  // The Worker's KTRDR_API_URL (wrangler.toml) is http://127.0.0.1:8000/api/v1.
  backend = new FakeBackend({ version: "v2025", hasResults: true, hasMetrics: true });
  stub = stubGlobalFetch(backend);
});
afterEach(() => stub.restore());

interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: { type: string; properties?: Record<string, unknown> };
  outputSchema?: { type: string; properties?: Record<string, unknown> };
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; title?: string };
}

function expectSuccess(r: CallResult | undefined): Record<string, unknown> {
  expect(r, "a tool result").toBeDefined();
  expect(r!.isError ?? false, r!.content[0]?.text).toBe(false);
  expect(r!.structuredContent).toBeDefined();
  expect(r!.content).toHaveLength(1);
  expect(r!.content[0]).toEqual({ type: "text", text: JSON.stringify(r!.structuredContent) });
  return r!.structuredContent!;
}

function expectToolError(r: CallResult | undefined): string {
  expect(r, "a tool result").toBeDefined();
  expect(r!.isError).toBe(true);
  expect(r!.structuredContent).toBeUndefined();
  return r!.content.map((c) => c.text ?? "").join("\n");
}

describe("MCP endpoint", () => {
  it("initialize: server name, instructions with the fire-and-forget pattern, tools capability", async () => {
    const s = new McpSession();
    const init = await s.initialize();
    const r = init.result as { serverInfo: { name: string }; instructions: string; capabilities: Record<string, unknown> };
    expect(r.serverInfo.name).toBe("ktrdr-mcp");
    expect(r.capabilities.tools).toBeDefined();
    expect(r.instructions).toMatch(/operation_id/);
    expect(r.instructions).toMatch(/list_operations/);
    expect(s.sessionId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("tools/list: every tool, each with title, description, input and output schema, annotations", async () => {
    const s = new McpSession();
    await s.initialize();
    const tools = ((await s.request("tools/list")).result as { tools: ListedTool[] }).tools;
    expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(VALID_ARGS).sort());
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description!.length, t.name).toBeGreaterThan(40);
      expect(t.inputSchema?.type, t.name).toBe("object");
      expect(t.outputSchema?.type, t.name).toBe("object");
      expect(t.annotations, t.name).toBeDefined();
      expect(typeof t.annotations!.readOnlyHint, t.name).toBe("boolean");
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    // A tool is read-only exactly when the read scope is all it needs (two declarations of each tool that must agree).
    for (const def of TOOLS) expect(byName[def.name]!.annotations!.readOnlyHint, def.name).toBe(def.scope === "ktrdr:read");
    expect(byName.cancel_operation!.annotations!.destructiveHint).toBe(true);
    expect(byName.start_training!.annotations!.destructiveHint).not.toBe(true);
    // The filters are enums in the published schema, so clients can see the valid values.
    const status = byName.list_operations!.inputSchema!.properties!.status as { enum?: string[] };
    expect(status.enum).toEqual(expect.arrayContaining(["pending", "running", "completed", "failed", "cancelled"]));
  });

  it("every tool answers a valid call with structuredContent and the same object as text", async () => {
    const s = new McpSession();
    await s.initialize();
    for (const [name, args] of Object.entries(VALID_ARGS)) {
      const { result } = await s.callTool(name, args);
      if (name === "start_research") {
        // This backend is v2025, which has no research cycles: a one-line refusal (the v2026 tool: research.test.ts).
        expect(result?.isError).toBe(true);
        expect(result?.content[0]?.text).toMatch(/^KTRDR v2025 has no research cycles/);
        continue;
      }
      const v = expectSuccess(result);
      if (name === "list_operations") {
        expect(v.returned_count).toBe((v.data as unknown[]).length);
        expect(
          backend.requests
            .filter((r) => r.path === "/operations")
            .at(-1)!
            .url.searchParams.get("limit"),
        ).toBe("10");
      }
      if (name === "trigger_data_loading" || name === "start_training" || name === "start_backtest") {
        expect(v).toMatchObject({ success: true, status: "started" });
        expect(backend.op(String(v.operation_id))).toBeDefined();
      }
    }
    // No Access service token is configured for the test Worker: none is sent.
    expect(backend.requests.length).toBeGreaterThan(15);
    for (const r of backend.requests) {
      expect(r.headers.has("cf-access-client-id")).toBe(false);
      expect(r.headers.has("cf-access-client-secret")).toBe(false);
      expect(r.headers.get("x-request-id")).toBeTruthy();
    }
    expect(new Set(backend.requests.map((r) => r.headers.get("x-request-id"))).size).toBe(backend.requests.length);
  });

  it("an invalid filter value is an isError result that lists the valid values, with no backend call", async () => {
    const s = new McpSession();
    await s.initialize();
    const { result } = await s.callTool("list_operations", { status: "done" });
    const text = expectToolError(result);
    for (const v of ["pending", "running", "completed", "failed", "cancelled"]) expect(text).toContain(v);
    expect(text).toMatch(/status/);
    const t2 = expectToolError((await s.callTool("list_operations", { operation_type: "train" })).result);
    for (const v of ["data_load", "training", "backtesting"]) expect(t2).toContain(v);
    expect(backend.requests).toHaveLength(0);
  });

  it("an unknown operation id is an isError result about restarts and list_operations", async () => {
    const s = new McpSession();
    await s.initialize();
    const text = expectToolError((await s.callTool("get_operation_status", { operation_id: IDS.unknown })).result);
    expect(text).toMatch(/not found.*restart.*list_operations/);
  });

  it("the session keeps working after backend faults", async () => {
    const s = new McpSession();
    await s.initialize();
    for (const name of ["connection refused", "502 Cloudflare HTML", "Access login page 403", "truncated JSON", "422 FastAPI list"]) {
      const fault = FAULTS.find((f) => f.name === name)!;
      backend.fault(fault.respond);
      const text = expectToolError((await s.callTool("get_operation_status", { operation_id: IDS.trainingRunning })).result);
      expect(text).toMatch(fault.cause);
      expect(text).not.toMatch(/\n|\bat \S+ \(|Error:/);
      backend.clearFaults();
      const ok = expectSuccess((await s.callTool("get_operation_status", { operation_id: IDS.trainingRunning })).result);
      expect(ok.status).toBe("running");
    }
    expect(s.statuses.every((st) => st < 300)).toBe(true);
  });

  it("a cancel through MCP reaches the backend as DELETE with the reason", async () => {
    const s = new McpSession();
    await s.initialize();
    const v = expectSuccess(
      (await s.callTool("cancel_operation", { operation_id: IDS.dataLoadRunning, reason: "no longer needed" })).result,
    );
    expect(v).toMatchObject({
      success: true,
      operation_id: IDS.dataLoadRunning,
      status: "cancelled",
      cancellation_reason: "no longer needed",
    });
    const del = backend.requests.filter((r) => r.method === "DELETE");
    expect(del).toHaveLength(1);
    expect(del[0]!.body).toEqual({ reason: "no longer needed" });
    const again = expectToolError((await s.callTool("cancel_operation", { operation_id: IDS.dataLoadRunning })).result);
    expect(again).toMatch(/already cancelled/);
  });

  it("resources/templates/list answers an empty list: resources is advertised, and this server has no templates", async () => {
    const s = new McpSession();
    await s.initialize();
    const r = await s.request("resources/templates/list");
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ resourceTemplates: [] });
  });

  it("an unknown tool and a malformed request are JSON-RPC errors, not 5xx", async () => {
    const s = new McpSession();
    await s.initialize();
    const unknown = await s.callTool("no_such_tool", {});
    const text = unknown.reply.error?.message ?? unknown.result?.content[0]?.text ?? "";
    expect(text).toMatch(/no_such_tool/);
    const bad = await s.post({ jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: 42 } });
    expect(bad.status).toBeLessThan(500);
    const garbage = await s.post("{not json");
    expect(garbage.status).toBeLessThan(500);
  });
});

/** A body of `total` bytes as a stream with no length (what `Transfer-Encoding: chunked` delivers), counting what was read. */
function countedBody(total: number, head: string): { stream: ReadableStream<Uint8Array>; read: () => number } {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const first = new TextEncoder().encode(head);
  let handed = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (handed >= total) return c.close();
        const next = handed === 0 ? first : chunk;
        handed += next.byteLength;
        c.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, read: () => handed };
}

describe("the session's Durable Object", () => {
  it("the object the session guard asks is the one the Agents SDK created and serves the session from", async () => {
    const s = new McpSession();
    await s.initialize();
    const sid = s.sessionId!;
    // The SDK names it itself (no exported helper); an object reached by another name would be a
    // fresh one, without the SDK's name for it and without the owner the session stored.
    const seen = await runInDurableObject(sessionObject((env as unknown as Env).MCP_OBJECT, sid), async (instance, state) => ({
      sessionId: (instance as unknown as KtrdrMcp).getSessionId(),
      owner: await state.storage.get("ktrdr:session-owner"),
    }));
    expect(seen.sessionId).toBe(sid);
    expect(seen.owner).toMatchObject({ principal: "local", credential: "local" });
  });
});

describe("one body limit for every request", () => {
  const MiB = 1024 * 1024;
  const cases: Array<[string, (sid: string) => Record<string, string>]> = [
    [
      "a live 2025 session (the sessions' SDK checks only Content-Length)",
      (sid) => ({ "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" }),
    ],
    ["the 2026 path", () => ({ "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" })],
    ["an unsupported protocol version (the router's own read)", () => ({ "mcp-protocol-version": "2099-01-01" })],
    ["a request with no session", () => ({})],
  ];
  for (const [what, headersOf] of cases) {
    it(`a 20 MiB body without Content-Length on ${what}: 413, and nothing read past the limit`, async () => {
      const s = new McpSession();
      await s.initialize();
      const body = countedBody(20 * MiB, '{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"pad":"');
      const res = await exports.default.fetch("http://localhost/mcp", {
        method: "POST",
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headersOf(s.sessionId!) },
        body: body.stream,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32000, message: expect.stringMatching(/too large/) },
      });
      // The read stopped at the limit (give or take the chunk that crossed it and one the runtime pulls ahead).
      expect(body.read()).toBeLessThanOrEqual(4 * MiB + 2 * 64 * 1024);
    });
  }

  it("a declared Content-Length over the limit is refused without reading; bodies under it are served", async () => {
    const s = new McpSession();
    await s.initialize();
    const body = countedBody(5 * MiB, '{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"pad":"');
    const res = await exports.default.fetch("http://localhost/health", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(5 * MiB) },
      body: body.stream,
    });
    expect(res.status).toBe(413);
    expect(body.read()).toBeLessThanOrEqual(64 * 1024);
    const ok = await s.request("tools/list", { _meta: { pad: "x".repeat(3 * MiB) } });
    expect((ok.result as { tools: unknown[] }).tools.length).toBe(TOOLS.length);
  });
});

describe("2025 POST SSE streams: priming event and retry (2025-11-25 resumability)", () => {
  const H = { accept: "application/json, text/event-stream", "content-type": "application/json" };
  async function session(version: string): Promise<Record<string, string>> {
    const init = await exports.default.fetch("http://localhost/mcp", {
      method: "POST",
      headers: H,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "priming", version: "0" } },
      }),
    });
    await init.text();
    const headers = { ...H, "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": version };
    await (
      await exports.default.fetch("http://localhost/mcp", {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      })
    ).text();
    return headers;
  }

  it("a 2025-11-25 tool call's stream opens with an event id, empty data and a retry field; that id resumes the stream", async () => {
    const headers = await session("2025-11-25");
    // The health check answers after a while, so the stream can drop before its answer.
    let answer: () => void = () => {};
    const held = new Promise<void>((r) => {
      answer = r;
    });
    backend.fault(
      async () => {
        await held;
        return new Response(JSON.stringify({ status: "ok", version: "1.0.7" }), { headers: { "content-type": "application/json" } });
      },
      { match: (r) => r.path === "/health", times: 1 },
    );
    const res = await exports.default.fetch("http://localhost/mcp", {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 42, method: "tools/call", params: { name: "check_backend_health", arguments: {} } }),
    });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const primingId = /^id: ([^\n]+)\nretry: (\d+)\ndata: \n\n$/.exec(first);
    expect(primingId, first).not.toBeNull();
    expect(Number(primingId![2])).toBeGreaterThan(0);
    // The client's connection drops before the answer; it reconnects with the priming id.
    await reader.cancel();
    const get = await exports.default.fetch("http://localhost/mcp", {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": headers["mcp-session-id"]!,
        "mcp-protocol-version": "2025-11-25",
        "last-event-id": primingId![1]!,
      },
    });
    expect(get.status).toBe(200);
    answer();
    const replay = get.body!.getReader();
    let text = "";
    while (!text.includes('"id":42')) {
      const { done, value } = await replay.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await replay.cancel();
    expect(text).toMatch(/"id":42/);
    expect(text).toMatch(/healthy/);
  });

  it("a 2025-06-18 request's stream gets the retry field but no priming event (older clients do not expect empty data)", async () => {
    const headers = await session("2025-06-18");
    const res = await exports.default.fetch("http://localhost/mcp", {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 43, method: "tools/list" }),
    });
    const text = await res.text();
    expect(text.startsWith("retry: ")).toBe(true);
    expect(text).not.toMatch(/data: \n/);
    expect(text).toMatch(/"id":43/);
  });
});
