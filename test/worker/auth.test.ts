/**
 * Access control at the edge, inside workerd: API keys and scopes, session binding, Origin
 * allowlist and CORS, 401 challenges, OAuth metadata, configuration errors, and no secret in logs.
 */
import { createExecutionContext, env, evictDurableObject, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Env as WorkerEnv } from "../../src/env";
import { KtrdrMcp } from "../../src/mcp/legacy/session";
import { sessionObject } from "../../src/mcp/legacy/session-object";
import { TOOLS } from "../../src/tools/catalogue";
import {
  call,
  deleteSession,
  initializeBody,
  MCP_HEADERS,
  mintKey,
  oauthGrant,
  openSession,
  refreshGrant,
  registerClient,
  rpc,
  type TestKey,
  type Vars,
} from "./auth-helpers";

const BASE = "https://mcp.example.com";
const OPERATE_TOOLS = TOOLS.filter((d) => d.scope === "ktrdr:operate").map((d) => d.name);

let reader: TestKey;
let operator: TestKey;
let accessKey: TestKey;
let apiVars: Vars;
let oauthVars: Vars;

beforeAll(async () => {
  reader = await mintKey("reader", ["ktrdr:read"]);
  operator = await mintKey("operator", ["ktrdr:read", "ktrdr:operate"]);
  accessKey = await mintKey("alice", ["ktrdr:read", "ktrdr:operate"]);
  const backend = { KTRDR_API_URL: "https://ktrdr.example.com/api/v1" };
  apiVars = {
    ...backend,
    AUTH_MODE: "api_keys",
    API_KEYS: JSON.stringify([reader.entry, operator.entry]),
    ALLOWED_ORIGINS: "https://claude.ai",
  };
  oauthVars = {
    ...backend,
    AUTH_MODE: "oauth",
    PUBLIC_URL: BASE,
    API_KEYS: JSON.stringify([reader.entry, operator.entry]),
    OAUTH_ACCESS_KEYS: JSON.stringify([accessKey.entry]),
  };
});

afterEach(() => vi.restoreAllMocks());

const bearer = (k: TestKey) => ({ authorization: `Bearer ${k.key}` });

function toolNames(body: Record<string, unknown>): string[] {
  const result = body.result as { tools: { name: string }[] };
  return result.tools.map((t) => t.name);
}

describe("local mode", () => {
  it("refuses a non-loopback Host with a clear JSON message", async () => {
    const res = await call({}, "https://mcp.example.com/mcp", { method: "POST", headers: MCP_HEADERS, body: "{}" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden", message: expect.stringContaining("local mode") });
  });

  it("accepts loopback origins and refuses others", async () => {
    const ok = await call({}, "http://localhost/health", { headers: { origin: "http://localhost:6274" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    const evil = await call({}, "http://localhost/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, origin: "https://evil.example" },
      body: "{}",
    });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: "forbidden_origin" });
  });
});

describe("API keys", () => {
  it("answers a missing or wrong key with 401 and a Bearer challenge", async () => {
    const none = await call(apiVars, `${BASE}/mcp`, { method: "POST", headers: MCP_HEADERS, body: "{}" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const fake = await mintKey("nobody", ["ktrdr:read"]);
    const wrong = await call(apiVars, `${BASE}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...bearer(fake) }, body: "{}" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const garbage = await call(apiVars, `${BASE}/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: "Bearer not-a-key" },
      body: "{}",
    });
    expect(garbage.status).toBe(401);
  });

  it("a read-only key sees no operating tools and cannot start or cancel", async () => {
    const sid = await openSession(apiVars, BASE, bearer(reader));
    const list = await rpc(apiVars, BASE, bearer(reader), sid, "tools/list");
    expect(list.status).toBe(200);
    const names = toolNames(list.body);
    expect(names).toContain("list_operations");
    for (const t of OPERATE_TOOLS) expect(names).not.toContain(t);
    for (const [tool, args] of [
      ["start_training", { symbols: ["AAPL"], timeframes: ["1h"], strategy_name: "x" }],
      ["cancel_operation", { operation_id: "op_1" }],
    ] as const) {
      const res = await rpc(apiVars, BASE, bearer(reader), sid, "tools/call", { name: tool, arguments: args });
      const result = res.body.result as { isError?: boolean; content?: { text: string }[] } | undefined;
      // Refused as a tool result that names the missing scope, not as an unknown tool.
      expect(result?.isError, JSON.stringify(res.body)).toBe(true);
      expect(result?.content?.[0]?.text).toContain("'ktrdr:operate' scope");
    }
  });

  it("an operating key sees the operating tools", async () => {
    const sid = await openSession(apiVars, BASE, bearer(operator));
    const list = await rpc(apiVars, BASE, bearer(operator), sid, "tools/list");
    const names = toolNames(list.body);
    for (const t of OPERATE_TOOLS) expect(names).toContain(t);
  });

  it("refuses a session id presented with another principal's key", async () => {
    const sid = await openSession(apiVars, BASE, bearer(operator));
    const stolen = await rpc(apiVars, BASE, bearer(reader), sid, "tools/list");
    expect(stolen.status).toBe(403);
    expect(JSON.stringify(stolen.body)).toContain("belongs to other credentials");
    expect(stolen.body.result).toBeUndefined();
    // The owner still gets the session, with its own context.
    const own = await rpc(apiVars, BASE, bearer(operator), sid, "tools/list");
    expect(own.status).toBe(200);
    expect(toolNames(own.body)).toContain("start_training");
  });

  it("does not serve a session opened in another mode's principal (local → key)", async () => {
    const sid = await openSession({}, "http://localhost", {});
    const res = await rpc(apiVars, "http://localhost", bearer(operator), sid, "tools/list");
    expect(res.status).toBe(403);
  });
});

describe("Origin allowlist and CORS", () => {
  it("refuses a foreign Origin before authentication", async () => {
    const res = await call(apiVars, `${BASE}/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, ...bearer(operator), origin: "https://evil.example" },
      body: "{}",
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden_origin" });
    const preflight = await call(apiVars, `${BASE}/mcp`, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(preflight.status).toBe(403);
  });

  it("answers a preflight from an allowed origin without credentials", async () => {
    const res = await call(apiVars, `${BASE}/mcp`, {
      method: "OPTIONS",
      headers: {
        origin: "https://claude.ai",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, mcp-session-id",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://claude.ai");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["authorization", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id"])
      expect(allowed).toContain(h);
  });

  it("exposes the MCP and auth headers once, on success and on 401", async () => {
    const headers = { ...MCP_HEADERS, ...bearer(operator), origin: BASE };
    const res = await call(apiVars, `${BASE}/mcp`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get("access-control-allow-origin")).toBe(BASE);
    expect(res.headers.get("access-control-expose-headers")).toBe("mcp-session-id, mcp-protocol-version, www-authenticate");
    const denied = await call(apiVars, `${BASE}/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, origin: "https://claude.ai" },
      body: "{}",
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("https://claude.ai");
    expect(denied.headers.get("access-control-expose-headers")).toContain("www-authenticate");
  });
});

describe("OAuth mode", () => {
  it("answers /mcp without credentials with 401 pointing at the resource metadata", async () => {
    const res = await call(oauthVars, `${BASE}/mcp`, { method: "POST", headers: MCP_HEADERS, body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/mcp"`);
    const wrong = await call(oauthVars, `${BASE}/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: "Bearer nope" },
      body: "{}",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("resource_metadata=");
  });

  it("publishes protected-resource and authorization-server metadata", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const prm = await call(oauthVars, `${BASE}${path}`);
      expect(prm.status, path).toBe(200);
      expect(await prm.json()).toMatchObject({ resource: `${BASE}/mcp`, authorization_servers: [BASE] });
    }
    const as = await call(oauthVars, `${BASE}/.well-known/oauth-authorization-server`);
    expect(as.status).toBe(200);
    const meta = (await as.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/authorize`,
      token_endpoint: `${BASE}/oauth/token`,
      registration_endpoint: `${BASE}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
    });
    expect(meta.scopes_supported).toEqual(["ktrdr:read", "ktrdr:operate"]);
  });

  it("accepts API keys on /mcp with the same context shape", async () => {
    const sid = await openSession(oauthVars, BASE, bearer(reader));
    const list = await rpc(oauthVars, BASE, bearer(reader), sid, "tools/list");
    expect(list.status).toBe(200);
    expect(toolNames(list.body)).not.toContain("start_training");
    const stolen = await rpc(oauthVars, BASE, bearer(operator), sid, "tools/list");
    expect(stolen.status).toBe(403);
  });

  it("registers Claude's callback URLs and shows a consent page that escapes the client name", async () => {
    const reg = await call(oauthVars, `${BASE}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "<script>alert(1)</script> Claude",
        redirect_uris: ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"],
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      }),
    });
    expect(reg.status).toBe(201);
    const client = (await reg.json()) as { client_id: string };
    const q = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: "https://claude.ai/api/mcp/auth_callback",
      scope: "ktrdr:read ktrdr:operate",
      state: "s1",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
      resource: `${BASE}/mcp`,
    });
    const page = await call(oauthVars, `${BASE}/authorize?${q}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62; Claude");
    expect(html).toContain("claude.ai");
    expect(html).toContain(SCOPE_TEXT);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' https://claude.ai");
    expect(page.headers.get("set-cookie")).toMatch(/__Host-/);
  });
});

/** The session's Durable Object, as the session guard reaches it. */
function sessionStub(sid: string) {
  return sessionObject((env as unknown as WorkerEnv).MCP_OBJECT, sid);
}

const OWNER_KEY = "ktrdr:session-owner";
const OTHER_CREDENTIALS = "belongs to other credentials";

describe("sessions are bound to the credential that created them, not only the principal", () => {
  it("a rotated API key (same name, new key) can neither use nor end the old key's session", async () => {
    const old = await mintKey("rotating", ["ktrdr:read", "ktrdr:operate"]);
    const rotated = await mintKey("rotating", ["ktrdr:read", "ktrdr:operate"]);
    const before = { ...apiVars, API_KEYS: JSON.stringify([old.entry]) };
    const after = { ...apiVars, API_KEYS: JSON.stringify([rotated.entry]) };
    const sid = await openSession(before, BASE, bearer(old));

    const stolen = await rpc(after, BASE, bearer(rotated), sid, "tools/list");
    expect(stolen.status).toBe(403);
    expect(JSON.stringify(stolen.body)).toContain(OTHER_CREDENTIALS);
    const ended = await deleteSession(after, BASE, bearer(rotated), sid);
    expect(ended.status).toBe(403);
    await ended.text();

    // The session is intact for the key that opened it, with that key's context.
    const own = await rpc(before, BASE, bearer(old), sid, "tools/list");
    expect(own.status).toBe(200);
    expect(toolNames(own.body)).toContain("start_training");
  });

  it("the Durable Object keeps the owner's credential binding, never the key or its configured hash", async () => {
    const sid = await openSession(apiVars, BASE, bearer(operator));
    const stored = await runInDurableObject(sessionStub(sid), async (_i, state) => state.storage.get(OWNER_KEY));
    expect(stored).toMatchObject({ principal: "api_key:operator", method: "api_key", credential: expect.stringMatching(/^api_key:/) });
    const text = JSON.stringify(stored);
    expect(text).not.toContain(operator.key);
    expect(text).not.toContain(operator.entry.sha256);
  });

  it("a second OAuth grant of the same user, through another client, can neither use nor end the first grant's session", async () => {
    const first = await oauthGrant(oauthVars, BASE, accessKey.key, await registerClient(oauthVars, BASE, "Client A"));
    const second = await oauthGrant(oauthVars, BASE, accessKey.key, await registerClient(oauthVars, BASE, "Client B"));
    const asFirst = { authorization: `Bearer ${first.accessToken}` };
    const asSecond = { authorization: `Bearer ${second.accessToken}` };
    const sid = await openSession(oauthVars, BASE, asFirst);

    // The second grant works on its own (same principal, same scopes) …
    const ownSid = await openSession(oauthVars, BASE, asSecond);
    expect((await rpc(oauthVars, BASE, asSecond, ownSid, "tools/list")).status).toBe(200);
    // … but not on the first grant's session.
    const stolen = await rpc(oauthVars, BASE, asSecond, sid, "tools/list");
    expect(stolen.status).toBe(403);
    expect(JSON.stringify(stolen.body)).toContain(OTHER_CREDENTIALS);
    expect(stolen.body.result).toBeUndefined();
    const ended = await deleteSession(oauthVars, BASE, asSecond, sid);
    expect(ended.status).toBe(403);
    await ended.text();

    const own = await rpc(oauthVars, BASE, asFirst, sid, "tools/list");
    expect(own.status).toBe(200);
    expect(toolNames(own.body)).toContain("start_training");
  });

  it("a second grant through the same client is another credential too", async () => {
    const clientId = await registerClient(oauthVars, BASE, "Client C");
    const first = await oauthGrant(oauthVars, BASE, accessKey.key, clientId);
    const sid = await openSession(oauthVars, BASE, { authorization: `Bearer ${first.accessToken}` });
    // (The provider revokes the client's earlier grant of this user when it completes a new one.)
    const again = await oauthGrant(oauthVars, BASE, accessKey.key, clientId);
    const stolen = await rpc(oauthVars, BASE, { authorization: `Bearer ${again.accessToken}` }, sid, "tools/list");
    expect(stolen.status).toBe(403);
    expect(JSON.stringify(stolen.body)).toContain(OTHER_CREDENTIALS);
  });

  it("a refreshed token of the same grant keeps the grant's session", async () => {
    const first = await oauthGrant(oauthVars, BASE, accessKey.key, await registerClient(oauthVars, BASE, "Client D"));
    const sid = await openSession(oauthVars, BASE, { authorization: `Bearer ${first.accessToken}` });
    const refreshed = await refreshGrant(oauthVars, BASE, first);
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    const own = await rpc(oauthVars, BASE, { authorization: `Bearer ${refreshed.accessToken}` }, sid, "tools/list");
    expect(own.status).toBe(200);
    expect(toolNames(own.body)).toContain("start_training");
  });

  it("retires a session whose stored owner predates the binding: no credential can use or end it", async () => {
    // A session opened by the previous release (owner without a credential binding), behind the
    // router's back, so this isolate's owner cache has never seen it, as after a deploy.
    const legacyOwner = { principal: "api_key:operator", method: "api_key", scopes: ["ktrdr:read", "ktrdr:operate"] };
    const ctx = createExecutionContext();
    const props = { waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), passThroughOnException: () => {}, props: legacyOwner };
    const init = await KtrdrMcp.serve("/mcp", { binding: "MCP_OBJECT" }).fetch(
      new Request(`${BASE}/mcp`, { method: "POST", headers: MCP_HEADERS, body: initializeBody() }),
      env as never,
      props as never,
    );
    await init.text();
    await waitOnExecutionContext(ctx);
    const sid = init.headers.get("mcp-session-id") ?? "";
    expect(sid).not.toBe("");
    await runInDurableObject(sessionStub(sid), async (_i, state) => state.storage.put(OWNER_KEY, legacyOwner));
    await evictDurableObject(sessionStub(sid));

    // The operator's key has the old owner's principal and scopes: it is still refused.
    const res = await rpc(apiVars, BASE, bearer(operator), sid, "tools/list");
    expect(res.status).toBe(404);
    expect(res.body.result).toBeUndefined();
    expect(JSON.stringify(res.body)).toContain("Start a new session");
    const ended = await deleteSession(apiVars, BASE, bearer(operator), sid);
    expect(ended.status).toBe(404);
    await ended.text();
  });
});

const SCOPE_TEXT = "Start data loads, trainings and backtests, and cancel operations";

describe("configuration errors", () => {
  it("refuses an http backend outside local mode, unless loopback with ALLOW_INSECURE_BACKEND", async () => {
    const vars = { ...apiVars, KTRDR_API_URL: "http://ktrdr.internal:8000/api/v1" };
    const res = await call(vars, `${BASE}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...bearer(operator) }, body: "{}" });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "server_misconfigured", message: expect.stringContaining("https") });
    const stillRemote = await call({ ...vars, ALLOW_INSECURE_BACKEND: "true" }, `${BASE}/health`);
    expect(stillRemote.status).toBe(503);
    const loop = await call(
      { ...apiVars, KTRDR_API_URL: "http://127.0.0.1:8000/api/v1", ALLOW_INSECURE_BACKEND: "true" },
      `${BASE}/health`,
    );
    expect(loop.status).toBe(200);
  });

  it("reports a malformed key secret without echoing it", async () => {
    const bad = JSON.stringify([{ name: "x", sha256: operator.key, scopes: ["ktrdr:read"] }]);
    const res = await call({ ...apiVars, API_KEYS: bad }, `${BASE}/mcp`, { method: "POST", headers: MCP_HEADERS, body: "{}" });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain("API_KEYS is malformed");
    expect(text).not.toContain(operator.key);
    const notJson = await call({ ...apiVars, API_KEYS: `{${operator.key}` }, `${BASE}/mcp`, {
      method: "POST",
      headers: MCP_HEADERS,
      body: "{}",
    });
    expect(notJson.status).toBe(503);
    expect(await notJson.text()).not.toContain(operator.key);
  });

  it("oauth mode needs PUBLIC_URL and access keys", async () => {
    const res = await call({ ...oauthVars, PUBLIC_URL: "" }, `${BASE}/health`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("PUBLIC_URL");
    const none = await call({ ...oauthVars, OAUTH_ACCESS_KEYS: "" }, `${BASE}/health`);
    expect(none.status).toBe(503);
  });
});

describe("logs", () => {
  it("never contain a key, its hash or the backend secret", async () => {
    const lines: string[] = [];
    for (const level of ["log", "warn", "error", "info", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    const secretVars = { ...apiVars, CF_ACCESS_CLIENT_ID: "cf-id-SECRETVALUE", CF_ACCESS_CLIENT_SECRET: "cf-secret-SECRETVALUE" };
    const sid = await openSession(secretVars, BASE, bearer(operator));
    await rpc(secretVars, BASE, bearer(operator), sid, "tools/call", {
      name: "cancel_operation",
      arguments: { operation_id: "op_audit_1", reason: "test" },
    });
    await rpc(secretVars, BASE, bearer(reader), sid, "tools/list");
    await call(secretVars, `${BASE}/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${reader.key}x` },
      body: "{}",
    });
    await call({ ...secretVars, API_KEYS: `[${operator.key}` }, `${BASE}/mcp`, { method: "POST", headers: MCP_HEADERS, body: "{}" });
    const all = lines.join("\n");
    expect(all).toContain('"event":"audit"');
    for (const secret of [reader.key, operator.key, reader.entry.sha256, operator.entry.sha256, "SECRETVALUE"])
      expect(all).not.toContain(secret);
  });
});
