/**
 * Access control end to end, over real HTTP against the Worker under `wrangler dev` in
 * AUTH_MODE=oauth (a second Worker started here, with its own keys, pointing at the shared
 * v2025 backend): the whole OAuth dance headless, its refusals, API keys alongside OAuth, a session
 * attacked with another grant of its owner, and the consent page in a real headless Chromium.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort, startWorker, tempDir } from "../../scripts/stack.mjs";
import {
  authorizeUrl,
  CLAUDE_CALLBACK,
  type Discovery,
  discover,
  exchangeCode,
  mintKey,
  openConsent,
  pkce,
  register,
  submitConsent,
} from "./auth-flow";
import { openSession } from "./mcp-client";

const CHROMIUM = "/usr/bin/chromium";
const backendUrl = inject("stacks").v2025.backendUrl;
const alice = mintKey("alice", ["ktrdr:read", "ktrdr:operate"]);
const bob = mintKey("bob", ["ktrdr:read"]);
const ciBot = mintKey("ci-bot", ["ktrdr:read"]);
const dir = tempDir("e2e-auth");
let worker: { origin: string; mcpUrl: string; stop: () => Promise<void> };
let d: Discovery;
let logFile: string;

beforeAll(async () => {
  const port = await freePort();
  const envFile = join(dir, "secrets.env");
  writeFileSync(envFile, `API_KEYS='${JSON.stringify([ciBot.entry])}'\nOAUTH_ACCESS_KEYS='${JSON.stringify([alice.entry, bob.entry])}'\n`, {
    mode: 0o600,
  });
  logFile = join(dir, "worker.log");
  worker = await startWorker({
    port,
    vars: {
      AUTH_MODE: "oauth",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      KTRDR_API_URL: backendUrl,
      ALLOW_INSECURE_BACKEND: "true",
      KTRDR_API_TIMEOUT_MS: "5000",
    },
    envFile,
    persistTo: join(dir, "state"),
    logFile,
  });
  d = await discover(worker.mcpUrl);
});

afterAll(async () => {
  await worker?.stop();
});

/** Register → authorize → consent → code. */
async function authorize(o: {
  accessKey: string;
  scopes?: string[];
  name?: string;
}): Promise<{ clientId: string; code: string; verifier: string; location: URL }> {
  const clientId = await register(d, o.name ?? "Claude");
  const { verifier, challenge } = pkce();
  const url = authorizeUrl(d, clientId, challenge);
  const page = await openConsent(url);
  expect(page.status).toBe(200);
  const res = await submitConsent(url, page, { accessKey: o.accessKey, scopes: o.scopes });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location") ?? "");
  return { clientId, code: location.searchParams.get("code") ?? "", verifier, location };
}

async function tokenFor(o: { accessKey: string; scopes?: string[] }): Promise<{ access_token: string; scope: string }> {
  const { clientId, code, verifier } = await authorize(o);
  const res = await exchangeCode(d, clientId, code, verifier);
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; scope: string };
}

describe("OAuth dance (headless)", () => {
  it("discovers, registers, consents with an access key, exchanges the code and calls a tool", async () => {
    expect(d.resource).toBe(worker.mcpUrl);
    const { clientId, code, verifier, location } = await authorize({ accessKey: alice.key });
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.get("iss")).toBe(worker.origin);
    const res = await exchangeCode(d, clientId, code, verifier);
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token: string; token_type: string; scope: string; refresh_token?: string };
    expect(token.token_type.toLowerCase()).toBe("bearer");
    expect(token.scope.split(" ").sort()).toEqual(["ktrdr:operate", "ktrdr:read"]);

    const s = await openSession(worker.mcpUrl, { Authorization: `Bearer ${token.access_token}` });
    try {
      const tools = (await s.client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain("start_training");
      const r = await s.call("list_operations", { limit: 3 });
      expect(r.isError, r.text).toBe(false);
      expect(r.data).toHaveProperty("returned_count");
    } finally {
      await s.close();
    }
    // The code works once.
    expect((await exchangeCode(d, clientId, code, verifier)).status).toBe(400);
  });

  it("grants no more than the access key allows, and what the person left ticked", async () => {
    const limited = await tokenFor({ accessKey: bob.key });
    expect(limited.scope).toBe("ktrdr:read");
    const unticked = await tokenFor({ accessKey: alice.key, scopes: ["ktrdr:read"] });
    expect(unticked.scope).toBe("ktrdr:read");
    const s = await openSession(worker.mcpUrl, { Authorization: `Bearer ${unticked.access_token}` });
    try {
      const tools = (await s.client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain("list_operations");
      expect(tools).not.toContain("start_training");
      expect(tools).not.toContain("cancel_operation");
    } finally {
      await s.close();
    }
  });

  it("refuses a bad access key and lets the person try again on the same page", async () => {
    const clientId = await register(d, "Claude");
    const { verifier, challenge } = pkce();
    const url = authorizeUrl(d, clientId, challenge);
    const page = await openConsent(url);
    const wrong = await submitConsent(url, page, { accessKey: mintKey("mallory", ["ktrdr:read"]).key });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("location")).toBeNull();
    expect(await wrong.text()).toContain("That access key was not accepted");
    const right = await submitConsent(url, page, { accessKey: alice.key });
    expect(right.status).toBe(302);
    const code = new URL(right.headers.get("location") ?? "").searchParams.get("code") ?? "";
    expect((await exchangeCode(d, clientId, code, verifier)).status).toBe(200);
  });

  it("refuses a bad PKCE verifier", async () => {
    const { clientId, code } = await authorize({ accessKey: alice.key });
    const res = await exchangeCode(d, clientId, code, pkce().verifier);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses a foreign redirect URI without redirecting", async () => {
    const clientId = await register(d, "Claude");
    const res = await fetch(authorizeUrl(d, clientId, pkce().challenge, { redirectUri: "https://evil.example/callback" }), {
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("Invalid redirect URI");
  });

  it("sends the client back with access_denied when the person denies", async () => {
    const clientId = await register(d, "Claude");
    const url = authorizeUrl(d, clientId, pkce().challenge, { state: "deny-1" });
    const page = await openConsent(url);
    const res = await submitConsent(url, page, { decision: "deny" });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get("location") ?? "");
    expect(loc.searchParams.get("error")).toBe("access_denied");
    expect(loc.searchParams.get("state")).toBe("deny-1");
  });

  it("refuses a consent post without the browser's binding cookie (CSRF)", async () => {
    const clientId = await register(d, "Claude");
    const url = authorizeUrl(d, clientId, pkce().challenge);
    const page = await openConsent(url);
    const res = await submitConsent(url, { ...page, cookie: "" }, { accessKey: alice.key });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("accepts an API key on the same /mcp, and refuses a wrong one with the metadata pointer", async () => {
    const s = await openSession(worker.mcpUrl, { Authorization: `Bearer ${ciBot.key}` });
    try {
      const r = await s.call("check_backend_health");
      expect(r.isError, r.text).toBe(false);
      const tools = (await s.client.listTools()).tools.map((t) => t.name);
      expect(tools).not.toContain("start_training");
    } finally {
      await s.close();
    }
    const wrong = await fetch(worker.mcpUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${mintKey("x", []).key}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("resource_metadata=");
  });

  it("keeps every secret out of the Worker's log", () => {
    const log = readFileSync(logFile, "utf8");
    for (const secret of [alice.key, bob.key, ciBot.key, alice.entry.sha256, ciBot.entry.sha256]) expect(log).not.toContain(secret);
  });
});

/** One raw request on a 2025 session, as an attacker would send it (no client library). */
async function onSession(token: string, sid: string, method: "POST" | "DELETE", body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(worker.mcpUrl, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-06-18",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe("a session is bound to the OAuth grant that opened it (attack)", () => {
  it("a second grant of the same person, through another client, can neither use nor end the first grant's session", async () => {
    // Alice connects one app; the same Alice (or whoever holds her access key) authorizes a second app.
    const victim = await tokenFor({ accessKey: alice.key });
    const attacker = await tokenFor({ accessKey: alice.key });
    expect(attacker.scope).toBe(victim.scope);

    const client = new Client({ name: "victim", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(worker.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${victim.access_token}` } },
    });
    await client.connect(transport);
    try {
      const sid = transport.sessionId ?? "";
      expect(sid).not.toBe("");

      const listed = await onSession(attacker.access_token, sid, "POST", { jsonrpc: "2.0", id: 1, method: "tools/list" });
      expect(listed.status).toBe(403);
      expect(listed.text).toContain("belongs to other credentials");
      expect(listed.text).not.toContain("start_training");
      const called = await onSession(attacker.access_token, sid, "POST", {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_operations", arguments: { limit: 1 } },
      });
      expect(called.status).toBe(403);
      const ended = await onSession(attacker.access_token, sid, "DELETE");
      expect(ended.status).toBe(403);

      // The victim's session is intact: its own client goes on using it.
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain("start_training");
      const r = await client.callTool({ name: "list_operations", arguments: { limit: 1 } });
      expect(r.isError).not.toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("consent page in headless Chromium", () => {
  it("renders, is filled and submitted, and reaches the client's callback", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
      // The client's callback is offline here: answer it locally, and record where the browser went.
      await page.route("https://claude.ai/**", (route) =>
        route.fulfill({ status: 200, contentType: "text/plain", body: "callback reached" }),
      );
      const clientId = await register(d, "Claude (browser test)");
      const { verifier, challenge } = pkce();
      await page.goto(authorizeUrl(d, clientId, challenge, { state: "browser-1" }));
      expect(await page.locator("#client-name").innerText()).toBe("Claude (browser test)");
      expect(await page.locator("#redirect-host").innerText()).toBe("claude.ai");
      const scopesText = await page.locator("#scopes").innerText();
      expect(scopesText).toContain("ktrdr:read");
      expect(scopesText).toContain("Read operations, results, metrics, market data");
      expect(scopesText).toContain("Start data loads, trainings and backtests, and cancel operations");

      await page.fill("#access_key", alice.key);
      await page.uncheck('input[name="scope"][value="ktrdr:operate"]');
      const shot = join(dir, "consent.png");
      await page.screenshot({ path: shot, fullPage: false });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
      expect(png.readUInt32BE(16)).toBe(800); // IHDR width
      expect(png.readUInt32BE(20)).toBe(900); // IHDR height
      expect(png.length).toBeGreaterThan(10_000);
      // What the screenshot shows, read back from the rendered page.
      const visible = await page.locator("main").innerText();
      for (const text of ["Allow", "Deny", "Your access key", "claude.ai", "Claude (browser test)"]) expect(visible).toContain(text);
      expect(await page.locator("#access_key").inputValue()).toBe(alice.key);
      expect(await page.isChecked('input[name="scope"][value="ktrdr:operate"]')).toBe(false);

      const reached = page.waitForRequest((req) => req.url().startsWith(CLAUDE_CALLBACK), { timeout: 15_000 });
      await page.click("button.allow");
      const callback = new URL((await reached).url());
      expect(callback.searchParams.get("state")).toBe("browser-1");
      const code = callback.searchParams.get("code") ?? "";
      const res = await exchangeCode(d, clientId, code, verifier);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { scope: string }).scope).toBe("ktrdr:read");
      console.log(`consent page screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });
});
