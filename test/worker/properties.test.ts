/**
 * Issue 6, item 3: property-based bad input over every tool's arguments (fast-check).
 * - Through the real MCP endpoint: never a 5xx, always a JSON-RPC answer, never a crash; any
 *   backend request that does happen names a safe route; oversized inputs never reach it.
 * - Through the tools' own schemas + runTool (faster, more runs): the same route invariants.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { TOOLS } from "../../src/tools/catalogue";
import { FakeBackend, IDS, type RecordedRequest } from "./fake-backend";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import { readErrorBody } from "../../src/ktrdr/errors";
import { operationFromRecord, resultsFrom } from "../../src/ktrdr/normalise";
import { runTool } from "../../src/tools/run";
import { config, consoleText, harness, McpSession, quietConsole, stubGlobalFetch, tool, VALID_ARGS } from "./helpers";

quietConsole();

const OP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const BASE_PATH = "/api/v1";

const nastyPiece = fc.constantFrom(
  "/",
  "..",
  "../",
  "%2F",
  "%2f",
  "%2e%2e",
  "%2E%2E%2F",
  "%00",
  "\u0000",
  "\u0007",
  "\u001f",
  "\u007f",
  "\n",
  "\r\n",
  "\\",
  "?",
  "#",
  "&",
  " ",
  "\u202e",
  "op_training_20251004_143530_b5c6d7e8",
  "op_",
  "AAPL",
  "1h",
  "mlp_basic",
  "2025-01-01",
  ":",
  ".",
);

const nastyString = fc
  .array(fc.oneof(nastyPiece, fc.string({ maxLength: 6 }), fc.string({ unit: "grapheme", maxLength: 4 })), { maxLength: 6 })
  .map((a) => a.join(""));
const hugeString = fc.oneof(
  fc.integer({ min: 1_001, max: 20_000 }).map((n) => "a".repeat(n)),
  fc.integer({ min: 1_001, max: 5_000 }).map((n) => `op_training_${"1".repeat(n)}`),
  fc.integer({ min: 200, max: 2_000 }).map((n) => "../".repeat(n)),
);

const leaf = fc.oneof(
  { weight: 5, arbitrary: nastyString },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, leaf, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.array(leaf, { maxLength: 2 }), { maxLength: 2 }) },
);

/** Arguments for one tool: any subset of its keys with arbitrary values, or a valid call with one field spoiled, plus stray keys. */
function argsFor(name: string): fc.Arbitrary<Record<string, unknown>> {
  const def = TOOLS.find((t) => t.name === name)!;
  const keys = Object.keys(def.input);
  const random =
    keys.length === 0
      ? fc.constant({} as Record<string, unknown>)
      : fc.record(Object.fromEntries(keys.map((k) => [k, anyValue])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] });
  const spoiled =
    keys.length === 0
      ? fc.constant({ ...VALID_ARGS[name] })
      : fc.tuple(fc.constantFrom(...keys), anyValue).map(([k, v]) => ({ ...VALID_ARGS[name], [k]: v }));
  // Valid shapes with edge-case values: ids of the allowed alphabet (incl. '.', ':'), odd symbols.
  const edgeId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/);
  const edgy = fc.record({ id: edgeId, sym: fc.stringMatching(/^\^?[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/) }).map(({ id, sym }) => {
    const a: Record<string, unknown> = { ...VALID_ARGS[name] };
    if ("operation_id" in a) a.operation_id = id;
    if ("task_id" in a) a.task_id = id;
    if ("symbol" in a) a.symbol = sym;
    return a;
  });
  const stray = fc.dictionary(nastyString, anyValue, { maxKeys: 2 });
  return fc
    .tuple(fc.oneof({ weight: 3, arbitrary: random }, { weight: 3, arbitrary: spoiled }, { weight: 2, arbitrary: edgy }), stray)
    .map(([a, s]) => ({ ...s, ...a }));
}

/** Longest string anywhere inside a value. */
function longestString(v: unknown): number {
  if (typeof v === "string") return v.length;
  if (Array.isArray(v)) return v.reduce((m: number, x) => Math.max(m, longestString(x)), 0);
  if (v && typeof v === "object") return Object.entries(v).reduce((m, [k, x]) => Math.max(m, k.length, longestString(x)), 0);
  return 0;
}

const SEG = "([^/]+)";
/** Every route the adapter may call; `{id}` and data segments are checked after decoding. */
const ROUTES: Array<{ method: string; re: RegExp; id?: number; symbol?: number }> = [
  { method: "GET", re: /^\/health$/ },
  { method: "GET", re: /^\/symbols$/ },
  { method: "GET", re: /^\/indicators\/$/ },
  { method: "GET", re: /^\/strategies\/$/ },
  { method: "POST", re: /^\/data\/range$/ },
  { method: "POST", re: /^\/data\/load$/ },
  { method: "POST", re: /^\/data\/acquire\/download$/ },
  { method: "GET", re: new RegExp(`^/data/${SEG}/${SEG}$`), symbol: 1 },
  { method: "POST", re: /^\/trainings\/start$/ },
  { method: "GET", re: new RegExp(`^/trainings/${SEG}/performance$`), id: 1 },
  { method: "POST", re: /^\/backtests\/$/ },
  { method: "POST", re: /^\/backtests\/start$/ },
  { method: "GET", re: /^\/operations$/ },
  { method: "GET", re: /^\/workers$/ },
  { method: "GET", re: new RegExp(`^/operations/${SEG}$`), id: 1 },
  { method: "DELETE", re: new RegExp(`^/operations/${SEG}$`), id: 1 },
  { method: "GET", re: new RegExp(`^/operations/${SEG}/(results|metrics)$`), id: 1 },
  // v2026 research cycles
  { method: "GET", re: /^\/agent\/status$/ },
  { method: "POST", re: /^\/agent\/trigger$/ },
  { method: "DELETE", re: new RegExp(`^/agent/cancel/${SEG}$`), id: 1 },
  // v2026 checkpoints and resume
  { method: "GET", re: /^\/checkpoints$/ },
  { method: "GET", re: new RegExp(`^/checkpoints/${SEG}$`), id: 1 },
  { method: "DELETE", re: new RegExp(`^/checkpoints/${SEG}$`), id: 1 },
  { method: "POST", re: new RegExp(`^/operations/${SEG}/resume$`), id: 1 },
  // Phase 2 details: v2025 backtest lists, strategy validation, gap analysis
  { method: "GET", re: new RegExp(`^/backtests/${SEG}/(trades|equity_curve)$`), id: 1 },
  { method: "POST", re: new RegExp(`^/strategies/validate/${SEG}$`) },
  { method: "GET", re: new RegExp(`^/gap-analysis/data/${SEG}/${SEG}/summary$`), symbol: 1 },
];

/** Problems with one backend request's route, per issue 6: what an agent sends never changes which route is called. */
function routeProblems(r: RecordedRequest): string[] {
  const p = r.url.pathname;
  if (!p.startsWith(`${BASE_PATH}/`)) return [`left the API prefix: ${p}`];
  const rest = p.slice(BASE_PATH.length);
  const route = ROUTES.find((x) => x.method === r.method && x.re.test(rest));
  if (!route) return [`not a known route: ${r.method} ${p}`];
  const m = route.re.exec(rest)!;
  const out: string[] = [];
  for (const raw of m.slice(1)) {
    const d = decodeURIComponent(raw);
    if (d === "." || d === ".." || /[/\\]/.test(d) || /%2e|%2f|%5c/i.test(d)) out.push(`unsafe segment ${JSON.stringify(raw)} in ${p}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(d)) out.push(`control character in ${p}`);
  }
  if (route.id !== undefined) {
    const id = decodeURIComponent(m[route.id]!);
    if (!OP_ID_RE.test(id) || id.includes("..")) out.push(`operation id segment ${JSON.stringify(id)} is not an operation id`);
  }
  if (route.symbol !== undefined && !/^\^?[A-Z0-9][A-Z0-9._-]*$/.test(decodeURIComponent(m[route.symbol]!)))
    out.push(`symbol segment ${m[route.symbol]}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  if (/[\u0000-\u001f]/.test(decodeURIComponent(r.url.search))) out.push("control character in query");
  return out;
}

describe("the route checker itself", () => {
  const req = (method: string, url: string): RecordedRequest => ({
    method,
    url: new URL(url),
    path: "",
    headers: new Headers(),
    body: undefined,
  });
  it("flags traversal, encoded separators, unknown routes and bad ids; passes real ones", () => {
    const base = "http://127.0.0.1:8000/api/v1";
    expect(routeProblems(req("GET", `${base}/operations/${IDS.trainingRunning}`))).toEqual([]);
    expect(routeProblems(req("GET", `${base}/operations/op_a%3Ab.c/results`))).toEqual([]);
    expect(routeProblems(req("GET", `${base}/data/AAPL/1h`))).toEqual([]);
    expect(routeProblems(req("GET", `${base}/operations/..`))).not.toEqual([]); // normalised to /api/v1/
    expect(routeProblems(req("GET", `${base}/operations/a%2F..%2Fb`))).not.toEqual([]);
    expect(routeProblems(req("GET", `${base}/operations/%252e%252e`))).not.toEqual([]);
    expect(routeProblems(req("GET", `${base}/data/../1h`))).not.toEqual([]);
    expect(routeProblems(req("DELETE", `${base}/operations/op%0Ax`))).not.toEqual([]);
    expect(routeProblems(req("POST", `${base}/operations/op_x/retry`))).not.toEqual([]);
  });
});

/** Known input keys of a tool whose value (deeply) holds a string over 1000 characters. */
function oversizedKnownField(name: string, args: Record<string, unknown>): string | undefined {
  const def = TOOLS.find((t) => t.name === name)!;
  return Object.keys(def.input).find((k) => k in args && longestString(args[k]) > 1_000);
}

describe("bad input through the MCP endpoint", () => {
  let backend: FakeBackend;
  let stub: { restore: () => void };
  let session: McpSession;
  // The first initialize starts the Worker's Durable Object: slow on a loaded machine, so a hook budget beyond the default 10 s.
  beforeEach(async () => {
    backend = new FakeBackend({ version: "v2025", hasMetrics: true });
    stub = stubGlobalFetch(backend);
    session = new McpSession();
    await session.initialize();
  }, 30_000);
  afterEach(() => stub.restore());

  it.each(TOOLS.map((t) => t.name))("%s: never a 5xx or a crash; safe routes only; oversized input refused early", async (name) => {
    await fc.assert(
      fc.asyncProperty(argsFor(name), async (args) => {
        const before = backend.requests.length;
        const { status, messages, text } = await session.post({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name, arguments: args },
        });
        expect(status, text.slice(0, 300)).toBeLessThan(500);
        const reply = messages.find((m) => m.id === 1);
        expect(reply, text.slice(0, 300)).toBeDefined();
        expect(reply!.result ?? reply!.error).toBeDefined();
        const result = reply!.result as { isError?: boolean; content?: Array<{ text?: string }>; structuredContent?: unknown } | undefined;
        if (result) {
          const msg = result.content?.map((c) => c.text ?? "").join("\n") ?? "";
          expect(msg).not.toMatch(/\n\s+at \S+ \(/); // no stack frames
          if (!result.isError) expect(result.structuredContent).toBeDefined();
        }
        const sent = backend.requests.slice(before);
        const problems = sent.flatMap(routeProblems);
        expect(problems, JSON.stringify(args).slice(0, 300)).toEqual([]);
        const big = oversizedKnownField(name, args);
        if (big) expect(sent, `oversized ${big} reached the backend`).toHaveLength(0);
      }),
      { numRuns: 12, seed: 4242 + name.length },
    );
    // The session is still alive after all that.
    const { result } = await session.callTool("get_operation_status", { operation_id: IDS.trainingRunning });
    expect(result?.isError ?? false).toBe(false);
  });
});

describe("bad input through the tools' schemas and runTool", () => {
  it.each(TOOLS.map((t) => t.name))("%s: whatever validates reaches only safe routes; nothing throws", async (name) => {
    const def = TOOLS.find((t) => t.name === name)!;
    const schema = z.object(def.input);
    let validated = 0;
    await fc.assert(
      fc.asyncProperty(argsFor(name), async (args) => {
        const h = harness("v2026", { hasMetrics: false, hasResults: false });
        const parsed = schema.safeParse(args);
        if (!parsed.success) {
          // The MCP SDK refuses these before the tool runs (tested above); nothing to run.
          return;
        }
        validated += 1;
        const outcome = await h.run(name, args);
        // A failure is one the tool understood (the backend's or the input's), never a crash of its own.
        if (!outcome.ok) {
          expect(outcome.message, JSON.stringify(args).slice(0, 300)).not.toMatch(/^Internal error in /);
          expect(outcome.message).not.toMatch(/\n|\bat \S+ \(/);
        }
        expect(consoleText()).not.toContain('"event":"tool_crash"');
        expect(h.backend.requests.flatMap(routeProblems), JSON.stringify(args).slice(0, 300)).toEqual([]);
        const big = oversizedKnownField(name, args);
        if (big) expect(h.backend.requests, `oversized ${big} reached the backend`).toHaveLength(0);
      }),
      { numRuns: 60, seed: 7 + name.length },
    );
    // Some generated cases were valid (the spoiled-valid-call generator makes sure of it), so runs happened.
    expect(validated).toBeGreaterThan(0);
  });

  it("ids that are valid per the schema stay one path segment (':' and '.' included)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{2,60}$/).filter((s) => !s.includes("..")),
        async (id) => {
          const h = harness("v2025");
          await h.run("get_operation_status", { operation_id: id });
          const r = h.backend.requests[0]!;
          expect(r.url.pathname).toBe(`${BASE_PATH}/operations/${encodeURIComponent(id)}`);
          expect(decodeURIComponent(r.path.split("/")[2]!)).toBe(id);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("runTool without a transport's validation", () => {
  // runTool validates every call with the tool's own input schema (admit), whatever the transport
  // did: raw input from a transport that checks nothing (the tools are meant to be reused by other
  // transports) never reaches the adapter.
  it.each([
    ["get_operation_status", { operation_id: "..", detail: "concise", wait_seconds: 0 }],
    ["cancel_operation", { operation_id: ".." }],
    ["get_operation_results", { operation_id: "." }],
    ["get_market_data", { symbol: "..", timeframe: "1h", limit_bars: 50 }],
  ] as const)("%s with %j is refused before any backend request", async (name, args) => {
    const backend = new FakeBackend({ version: "v2025" });
    const outcome = await runTool(
      tool(name),
      { ...args },
      {
        auth: LOCAL_CONTEXT,
        backend: config(),
        signal: new AbortController().signal,
        requestId: "raw",
        fetch: backend.fetch,
      },
    );
    expect(outcome.ok).toBe(false);
    expect(backend.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([]);
  });
});

// ---- issue 16, item 4: backend texts through the one scrubber ----------------------------------

/**
 * Texts as a backend might word them: words, absolute paths in every form (each directory named
 * with a marker, so any surviving piece of one is seen), relative paths (facts, kept), control
 * and bidi characters, and runs long enough to need bounding; always separated by a character
 * that cannot be part of a path segment (how a path is told from the middle of a relative one).
 */
const SECRET_DIR = "SECRETDIR";
const word = fc.stringMatching(/^[A-Za-z0-9.!%#@&+$^-]{1,12}$/);
const dirName = fc.stringMatching(/^[a-z0-9_.-]{0,8}$/).map((s) => `${SECRET_DIR}${s}`);
const fileName = fc
  .tuple(fc.stringMatching(/^[a-z0-9_-]{1,10}$/), fc.option(fc.stringMatching(/^[a-z0-9]{1,4}$/), { nil: undefined }))
  .map(([n, ext]) => (ext ? `${n}.${ext}` : n));
const dirs = fc.array(dirName, { minLength: 1, maxLength: 4 });
const drive = fc.constantFrom("C", "D", "z");
const absolutePath = fc.oneof(
  fc.tuple(dirs, fileName).map(([d, f]) => `/${d.join("/")}/${f}`),
  fc.tuple(dirs, fileName).map(([d, f]) => `/${d.join("/")}/${f}/`),
  fc.tuple(dirs, fileName).map(([d, f]) => `~/${d.join("/")}/${f}`),
  fc.tuple(drive, dirs, fileName).map(([c, d, f]) => `${c}:\\${d.join("\\")}\\${f}`),
  fc.tuple(drive, dirs, fileName).map(([c, d, f]) => `${c}:/${d.join("/")}/${f}`),
  fc.tuple(dirs, fileName).map(([d, f]) => `\\\\${d.join("\\")}\\${f}`),
  fc.tuple(dirs, fileName).map(([d, f]) => `file:///${d.join("/")}/${f}`),
  fc.tuple(drive, dirs, fileName).map(([c, d, f]) => `file://${c}:/${d.join("/")}/${f}`),
);
const relativePath = fc
  .tuple(fc.array(fc.stringMatching(/^[a-z0-9_]{1,8}$/), { minLength: 1, maxLength: 3 }), fileName)
  .map(([d, f]) => `${d.map((x) => `rel${x}`).join("/")}/${f}`);
const invisible = fc.constantFrom(
  "\u0000",
  "\u0007",
  "\n",
  "\r\n",
  "\t",
  "\u007f",
  "\u0085",
  "\u200b",
  "\u200e",
  "\u2028",
  "\u202e",
  "\u2066",
  "\ufeff",
);
const separator = fc.constantFrom(" ", ", ", "; ", " (", ") ", ": ", ":", "=", ' "', "' ", "[", "] ", "<", "> ", " | ", "\n", "\t");
type Piece = { kind: "word" | "abs" | "rel" | "invisible" | "long"; text: string };
const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: word.map((text) => ({ kind: "word" as const, text })) },
  { weight: 3, arbitrary: absolutePath.map((text) => ({ kind: "abs" as const, text })) },
  { weight: 2, arbitrary: relativePath.map((text) => ({ kind: "rel" as const, text })) },
  { weight: 1, arbitrary: invisible.map((text) => ({ kind: "invisible" as const, text })) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 2_000 }).map((n) => ({ kind: "long" as const, text: "x".repeat(n) })) },
);
const backendText = fc
  .array(fc.tuple(separator, piece), { minLength: 1, maxLength: 12 })
  .map((parts) => ({ text: parts.map(([sep, p]) => sep + p.text).join(""), pieces: parts.map(([, p]) => p) }));

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const INVISIBLE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** What every scrubbed text must be: bounded, one visible line, no piece of an absolute path but its file name. */
function checkScrubbed(out: string | undefined, sent: { text: string; pieces: Piece[] }): void {
  expect(out).toBeDefined();
  const s = out!;
  expect(s.length).toBeLessThanOrEqual(300);
  expect(s).not.toContain(SECRET_DIR);
  expect(s).not.toMatch(INVISIBLE_CHARS);
  expect(s).not.toMatch(/file:/i);
  // Short enough to be shown whole: the file names and the relative paths are all there.
  if (!s.endsWith("…")) {
    for (const p of sent.pieces) {
      if (p.kind === "rel") expect(s).toContain(p.text);
      if (p.kind === "abs")
        expect(s).toContain(
          p.text
            .replace(/[\\/]+$/, "")
            .split(/[\\/]/)
            .at(-1),
        );
    }
  }
}

describe("backend texts are scrubbed before an agent reads them (issue 16, item 4)", () => {
  it("error messages: no absolute path, no invisible character, bounded; file names and relative paths kept", () => {
    fc.assert(
      fc.property(backendText, (sent) => {
        checkScrubbed(readErrorBody({ detail: sent.text })?.message, sent);
        checkScrubbed(readErrorBody({ success: false, error: { code: "X", message: sent.text, details: {} } })?.message, sent);
      }),
      { numRuns: 400, seed: 16_4 },
    );
  });

  it("operation records: error, cancel reason, current step and every string of the full record and result summary", () => {
    const op = (status: string, message: string, extra: Record<string, unknown>) =>
      operationFromRecord({
        operation_id: "op_training_20251004_143530_b5c6d7e8",
        operation_type: "training",
        status,
        created_at: "2025-10-04T14:35:30Z",
        progress: { percentage: 50, current_step: message, context: { step_progress: message } },
        metadata: { symbol: "AAPL", timeframe: "1h", parameters: { strategy_path: message, notes: [message, { deep: message }] } },
        error_message: message,
        warnings: [message],
        result_summary: { note: message, artifacts: { analytics_dir: message } },
        ...extra,
      });
    fc.assert(
      fc.property(backendText, (sent) => {
        const failed = op("failed", sent.text, {});
        checkScrubbed(failed.error, sent);
        checkScrubbed(failed.progress?.current_step, sent);
        checkScrubbed(failed.progress?.segments, sent);
        const cancelled = op("cancelled", sent.text, {});
        checkScrubbed(cancelled.cancel_reason, sent);
        for (const o of [failed, cancelled]) {
          const shown = JSON.stringify([o.raw, o.results?.raw]);
          expect(shown).not.toContain(SECRET_DIR);
          expect(shown).not.toMatch(/file:/i);
          expect(shown).not.toMatch(/(\\u00[01][0-9a-f])|\\u200[b-f]|\\u202[8-e]/i);
        }
      }),
      { numRuns: 200, seed: 16_41 },
    );
  });

  it("results: strings scrubbed at any depth, model_path (a fact start_backtest takes back) kept as sent", () => {
    const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        backendText.map((t) => t.text),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom("note", "path", "artifacts", "file", "dir", "message"), tie("value"), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, absolutePath, (summary, modelPath) => {
        const r = resultsFrom("training", { extra: summary, artifacts: { model_path: modelPath } });
        expect(JSON.stringify(r.raw.extra ?? null)).not.toContain(SECRET_DIR);
        expect((r.raw.artifacts as Record<string, unknown>).model_path).toBe(modelPath);
        expect(r.training?.model_path).toBe(modelPath);
      }),
      { numRuns: 200, seed: 16_42 },
    );
  });
});
