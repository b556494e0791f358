// `node bench/stages.mjs` (not part of `npm run bench`): microbenchmarks, in Node, of each stage of one
// `get_operation_status` call on the product's own modules (bundled by esbuild from src/, as wrangler
// bundles them, with zod's code generation off as on Workers), on a completed data load's record read
// from a stand-in backend it starts — and "what if" rows beside them (input validation with its schema
// built once). It sizes one stage against another and against an alternative; where the time goes in
// the running Worker is bench/profile.mjs's workerd CPU profile (section 4 of the bench).
//
// The backend exchange itself is a stub answering that record (no network), so each figure is CPU the
// product spends per call. Node's V8, and its Request/Response/AbortSignal (undici), are not workerd's:
// the stages that build or clone requests cost far more here than there.
//
// A stage whose module or export is gone (src/ is being refactored) is reported as unavailable, never
// a crash: the rest still runs.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "..");

/** The modules the stages use: namespace imports, so a renamed export is `undefined`, not a build error. */
const MODULES = {
  run: "src/tools/run.ts",
  catalogue: "src/tools/catalogue.ts",
  api: "src/ktrdr/ktrdr.api.ts",
  wire: "src/ktrdr/wire.ts",
  normalise: "src/ktrdr/normalise.ts",
  views: "src/tools/views.ts",
  calls: "src/mcp/calls.ts",
  apps: "src/mcp/apps.ts",
  log: "src/log.ts",
  config: "src/config.ts",
  local: "src/auth/local.ts",
  context: "src/auth/context.ts",
  era: "src/mcp/era.ts",
  session: "src/auth/session.ts",
  stateless: "src/mcp/modern/stateless.ts",
};

async function loadModules(dir) {
  const present = Object.entries(MODULES).filter(([, p]) => existsSync(join(ROOT, p)));
  // zod: the same instance src/ uses (bundled once), for the validation stage.
  const contents = [...present.map(([k, p]) => `export * as ${k} from ${JSON.stringify(`./${p}`)};`), 'export * as zod from "zod";'].join(
    "\n",
  );
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, "stages-bundle.mjs");
  await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: "stages-entry.mjs", loader: "js" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2023",
    outfile,
    logLevel: "error",
    // Node ESM has no `require`; some CommonJS dependencies call it for Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  // zod compiles a fast parser per object schema with `new Function` where it may; on Workers it may not
  // (it checks the user agent for "Cloudflare"), so the bundle is loaded as workerd would run it.
  const saved = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { userAgent: "Cloudflare-Workers" }, configurable: true, writable: true });
  try {
    const m = await import(pathToFileURL(outfile).href);
    if (m.zod?.z?.config) m.zod.z.config({ jitless: true });
    return m;
  } finally {
    if (saved) Object.defineProperty(globalThis, "navigator", saved);
    else delete globalThis.navigator;
    rmSync(outfile, { force: true });
  }
}

/** µs per call: the median of `batches` timed batches, each sized to take ~`batchMs` (after a warm-up). */
async function time(fn, { batches = 11, batchMs = 25 } = {}) {
  let n = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const ms = performance.now() - t;
    if (ms >= batchMs / 2 || n >= 1 << 20) {
      n = Math.max(1, Math.round((n * batchMs) / Math.max(ms, 0.01)));
      break;
    }
    n *= 4;
  }
  const per = [];
  for (let b = 0; b < batches; b++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    per.push(((performance.now() - t) * 1000) / n);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/**
 * The stages, in call order. `recordText`: the backend's answer to GET /operations/{id} (the record
 * every path of the bench reads); `operationId`: its id.
 */
export async function measureStages({ recordText, operationId, dir, quick = false, log = () => {} }) {
  const m = await loadModules(dir);
  const opts = quick ? { batches: 5, batchMs: 15 } : { batches: 11, batchMs: 25 };
  const rows = [];
  const stage = async (group, name, what, fn, extra = {}) => {
    try {
      if (typeof fn !== "function") throw new Error("not available");
      await fn(); // fails early if an export is gone
      rows.push({ group, stage: name, what, us: round(await time(fn, opts), 2), ...extra });
    } catch (err) {
      rows.push({ group, stage: name, what, us: null, unavailable: String(err?.message ?? err).slice(0, 120), ...extra });
    }
  };
  const quietly = async (fn) => {
    const saved = [console.log, console.warn, console.error];
    console.log = console.warn = console.error = () => {};
    try {
      return await fn();
    } finally {
      [console.log, console.warn, console.error] = saved;
    }
  };

  const env = { KTRDR_API_URL: "http://127.0.0.1:8000/api/v1", AUTH_MODE: "local" };
  const cfg = m.config?.readConfig?.(env);
  const auth = m.context?.LOCAL_CONTEXT;
  const def = m.catalogue?.TOOLS?.find((d) => d.name === "get_operation_status");
  const args = { operation_id: operationId };
  const headers = { "content-type": "application/json" };
  const stubFetch = async () => new Response(recordText, { status: 200, headers });
  const body = JSON.parse(recordText);
  const envelope = m.wire?.operationEnvelopeSchema?.parse(body);
  const op = envelope ? m.normalise?.operationFromRecord?.(envelope.data) : undefined;
  const view = op ? m.views?.conciseStatus?.(op, Date.now()) : undefined;
  // A fresh signal per call, as every MCP request has its own (a shared one would collect AbortSignal.any dependents).
  const signal = () => new AbortController().signal;

  log("stages: the tool path, stage by stage (Node microbenchmarks on src/ modules)");
  await quietly(async () => {
    // What the floor's tool does with the backend's answer (the baseline every stage is beyond).
    await stage("floor", "backend answer read as text", "stub fetch + res.text() (the floors' whole tool)", async () => {
      await (await stubFetch()).text();
    });
    await stage("router", "configuration", "readConfig(env) (memoised)", () => m.config.readConfig(env));
    // Stages that read only a request's URL and headers get one request built once (Node's Request is far
    // slower to build than workerd's); those that read the body get a fresh one, less the cost of building it.
    const sessionRequest = new Request("http://127.0.0.1:8787/mcp", {
      method: "POST",
      headers: { "mcp-session-id": "bench-session", "mcp-protocol-version": "2025-11-25", "content-type": "application/json" },
      body: "{}",
    });
    const sessionReq = () => sessionRequest;
    await stage("router", "local auth", "localAuth(request)", () => m.local.localAuth(sessionRequest));
    await stage("router", "era (2025 session)", "eraOf(request): session headers, no body read", () => m.era.eraOf(sessionReq()));
    if (m.session?.noteNewSession) {
      m.session.noteNewSession(new Response(null, { headers: { "mcp-session-id": "bench-session" } }), auth);
    }
    await stage("router", "session owner", "checkSessionOwner (owner remembered)", () =>
      m.session.checkSessionOwner(sessionReq(), {}, auth),
    );
    await stage("tool", "request id", "crypto.randomUUID() (runDeps)", () => crypto.randomUUID());
    const inputSchema = m.zod?.z && def ? m.zod.z.object(def.input) : undefined;
    await stage("tool", "input validation", "safeParse(args) on the tool's z.object, built once per tool as runTool does", () =>
      inputSchema.safeParse(args),
    );
    await stage(
      "what-if",
      "input validation, schema built per call",
      "z.object(def.input).safeParse(args): the schema built for every call",
      () => m.zod.z.object(def.input).safeParse(args),
    );
    await stage(
      "tool",
      "backend read wrapper",
      "KtrdrApi + KtrdrHttp: URL, headers, timer, signal, content checks (less the stages below)",
      async () => {
        const api = new m.api.KtrdrApi(cfg.backend, { fetch: stubFetch, requestId: "bench", signal: signal() });
        await api.getOperation(operationId);
      },
      { subtract: ["backend answer read as text", "JSON.parse of the record", "wire schema", "normalise"] },
    );
    await stage("tool", "JSON.parse of the record", "JSON.parse(text)", () => JSON.parse(recordText));
    await stage("tool", "wire schema", "operationEnvelopeSchema.safeParse(body) (zod)", () =>
      m.wire.operationEnvelopeSchema.safeParse(body),
    );
    await stage("tool", "normalise", "operationFromRecord(data)", () => m.normalise.operationFromRecord(envelope.data));
    await stage("tool", "concise view", "conciseStatus(op, now)", () => m.views.conciseStatus(op, Date.now()));
    await stage(
      "tool",
      "tool_call log line",
      "log('info', 'tool_call', fields): JSON.stringify + console.log (console silenced here)",
      () =>
        m.log.log("info", "tool_call", {
          tool: "get_operation_status",
          principal: "local",
          auth: "local",
          operation_id: operationId,
          outcome: "ok",
          request_id: "00000000-0000-4000-8000-000000000000",
          backend_calls: 1,
          ms: 3,
        }),
    );
    await stage("tool", "MCP result", "toolResult(outcome, viewResultMeta(...)): JSON text beside structuredContent", () =>
      m.calls.toolResult({ ok: true, value: view }, m.apps.viewResultMeta(def, auth, { ok: true, value: view })),
    );
    await stage("whole", "runTool (all tool stages)", "runTool(def, args, deps) with the stub backend", () =>
      m.run.runTool(def, args, { auth, backend: cfg.backend, requestId: crypto.randomUUID(), fetch: stubFetch, signal: signal() }),
    );

    // The 2026-07-28 router's era classification of a tools/call request.
    const callBody = (tool) =>
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: tool,
          arguments: args,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { name: "ktrdr-bench", version: "1.0.0" },
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      });
    const modernReq = (tool) =>
      new Request("http://127.0.0.1:8787/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": tool,
        },
        body: callBody(tool),
      });
    await stage("baseline", "building a 2026 request", "new Request(tools/call) (subtracted from the stage below)", () =>
      modernReq("get_operation_status"),
    );
    await stage(
      "router",
      "era (2026)",
      "eraOf(request): the SDK's classifier reads a copy of the body",
      () => m.era.eraOf(modernReq("get_operation_status")),
      { subtract: ["building a 2026 request"] },
    );
  });

  // The backend read wrapper is measured whole (getOperation); its own share is what is left after the
  // stages inside it.
  const us = (name) => rows.find((r) => r.stage === name)?.us;
  for (const r of rows) {
    if (!r.subtract || r.us === null) continue;
    const inner = r.subtract.map(us);
    if (inner.every((v) => typeof v === "number")) {
      r.whole_us = r.us;
      r.us = round(r.us - inner.reduce((a, b) => a + b, 0), 2);
    }
    delete r.subtract;
  }
  const toolStages = rows.filter((r) => (r.group === "tool" || r.group === "router") && typeof r.us === "number");
  const stagesSum = round(
    toolStages.reduce((a, r) => a + r.us, 0),
    1,
  );
  return {
    node: process.version,
    record_bytes: recordText.length,
    result_bytes: view && m.calls?.toolResult ? JSON.stringify(m.calls.toolResult({ ok: true, value: view })).length : null,
    rows,
    tool_and_router_sum_us: stagesSum,
  };
}

// `node bench/stages.mjs`: on its own, against a stand-in backend it starts (a fresh completed data load).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { startBackend, tempDir } = await import("../scripts/stack.mjs");
  const dir = tempDir("stages");
  const backend = await startBackend({ pace: 0, quiet: true, dataDir: join(dir, "data") });
  try {
    const r = await fetch(`${backend.url}/data/load`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ symbol: "AAPL", timeframe: "1d", mode: "tail" }),
    });
    const id = (await r.json()).data.operation_id;
    let recordText = "";
    for (let i = 0; i < 50; i++) {
      recordText = await (await fetch(`${backend.url}/operations/${id}`)).text();
      if (JSON.parse(recordText).data?.status === "completed") break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const out = await measureStages({ recordText, operationId: id, dir, log: (s) => process.stderr.write(`${s}\n`) });
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await backend.stop();
  }
}
