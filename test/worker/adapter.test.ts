/**
 * The backend adapter (`KtrdrApi`) against the fake backend, both wire versions: routes, bodies,
 * normalisation, version fallbacks, headers, timeout and the retry policy.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { BackendConfig } from "../../src/config";
import { BackendError } from "../../src/ktrdr/errors";
import { KtrdrApi } from "../../src/ktrdr/ktrdr.api";
import { OPERATION_ID_MAX } from "../../src/ktrdr/model";
import * as wire from "../../src/ktrdr/wire";
import { WIRE_BOUNDS } from "../../src/ktrdr/wire";
import {
  CF_502_HTML,
  CF_524_HTML,
  DATA_LOAD_RESULT_SUMMARY,
  EPOCHS,
  FakeBackend,
  hang,
  IDS,
  json,
  refused,
  TRAINING_RESULT_SUMMARY,
  TRAINING_RESULT_SUMMARY_V2026,
  type WireVersion,
} from "./fake-backend";
import { CLIENT_ID, config, freshBase, quietConsole, SECRET } from "./helpers";
import { type Folder, folder as recordedFolder } from "./replay";

quietConsole();

function setup(version: WireVersion, p: Partial<BackendConfig> & { hasResults?: boolean; hasMetrics?: boolean } = {}) {
  const base = freshBase();
  const backend = new FakeBackend({ version, base, hasResults: p.hasResults, hasMetrics: p.hasMetrics });
  const cfg = config({ baseUrl: base, ...p });
  const api = new KtrdrApi(cfg, { fetch: backend.fetch, requestId: "rid" });
  return { backend, cfg, api };
}

async function failure(p: Promise<unknown>): Promise<BackendError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BackendError) return err;
    throw err;
  }
  throw new Error("expected a BackendError");
}

const VERSIONS: WireVersion[] = ["v2025", "v2026"];

describe.each(VERSIONS)("KtrdrApi against a %s backend", (version) => {
  it("reads an operation and lists with the query parameters it was given", async () => {
    const { backend, api } = setup(version);
    const op = await api.getOperation(IDS.trainingRunning);
    expect(op.operation_id).toBe(IDS.trainingRunning);
    // v2025: the context's last completed epoch, numbered from 0; v2026: the last of the metrics history.
    expect(op.latest_epoch?.epoch).toBe(version === "v2025" ? 30 : 12);

    const list = await api.listOperations({ status: "running", operation_type: "training", active_only: true, limit: 5, offset: 0 });
    const req = backend.requestsTo("/operations", "GET").at(-1)!;
    expect(req.path).toBe("/operations");
    expect(Object.fromEntries(req.url.searchParams)).toEqual({
      status: "running",
      operation_type: "training",
      active_only: "true",
      limit: "5",
      offset: "0",
    });
    expect(list.rows.map((o) => o.operation_id)).toEqual([IDS.trainingRunning]);
    if (version === "v2025") {
      expect(list.total_count).toBe(1);
      expect(list.active_count).toBe(3);
    } else {
      // v2026 lists a cache: KTRDR's count is a lower bound, its active count is dropped (design-18 §2).
      expect(list.total_count).toBeUndefined();
      expect(list.total_at_least).toBe(1);
      expect(list.active_count).toBeUndefined();
    }
  });

  it("leaves unset list filters and active_only=false out of the query", async () => {
    const { backend, api } = setup(version);
    await api.listOperations({ active_only: false });
    const req = backend.requests.filter((r) => r.path === "/operations").at(-1)!;
    expect([...req.url.searchParams.keys()]).toEqual(["limit", "offset"]);
  });

  it("cancels with DELETE /operations/{id} and the reason in the body, normalising the version's response", async () => {
    const { backend, api } = setup(version);
    const res = await api.cancelOperation(IDS.trainingRunning, "wrong strategy");
    const req = backend.requests.at(-1)!;
    expect(req.method).toBe("DELETE");
    expect(req.path).toBe(`/operations/${IDS.trainingRunning}`);
    expect(req.body).toEqual({ reason: "wrong strategy" });
    expect(req.headers.get("content-type")).toMatch(/application\/json/);
    expect(res).toMatchObject({
      cancelled: true,
      operation_id: IDS.trainingRunning,
      cancellation_reason: "wrong strategy",
      task_cancelled: true,
      remote_cancelled: true,
    });
    if (version === "v2026") expect(res).toMatchObject({ children_cancelled: 2 });
    else expect(res.cancelled && res.children_cancelled).toBeUndefined();
    expect(backend.requestsTo("/operations").filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("cancel without a reason sends an empty body; a non-training op reports no remote side", async () => {
    const { backend, api } = setup(version);
    const res = await api.cancelOperation(IDS.dataLoadRunning);
    expect(backend.requests.at(-1)!.body).toEqual({});
    expect(res).toMatchObject({ cancelled: true, remote_cancelled: false });
    expect(res.cancelled && res.children_cancelled).toBeUndefined();
  });

  it("reads /results when the backend has it", async () => {
    const { backend, api } = setup(version);
    const r = await api.getResults(IDS.trainingCompleted);
    expect(r.operation).toMatchObject({ operation_id: IDS.trainingCompleted, operation_type: "training", status: "completed" });
    const summary = version === "v2025" ? TRAINING_RESULT_SUMMARY : TRAINING_RESULT_SUMMARY_V2026;
    expect(r.results?.raw).toEqual(summary);
    expect(r.results?.training?.model_path).toBe(
      version === "v2025" ? TRAINING_RESULT_SUMMARY.artifacts.model_path : TRAINING_RESULT_SUMMARY_V2026.model_path,
    );
    expect(backend.requests.map((q) => q.path)).toEqual([`/operations/${IDS.trainingCompleted}/results`]);
  });

  it("falls back to the operation record's result_summary when /results does not exist", async () => {
    const { backend, api } = setup(version, { hasResults: false });
    const r = await api.getResults(IDS.dataLoadCompleted);
    expect(r.operation).toMatchObject({
      operation_id: IDS.dataLoadCompleted,
      operation_type: "data_load",
      status: "completed",
      source: "record",
    });
    expect(r.results?.raw).toEqual(DATA_LOAD_RESULT_SUMMARY);
    expect(backend.requests.map((q) => q.path)).toEqual([
      `/operations/${IDS.dataLoadCompleted}/results`,
      `/operations/${IDS.dataLoadCompleted}`,
    ]);
    const failed = await api.getResults(IDS.trainingFailed);
    expect(failed.operation.error).toBe("Training failed: CUDA out of memory");
  });

  it("an unknown operation on /results is a 404 naming it, without a second read", async () => {
    const { backend, api } = setup(version);
    const err = await failure(api.getResults(IDS.unknown));
    expect(err.status).toBe(404);
    expect(err.httpCause).toEqual({ is: "operation_not_found" });
    expect(backend.requests).toHaveLength(1);
  });

  it("reads /metrics, or falls back to the operation record without it", async () => {
    const withIt = setup(version, { hasMetrics: true });
    const m = await withIt.api.getMetrics(IDS.trainingRunning);
    expect(m.source).toBe("metrics_endpoint");
    // v2026 reports each epoch's learning rate too.
    expect(m.epochs).toEqual(EPOCHS.map(({ duration: _d, ...e }) => (version === "v2026" ? { ...e, learning_rate: 0.001 } : e)));

    const without = setup(version, { hasMetrics: false });
    const f = await without.api.getMetrics(IDS.trainingRunning);
    expect(f.source).toBe("operation_record");
    expect(f.operation?.operation_id).toBe(IDS.trainingRunning);
    expect(without.backend.requests.map((q) => q.path)).toEqual([
      `/operations/${IDS.trainingRunning}/metrics`,
      `/operations/${IDS.trainingRunning}`,
    ]);
  });

  it("starts training: the operation id is task_id, and the request body is the contract's", async () => {
    const { backend, api } = setup(version);
    const op = await api.startTraining({
      strategy_name: "mlp_basic",
      symbols: ["AAPL", "MSFT"],
      timeframes: ["1h"],
      start_date: "2024-01-01",
    });
    const req = backend.requests.at(-1)!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/trainings/start");
    expect(req.body).toEqual({
      symbols: ["AAPL", "MSFT"],
      timeframes: ["1h"],
      strategy_name: "mlp_basic",
      start_date: "2024-01-01",
      end_date: null,
    });
    expect(op.operation_id).toMatch(/^op_training_/);
    expect(backend.op(op.operation_id)).toBeDefined();
    expect(op).toMatchObject({ operation_type: "training", estimated_duration_minutes: 30 });
  });

  it("reads market data, health, discovery, range, info and model performance", async () => {
    const { backend, api } = setup(version);
    const md = await api.getMarketData("AAPL", "1h", { start_date: "2025-09-01", trading_hours_only: true });
    expect(md.dates).toHaveLength(120);
    const mdReq = backend.requests.at(-1)!;
    expect(mdReq.path).toBe("/data/AAPL/1h");
    expect(Object.fromEntries(mdReq.url.searchParams)).toEqual({ start_date: "2025-09-01", trading_hours_only: "true" });

    expect((await api.health()).status).toBe("ok");
    expect((await api.symbols()).map((s) => s.symbol)).toEqual(["AAPL", "EURUSD"]);
    expect(await api.indicators()).toHaveLength(2);
    expect((await api.strategies()).strategies.map((s) => s.name)).toEqual(["mlp_basic", "momentum_fx"]);
    expect(await api.dataRange("AAPL", "1h")).toEqual({ first_bar: "2025-09-01T09:30:00", last_bar: "2025-09-06T08:30:00" });
    const perf = await api.modelPerformance(IDS.trainingCompleted);
    expect(perf.task_id).toBe(IDS.trainingCompleted);
    expect(backend.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /data/AAPL/1h",
      "GET /health",
      "GET /symbols",
      "GET /indicators/",
      "GET /strategies/",
      "POST /data/range",
      `GET /trainings/${IDS.trainingCompleted}/performance`,
    ]);
  });
});

describe("versioned routes", () => {
  it("v2025 data load: id nested under data, POST /data/load", async () => {
    const { backend, api } = setup("v2025");
    const op = await api.startDataLoad({ symbol: "AAPL", timeframe: "1h", mode: "tail" });
    expect(op.operation_id).toMatch(/^op_data_load_/);
    expect(op.operation_type).toBe("data_load");
    expect(backend.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /data/load"]);
    expect(backend.requests[0]!.body).toEqual({ symbol: "AAPL", timeframe: "1h", mode: "tail", start_date: null, end_date: null });
  });

  it("auto against v2026: /data/load 404s Not Found, then /data/acquire/download (once), and the route is remembered", async () => {
    const { backend, api, cfg } = setup("v2026");
    const op = await api.startDataLoad({ symbol: "AAPL", timeframe: "1h", mode: "tail" });
    expect(op.operation_id).toMatch(/^op_data_load_/);
    expect(op.backend_message).toMatch(/Started tail download/);
    expect(backend.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /data/load", "POST /data/acquire/download"]);
    // Exactly one operation was created.
    expect(backend.operations.filter((o) => o.operation_type === "data_load" && o.status === "pending")).toHaveLength(1);

    const again = new KtrdrApi(cfg, { fetch: backend.fetch });
    await again.startDataLoad({ symbol: "AAPL", timeframe: "1d", mode: "tail" });
    expect(backend.requests.slice(2).map((r) => r.path)).toEqual(["/data/acquire/download"]);
  });

  it("wireVersion v2026 goes straight to /data/acquire/download", async () => {
    const { backend, api } = setup("v2026", { wireVersion: "v2026" });
    await api.startDataLoad({ symbol: "AAPL", timeframe: "1h", mode: "backfill", start_date: "2024-01-01" });
    expect(backend.requests.map((r) => r.path)).toEqual(["/data/acquire/download"]);
    expect(backend.requests[0]!.body).toMatchObject({ symbol: "AAPL", mode: "backfill", start_date: "2024-01-01" });
  });

  it("wireVersion v2025 against a v2026 backend does not fall back", async () => {
    const { backend, api } = setup("v2026", { wireVersion: "v2025" });
    const err = await failure(api.startDataLoad({ symbol: "AAPL", timeframe: "1h", mode: "tail" }));
    expect(err.is("route_missing")).toBe(true);
    expect(backend.requests.map((r) => r.path)).toEqual(["/data/load"]);
  });

  it("a real data error on the v2025 route is not mistaken for a missing route", async () => {
    const { backend, api } = setup("v2025");
    const err = await failure(api.startDataLoad({ symbol: "BADSYM", timeframe: "1h", mode: "tail" }));
    expect(err.failure).toMatchObject({ kind: "http", status: 400, code: "DATA-InvalidSymbol" });
    expect(backend.requests.map((r) => r.path)).toEqual(["/data/load"]);
  });

  it("backtest v2025: POST /backtests/ with data_mode, id from backtest_id", async () => {
    const { backend, api } = setup("v2025");
    const op = await api.startBacktest({
      strategy_name: "mlp_basic",
      symbol: "AAPL",
      timeframe: "1h",
      start_date: "2025-01-01",
      end_date: "2025-06-30",
      initial_capital: 50_000,
      commission: 0.001,
      slippage: 0.0005,
    });
    expect(op).toMatchObject({ operation_type: "backtesting" });
    expect(op.operation_id).toMatch(/^op_backtesting_/);
    expect(backend.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /backtests/"]);
    expect(backend.requests[0]!.body).toMatchObject({ strategy_name: "mlp_basic", initial_capital: 50_000, data_mode: "local" });
  });

  it("backtest v2026 (auto): falls back to POST /backtests/start, sends model_path, id from operation_id", async () => {
    const { backend, api } = setup("v2026");
    const op = await api.startBacktest({
      strategy_name: "mlp_basic",
      symbol: "AAPL",
      timeframe: "1h",
      start_date: "2025-01-01",
      end_date: "2025-06-30",
      model_path: "models/mlp_basic/AAPL_1h_v3/model.pt",
      initial_capital: 100_000,
      commission: 0.001,
      slippage: 0.001,
    });
    expect(op.operation_id).toMatch(/^op_backtesting_/);
    expect(backend.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /backtests/", "POST /backtests/start"]);
    expect(backend.requests[1]!.body).toMatchObject({ model_path: "models/mlp_basic/AAPL_1h_v3/model.pt" });
    expect(backend.requests[1]!.body).not.toHaveProperty("data_mode");
  });

  it("a start whose response has no id is a bad_shape error, not a made-up id", async () => {
    const { backend, api } = setup("v2025");
    backend.fault(() => Promise.resolve(json({ success: true, status: "training_started", message: "ok" })));
    const err = await failure(api.startTraining({ strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"] }));
    expect(err.failure.kind).toBe("bad_shape");
  });
});

describe("headers", () => {
  it("sends a distinct X-Request-ID per call, derived from the tool call's id", async () => {
    const { backend, api } = setup("v2025");
    await api.health();
    await api.getOperation(IDS.trainingRunning);
    await api.listOperations({});
    const ids = backend.requests.map((r) => r.headers.get("x-request-id"));
    expect(ids.every((i) => typeof i === "string" && i.startsWith("rid."))).toBe(true);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(backend.requests.every((r) => r.headers.get("accept") === "application/json")).toBe(true);
  });

  it("without a requestId, still a fresh X-Request-ID per call and per instance", async () => {
    const base = freshBase();
    const backend = new FakeBackend({ version: "v2025", base });
    const a = new KtrdrApi(config({ baseUrl: base }), { fetch: backend.fetch });
    const b = new KtrdrApi(config({ baseUrl: base }), { fetch: backend.fetch });
    await a.health();
    await b.health();
    const [x, y] = backend.requests.map((r) => r.headers.get("x-request-id"));
    expect(x).toBeTruthy();
    expect(y).toBeTruthy();
    expect(x).not.toBe(y);
  });

  it("sends the Cloudflare Access service token only when both parts are configured", async () => {
    const withToken = setup("v2025", { accessClientId: CLIENT_ID, accessClientSecret: SECRET });
    await withToken.api.health();
    await withToken.api.cancelOperation(IDS.trainingRunning);
    for (const r of withToken.backend.requests) {
      expect(r.headers.get("cf-access-client-id")).toBe(CLIENT_ID);
      expect(r.headers.get("cf-access-client-secret")).toBe(SECRET);
    }

    const without = setup("v2025");
    await without.api.health();
    await without.api.startTraining({ strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"] });
    for (const r of without.backend.requests) {
      expect(r.headers.has("cf-access-client-id")).toBe(false);
      expect(r.headers.has("cf-access-client-secret")).toBe(false);
      for (const [, v] of r.headers) expect(v).not.toContain(SECRET);
    }
  });

  it("does not follow redirects (an Access redirect must not be chased with the token)", async () => {
    let redirect: string | undefined;
    const base = freshBase();
    const backend = new FakeBackend({ version: "v2025", base });
    const api = new KtrdrApi(config({ baseUrl: base }), {
      fetch: (input, init) => {
        redirect = init?.redirect;
        return backend.fetch(input, init);
      },
    });
    await api.health();
    expect(redirect).toBe("manual");
  });
});

describe("timeout", () => {
  it("a backend that never answers fails as a timeout after the configured time, not before", async () => {
    const { backend, api } = setup("v2025", { timeoutMs: 150 });
    backend.fault(hang);
    const t0 = Date.now();
    const err = await failure(api.getOperation(IDS.trainingRunning));
    const elapsed = Date.now() - t0;
    expect(err.failure).toEqual({ kind: "timeout", afterMs: 150 });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_500);
    // Timeouts are not retried: one attempt only.
    expect(backend.requests).toHaveLength(1);
  });

  it("an abort from the caller is reported as aborted, not as a timeout", async () => {
    const base = freshBase();
    const backend = new FakeBackend({ version: "v2025", base });
    backend.fault(hang);
    const ac = new AbortController();
    const api = new KtrdrApi(config({ baseUrl: base, timeoutMs: 5_000 }), { fetch: backend.fetch, signal: ac.signal });
    const p = failure(api.health());
    setTimeout(() => ac.abort(), 20);
    expect((await p).failure.kind).toBe("aborted");
  });
});

describe("retries", () => {
  const transient = [
    {
      name: "502 HTML",
      respond: () => Promise.resolve(new Response(CF_502_HTML, { status: 502, headers: { "content-type": "text/html" } })),
    },
    {
      name: "503 JSON",
      respond: () => Promise.resolve(json({ success: false, error: { code: "DATA-Connection", message: "IB down" } }, 503)),
    },
    {
      name: "524 HTML",
      respond: () => Promise.resolve(new Response(CF_524_HTML, { status: 524, headers: { "content-type": "text/html" } })),
    },
    { name: "connection failure", respond: refused },
  ];

  // Each of these waits for the real backoff (250 + 750 ms), so the faults run side by side.
  it("an idempotent GET is retried after each transient fault and then succeeds", async () => {
    await Promise.all(
      transient.map(async ({ name, respond }) => {
        const { backend, api } = setup("v2025");
        backend.fault(respond, { times: 2 });
        const op = await api.getOperation(IDS.trainingRunning);
        expect(op.operation_id, name).toBe(IDS.trainingRunning);
        expect(backend.requests, name).toHaveLength(3);
        const rids = backend.requests.map((r) => r.headers.get("x-request-id"));
        expect(new Set(rids).size, name).toBe(3);
      }),
    );
  });

  it("a GET gives up after 3 attempts of each transient fault, with backoff between them", async () => {
    await Promise.all(
      transient.map(async ({ name, respond }) => {
        const { backend, api } = setup("v2025", { wireVersion: "v2025" });
        const times: number[] = [];
        backend.onRequest = () => times.push(Date.now());
        backend.fault(respond);
        await failure(api.listOperations({}));
        expect(backend.requests, name).toHaveLength(3);
        expect(times[1]! - times[0]!, name).toBeGreaterThanOrEqual(200);
        expect(times[2]! - times[1]!, name).toBeGreaterThanOrEqual(600);
      }),
    );
  });

  it.each(transient)("starts are never retried after $name", async ({ respond }) => {
    for (const version of VERSIONS) {
      const { backend, api } = setup(version, { wireVersion: version });
      backend.fault(respond);
      await failure(api.startTraining({ strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"] }));
      await failure(api.startDataLoad({ symbol: "AAPL", timeframe: "1h", mode: "tail" }));
      await failure(
        api.startBacktest({
          strategy_name: "mlp_basic",
          symbol: "AAPL",
          timeframe: "1h",
          start_date: "2025-01-01",
          end_date: "2025-02-01",
          model_path: "models/m",
          initial_capital: 1,
          commission: 0,
          slippage: 0,
        }),
      );
      expect(backend.requests.map((r) => r.method)).toEqual(["POST", "POST", "POST"]);
    }
  });

  it.each(transient)("auto mode does not fall back to the other version's start route after $name", async ({ respond }) => {
    const { backend, api } = setup("v2026");
    backend.fault(respond);
    await failure(api.startDataLoad({ symbol: "AAPL", timeframe: "1h", mode: "tail" }));
    expect(backend.requests.map((r) => r.path)).toEqual(["/data/load"]);
  });

  it.each(transient)("cancels are never retried after $name", async ({ respond }) => {
    const { backend, api } = setup("v2025");
    backend.fault(respond);
    await failure(api.cancelOperation(IDS.trainingRunning, "x"));
    // The record is read first (a GET, retried like any read); the DELETE goes out once.
    expect(backend.requests.filter((r) => r.method === "DELETE")).toHaveLength(1);
  });

  it("non-transient errors (500, 404, 400, 422) are not retried, even for GETs", async () => {
    for (const status of [500, 404, 400, 422]) {
      const { backend, api } = setup("v2025");
      backend.fault(() => Promise.resolve(json({ detail: "nope" }, status)));
      await failure(api.getOperation(IDS.trainingRunning));
      // (A 500 also asks the list for the operation's row: each request still goes out once.)
      const sent = backend.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`);
      expect(new Set(sent).size).toBe(sent.length);
      expect(sent[0]).toBe(`GET ${new URL(backend.base).pathname}/operations/${IDS.trainingRunning}`);
    }
  });
});

describe("response classification", () => {
  it.each([
    [
      "HTML 200 login page",
      () =>
        new Response("<html><title>Sign in ・ Cloudflare Access</title></html>", { status: 200, headers: { "content-type": "text/html" } }),
      { kind: "not_json", hint: "access_login" },
    ],
    [
      "302 to cloudflareaccess.com",
      () => new Response(null, { status: 302, headers: { location: "https://team.cloudflareaccess.com/cdn-cgi/access/login" } }),
      { kind: "not_json", status: 302, hint: "access_login" },
    ],
    [
      "302 elsewhere",
      () => new Response(null, { status: 302, headers: { location: "https://example.com/" } }),
      { kind: "not_json", status: 302, hint: "other" },
    ],
    [
      "plain text 200",
      () => new Response("hello", { status: 200, headers: { "content-type": "text/plain" } }),
      { kind: "not_json", status: 200, hint: "other" },
    ],
    [
      "truncated JSON",
      () => new Response('{"success": tr', { status: 200, headers: { "content-type": "application/json" } }),
      { kind: "bad_json", status: 200 },
    ],
    ["wrong shape", () => json({ success: true, data: { nope: 1 } }), { kind: "bad_shape", status: 200 }],
    [
      "422 FastAPI list",
      () => json({ detail: [{ loc: ["query", "status"], msg: "Input should be 'pending'", type: "enum" }] }, 422),
      { kind: "http", status: 422, message: "status: Input should be 'pending'", code: "VALIDATION_ERROR" },
    ],
    [
      "422 envelope",
      () =>
        json(
          {
            success: false,
            error: {
              code: "VALIDATION_ERROR",
              message: "Request validation failed",
              details: [{ field: "query -> limit", message: "too big", type: "x" }],
            },
          },
          422,
        ),
      { kind: "http", status: 422, message: "Request validation failed: limit: too big", code: "VALIDATION_ERROR" },
    ],
    [
      "400 detail object (v2026 training config)",
      () => json({ detail: { message: "Invalid strategy configuration", code: "CONFIG" } }, 400),
      { kind: "http", status: 400, message: "Invalid strategy configuration", code: "CONFIG" },
    ],
    ["500 empty body", () => new Response("", { status: 500 }), { kind: "http", status: 500, message: "HTTP 500" }],
  ])("%s", async (_name, make, expected) => {
    const { backend, api } = setup("v2025");
    backend.fault(() => Promise.resolve((make as () => Response)()));
    const err = await failure(api.getOperation(IDS.trainingRunning));
    expect(err.failure).toMatchObject(expected as object);
  });

  it("backend error text is cleaned: one line, no control characters, bounded", async () => {
    const { backend, api } = setup("v2025");
    backend.fault(() => Promise.resolve(json({ detail: `line1\nline2\r\n\u0007${"x".repeat(5000)}` }, 400)));
    const err = await failure(api.getOperation(IDS.trainingRunning));
    const msg = (err.failure as { message: string }).message;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none is the point
    expect(msg).not.toMatch(/[\u0000-\u001f]/);
    expect(msg.length).toBeLessThanOrEqual(300);
    expect(msg.startsWith("line1 line2 x")).toBe(true);
  });
});

describe("wire strings passed on as sent are bounded (a longer one is a bad_shape, never cut)", () => {
  const record = (over: Record<string, unknown>) => ({
    success: true,
    data: { operation_id: IDS.trainingRunning, operation_type: "training", status: "running", ...over },
  });
  const longId = (n: number) => `op_${"x".repeat(n - 3)}`;

  it.each([
    ["a status", { status: "s".repeat(WIRE_BOUNDS.token + 1) }, "data.status"],
    ["an operation type", { operation_type: "t".repeat(WIRE_BOUNDS.token + 1) }, "data.operation_type"],
    ["an operation id", { operation_id: longId(OPERATION_ID_MAX + 1) }, "data.operation_id"],
    ["a parent operation id", { parent_operation_id: longId(OPERATION_ID_MAX + 1) }, "data.parent_operation_id"],
  ])("%s in a record", async (_what, over, where) => {
    const { backend, api } = setup("v2026");
    backend.fault(() => Promise.resolve(json(record(over))));
    const err = await failure(api.getOperation(IDS.trainingRunning));
    expect(err.failure).toEqual({ kind: "bad_shape", status: 200, where });
  });

  it("values at the bounds pass whole", async () => {
    const { backend, api } = setup("v2026");
    const status = "s".repeat(WIRE_BOUNDS.token);
    const type = "t".repeat(WIRE_BOUNDS.token);
    const id = longId(OPERATION_ID_MAX);
    backend.fault(() => Promise.resolve(json(record({ status, operation_type: type, operation_id: id }))));
    const op = await api.getOperation(IDS.trainingRunning);
    expect([op.status, op.operation_type, op.operation_id]).toEqual([status, type, id]);
  });

  it("a list row's id", async () => {
    const { backend, api } = setup("v2026");
    const row = { operation_id: longId(OPERATION_ID_MAX + 1), operation_type: "dummy", status: "running" };
    backend.fault(() => Promise.resolve(json({ success: true, data: [row], total_count: 1, active_count: 1 })), {
      match: (r) => r.path === "/operations",
    });
    const err = await failure(api.listOperations({}));
    expect(err.failure).toEqual({ kind: "bad_shape", status: 200, where: "data.0.operation_id" });
  });

  it.each([
    ["worker_id", "w".repeat(WIRE_BOUNDS.token + 1)],
    ["worker_type", "w".repeat(WIRE_BOUNDS.token + 1)],
    ["status", "w".repeat(WIRE_BOUNDS.token + 1)],
    ["current_operation_id", longId(OPERATION_ID_MAX + 1)],
  ])("a v2026 worker's %s", async (field, value) => {
    const { backend, api } = setup("v2026");
    const worker = { worker_id: "training-worker-1", worker_type: "training", status: "busy", current_operation_id: null, [field]: value };
    backend.fault(() => Promise.resolve(json([worker])), { match: (r) => r.path === "/workers" });
    const err = await failure(api.workers());
    expect(err.failure).toEqual({ kind: "bad_shape", status: 200, where: `0.${field}` });
  });

  it("a start's id, and a market-data bar time", async () => {
    const { backend, api } = setup("v2026");
    backend.fault(() => Promise.resolve(json({ success: true, task_id: longId(OPERATION_ID_MAX + 1), status: "training_started" })), {
      match: (r) => r.method === "POST",
    });
    const start = await failure(api.startTraining({ strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"] }));
    expect(start.failure).toEqual({ kind: "bad_shape", status: 200, where: "task_id" });

    backend.fault(
      () =>
        Promise.resolve(
          json({ success: true, data: { dates: ["2024-01-02 14:00:00", "9".repeat(WIRE_BOUNDS.barTime + 1)], ohlcv: [[], []] } }),
        ),
      { match: (r) => r.path.startsWith("/data/") },
    );
    const bars = await failure(api.getMarketData("AAPL", "1h", {}));
    expect(bars.failure).toEqual({ kind: "bad_shape", status: 200, where: "data.dates.1" });
  });
});

describe("the bounded wire schemas take every answer the real backends sent", () => {
  const ROUTES: Array<[method: string, path: RegExp, schema: z.ZodType]> = [
    ["GET", /^\/operations$/, wire.operationListSchema],
    ["GET", /^\/operations\/[^/]+$/, wire.operationEnvelopeSchema],
    ["DELETE", /^\/operations\/[^/]+$/, wire.cancelResponseSchema],
    ["GET", /^\/operations\/[^/]+\/results$/, wire.resultsResponseSchema],
    ["GET", /^\/operations\/[^/]+\/metrics$/, wire.metricsResponseSchema],
    ["GET", /^\/workers$/, wire.workersSchema],
    ["POST", /^\/trainings\/start$/, wire.trainingStartSchema],
    ["POST", /^\/backtests\/(start)?$/, wire.backtestStartSchema],
    ["POST", /^\/dummy\/start$/, wire.dummyStartSchema],
    ["POST", /^\/data\/load$/, wire.dataLoadStartV2025Schema],
    ["POST", /^\/data\/acquire\/download$/, wire.dataDownloadStartV2026Schema],
    ["GET", /^\/data\/[^/]+\/[^/]+$/, wire.marketDataSchema],
    ["GET", /^\/trainings\/[^/]+\/performance$/, wire.performanceSchema],
    ["GET", /^\/health$/, wire.healthSchema],
  ];
  const FOLDERS = ["v2025", "v2026", "v2025-focus", "v2026-focus", "lifecycle-v2025", "lifecycle-v2026", "v2025-fixed-tensor"];

  it("every 2xx answer of a route the adapter reads parses", () => {
    let parsed = 0;
    for (const e of FOLDERS.flatMap((f) => recordedFolder(f as Folder))) {
      if (e.status < 200 || e.status >= 300) continue;
      const path = e.request.path.split("?")[0]!;
      const route = ROUTES.find(([m, re]) => m === e.request.method && re.test(path));
      if (!route) continue;
      const r = route[2].safeParse(e.body);
      expect(r.success, `${e.folder}/${e.file}: ${r.error?.issues[0]?.path.join(".")}`).toBe(true);
      parsed += 1;
    }
    expect(parsed).toBeGreaterThan(300);
  });
});

describe("path safety in the adapter (defence in depth)", () => {
  // The MCP layer validates ids with the tools' zod schemas, but the adapter is the one place
  // that builds backend URLs: `encodeURIComponent` leaves "." and ".." alone, and the URL parser
  // then resolves them, so `getOperation("..")` would call GET /api/v1/ and
  // `cancelOperation("..")` DELETE /api/v1/. A caller that skips validation (another transport,
  // a future tool) must not be able to change the route.
  it.each(["..", ".", ""])("an id of %j is refused before any backend request", async (id) => {
    const { backend, api } = setup("v2025");
    await expect(api.getOperation(id)).rejects.toThrow();
    await expect(api.cancelOperation(id, "x")).rejects.toThrow();
    await expect(api.getResults(id)).rejects.toThrow();
    await expect(api.getMetrics(id)).rejects.toThrow();
    await expect(api.modelPerformance(id)).rejects.toThrow();
    await expect(api.getMarketData(id, "1h", {})).rejects.toThrow();
    expect(backend.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([]);
  });
});
