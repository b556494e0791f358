/**
 * KTRDR operation view (MCP Apps). Shows the operation a tool result names — status, progress,
 * time, training curves, backtest equity, data-load figures, what is not known — and follows it
 * live while it runs and while the view is visible, by calling get_operation_status (waiting on
 * the server for the next change) through the host. Cancels through the host after confirming,
 * and resumes a cancelled or failed training from its checkpoint (then follows it again).
 */
import {
  CANCEL_OPERATION,
  GET_DATA_SUMMARY,
  GET_OPERATION_METRICS,
  GET_OPERATION_RESULTS,
  GET_OPERATION_STATUS,
  RESUME_OPERATION,
} from "../../src/tools/names";
import { VIEW_META_KEY } from "../../src/tools/view-meta";
import { rec, setLocale, str } from "./fmt";
import { render } from "./render";
import { connect, type Rec, RpcError } from "./rpc";
import {
  ACTIVE,
  applyArgs,
  applyMeta,
  applyMetrics,
  applyResults,
  applyResumed,
  applyStart,
  applyStatus,
  changeKey,
  FINISHED,
  initialState,
  kindOf,
  type Meta,
  type SummaryResult,
} from "./state";
/** Server-side wait per status read (the server answers early on any change; ≤ 45). */
const WAIT_SECONDS = 20;
const MIN_DELAY = 1000;
const MAX_DELAY = 10_000;
/** How long resume_operation may wait on the server for KTRDR to free its training worker (design §3.1). */
const RESUME_WAIT_SECONDS = 15;

const st = initialState();
let hostTools = false;
let torn = false;
let inView = true;
let gotResult = false;
/** Each follow loop owns a generation; bumping it (and aborting) stops the loop. */
let gen = 0;
let abort: AbortController | undefined;
let settled = false;
let lastFullMetrics = 0;

const actions = {
  cancel() {
    st.confirming = true;
    st.cancelNote = undefined;
    paint();
  },
  keep() {
    st.confirming = false;
    paint();
  },
  confirm() {
    st.confirming = false;
    void cancelOperation();
  },
  resume() {
    st.confirmingResume = true;
    st.resumeNote = undefined;
    paint();
  },
  keepStopped() {
    st.confirmingResume = false;
    paint();
  },
  confirmResume() {
    st.confirmingResume = false;
    void resumeOperation();
  },
};

function paint(): void {
  if (!torn) render(st, actions);
}

// ---- talking to the host ----------------------------------------------------------------------

interface ToolResult {
  isError?: boolean;
  content?: Array<{ type?: string; text?: string }>;
  structuredContent?: Rec;
  _meta?: Rec;
}

const textOf = (r: ToolResult) =>
  (r.content ?? [])
    .map((c) => (c.type === "text" ? (c.text ?? "") : ""))
    .join("\n")
    .trim();

const rpc = connect({
  notification(method, params) {
    if (torn) return;
    if (method === "ui/notifications/tool-input") onToolInput(rec(params.arguments) ?? {});
    else if (method === "ui/notifications/tool-result") onToolResult(params as ToolResult);
    else if (method === "ui/notifications/tool-cancelled") {
      if (!gotResult) {
        st.problem = `The tool call was cancelled${str(params.reason) ? `: ${str(params.reason)}` : ""}.`;
        paint();
      }
    } else if (method === "ui/notifications/host-context-changed") applyContext(params);
  },
  teardown() {
    torn = true;
    stop();
    clearInterval(clock);
    observer?.disconnect();
    resize.disconnect();
  },
});

/** A tools/call through the host; tool errors come back as results (isError), refusals as RpcError. */
async function call(name: string, args: Rec, signal?: AbortSignal, waitSeconds = 0): Promise<ToolResult> {
  const r = await rpc.request<ToolResult>("tools/call", { name, arguments: args }, { signal, timeoutMs: (waitSeconds + 30) * 1000 });
  applyMeta(st, metaOf(r));
  return r;
}

/** What the server says about a result beside it: its kind, the caller's rights, numbers. */
const metaOf = (r: ToolResult): Meta | undefined => rec(r._meta?.[VIEW_META_KEY]);

function onToolInput(args: Rec): void {
  applyArgs(st, args);
  paint();
}

function onToolResult(r: ToolResult): void {
  gotResult = true;
  const sc = rec(r.structuredContent);
  const meta = metaOf(r);
  // Cancel and resume are offered only when the server said this caller may (its scopes), in this result.
  st.canOperate = meta?.canOperate === true;
  applyMeta(st, meta);
  if (r.isError || !sc) {
    st.problem = textOf(r) || "The tool returned no operation.";
    paint();
    return;
  }
  st.id = str(sc.operation_id) ?? st.id; // the result's word over the arguments
  const kind = kindOf(meta, sc);
  if (kind === "started") applyStart(st, sc);
  else if (kind === "metrics") applyMetrics(st, sc);
  else if (kind === "results") applyResults(st, sc);
  else applyStatus(st, sc);
  if (!st.id) st.problem = textOf(r) || "The result names no operation.";
  paint();
  if (st.id) void follow();
}

// ---- following the operation ------------------------------------------------------------------

const visible = () => inView && !document.hidden;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

function stop(): void {
  gen++;
  abort?.abort();
  abort = undefined;
}

/**
 * Reads the operation until it finishes: status with the server waiting for the next change,
 * metrics for trainings, a pause growing from 1 s to 10 s while nothing changes; then the
 * settled state (results, full curves). Stops when hidden or torn down; `follow()` resumes.
 */
async function follow(): Promise<void> {
  if (!st.id || torn) return;
  if (!hostTools) {
    st.live = "unavailable";
    return paint();
  }
  if (!visible()) {
    st.live = settled ? "done" : "paused";
    return paint();
  }
  stop();
  st.live = "following";
  const mine = ++gen;
  const ctl = new AbortController();
  abort = ctl;
  const signal = ctl.signal;
  const id = st.id;
  let delay = MIN_DELAY;
  let failures = 0;
  const current = () => mine === gen && !torn;
  try {
    if (!st.facts.timeframe) {
      // Once: the facts a concise status leaves out (strategy, timeframe, dates), and the status itself.
      const full = await call(GET_OPERATION_STATUS, { operation_id: id, detail: "full" }, signal);
      if (!current()) return;
      if (!full.isError && full.structuredContent) applyStatus(st, full.structuredContent, true);
    }
    while (current()) {
      if (st.status && FINISHED.has(st.status)) {
        await settle(signal);
        return;
      }
      st.live = "following";
      paint();
      const before = changeKey(st);
      let ok = true;
      try {
        const wait = st.status && ACTIVE.has(st.status) ? WAIT_SECONDS : 0;
        const r = await call(GET_OPERATION_STATUS, { operation_id: id, wait_seconds: wait, until: "change" }, signal, wait);
        if (!current()) return;
        if (r.isError) {
          // The server's word (e.g. the backend lost the operation): nothing to follow any more.
          st.live = "stopped";
          st.liveNote = textOf(r);
          return paint();
        }
        applyStatus(st, r.structuredContent ?? {});
        if (st.type === "training" && st.status !== undefined && !FINISHED.has(st.status)) await refreshMetrics(signal);
        st.updatedAt = Date.now();
        failures = 0;
      } catch (err) {
        if (!current()) return;
        ok = false;
        failures++;
        st.liveNote = err instanceof Error ? err.message : String(err);
        if (failures >= 5) {
          st.live = "stopped";
          return paint();
        }
      }
      paint();
      if (st.status && FINISHED.has(st.status)) continue;
      delay = ok && changeKey(st) !== before ? MIN_DELAY : Math.min(delay * 2, MAX_DELAY);
      await sleep(delay, signal);
    }
  } catch (err) {
    if (!current()) return;
    st.live = "stopped";
    st.liveNote = err instanceof Error ? err.message : String(err);
    paint();
  } finally {
    if (abort === ctl) abort = undefined;
  }
}

/** Epochs since the last read (concise: the last 10), or all of them when more were missed. */
async function refreshMetrics(signal: AbortSignal, final = false): Promise<void> {
  const r = await call(GET_OPERATION_METRICS, { operation_id: st.id!, detail: "concise" }, signal);
  if (r.isError || !r.structuredContent) return;
  applyMetrics(st, r.structuredContent);
  const missing = st.epochsOf !== undefined && st.epochs.size < st.epochsOf;
  if (missing && (final || Date.now() - lastFullMetrics > 3000)) {
    lastFullMetrics = Date.now();
    const full = await call(GET_OPERATION_METRICS, { operation_id: st.id!, detail: "full" }, signal);
    if (!full.isError && full.structuredContent) applyMetrics(st, full.structuredContent);
  }
}

/** The finished state: results, the whole training curve, the equity series, the cached range. */
async function settle(signal: AbortSignal): Promise<void> {
  const id = st.id!;
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      if (signal.aborted) throw err;
      st.gaps.start = { note: `Could not read ${what}: ${err instanceof Error ? err.message : String(err)}` };
    }
    paint();
  };
  if (!settled) {
    await step("the results", async () => {
      const r = await call(GET_OPERATION_RESULTS, { operation_id: id }, signal);
      if (r.isError) st.gaps.results = { note: textOf(r) };
      else if (r.structuredContent) applyResults(st, r.structuredContent);
    });
    // A training that failed before its first epoch has none to show.
    if (st.type === "training" && (st.status !== "failed" || st.epochs.size > 0))
      await step("the epochs", () => refreshMetrics(signal, true));
    if (st.type === "backtesting" && st.status === "completed")
      await step("the equity curve", async () => {
        const r = await call(GET_OPERATION_RESULTS, { operation_id: id, detail: "full" }, signal);
        if (!r.isError && r.structuredContent) applyResults(st, r.structuredContent, true);
      });
    const f = st.facts;
    if (st.type === "data_load" && st.status === "completed" && f.symbols && f.timeframe && !f.symbols.includes(","))
      await step("the cached range", async () => {
        const r = await call(GET_DATA_SUMMARY, { symbol: f.symbols, timeframe: f.timeframe }, signal);
        const s: SummaryResult = r.structuredContent ?? {};
        if (!r.isError && str(s.first_bar) && str(s.last_bar)) st.range = [str(s.first_bar)!, str(s.last_bar)!];
      });
  }
  settled = true;
  st.live = "done";
  st.liveNote = undefined;
  paint();
}

async function cancelOperation(): Promise<void> {
  if (!st.id || st.cancelling) return;
  st.cancelling = true;
  paint();
  try {
    const r = await call(CANCEL_OPERATION, { operation_id: st.id, reason: "Cancelled from the operation view" });
    if (r.isError) st.cancelNote = textOf(r) || "KTRDR did not cancel it.";
  } catch (err) {
    st.cancelNote = `The host did not pass the cancel on: ${err instanceof RpcError || err instanceof Error ? err.message : String(err)}`;
  }
  st.cancelling = false;
  paint();
  // Read it again at once: the cancel takes effect at the next step, and the view settles on it.
  void follow();
}

/** Resumes from the checkpoint after the person confirmed, then follows the same operation again. */
async function resumeOperation(): Promise<void> {
  if (!st.id || st.resuming) return;
  stop();
  st.resuming = true;
  paint();
  try {
    const r = await call(
      RESUME_OPERATION,
      { operation_id: st.id, from: "checkpoint", wait_seconds: RESUME_WAIT_SECONDS },
      undefined,
      RESUME_WAIT_SECONDS,
    );
    if (r.isError || !r.structuredContent) st.resumeNote = textOf(r) || "KTRDR did not resume it.";
    else {
      applyResumed(st, r.structuredContent);
      settled = false;
    }
  } catch (err) {
    st.resumeNote = `The host did not pass the resume on: ${err instanceof Error ? err.message : String(err)}`;
  }
  st.resuming = false;
  paint();
  void follow();
}

// ---- host context, size, visibility -----------------------------------------------------------

let hostContext: Rec = {};

function applyContext(ctx: Rec): void {
  hostContext = { ...hostContext, ...ctx };
  const html = document.documentElement;
  if (ctx.theme === "light" || ctx.theme === "dark") {
    html.dataset.theme = ctx.theme;
    html.style.colorScheme = ctx.theme;
  }
  const vars = rec(rec(ctx.styles)?.variables);
  for (const [k, v] of Object.entries(vars ?? {})) if (k.startsWith("--") && typeof v === "string") html.style.setProperty(k, v);
  if (ctx.locale) setLocale(ctx.locale);
  paint();
}

let sizeQueued = false;
let lastSize = "";
const resize = new ResizeObserver(() => {
  if (sizeQueued) return;
  sizeQueued = true;
  requestAnimationFrame(() => {
    sizeQueued = false;
    const html = document.documentElement;
    const before = html.style.height;
    html.style.height = "max-content";
    const height = Math.ceil(html.getBoundingClientRect().height);
    html.style.height = before;
    const width = Math.ceil(window.innerWidth);
    if (`${width}x${height}` !== lastSize) {
      lastSize = `${width}x${height}`;
      rpc.notify("ui/notifications/size-changed", { width, height });
    }
    paint(); // charts follow the width
  });
});

let observer: IntersectionObserver | undefined;

function visibilityChanged(): void {
  if (torn) return;
  if (!visible()) {
    if (st.live === "following") {
      stop();
      st.live = "paused";
      paint();
    }
  } else if (st.live === "paused" && st.id) void follow();
}

/** Elapsed time and ETA move between reads. */
const clock = setInterval(() => {
  if (st.live === "following" && visible()) paint();
}, 1000);

async function start(): Promise<void> {
  // Until the host says otherwise, the system's theme.
  applyContext({ theme: matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light" });
  if (window.parent === window) {
    st.problem = "This is an MCP Apps view: it shows a KTRDR operation inside an MCP host (Claude, ChatGPT, VS Code …).";
    return paint();
  }
  try {
    const init = await rpc.request<Rec>(
      "ui/initialize",
      {
        appInfo: { name: "ktrdr-operation-view", version: "1.0.0" },
        appCapabilities: { availableDisplayModes: ["inline"] },
        protocolVersion: "2026-01-26",
      },
      { timeoutMs: 15_000 },
    );
    hostTools = !!rec(init.hostCapabilities)?.serverTools;
    applyContext(rec(init.hostContext) ?? {});
  } catch (err) {
    st.problem = `The host did not answer: ${err instanceof Error ? err.message : String(err)}`;
    return paint();
  }
  rpc.notify("ui/notifications/initialized", {});
  resize.observe(document.documentElement);
  resize.observe(document.body);
  observer = new IntersectionObserver((entries) => {
    inView = entries.some((e) => e.isIntersecting);
    visibilityChanged();
  });
  observer.observe(document.getElementById("app")!);
  document.addEventListener("visibilitychange", visibilityChanged);
}

void start();
