/**
 * Issue 6, item 1 at unit level: every tool × every backend fault, through `runTool`.
 * Each fault must give `ok: false` with one line that names the cause and the next step, no
 * stack trace and no secret (the Access service token is configured to a sentinel and must
 * never appear in a message or on the console); reads may retry transient faults, starts and
 * cancels never retry; and the same backend works again once the fault is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../src/tools/catalogue";
import { FAULTS, json, type FaultCase, type RecordedRequest, type WireVersion } from "./fake-backend";
import { captureConsole, CLIENT_ID, expectOk, harness, SECRET, START_TOOLS, VALID_ARGS } from "./helpers";

const VERSIONS: WireVersion[] = ["v2025", "v2026"];
const NEXT_STEP = /\b(retry|check|call|ask|fix|set|load|start|use|report|swap)\b/i;
const STACK = /(^|\s)at [\w$.<>]+ ?\(|\bError:|\n/;

/** Per tool, how a fault may legitimately end differently from an error. */
function expectedOk(tool: string, fault: FaultCase): boolean {
  // "Nothing cached" is how the backend says it for /data/range: a summary, not an error.
  return tool === "get_data_summary" && fault.name.startsWith("404");
}

let consoleCapture: ReturnType<typeof captureConsole>;
beforeAll(() => {
  consoleCapture = captureConsole();
});
afterAll(() => {
  const text = consoleCapture.lines();
  consoleCapture.restore();
  // The runs above logged (tool_call lines at least): the check below had something to look at.
  expect(text).toMatch(/tool_call/);
  expect(text).not.toContain(SECRET);
});

interface Scenario {
  /** Which requests get the fault. */
  label: string;
  match?: (r: RecordedRequest) => boolean;
}

/**
 * Start tools first look for an identical active operation (an idempotent GET of the list), then
 * POST the start; so they are checked twice: with every request faulted (the look-up fails and
 * nothing is started), and with only the start POST faulted (the look-up succeeds).
 */
const ALL: Scenario = { label: "every request" };
const START_ONLY: Scenario = { label: "the start POST", match: (r) => r.method === "POST" };

async function checkTool(version: WireVersion, name: string, fault: FaultCase, scenario: Scenario): Promise<string[]> {
  const problems: string[] = [];
  const def = TOOLS.find((t) => t.name === name)!;
  const tag = `${name} (${scenario.label})`;
  const h = harness(version, { cfg: { timeoutMs: 150, accessClientId: CLIENT_ID, accessClientSecret: SECRET } });
  h.backend.fault(fault.respond, { match: scenario.match });
  const opsBefore = h.backend.operations.length;
  const outcome = await h.run(name, VALID_ARGS[name]);
  const reqs = [...h.backend.requests];

  if (expectedOk(name, fault)) {
    if (!outcome.ok) problems.push(`${tag}: expected a summary, got ${outcome.message}`);
    else if (outcome.value.available !== false) problems.push(`${tag}: expected available:false`);
  } else if (outcome.ok) {
    problems.push(`${tag}: expected an error, got ${JSON.stringify(outcome.value).slice(0, 200)}`);
  } else {
    const msg = outcome.message;
    const firstLine = msg.split("\n")[0]!;
    if (!fault.cause.test(firstLine)) problems.push(`${tag}: cause not named (${fault.cause}): ${msg}`);
    if (!NEXT_STEP.test(firstLine)) problems.push(`${tag}: no next step: ${msg}`);
    if (STACK.test(msg)) problems.push(`${tag}: multi-line or stack-like: ${msg}`);
    if (msg.includes(SECRET) || msg.includes(CLIENT_ID)) problems.push(`${tag}: leaks the service token`);
    if (msg.length > 600) problems.push(`${tag}: message too long (${msg.length})`);
    if (fault.name === "timeout" && scenario === START_ONLY && !/list_operations/.test(msg))
      problems.push(`${tag}: a start that timed out should suggest list_operations to check whether it went through: ${msg}`);
  }

  // Retry policy: starts (POST) and cancels (DELETE) go out at most once; reads retry transient faults 3 times.
  const mutations = reqs.filter((r) => (r.method === "POST" && r.path !== "/data/range") || r.method === "DELETE");
  if (mutations.length > 1) problems.push(`${tag}: ${mutations.length} start/cancel requests (must never be retried)`);
  if (START_TOOLS.has(name)) {
    if (scenario === ALL && mutations.length !== 0) problems.push(`${tag}: started although the duplicate check failed`);
    if (scenario === START_ONLY && mutations.length !== 1)
      problems.push(`${tag}: expected exactly one start request, got ${mutations.length}`);
  } else if (def.scope === "ktrdr:operate") {
    if (reqs.filter((r) => r.method !== "GET").length !== 1) problems.push(`${tag}: expected exactly one ${name} request`);
  } else {
    // A read may ask more than one endpoint (e.g. v2026 workers, then the list), but each request
    // goes out 3 times for a transient fault and once for any other.
    const perRequest = new Map<string, number>();
    for (const r of reqs)
      perRequest.set(
        `${r.method} ${r.url.pathname}${r.url.search}`,
        (perRequest.get(`${r.method} ${r.url.pathname}${r.url.search}`) ?? 0) + 1,
      );
    const expected = fault.retriedOnReads ? 3 : 1;
    if (reqs.length === 0) problems.push(`${tag}: no backend request`);
    for (const [key, n] of perRequest) if (n !== expected) problems.push(`${tag}: ${key} sent ${n} times, expected ${expected}`);
  }
  if (reqs.some((r) => r.headers.get("cf-access-client-secret") !== SECRET))
    problems.push(`${tag}: a request went out without the configured service token`);
  if (START_TOOLS.has(name) && h.backend.operations.length !== opsBefore)
    problems.push(`${tag}: an operation was created although the call failed`);

  // The session keeps working once the backend is back.
  h.backend.clearFaults();
  const again = await h.run(name, VALID_ARGS[name]);
  if (!again.ok) problems.push(`${tag}: did not recover after the fault: ${again.message}`);
  return problems;
}

describe.each(VERSIONS)("fault matrix against %s", (version) => {
  it.concurrent.each(FAULTS)("$name: every tool fails with an actionable one-line message, then recovers", async (fault) => {
    const runs: Array<Promise<string[]>> = [];
    // KTRDR v2025 has no research cycles: start_research refuses before any request (research.test.ts).
    for (const def of TOOLS.filter((t) => !(version === "v2025" && t.name === "start_research"))) {
      runs.push(checkTool(version, def.name, fault, ALL));
      if (START_TOOLS.has(def.name)) runs.push(checkTool(version, def.name, fault, START_ONLY));
    }
    expect((await Promise.all(runs)).flat()).toEqual([]);
  });
});

describe("fault messages per tool", () => {
  it("a timed-out start warns that it may have gone through", async () => {
    for (const name of [...START_TOOLS].filter((n) => n !== "start_research")) {
      const h = harness("v2025", { cfg: { timeoutMs: 120 } });
      h.backend.fault(FAULTS.find((f) => f.name === "timeout")!.respond, { match: (r) => r.method === "POST" });
      const o = await h.run(name, { ...VALID_ARGS[name], allow_duplicate: true });
      expect(o.ok).toBe(false);
      if (!o.ok) expect(o.message).toMatch(/did not answer within/);
      if (!o.ok) expect(o.message).toMatch(/list_operations\(active_only=true\)/);
    }
  });

  it("the backend host, never the path or a credential, names where the backend is", async () => {
    const h = harness("v2025", { cfg: { accessClientId: CLIENT_ID, accessClientSecret: SECRET } });
    h.backend.fault(FAULTS[0]!.respond);
    const o = await h.run("check_backend_health");
    expect(o.ok).toBe(false);
    if (!o.ok) {
      expect(o.message).toContain(new URL(h.cfg.baseUrl).host);
      expect(o.message).not.toContain("/api/v1");
    }
  });

  it("backend error text that echoes the service token is not passed on to the agent", async () => {
    // E.g. a proxy or a debug-mode backend quoting the request headers in its error detail.
    const h = harness("v2025", { cfg: { accessClientId: CLIENT_ID, accessClientSecret: SECRET } });
    h.backend.fault(() =>
      Promise.resolve(json({ detail: `Bad request headers: CF-Access-Client-Id=${CLIENT_ID}; CF-Access-Client-Secret=${SECRET}` }, 400)),
    );
    const o = await h.run("list_operations", {});
    expect(o.ok).toBe(false);
    if (!o.ok) {
      expect(o.message).toMatch(/HTTP 400/);
      expect(o.message).not.toContain(SECRET);
    }
  });

  it("recovery: a fault on one call does not poison the next call of the same session config", async () => {
    const h = harness("v2026");
    h.backend.fault(FAULTS.find((f) => f.name === "502 Cloudflare HTML")!.respond, { times: 3, match: (r) => r.path === "/operations" });
    expect((await h.run("list_operations", {})).ok).toBe(false);
    expectOk(await h.run("list_operations", {}));
  });
});
