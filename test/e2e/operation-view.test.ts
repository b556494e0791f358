/**
 * The MCP Apps operation view in a real browser: headless Chromium opens the test host page
 * (test/browser: an AppBridge host with a @modelcontextprotocol/client 2.x Client connected to a
 * stack's Worker — one page per backend version), which reads ui://ktrdr/operation.html with resources/read and runs it in a
 * sandboxed srcdoc iframe under the CSP the resource declares. Tool results reach the view through
 * the bridge; the view's own tools/call requests go through the host to the real server.
 *
 * A live training is followed and cancelled on v2026 (per-epoch metrics, so a full loss curve and
 * KTRDR's own best epoch); the backtest (v2025 sends the equity curve), failure, data load,
 * visibility and teardown run on v2025. The states issue 18 names (what KTRDR's witnesses
 * contradict, a resume, a research cycle, trades) are moments the stand-in reaches only by
 * chance or after minutes: for those the host plays the server from a script (`showScripted`:
 * the view's own calls are answered with results in the tools' shapes, and logged), so each
 * state is shown at the moment chosen. Screenshots of each kind of view go to .data/screenshots/
 * on every run, and to docs/screenshots/ (the README's) when missing there or with
 * UPDATE_SCREENSHOTS=1 — so a test run does not rewrite committed files.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, FrameLocator, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OPERATION_VIEW_SIZE } from "../../src/mcp/generated/operation-view";
import { serveHostPage } from "../browser/serve.mjs";
import { admin, openSession, RANGE_2024 as RANGE, type Session, waitUntilFinished } from "./mcp-client";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = join(ROOT, ".data", "screenshots");
const DOCS = join(ROOT, "docs", "screenshots");
const stacks = inject("stacks");

interface HostCall {
  view: number;
  name: string;
  args: Record<string, unknown>;
  ms?: number;
  isError?: boolean;
}
/** What the test reaches of the host page (test/browser/host.ts). */
interface HostApi {
  ready: boolean;
  error?: string;
  era: string;
  calls: HostCall[];
  show(tool: string, args: Record<string, unknown>): Promise<number>;
  showResult(tool: string, args: Record<string, unknown>, result: unknown): Promise<number>;
  showScripted(tool: string, args: Record<string, unknown>, result: unknown, script: Record<string, unknown[]>): Promise<number>;
  script(view: number, tool: string, results: unknown[]): void;
  teardown(id: number): Promise<void>;
  teardownAll(): Promise<void>;
  setTheme(theme: "light" | "dark"): void;
  setHidden(id: number, hidden: boolean): void;
  callsOf(id: number): HostCall[];
}
declare global {
  interface Window {
    host: HostApi;
  }
}

let browser: Browser;
let server: Awaited<ReturnType<typeof serveHostPage>>;
const problems: string[] = [];

/** One host page and one MCP session (for setup and checks) per stack. */
interface Side {
  page: Page;
  s: Session;
  /** Everything started here, cancelled at the end if still active (v2026's single training worker is shared). */
  started: Set<string>;
}
const side = {} as Record<"v2025" | "v2026", Side>;
let page: Page; // the v2025 page
let s: Session; // the v2025 session

interface Shown {
  id: number;
  view: FrameLocator;
  frame: Locator;
}

async function show(tool: string, args: Record<string, unknown>, p = page): Promise<Shown> {
  const id = await p.evaluate(([t, a]) => window.host.show(t, a), [tool, args] as const);
  return { id, view: p.frameLocator(`iframe[data-view="${id}"]`), frame: p.locator(`iframe[data-view="${id}"]`) };
}

const attr = (v: FrameLocator, selector: string, name: string) =>
  v
    .locator(selector)
    .first()
    .getAttribute(name, { timeout: 2000 })
    .catch(() => null);
const points = async (v: FrameLocator, chartName: string, series: string) =>
  Number((await attr(v, `svg[data-chart="${chartName}"] path[data-series="${series}"]`, "data-points")) ?? 0);
const callCount = (id: number, p = page) => p.evaluate((v) => window.host.callsOf(v).length, id);
const until = (v: FrameLocator, live: string, timeout = 60_000) =>
  v.locator(`#app[data-live="${live}"]`).waitFor({ state: "attached", timeout });

/** Saves a screenshot of the view to .data/screenshots/<name>.png (and docs/screenshots/, see above). */
async function screenshot(shown: Shown, name: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 300)); // the last size change and paint
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(DOCS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await shown.frame.screenshot({ path: file });
  const png = readFileSync(file);
  expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
  expect(png.readUInt32BE(16)).toBe(800); // IHDR width
  expect(png.readUInt32BE(20)).toBeLessThanOrEqual(600); // IHDR height
  expect(png.length).toBeLessThan(200_000);
  const doc = join(DOCS, `${name}.png`);
  if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(doc)) copyFileSync(file, doc);
}

type Sc = Record<string, unknown>;
/** A tool result as the server sends it: JSON text, the structured content, the view's `_meta`. */
const result = (sc: Sc, kind = "status", canOperate = true) => ({
  content: [{ type: "text", text: JSON.stringify(sc) }],
  structuredContent: sc,
  _meta: { "ktrdr/view": { kind, canOperate } },
});
const toolError = (text: string) => ({ isError: true, content: [{ type: "text", text }] });

/** Shows `sc` as a get_operation_status result; the view's calls are answered from `script`. */
async function showScripted(sc: Sc, script: Record<string, unknown[]>, o: { canOperate?: boolean } = {}): Promise<Shown> {
  const id = await page.evaluate(([a, r, sp]) => window.host.showScripted("get_operation_status", a, r, sp), [
    { operation_id: sc.operation_id },
    result(sc, "status", o.canOperate ?? true),
    script,
  ] as const);
  return { id, view: page.frameLocator(`iframe[data-view="${id}"]`), frame: page.locator(`iframe[data-view="${id}"]`) };
}
const rescript = (v: Shown, tool: string, results: unknown[]) =>
  page.evaluate(([id, t, r]) => window.host.script(id, t, r), [v.id, tool, results] as const);
const text = (v: FrameLocator, selector: string) => v.locator(selector).innerText({ timeout: 5000 });
/** Epoch metrics as get_operation_metrics gives them (a smooth made-up curve; only the shape matters). */
const epochs = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const e = from + i;
    return {
      epoch: e,
      train_loss: 0.7 / (1 + e / 60),
      val_loss: 0.72 / (1 + e / 70),
      train_accuracy: 0.5 + (0.4 * e) / (e + 200),
      val_accuracy: 0.49 + (0.35 * e) / (e + 220),
    };
  });

async function statusOf(id: string, session = s): Promise<Record<string, unknown>> {
  return (await session.call("get_operation_status", { operation_id: id })).data;
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  server = await serveHostPage();
  const { chromium } = await import("playwright-core");
  // Playwright gives every launch a fresh temporary profile.
  browser = await chromium.launch({
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
  for (const wire of ["v2025", "v2026"] as const) {
    const session = await openSession(stacks[wire].mcpUrl);
    const p = await browser.newPage({ viewport: { width: 840, height: 1000 } });
    side[wire] = { page: p, s: session, started: new Set() };
    // Training and backtests read cached bars.
    const load = await session.call("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", ...RANGE, wait_seconds: 40 });
    expect(load.isError, load.text).toBe(false);
    expect((await waitUntilFinished(session, String(load.data.operation_id))).data.status).toBe("completed");
    p.on("pageerror", (e) => problems.push(`${wire} pageerror: ${e.message}`));
    p.on("console", (m) => {
      if (m.type() === "error") problems.push(`${wire} console: ${m.text()}`);
    });
    await p.goto(server.pageUrl({ mcp: stacks[wire].mcpUrl, era: "legacy", theme: "light" }));
    await p.waitForFunction(() => window.host?.ready || window.host?.error, null, { timeout: 30_000 });
    expect(await p.evaluate(() => window.host.error)).toBeUndefined();
    expect(await p.evaluate(() => window.host.era)).toMatch(/2025-11-25/);
  }
  page = side.v2025.page;
  s = side.v2025.s;
}, 120_000);

afterAll(async () => {
  for (const { page: p, s: session, started } of Object.values(side)) {
    await p.evaluate(() => window.host.teardownAll()).catch(() => {});
    for (const id of started) {
      const st = await statusOf(id, session).catch(() => ({}) as Record<string, unknown>);
      if (["pending", "running", "resuming"].includes(String(st.status)))
        await session.call("cancel_operation", { operation_id: id, reason: "e2e cleanup" }).catch(() => {});
    }
    await session.close();
  }
  await browser?.close();
  await server?.close();
});

describe("the operation view in headless Chromium", () => {
  it("is one small self-contained file that renders backend text as text", () => {
    expect(OPERATION_VIEW_SIZE.gzip).toBeLessThanOrEqual(25 * 1024);
    const dir = join(ROOT, "ui", "operation-view");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      expect(readFileSync(join(dir, f), "utf8"), f).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
      );
    }
  });

  it("shows a data load: bars loaded, range, segments", async () => {
    const v = await show("trigger_data_loading", { symbol: "MSFT", timeframe: "1h", mode: "tail", ...RANGE, wait_seconds: 40 });
    await until(v.view, "done");
    expect(await v.view.locator("#status").innerText()).toBe("completed");
    expect(await attr(v.view, "#progress", "data-pct")).toBe("100");
    expect(await v.view.locator("h1").innerText()).toContain("MSFT 1h");
    expect(await v.view.locator("#bars .value").innerText()).toMatch(/^[\d,]+$/);
    expect(await v.view.locator("#range .value").innerText()).toMatch(/^2024-\d\d-\d\d → 2024-\d\d-\d\d$/);
    expect(await v.view.locator("#s-tiles").innerText()).toMatch(/Segments\s+\d+/);
    await screenshot(v, "data-load");
  });

  it("follows a training live (v2026), then cancels it through its Cancel button and settles on cancelled", async () => {
    const { page: p, s: s26, started } = side.v2026;
    // v2026 runs one training at a time: wait (bounded) until no other training is active.
    await expect
      .poll(async () => (await s26.call("list_operations", { operation_type: "training", active_only: true })).data.returned_count, {
        timeout: 90_000,
        message: "the v2026 training worker stayed busy",
      })
      .toBe(0);
    const v = await show(
      "start_training",
      { strategy_name: "mcp_smoke_slow", symbols: ["AAPL"], timeframes: ["1h"], ...RANGE, allow_duplicate: true },
      p,
    );
    await v.view.locator("#app[data-operation-id]").waitFor({ state: "attached" });
    const opId = String(await attr(v.view, "#app", "data-operation-id"));
    started.add(opId);
    expect(opId).toMatch(/^op_training_/);

    // The loss chart gains epochs and the progress bar moves, from the view's own calls.
    await expect.poll(() => points(v.view, "loss", "val_loss"), { timeout: 45_000 }).toBeGreaterThanOrEqual(3);
    const before = { pts: await points(v.view, "loss", "val_loss"), pct: Number(await attr(v.view, "#progress", "data-pct")) };
    await expect.poll(() => points(v.view, "loss", "val_loss"), { timeout: 30_000 }).toBeGreaterThan(Math.max(before.pts, 100));
    await expect.poll(async () => Number(await attr(v.view, "#progress", "data-pct")), { timeout: 30_000 }).toBeGreaterThan(before.pct);
    expect(await points(v.view, "accuracy", "val_accuracy")).toBeGreaterThan(100);
    expect(await v.view.locator("#status").innerText()).toBe("running");
    expect(await v.view.locator("#elapsed .value").innerText()).toMatch(/\d+ s/);
    expect(await v.view.locator("#epoch .value").innerText()).toMatch(/^\d+ \/ 1500$/);
    // KTRDR's best epoch, marked on both charts, and its diagnosis.
    await expect.poll(() => v.view.locator(".marker").count(), { timeout: 10_000 }).toBe(2);
    expect(await v.view.locator(".marker text").first().textContent()).toMatch(/^best \d+$/);
    expect(await v.view.locator("#diagnosis").innerText()).toMatch(/^Diagnosis: Best epoch \d+/);
    const calls = await p.evaluate((id) => window.host.callsOf(id), v.id);
    expect(calls.some((c) => c.name === "get_operation_status" && c.args.until === "change" && Number(c.args.wait_seconds) > 0)).toBe(true);
    expect(calls.some((c) => c.name === "get_operation_metrics" && c.args.detail === "full")).toBe(true);
    expect(calls.every((c) => c.args.operation_id === opId)).toBe(true);
    await p.evaluate(() => window.host.setTheme("dark"));
    expect(await attr(v.view, "html", "data-theme")).toBe("dark");
    await screenshot(v, "training");
    await p.evaluate(() => window.host.setTheme("light"));
    expect(await attr(v.view, "html", "data-theme")).toBe("light");

    // Cancel asks first; "Keep it running" changes nothing.
    await v.view.locator("#cancel").click();
    await v.view.locator("#keep-running").click();
    await v.view.locator("#cancel").waitFor();
    expect(String((await statusOf(opId, s26)).status)).toBe("running");
    await v.view.locator("#cancel").click();
    await v.view.locator("#confirm-cancel").click();
    await until(v.view, "done", 45_000);
    expect(await v.view.locator("#status").innerText()).toBe("cancelled");
    expect(await v.view.locator("#cancelled").innerText()).toBe("Cancelled: Cancelled from the operation view");
    expect(await v.view.locator("#cancel").count()).toBe(0);
    // v2026 resets progress on cancel: the view keeps what it saw, says so, and keeps its curve.
    expect(await v.view.locator(".pct").innerText()).toMatch(/% \(last seen\)$/);
    expect(await v.view.locator("#unknown").innerText()).toContain("progress");
    expect(await points(v.view, "loss", "val_loss")).toBeGreaterThan(100);
    const cancels = (await p.evaluate((id) => window.host.callsOf(id), v.id)).filter((c) => c.name === "cancel_operation");
    expect(cancels).toHaveLength(1);
    expect(cancels[0]!.args).toMatchObject({ operation_id: opId, reason: "Cancelled from the operation view" });
    expect((await statusOf(opId, s26)).status).toBe("cancelled");
    // Settled: it stops calling.
    const n = await callCount(v.id, p);
    await p.waitForTimeout(2500);
    expect(await callCount(v.id, p)).toBe(n);
  });

  it("follows a v2026 research cycle started from the view: phases, its operations, KTRDR's failure, the links it drops (real server)", async () => {
    const { page: p, s: s26, started } = side.v2026;
    const origin = stacks.v2026.backendOrigin;
    await admin(origin, "/__clocks", { research_poll_ms: 1500 }); // each phase lasts long enough to be seen
    try {
      // A cycle trains its strategy on EURUSD 1h from 2020 on (the stand-in's research request).
      const load = await s26.call("trigger_data_loading", {
        symbol: "EURUSD",
        timeframe: "1h",
        mode: "full",
        start_date: "2020-01-01",
        wait_seconds: 45,
      });
      expect(load.data.finished, load.text).toBe(true);
      await expect
        .poll(async () => (await s26.call("list_operations", { operation_type: "training", active_only: true })).data.returned_count, {
          timeout: 90_000,
        })
        .toBe(0);
      const v = await show("start_research", { strategy: "mcp_smoke_fast", bypass_gates: true }, p);
      await v.view.locator('#app[data-type="agent_research"]').waitFor({ state: "attached", timeout: 30_000 });
      started.add(String(await attr(v.view, "#app", "data-operation-id"))); // cancelled at the end if it is still active
      await v.view.locator('#phases [data-phase="training"][data-state="current"]').waitFor({ state: "attached", timeout: 30_000 });
      expect(await v.view.locator("#children tbody tr").first().innerText()).toMatch(/^Training\s+…[0-9a-f]{8}\s+\w+/);
      expect(await v.view.locator("#research-facts").innerText()).toMatch(
        /^model claude-sonnet-4-20250514 · KTRDR's research budget: [\d.,]+ of [\d.,]+ left today$/,
      );
      await v.view.locator('#phases [data-phase="backtesting"][data-state="current"]').waitFor({ state: "attached", timeout: 120_000 });
      expect(await v.view.locator("#children tbody tr").count()).toBe(2);
      await until(v.view, "done", 90_000);
      expect(await v.view.locator("#status").innerText()).toBe("failed");
      expect(await v.view.locator("#failure").innerText()).toBe(
        "Failed: Assessment dispatch failed: No available AGENT_ASSESSMENT workers. Ensure assessment agent containers are running and registered.",
      );
      expect(await v.view.locator("#unlinked").innerText()).toBe("KTRDR no longer links its children.");
      expect(await v.view.locator("#children tbody tr").count()).toBe(2);
    } finally {
      await admin(origin, "/__clocks", { research_poll_ms: null }).catch(() => undefined);
    }
  }, 300_000);

  // Last of the v2026 tests: the resumed training keeps the one training worker (afterAll cancels it).
  it("resumes a cancelled v2026 training through its Resume button, then follows the same operation (real server)", async () => {
    const { page: p, s: s26, started } = side.v2026;
    await expect
      .poll(async () => (await s26.call("list_operations", { operation_type: "training", active_only: true })).data.returned_count, {
        timeout: 90_000,
        message: "the v2026 training worker stayed busy",
      })
      .toBe(0);
    const start = await s26.call("start_training", {
      strategy_name: "mcp_smoke_slow",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      ...RANGE,
      allow_duplicate: true,
    });
    expect(start.isError, start.text).toBe(false);
    const opId = String(start.data.operation_id);
    started.add(opId);
    await expect.poll(async () => Number((await statusOf(opId, s26)).progress_percentage ?? 0), { timeout: 60_000 }).toBeGreaterThan(1);
    const cancel = await s26.call("cancel_operation", { operation_id: opId, reason: "e2e: to resume from the view" });
    expect(cancel.isError, cancel.text).toBe(false);
    await expect.poll(async () => (await statusOf(opId, s26)).checkpoint, { timeout: 30_000 }).toMatchObject({ resumable: true });
    const epoch = Number(((await statusOf(opId, s26)).checkpoint as { epoch: number }).epoch);

    const v = await show("get_operation_status", { operation_id: opId }, p);
    await until(v.view, "done", 30_000);
    expect(await v.view.locator("#status").innerText()).toBe("cancelled");
    expect(await v.view.locator("#resume").innerText()).toBe(`Resume from epoch ${epoch.toLocaleString("en-US")}…`);
    await v.view.locator("#resume").click();
    await v.view.locator("#confirm-resume").click();
    await until(v.view, "following", 45_000);
    const resumes = (await p.evaluate((id) => window.host.callsOf(id), v.id)).filter((c) => c.name === "resume_operation");
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.args).toEqual({ operation_id: opId, from: "checkpoint", wait_seconds: 15 });
    expect(resumes[0]!.isError).toBe(false);
    await expect.poll(() => v.view.locator("#status").innerText(), { timeout: 30_000 }).toMatch(/^(running|resuming)$/);
    expect(await v.view.locator("#cancelled, #resume").count()).toBe(0);
    expect(["running", "resuming"]).toContain(String((await statusOf(opId, s26)).status));
    const after = (await p.evaluate((id) => window.host.callsOf(id), v.id)).filter((c) => c.name !== "resume_operation");
    expect(after.every((c) => c.args.operation_id === opId)).toBe(true);
  });

  it("shows a completed backtest: key figures, equity and drawdown charts", async () => {
    // v2025 backtests the strategy's latest trained model: train one first.
    const t = await s.call("start_training", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      ...RANGE,
      allow_duplicate: true,
      wait_seconds: 40,
    });
    expect(t.isError, t.text).toBe(false);
    side.v2025.started.add(String(t.data.operation_id));
    expect((await waitUntilFinished(s, String(t.data.operation_id))).data.status).toBe("completed");

    const v = await show("start_backtest", {
      strategy_name: "mcp_smoke_fast",
      symbol: "AAPL",
      timeframe: "1h",
      ...RANGE,
      wait_seconds: 40,
    });
    side.v2025.started.add(String(await attr(v.view, "#app", "data-operation-id")));
    await until(v.view, "done");
    expect(await v.view.locator("#status").innerText()).toBe("completed");
    expect(await v.view.locator("#return .value").innerText()).toMatch(/^-?\d+\.\d\d%$/);
    const tiles = await v.view.locator("#s-tiles").innerText();
    for (const label of ["Sharpe", "Max drawdown", "Trades"]) expect(tiles).toContain(label);
    // The return and the drawdown agree with the money figures (KTRDR's *_pct are fractions; the view shows percent).
    const drawdown = Number(/Max drawdown\s+(-?[\d.]+)%/.exec(tiles)?.[1]);
    expect(drawdown).toBeGreaterThanOrEqual(0);
    expect(drawdown).toBeLessThanOrEqual(100);
    const results = (await s.call("get_operation_results", { operation_id: String(await attr(v.view, "#app", "data-operation-id")) })).data
      .results as Record<string, number>;
    expect(Number((await v.view.locator("#return .value").innerText()).replace("%", ""))).toBeCloseTo(results.total_return_pct!, 1);
    expect(drawdown).toBeCloseTo(results.max_drawdown_pct!, 1);
    expect(await points(v.view, "equity", "equity")).toBeGreaterThan(50);
    expect(await points(v.view, "drawdown", "drawdown")).toBeGreaterThan(50);
    expect(await v.view.locator('svg[data-chart="equity"]').isVisible()).toBe(true);
    // Its trades, as get_operation_results(detail "full") gives them (v2025 keeps them): the last 20, folded.
    const full = (
      await s.call("get_operation_results", { operation_id: String(await attr(v.view, "#app", "data-operation-id")), detail: "full" })
    ).data.trades as { count: number; columns: string[]; rows: unknown[][] };
    expect(full.count).toBeGreaterThan(0); // the stand-in's smoke strategy trades over this range
    expect(await v.view.locator("#trades-summary").innerText()).toBe(
      full.count > 20 ? `Trades: the last 20 of ${full.count.toLocaleString("en-US")}` : `Trades: ${full.count}`,
    );
    expect(await v.view.locator("#trades th").allTextContents()).toEqual(full.columns);
    expect(await v.view.locator("#trades tbody tr").count()).toBe(Math.min(20, full.rows.length));
    expect(await v.view.locator("#trades").isVisible()).toBe(false);
    await screenshot(v, "backtest");
  });

  it("shows a failed operation with KTRDR's reason", async () => {
    const v = await show("start_training", {
      strategy_name: "mcp_smoke_fast",
      symbols: ["NODATA"],
      timeframes: ["1h"],
      ...RANGE,
      allow_duplicate: true,
      wait_seconds: 30,
    });
    side.v2025.started.add(String(await attr(v.view, "#app", "data-operation-id")));
    await until(v.view, "done");
    expect(await v.view.locator("#status").innerText()).toBe("failed");
    expect(await v.view.locator("#failure").innerText()).toMatch(/^Failed: .*NODATA/);
    expect(await v.view.locator("#cancel").count()).toBe(0);
    await screenshot(v, "failed");
  });

  it("follows an operation only while visible, offers no cancel without the right, and stops on teardown", async () => {
    const start = await s.call("start_training", {
      strategy_name: "mcp_smoke_slow",
      symbols: ["AAPL"],
      timeframes: ["1h"],
      ...RANGE,
      allow_duplicate: true,
    });
    const opId = String(start.data.operation_id);
    side.v2025.started.add(opId);
    try {
      const st = await s.call("get_operation_status", { operation_id: opId, wait_seconds: 10, until: "change" });
      // A result as a read-only caller gets it: no cancel right.
      const id = await page.evaluate(([a, r]) => window.host.showResult("get_operation_status", a, r), [
        { operation_id: opId },
        {
          content: [{ type: "text", text: st.text }],
          structuredContent: st.data,
          _meta: { "ktrdr/view": { kind: "status", canOperate: false } },
        },
      ] as const);
      const view = page.frameLocator(`iframe[data-view="${id}"]`);
      await until(view, "following");
      await expect.poll(() => callCount(id), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      expect(await view.locator("#status").innerText()).toBe("running");
      expect(await view.locator("#cancel").count()).toBe(0);
      // v2025 keeps no epoch history: the chart is what the view saw, the best epoch "best seen".
      await expect.poll(() => points(view, "loss", "val_loss"), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
      await expect
        .poll(
          () =>
            view
              .locator(".marker text")
              .first()
              .textContent({ timeout: 1000 })
              .catch(() => ""),
          { timeout: 10_000 },
        )
        .toMatch(/^best seen \d+$/);

      // Hidden: it pauses and calls nothing; shown again: it resumes.
      await page.evaluate((v) => window.host.setHidden(v, true), id);
      await until(view, "paused", 10_000);
      const paused = await callCount(id);
      await page.waitForTimeout(3000);
      expect(await callCount(id)).toBe(paused);
      await page.evaluate((v) => window.host.setHidden(v, false), id);
      await until(view, "following", 10_000);
      await expect.poll(() => callCount(id), { timeout: 15_000 }).toBeGreaterThan(paused);

      // Teardown: answered, and no call after it.
      await page.evaluate((v) => window.host.teardown(v), id);
      const last = await callCount(id);
      await page.waitForTimeout(2500);
      expect(await callCount(id)).toBe(last);
      expect(await page.locator(`iframe[data-view="${id}"]`).count()).toBe(0);
    } finally {
      await s.call("cancel_operation", { operation_id: opId, reason: "e2e: done looking" });
    }
  });

  describe("issue 18 states, the host playing the server", () => {
    const T = "op_training_20261206_000620_5b1e0c77";
    const facts = { symbol: "AAPL", timeframe: "1h", strategy_name: "mcp_smoke_slow" };
    const W = "training-worker-1";
    const metrics = (from: number, to: number) =>
      result({ success: true, operation_id: T, epochs: epochs(from, to), source: "checkpoint" }, "metrics");
    const noResults = toolError(`Operation ${T} is not finished: KTRDR has no results for it.`);

    it("a restart-hit training: progress from KTRDR's checkpoint instead of its 0 %, no ETA, the note in the warning", async () => {
      // First seen at 3.1 % (before the backend restarted), then the record lost it (progress_lost).
      const before = {
        operation_id: T,
        operation_type: "training",
        status: "running",
        progress_percentage: 3.1,
        current_step: "Epoch 47/1500",
        ...facts,
      };
      const note = `KTRDR's record lost this training's progress (0 %, no step: what a backend restart leaves); ${W} is running it and its latest checkpoint is epoch 50 (4 s ago).`;
      const after = {
        operation_id: T,
        operation_type: "training",
        status: "running",
        anomaly: "progress_lost",
        checkpoint: { epoch: 50, type: "periodic", age_s: 4 },
        worker: { id: W, state: "running_it", checked_s_ago: 2 },
        cycle: "op_agent_research_20261206_001012_725aecea",
        ...facts,
        duration_seconds: 95,
        eta_seconds: 4000,
        unknown: ["progress"],
        note,
      };
      const v = await showScripted(before, { get_operation_status: [result(after)], get_operation_metrics: [metrics(1, 50)] });
      await expect.poll(() => attr(v.view, "#checkpoint-progress", "id"), { timeout: 15_000 }).toBe("checkpoint-progress");
      expect(await text(v.view, "#checkpoint-progress")).toMatch(/^epoch 50 · from KTRDR's checkpoint, \d+ s ago · KTRDR reports 0 %$/);
      expect(await attr(v.view, "#progress", "data-pct")).toBeNull(); // the 3.1 % seen before is not shown as current
      expect(await attr(v.view, "#progress", "class")).toContain("indeterminate");
      expect(await v.view.locator("#eta").count()).toBe(0);
      expect(await text(v.view, "#anomaly strong")).toBe(
        "KTRDR's record lost this training's progress; the checkpoint shows how far it got.",
      );
      expect(await text(v.view, "#anomaly-note")).toBe(note);
      expect(await v.view.locator("#s-gaps .note").count()).toBe(0); // the note once, in the warning
      expect(await v.view.locator("#cancel").count()).toBe(1);
      expect(await text(v.view, "#cycle")).toBe("Part of research cycle op_agent_research_20261206_001012_725aecea");
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    it("a resumed training: running while KTRDR says resuming, epoch from the checkpoint, its curve from the checkpoint's history", async () => {
      const note = `KTRDR shows a resumed training as 'resuming' at 0 % until it ends; ${W} is running it and its latest checkpoint is epoch 214 (3 s ago).`;
      const sc = {
        operation_id: T,
        operation_type: "training",
        status: "running",
        backend_status: "resuming",
        anomaly: "resuming_at_zero",
        checkpoint: { epoch: 214, type: "periodic", age_s: 3 },
        worker: { id: W, state: "running_it", checked_s_ago: 1 },
        ...facts,
        duration_seconds: 12,
        unknown: ["progress"],
        note,
      };
      const v = await showScripted(sc, { get_operation_status: [result(sc)], get_operation_metrics: [metrics(44, 214)] });
      await expect.poll(() => points(v.view, "loss", "val_loss"), { timeout: 15_000 }).toBe(171);
      expect(await text(v.view, "#status")).toBe("running");
      expect(await text(v.view, "#backend-status")).toBe("KTRDR: resuming");
      expect(await text(v.view, "#checkpoint-progress")).toMatch(/^epoch 214 · from KTRDR's checkpoint, \d+ s ago · KTRDR reports 0 %$/);
      expect(await text(v.view, "#anomaly strong")).toBe("KTRDR shows it resuming at 0 %; the checkpoint shows how far it got.");
      expect(await text(v.view, "#anomaly-note")).toBe(note);
      await screenshot(v, "resumed-training");
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    it("a cancel KTRDR could not deliver: running, no Cancel, the note whole; then outcome_unknown once the worker is done", async () => {
      const note = `KTRDR marked it cancelled at 00:06:43, but ${W} still runs it (checked after the cancel) and checkpoints keep coming; its results will not be readable.`;
      const undelivered = {
        operation_id: T,
        operation_type: "training",
        status: "running",
        backend_status: "cancelled",
        anomaly: "cancel_not_delivered",
        checkpoint: { epoch: 1084, type: "periodic", age_s: 0 },
        worker: { id: W, state: "running_it", checked_s_ago: 4 },
        ...facts,
        cancel_reason: "e2e",
        unknown: ["progress"],
        note,
      };
      const v = await showScripted(undelivered, {
        get_operation_status: [result(undelivered)],
        get_operation_metrics: [metrics(1, 1084)],
        get_operation_results: [noResults],
      });
      await until(v.view, "following", 15_000);
      expect(await text(v.view, "#status")).toBe("running");
      expect(await text(v.view, "#backend-status")).toBe("KTRDR: cancelled");
      expect(await text(v.view, "#anomaly strong")).toBe(`KTRDR marked it cancelled; ${W} is still running it.`);
      expect(await text(v.view, "#anomaly-note")).toBe(note);
      expect(await text(v.view, "#checkpoint-progress")).toMatch(/^epoch 1,084 · from KTRDR's checkpoint, \d+ s ago$/);
      expect(await v.view.locator("#cancel").count()).toBe(0); // KTRDR refuses a second cancel (v2026/043)
      expect(await v.view.locator("#resume").count()).toBe(0);
      await screenshot(v, "undelivered-cancel");

      const gone =
        "KTRDR keeps no checkpoint of this cancelled training: it was discarded, or the training ran to the end after a cancel that did not reach its worker (KTRDR then deletes it, and its API keeps saying cancelled). Results cannot be read either way.";
      await rescript(v, "get_operation_status", [
        result({
          operation_id: T,
          operation_type: "training",
          status: "cancelled",
          anomaly: "outcome_unknown",
          ...facts,
          cancel_reason: "e2e",
          unknown: ["outcome"],
          note: gone,
        }),
      ]);
      await until(v.view, "done", 30_000);
      expect(await text(v.view, "#status")).toBe("cancelled");
      expect(await v.view.locator("#backend-status").count()).toBe(0);
      expect(await attr(v.view, "#anomaly", "data-anomaly")).toBe("outcome_unknown");
      expect(await text(v.view, "#anomaly-note")).toBe(gone);
      expect(await v.view.locator("#cancel, #resume").count()).toBe(0);
      const calls = await page.evaluate((id) => window.host.callsOf(id), v.id);
      expect(calls.filter((c) => c.name === "cancel_operation")).toHaveLength(0);
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    for (const [anomaly, status, cancel, line] of [
      ["worker_lost", "running", true, `KTRDR says running, but ${W} is not healthy or not registered.`],
      ["worker_replaced", "running", true, "training-worker-2 claims it in place of training-worker-1, without progress."],
      ["retry_ghost", "pending", true, "A record made by KTRDR's retry: no worker will run it."],
      ["cancel_unconfirmed", "cancelled", false, `KTRDR marked it cancelled; whether ${W} stopped is not known yet.`],
    ] as const) {
      it(`${anomaly}: the warning line with the note${cancel ? ", and Cancel where it can help" : ", no Cancel"}`, async () => {
        const note = `The server's note on ${anomaly}.`;
        const worker =
          anomaly === "worker_replaced"
            ? { id: "training-worker-2", state: "running_it", checked_s_ago: 3, replaces: W }
            : { id: W, state: anomaly === "worker_lost" ? "failing" : "unchecked" };
        const sc = { operation_id: T, operation_type: "training", status, anomaly, worker, ...facts, note };
        const v = await showScripted(sc, {
          get_operation_status: [result(sc)],
          get_operation_metrics: [metrics(1, 5)],
          get_operation_results: [noResults],
        });
        await until(v.view, status === "cancelled" ? "done" : "following", 15_000);
        expect(await attr(v.view, "#anomaly", "data-anomaly")).toBe(anomaly);
        expect(await text(v.view, "#anomaly strong")).toBe(line);
        expect(await text(v.view, "#anomaly-note")).toBe(note);
        expect(await v.view.locator("#cancel").count()).toBe(cancel ? 1 : 0);
        await page.evaluate((id) => window.host.teardown(id), v.id);
      });
    }

    it("Resume: offered for a resumable checkpoint, asks first, calls resume_operation, then follows the same operation", async () => {
      const cancelled = {
        operation_id: T,
        operation_type: "training",
        status: "cancelled",
        checkpoint: { epoch: 43, type: "cancellation", age_s: 20, resumable: true },
        ...facts,
        cancel_reason: "e2e",
      };
      // Without the operate right: no Resume.
      const ro = await showScripted(
        cancelled,
        { get_operation_status: [result(cancelled)], get_operation_metrics: [metrics(1, 43)], get_operation_results: [noResults] },
        { canOperate: false },
      );
      await until(ro.view, "done", 15_000);
      expect(await ro.view.locator("#resume").count()).toBe(0);
      await page.evaluate((id) => window.host.teardown(id), ro.id);

      // The concise status as a result (without the timeframe: the view reads detail "full" once for it);
      // a full read lays the witnesses out otherwise (here: only as read), which must not hide the resume point.
      const { timeframe: _tf, ...concise } = cancelled;
      const full = {
        operation_id: T,
        operation_type: "training",
        status: "cancelled",
        symbols: ["AAPL"],
        timeframes: ["1h"],
        strategy_name: "mcp_smoke_slow",
        cancel_reason: "e2e",
        witnesses: { checkpoint: { operation_id: T, type: "cancellation", epoch: 43, created_at: "2026-12-06T00:06:24.9Z" } },
      };
      const v = await showScripted(concise, {
        get_operation_status: [result(full)],
        get_operation_metrics: [metrics(1, 43)],
        get_operation_results: [noResults],
      });
      await until(v.view, "done", 15_000);
      expect((await page.evaluate((id) => window.host.callsOf(id), v.id)).find((c) => c.name === "get_operation_status")?.args).toEqual({
        operation_id: T,
        detail: "full",
      });
      expect(await text(v.view, "#resume")).toBe("Resume from epoch 43…");
      await v.view.locator("#resume").click();
      expect(await text(v.view, "#resume-question")).toBe("Resume training from epoch 43? KTRDR continues the same operation.");
      await v.view.locator("#keep-stopped").click();
      await v.view.locator("#resume").waitFor();
      const named = async (n: string) => (await page.evaluate((id) => window.host.callsOf(id), v.id)).filter((c) => c.name === n);
      expect(await named("resume_operation")).toHaveLength(0);

      const message = `Resumed ${T} from its cancellation checkpoint at epoch 43. KTRDR shows it 'resuming' at 0 % while it trains; get_operation_status follows its checkpoint.`;
      const resuming = {
        operation_id: T,
        operation_type: "training",
        status: "running",
        backend_status: "resuming",
        anomaly: "resuming_at_zero",
        checkpoint: { epoch: 50, type: "periodic", age_s: 1 },
        worker: { id: W, state: "running_it", checked_s_ago: 1 },
        ...facts,
        unknown: ["progress"],
        note: `KTRDR shows a resumed training as 'resuming' at 0 % until it ends; ${W} is running it and its latest checkpoint is epoch 50 (1 s ago).`,
      };
      await rescript(v, "resume_operation", [
        result({ success: true, operation_id: T, operation_type: "training", status: "resumed", message }, "started"),
      ]);
      await rescript(v, "get_operation_status", [result(resuming)]);
      await rescript(v, "get_operation_metrics", [metrics(1, 50)]);
      await v.view.locator("#resume").click();
      await v.view.locator("#confirm-resume").click();
      await until(v.view, "following", 15_000);
      await expect.poll(() => text(v.view, "#status").catch(() => ""), { timeout: 15_000 }).toBe("running");
      const resumes = await named("resume_operation");
      expect(resumes).toHaveLength(1);
      expect(resumes[0]!.args).toEqual({ operation_id: T, from: "checkpoint", wait_seconds: 15 });
      expect(await text(v.view, "#checkpoint-progress")).toMatch(/^epoch 50 · from KTRDR's checkpoint/);
      expect(await v.view.locator("#cancelled, #resume").count()).toBe(0);
      expect(await text(v.view, "#s-alerts")).toContain(message);
      const after = (await page.evaluate((id) => window.host.callsOf(id), v.id)).slice(-3);
      expect(after.every((c) => c.args.operation_id === T)).toBe(true);
      expect(after.some((c) => c.name === "get_operation_status")).toBe(true);
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    it("a failed resume says KTRDR's reason and keeps the view on the stopped operation", async () => {
      const failed = {
        operation_id: T,
        operation_type: "training",
        status: "failed",
        error_message: "Training worker crashed",
        checkpoint: { epoch: 40, type: "periodic", age_s: 300, resumable: true },
        ...facts,
      };
      const why =
        "KTRDR's training worker is still being released from op_training_x (last checked 3 s ago, before it ended); nothing was resumed.";
      const v = await showScripted(failed, {
        get_operation_status: [result(failed)],
        get_operation_metrics: [metrics(1, 40)],
        get_operation_results: [noResults],
        resume_operation: [toolError(why)],
      });
      await until(v.view, "done", 15_000);
      await v.view.locator("#resume").click();
      await v.view.locator("#confirm-resume").click();
      await v.view.locator("#resume-note").waitFor({ timeout: 10_000 });
      expect(await text(v.view, "#resume-note")).toBe(why);
      expect(await text(v.view, "#status")).toBe("failed");
      expect(await text(v.view, "#resume")).toBe("Resume from epoch 40…");
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    it("a research cycle: phases, its operations, the budget; failed: KTRDR's reason verbatim and the links it drops", async () => {
      const R = "op_agent_research_20261206_001012_725aecea";
      const TR = "op_training_20261206_001012_cccb0a3f";
      const BT = "op_backtesting_20261206_001403_45d3a5bb";
      const base = { operation_id: R, operation_type: "agent_research" };
      const research = { strategy: "mcp_smoke_fast", model: "claude-sonnet-4-20250514", budget: { remaining: 20, daily_limit: 20 } };
      const training = {
        ...base,
        status: "running",
        progress_percentage: 20,
        current_step: "Training model...",
        research: {
          ...research,
          phase: "training",
          children: [{ operation_id: TR, operation_type: "training", status: "running", progress_percentage: 42.5 }],
        },
      };
      const backtesting = {
        ...base,
        status: "running",
        progress_percentage: 65,
        current_step: "Running backtest...",
        research: {
          ...research,
          phase: "backtesting",
          children: [
            { operation_id: TR, operation_type: "training", status: "completed", progress_percentage: 100 },
            { operation_id: BT, operation_type: "backtesting", status: "running", progress_percentage: 30 },
          ],
        },
      };
      const reason =
        "Assessment dispatch failed: No available AGENT_ASSESSMENT workers. Ensure assessment agent containers are running and registered.";
      const failed = {
        ...base,
        status: "failed",
        error_message: reason,
        research: { strategy: "mcp_smoke_fast", model: "claude-sonnet-4-20250514" },
        unknown: ["children"],
        note: "KTRDR drops a cycle's links to its operations when it ends.",
      };
      const v = await showScripted(training, {
        get_operation_status: [result(backtesting)],
        get_operation_results: [toolError(`Operation ${R} failed; it has no results.`)],
      });
      await expect.poll(() => attr(v.view, '#phases [data-phase="backtesting"]', "data-state"), { timeout: 15_000 }).toBe("current");
      expect(await v.view.locator("h1").innerText()).toBe("Research cycle · mcp_smoke_fast");
      expect(await attr(v.view, '#phases [data-phase="designing"]', "data-state")).toBe("done");
      expect(await attr(v.view, '#phases [data-phase="training"]', "data-state")).toBe("done");
      expect(await attr(v.view, '#phases [data-phase="assessing"]', "data-state")).toBe("todo");
      expect(await attr(v.view, "#progress", "data-pct")).toBe("65");
      expect(await text(v.view, "#step")).toBe("Running backtest...");
      expect(await text(v.view, "#research-facts")).toBe("model claude-sonnet-4-20250514 · KTRDR's research budget: 20 of 20 left today");
      const rows = v.view.locator("#children tbody tr");
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).innerText()).toMatch(/^Training\s+…cccb0a3f\s+completed\s+100%$/);
      expect(await rows.nth(1).innerText()).toMatch(/^Backtest\s+…45d3a5bb\s+running\s+30%$/);
      expect(await attr(v.view, `#children tr[data-child="${BT}"] td:nth-child(2)`, "title")).toBe(BT);
      await screenshot(v, "research");

      await rescript(v, "get_operation_status", [result(failed)]);
      await until(v.view, "done", 30_000);
      expect(await text(v.view, "#failure")).toBe(`Failed: ${reason}`);
      expect(await text(v.view, "#unlinked")).toBe("KTRDR no longer links its children.");
      expect(await text(v.view, "#children caption")).toBe("Its operations (last seen)");
      expect(await rows.count()).toBe(2);
      expect(await attr(v.view, '#phases [data-phase="backtesting"]', "data-state")).toBe("last-seen");
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    const B = "op_backtesting_20241201_120000_0a1b2c3d";
    const completedBacktest = {
      operation_id: B,
      operation_type: "backtesting",
      status: "completed",
      strategy_name: "mcp_smoke_fast",
      symbol: "AAPL",
      timeframe: "1h",
    };
    const figures = {
      success: true,
      operation_id: B,
      operation_type: "backtesting",
      status: "completed",
      results: {
        initial_capital: 100000,
        total_return: 2350,
        total_return_pct: 2.35,
        sharpe_ratio: 1.12,
        max_drawdown_pct: 4.1,
        total_trades: 1234,
        win_rate: 0.54,
      },
    };

    it("a backtest's trades: the last 20 of those the server sent, under KTRDR's field names", async () => {
      const columns = ["entry_time", "exit_time", "side", "entry_price", "exit_price", "quantity", "pnl"];
      const rows = Array.from({ length: 50 }, (_, i) => {
        const n = 1184 + i;
        const day = String(1 + (i % 28)).padStart(2, "0");
        return [
          `2024-11-${day}T10:00:00Z`,
          `2024-11-${day}T15:00:00Z`,
          i % 2 ? "SELL" : "BUY",
          190.12345 + i,
          190.5 + i,
          10,
          n % 3 ? 12.5 : -7.25,
        ];
      });
      const full = { ...figures, trades: { count: 1234, columns, rows, shown: "last 50 of 1234" } };
      const v = await showScripted(completedBacktest, { get_operation_results: [result(figures, "results"), result(full, "results")] });
      await until(v.view, "done", 15_000);
      expect(await text(v.view, "#trades-summary")).toBe("Trades: the last 20 of 1,234");
      await v.view.locator("#trades-summary").click(); // folded until opened
      await v.view.locator("#trades").waitFor({ state: "visible" });
      expect(await v.view.locator("#trades th").allInnerTexts()).toEqual(columns);
      const body = v.view.locator("#trades tbody tr");
      expect(await body.count()).toBe(20);
      expect(await body.first().innerText()).toContain(String(rows[30]![0]));
      expect((await body.last().innerText()).split("\t")).toEqual([
        "2024-11-22T10:00:00Z",
        "2024-11-22T15:00:00Z",
        "SELL",
        "239.123",
        "239.5",
        "10",
        "-7.25",
      ]);
      await screenshot(v, "trades");
      await page.evaluate((id) => window.host.teardown(id), v.id);
    });

    it("a backtest without trades says so; a v2026 one says what KTRDR keeps instead", async () => {
      const none = await showScripted(completedBacktest, {
        get_operation_results: [result(figures, "results"), result({ ...figures, trades: { count: 0 } }, "results")],
      });
      await until(none.view, "done", 15_000);
      expect(await text(none.view, "#trades")).toBe("No trades.");
      await page.evaluate((id) => window.host.teardown(id), none.id);

      const line = "KTRDR v2026 keeps only the number of trades (3) and of equity points (860), not the trades or the curve.";
      const v26 = await showScripted(completedBacktest, {
        get_operation_results: [result(figures, "results"), result({ ...figures, series_note: line }, "results")],
      });
      await until(v26.view, "done", 15_000);
      expect(await text(v26.view, "#trades")).toBe(line);
      expect(await v26.view.locator("#s-gaps").innerText()).not.toContain(line); // said once
      await page.evaluate((id) => window.host.teardown(id), v26.id);
    });
  });

  it("renders backend text as text, never as markup", async () => {
    const evil = `<img src=x onerror="document.title='owned'"><script>document.title='owned'</script>`;
    const id = await page.evaluate(([a, r]) => window.host.showResult("get_operation_status", a, r), [
      { operation_id: "op_training_20200101_000000_deadbeef" },
      {
        content: [{ type: "text", text: "{}" }],
        structuredContent: {
          operation_id: "op_training_20200101_000000_deadbeef",
          operation_type: "training",
          status: "failed",
          current_step: evil,
          error_message: evil,
          unknown: [evil],
          note: evil,
        },
        _meta: { "ktrdr/view": { canOperate: true } },
      },
    ] as const);
    const view = page.frameLocator(`iframe[data-view="${id}"]`);
    await until(view, "done", 30_000);
    expect(await view.locator("#failure").innerText()).toBe(`Failed: ${evil}`);
    expect(await view.locator("#step").innerText()).toBe(evil);
    expect(await view.locator("img").count()).toBe(0);
    expect(await view.locator("#app script").count()).toBe(0);
    expect(await view.locator("title").textContent()).toBe("KTRDR operation");
    await page.evaluate((v) => window.host.teardown(v), id);
  });

  it("works the same in the 2026 era (a modern client: stateless requests, per-request envelope)", async () => {
    const mcpUrl = stacks.v2025.mcpUrl;
    // A browser's 2026 client sends Mcp-Method/Mcp-Name headers; the preflight must admit them.
    const pre = await fetch(mcpUrl, {
      method: "OPTIONS",
      headers: {
        origin: server.origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, mcp-method, mcp-name, mcp-protocol-version",
      },
    });
    const allowed = (pre.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(allowed).toContain("mcp-method");
    expect(allowed).toContain("mcp-name");
    const p = await browser.newPage({ viewport: { width: 840, height: 800 } });
    try {
      p.on("pageerror", (e) => problems.push(`modern pageerror: ${e.message}`));
      await p.goto(server.pageUrl({ mcp: mcpUrl, era: "modern", theme: "light" }));
      await p.waitForFunction(() => window.host?.ready || window.host?.error, null, { timeout: 30_000 });
      expect(await p.evaluate(() => window.host.error)).toBeUndefined();
      expect(await p.evaluate(() => window.host.era)).toBe("modern 2026-07-28");
      const v = await show("trigger_data_loading", { symbol: "AAPL", timeframe: "1h", mode: "tail", ...RANGE, wait_seconds: 40 }, p);
      await until(v.view, "done");
      expect(await v.view.locator("#status").innerText()).toBe("completed");
      expect(await v.view.locator("#range .value").innerText()).toMatch(/^2024-\d\d-\d\d → 2024-\d\d-\d\d$/);
      const names = (await p.evaluate((id) => window.host.callsOf(id), v.id)).map((c) => c.name);
      expect(names).toEqual(["get_operation_results", "get_data_summary"]);
    } finally {
      await p.close();
    }
  });

  it("npm run demo -- --ui --url …: prints the host page's URL, which shows the training it started; Ctrl-C cancels it", async () => {
    await admin(stacks.v2025.backendOrigin, "/__pace", { pace: 1 }); // a training that lasts about a minute
    const child = spawn(process.execPath, ["scripts/demo.mjs", "--ui", "--no-color", "--url", stacks.v2025.mcpUrl], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    let opId = "";
    try {
      await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+\/\?mcp=\S+/.test(out), { timeout: 60_000 }).toBe(true);
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?mcp=\S+/.exec(out)![0];
      opId = new URL(url).searchParams.get("op") ?? "";
      side.v2025.started.add(opId);
      expect(opId).toMatch(/^op_training_/);
      expect(new URL(url).searchParams.get("mcp")).toBe(stacks.v2025.mcpUrl);
      const p = await browser.newPage({ viewport: { width: 840, height: 800 } });
      try {
        await p.goto(url);
        const view = p.frameLocator("iframe");
        await view.locator('#app[data-type="training"][data-live="following"]').waitFor({ state: "attached", timeout: 30_000 });
        expect(await view.locator("#app").getAttribute("data-operation-id")).toBe(opId);
        expect(await view.locator("#status").innerText()).toBe("running");
      } finally {
        await p.close();
      }
    } finally {
      child.kill("SIGINT");
      await exited;
      await admin(stacks.v2025.backendOrigin, "/__pace", { pace: 0 });
    }
    expect(await exited, out).toBe(130);
    expect(out).toContain("Ctrl-C stops everything");
    await expect.poll(async () => (await statusOf(opId)).status, { timeout: 20_000 }).toBe("cancelled");
  });

  it("ran without a page error or a CSP violation", () => {
    expect(problems).toEqual([]);
  });
});
