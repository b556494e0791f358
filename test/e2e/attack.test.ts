/**
 * The server under attack, over real HTTP to the Worker under `wrangler dev` (issue 16): what a
 * hostile client sends, raw, in both protocol eras — oversized bodies on every path, malformed
 * params, forged task ids, calls outside the caller's scopes. Each answer must be the spec's, in
 * one readable sentence, and must repeat nothing unbounded or unclean.
 */
import { describe, expect, inject, it } from "vitest";
import { MODERN } from "./modern-client";

const stacks = inject("stacks");
const url = stacks.v2025.mcpUrl;
const url2026 = stacks.v2026.mcpUrl;
const MiB = 1024 * 1024;
const LEGACY = "2025-11-25";
const ACCEPT = { accept: "application/json, text/event-stream", "content-type": "application/json" };

interface Rpc {
  status: number;
  body: { id?: unknown; result?: Record<string, any>; error?: { code: number; message: string; data?: any } };
}

/** The last JSON-RPC message of a JSON or SSE answer. */
async function answerOf(res: Response): Promise<Rpc["body"]> {
  const text = await res.text();
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) return text ? JSON.parse(text) : {};
  const data = text
    .split(/\r?\n/)
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).trim())
    .filter(Boolean);
  return data.length ? JSON.parse(data.at(-1) as string) : {};
}

/** A live 2025 session: initialize, initialized; the headers every later request of it carries. */
async function legacySession(mcpUrl: string): Promise<Record<string, string>> {
  const init = await fetch(mcpUrl, {
    method: "POST",
    headers: ACCEPT,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "attack", version: "0" } },
    }),
  });
  await init.text();
  const sid = init.headers.get("mcp-session-id");
  expect(sid).toBeTruthy();
  const headers = { ...ACCEPT, "mcp-session-id": sid as string, "mcp-protocol-version": LEGACY };
  await (
    await fetch(mcpUrl, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })
  ).text();
  return headers;
}

/**
 * Sends a 20 MiB JSON body with `Transfer-Encoding: chunked` (a stream: no Content-Length) and
 * counts the bytes the client hands out. Past `gate` bytes the client stops and waits for the
 * answer: a server that answers having read at most the limit answers while the client waits;
 * one that reads the whole body gets the rest only after `patienceMs`, so its answer comes after
 * all 20 MiB were handed out. The count when the answer arrives is the measure — no timing in it.
 */
async function oversized(
  mcpUrl: string,
  headers: Record<string, string>,
  o: { total?: number; gate?: number; patienceMs?: number } = {},
): Promise<{ status: number; sentBeforeAnswer: number; total: number; body: Rpc["body"] | undefined }> {
  const total = o.total ?? 20 * MiB;
  const gate = o.gate ?? 6 * MiB;
  const patienceMs = o.patienceMs ?? 45_000;
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const head = new TextEncoder().encode('{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"pad":"');
  let sent = 0;
  let answered = false;
  let release: () => void = () => {};
  const answer = new Promise<void>((r) => {
    release = r;
  });
  // Waited for once: the answer, or the end of the client's patience (then it sends the rest).
  let held: Promise<unknown> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        if (sent === 0) {
          sent += head.byteLength;
          c.enqueue(head);
          return;
        }
        if (sent >= total) return c.close();
        if (sent >= gate && !answered) {
          held ??= Promise.race([answer, new Promise((r) => setTimeout(r, patienceMs))]);
          await held;
        }
        if (answered) return c.close(); // the answer is in: hand out nothing more
        sent += chunk.byteLength;
        c.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  const abort = new AbortController();
  try {
    const res = await fetch(mcpUrl, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
      duplex: "half",
      signal: abort.signal,
    } as RequestInit);
    const sentBeforeAnswer = sent;
    answered = true;
    const text = await res.text().catch(() => "");
    let parsed: Rpc["body"] | undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, sentBeforeAnswer, total, body: parsed };
  } finally {
    answered = true;
    release();
    abort.abort();
  }
}

describe("one body limit (4 MiB) on every path, enforced on the stream", () => {
  const cases: Array<[string, string, () => Promise<Record<string, string>>]> = [
    ["a live 2025 session (2025 version header + session id: straight to the sessions)", url, () => legacySession(url)],
    ["the 2026 path", url2026, async () => ({ ...ACCEPT, "mcp-protocol-version": MODERN, "mcp-method": "tools/list" })],
    ["an unsupported MCP-Protocol-Version (the router's own read)", url, async () => ({ ...ACCEPT, "mcp-protocol-version": "2099-01-01" })],
    ["no session, no version (initialize's path)", url, async () => ({ ...ACCEPT })],
  ];
  for (const [what, mcpUrl, headersOf] of cases) {
    it(`20 MiB chunked on ${what}: 413 with a JSON-RPC error, answered before the client sent more than the limit and its slack`, async () => {
      const r = await oversized(mcpUrl, await headersOf());
      expect(r.status, JSON.stringify(r.body)).toBe(413);
      // The answer came while the client was still holding back: the server never waited for the rest.
      expect(r.sentBeforeAnswer).toBeLessThanOrEqual(6 * MiB + 64 * 1024);
      expect(r.sentBeforeAnswer).toBeLessThan(r.total);
      if (r.body) expect(r.body.error?.message).toMatch(/too large.*4 MiB/);
    });
  }

  it("the same session still works afterwards, and a body under the limit sent chunked is served", async () => {
    const headers = await legacySession(url);
    await oversized(url, headers);
    const pad = "x".repeat(3 * MiB);
    const bytes = new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/list", params: { _meta: { pad } } }));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.byteLength; i += 256 * 1024) c.enqueue(bytes.slice(i, i + 256 * 1024));
        c.close();
      },
    });
    const res = await fetch(url, { method: "POST", headers, body: stream, duplex: "half" } as RequestInit);
    const body = await answerOf(res);
    expect(res.status).toBe(200);
    expect(body.result?.tools).toHaveLength(15);
  });
});
