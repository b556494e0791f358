/**
 * The MCP Apps operation view in a real browser: headless Chromium opens the test host page
 * (test/browser: an AppBridge host with a @modelcontextprotocol/client 2.x Client connected to a
 * stack's Worker — one page per backend version), which reads ui://ktrdr/operation.html with resources/read and runs it in a
 * sandboxed srcdoc iframe under the CSP the resource declares. Tool results reach the view through
 * the bridge; the view's own tools/call requests go through the host to the real server.
 *
 * A live training is followed and cancelled on v2026 (per-epoch metrics, so a full loss curve and
 * KTRDR's own best epoch); the backtest (v2025 sends the equity curve), failure, data load,
 * visibility and teardown run on v2025. Screenshots of each kind of view go to .data/screenshots/
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
          _meta: { "ktrdr/view": { kind: "status", canCancel: false } },
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
        _meta: { "ktrdr/view": { canCancel: true } },
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
