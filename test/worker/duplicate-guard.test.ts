/**
 * The start tools' duplicate guard (`activeOperations` in `src/ktrdr/listing.ts`) when KTRDR
 * cannot answer part of the check: a start goes ahead only when the server knows no identical
 * operation is active. An active candidate whose record cannot be read, or (v2026) workers that
 * cannot be read, fail the check, and nothing starts; an operation KTRDR no longer knows is gone.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import { BackendError } from "../../src/ktrdr/errors";
import { KtrdrApi } from "../../src/ktrdr/ktrdr.api";
import { runTool } from "../../src/tools/run";
import { CF_502_HTML, IDS, json, type RecordedRequest, type WireVersion } from "./fake-backend";
import { config, expectErr, expectOk, harness, quietConsole, tool } from "./helpers";
import { pick, RECORDED_NOW, Replay } from "./replay";

quietConsole();

const RUNNING = { strategy_name: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"], start_date: "2024-01-01", end_date: "2025-09-30" };
const tunnel502 = () => Promise.resolve(new Response(CF_502_HTML, { status: 502, headers: { "content-type": "text/html" } }));
const recordOf = (id: string) => (r: RecordedRequest) => r.method === "GET" && r.path === `/operations/${id}`;
const CHECK_FAILED = /Nothing was started \(the server could not check for an identical running operation first\)/;

describe.each(["v2025", "v2026"] as WireVersion[])("the duplicate guard against %s", (version) => {
  it("the identical active training's record cannot be read (tunnel 502 after retries): nothing is started", async () => {
    const h = harness(version);
    h.backend.fault(tunnel502, { match: recordOf(IDS.trainingRunning) });
    const msg = expectErr(await h.run("start_training", RUNNING));
    expect(msg).toMatch(CHECK_FAILED);
    expect(msg).toMatch(/502/);
    expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    // The read was retried before giving up (a transient failure is not taken at its first word).
    expect(h.backend.requests.filter(recordOf(IDS.trainingRunning)).length).toBe(3);
  });

  it("the adapter fails the check rather than leave the unread candidate out", async () => {
    const h = harness(version);
    h.backend.fault(tunnel502, { match: recordOf(IDS.trainingRunning) });
    const api = new KtrdrApi(h.cfg, { fetch: h.backend.fetch });
    await expect(api.activeOperations("training")).rejects.toBeInstanceOf(BackendError);
  });

  it("a candidate KTRDR no longer knows (gone between the list and the read) is not a twin: the start goes ahead", async () => {
    const h = harness(version);
    h.backend.fault(() => Promise.resolve(json({ detail: `Operation not found: ${IDS.trainingRunning}` }, 404)), {
      match: recordOf(IDS.trainingRunning),
    });
    const v = expectOk(await h.run("start_training", RUNNING));
    expect(v.status).toBe("started");
    expect(h.backend.requests.filter((r) => r.path === "/trainings/start")).toHaveLength(1);
  });

  it("control: with every read answered, the identical training is returned and nothing is started", async () => {
    const h = harness(version);
    expect(expectOk(await h.run("start_training", RUNNING))).toMatchObject({
      status: "already_running",
      operation_id: IDS.trainingRunning,
    });
    expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });
});

describe("workers that cannot be read, version not yet known (auto)", () => {
  const workers500 = (h: ReturnType<typeof harness>) =>
    h.backend.fault(() => Promise.resolve(json({ detail: "Internal Server Error" }, 500)), { match: (r) => r.path === "/workers" });
  const OTHER = { ...RUNNING, symbols: ["MSFT"] };

  it("a v2026 backend (it answers the resuming query): nothing is started, what its workers run is unseen", async () => {
    const h = harness("v2026", { cfg: { wireVersion: "auto" } });
    workers500(h);
    expect(expectErr(await h.run("start_training", OTHER))).toMatch(CHECK_FAILED);
    expect(h.backend.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("a v2025 backend (it refuses the resuming query with 422): it has no workers, so the start goes ahead", async () => {
    const h = harness("v2025", { cfg: { wireVersion: "auto" } });
    workers500(h);
    expect(expectOk(await h.run("start_training", OTHER)).status).toBe("started");
  });
});

describe("v2026 recordings: the running training only a worker reveals (KTRDR does not list it yet)", () => {
  const SLOW = "op_training_20261201_193014_bc51e652";
  const START = { strategy_name: "mcp_smoke_slow", symbols: ["EURUSD"], start_date: "2023-01-01", end_date: "2024-12-31" };

  /** 005: /workers busy with SLOW; 009: its record; 002: the list before that read (SLOW missing); 003: no resuming ones. */
  function recorded(fail: (method: string, path: string) => boolean) {
    const replay = new Replay(pick("v2026-focus", "005", "009", "002", "003"));
    const path = (input: RequestInfo | URL) => new URL(input instanceof Request ? input.url : input.toString()).pathname;
    const fetch: typeof globalThis.fetch = (input, init) =>
      fail((init?.method ?? "GET").toUpperCase(), path(input)) ? tunnel502() : replay.fetch(input, init);
    const def = tool("start_training");
    const run = () =>
      runTool(def, z.object(def.input).parse(START) as Record<string, unknown>, {
        auth: LOCAL_CONTEXT,
        backend: config({ baseUrl: replay.base, wireVersion: "v2026" }),
        signal: new AbortController().signal,
        requestId: "guard",
        fetch,
        now: () => RECORDED_NOW,
      });
    return { replay, run };
  }

  it("control: the worker reveals it and the guard returns it", async () => {
    const r = recorded(() => false);
    expect(expectOk(await r.run())).toMatchObject({ status: "already_running", operation_id: SLOW });
  });

  it("its record cannot be read: nothing is started", async () => {
    const r = recorded((m, p) => m === "GET" && p.endsWith(`/operations/${SLOW}`));
    expect(expectErr(await r.run())).toMatch(CHECK_FAILED);
    expect([...r.replay.served, ...r.replay.unmatched].some((s) => s.method === "POST")).toBe(false);
  });

  it("the workers cannot be read: nothing is started (the list alone misses what they run)", async () => {
    const r = recorded((m, p) => m === "GET" && p.endsWith("/workers"));
    expect(expectErr(await r.run())).toMatch(CHECK_FAILED);
    expect([...r.replay.served, ...r.replay.unmatched].some((s) => s.method === "POST")).toBe(false);
  });
});
