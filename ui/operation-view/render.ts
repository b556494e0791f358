/**
 * The DOM, from the state. Every text from the server goes in through text nodes (never HTML).
 * Sections are rebuilt only when what they show changes, so a button keeps its focus while the
 * clock ticks and charts are redrawn only for new data.
 */
import { chart, type ChartSpec, type Point } from "./chart";
import { day, dur, n4, n6, num, pct, rec, str } from "./fmt";
import { ACTIVE, type Epoch, FINISHED, type State, sortedEpochs } from "./state";

type Child = Node | string | false | undefined | null;

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== false && c !== undefined && c !== null) e.append(c);
  return e;
}

const TYPE: Record<string, string> = {
  training: "Training",
  backtesting: "Backtest",
  data_load: "Data load",
  agent_research: "Research cycle",
};
const typeLabel = (t: string | undefined) => (t ? (TYPE[t] ?? t.replace(/_/g, " ")) : "Operation");

export interface Actions {
  cancel(): void;
  confirm(): void;
  keep(): void;
  resume(): void;
  confirmResume(): void;
  keepStopped(): void;
}

/**
 * A research cycle's phases in KTRDR's order: designing, training, backtesting as recorded
 * (lifecycle-v2026/517, 518, 524); assessing as design 18 §7 names it (the recorded cycles fail
 * before it). A phase not listed here is shown as the current step as sent.
 */
const PHASES = ["designing", "training", "backtesting", "assessing"] as const;
/** Trades shown in the table: the last ones. */
const TRADE_ROWS = 20;

/** "…cccb0a3f": the end of an operation id (its random part), the whole id in the title. */
const shortId = (id: string) => (id.length > 12 ? `…${id.slice(-8)}` : id);

/** The anomaly in the view's own words, from the structured fields only; the server's note follows it. */
function anomalyLine(st: State): string | undefined {
  const who = st.worker?.id ?? "its worker";
  switch (st.anomaly) {
    case "progress_lost":
      return "KTRDR's record lost this training's progress; the checkpoint shows how far it got.";
    case "resuming_at_zero":
      return "KTRDR shows it resuming at 0 %; the checkpoint shows how far it got.";
    case "cancel_not_delivered":
      return `KTRDR marked it cancelled; ${who} is still running it.`;
    case "cancel_unconfirmed":
      return `KTRDR marked it cancelled; whether ${who} stopped is not known yet.`;
    case "outcome_unknown":
      return "Cancelled, outcome unknown: KTRDR keeps no checkpoint and no worker runs it.";
    case "worker_lost":
      return `KTRDR says running, but ${st.worker?.id ?? "the worker it was given to"} is not healthy or not registered.`;
    case "worker_replaced":
      return `${who} claims it in place of ${st.worker?.replaces ?? "the worker it was given to"}, without progress.`;
    case "retry_ghost":
      return "A record made by KTRDR's retry: no worker will run it.";
    default:
      return undefined;
  }
}

/** A trade cell: numbers to 6 significant digits, text as sent, nothing for null. */
function cell(v: unknown): string {
  if (typeof v === "number") return Number.isFinite(v) ? n6(v) : "";
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  return JSON.stringify(v);
}

const root = () => document.getElementById("app")!;
const keys = new Map<string, string>();
let draws: Array<() => void> = [];

/** Replaces a section's content when its key changed; returns whether it did. */
function section(name: string, key: string, build: () => Child[]): boolean {
  let el = document.getElementById(`s-${name}`);
  if (!el) {
    el = h("section", { id: `s-${name}`, class: name, ...(name === "head" || name === "alerts" ? { "aria-live": "polite" } : {}) });
    root().append(el);
  }
  if (keys.get(name) === key) return false;
  keys.set(name, key);
  el.replaceChildren(...(build().filter(Boolean) as Array<Node | string>));
  el.hidden = el.childNodes.length === 0;
  return true;
}

function tile(label: string, value: string, attrs: Record<string, string> = {}): HTMLElement {
  return h("div", { class: "tile", ...attrs }, h("span", { class: "label" }, label), h("span", { class: "value" }, value));
}

/** Seconds since a read, for extrapolating elapsed time and ETA while running. */
const since = (st: State) => (Date.now() - st.at) / 1000;

export function render(st: State, act: Actions): void {
  const active = st.status !== undefined && ACTIVE.has(st.status);
  const app = root();
  app.dataset.status = st.status ?? "";
  app.dataset.type = st.type ?? "";
  app.dataset.live = st.live;
  if (st.id) app.dataset.operationId = st.id;

  // ---- header ----
  const f = st.facts;
  const what = [typeLabel(st.type), f.strategy, [f.symbols, f.timeframe].filter(Boolean).join(" ")].filter(Boolean).join(" · ");
  const shownStatus = st.status ?? (st.problem ? "error" : st.id ? "starting" : "waiting");
  section("head", `${what}|${st.id}|${shownStatus}|${st.backendStatus}|${st.cycle}`, () => [
    h(
      "div",
      { class: "title" },
      h("h1", {}, what),
      h(
        "span",
        { class: "pills" },
        st.backendStatus
          ? h("span", { id: "backend-status", class: "pill ktrdr", title: "KTRDR's own status" }, `KTRDR: ${st.backendStatus}`)
          : false,
        h("span", { id: "status", class: `pill ${shownStatus}` }, shownStatus),
      ),
    ),
    st.id ? h("div", { class: "opid" }, st.id) : false,
    st.cycle ? h("div", { id: "cycle", class: "opid" }, `Part of research cycle ${st.cycle}`) : false,
  ]);

  if (st.problem && !st.id) {
    section("alerts", `p|${st.problem}`, () => [h("p", { class: "alert bad", role: "alert" }, st.problem!)]);
    return;
  }

  // ---- progress ----
  const p = st.status === "completed" ? 100 : st.pct;
  // A resumed or restart-hit training: KTRDR's record says 0 % (or nothing); its checkpoint says how far it got.
  const ck = st.checkpoint;
  const fromCheckpoint = active && p === undefined && ck !== undefined && !ck.resumable && ck.epoch !== undefined;
  const ckAge = ck?.age_s === undefined ? undefined : ck.age_s + (active ? (Date.now() - ck.at) / 1000 : 0);
  const ckLine = fromCheckpoint
    ? `epoch ${n4(ck.epoch)} · from KTRDR's checkpoint${ckAge !== undefined ? `, ${dur(ckAge)} ago` : ""}` +
      (st.anomaly === "progress_lost" || st.anomaly === "resuming_at_zero" ? " · KTRDR reports 0 %" : "")
    : undefined;
  section("progress", `${p}|${st.step}|${shownStatus}|${st.gaps.status.unknown}|${ckLine}`, () => [
    h(
      "div",
      {
        id: "progress",
        class: `bar ${shownStatus}${p === undefined ? " indeterminate" : ""}`,
        role: "progressbar",
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        ...(p !== undefined ? { "aria-valuenow": String(p), "data-pct": String(p) } : {}),
      },
      h("div", { class: "fill", style: `width:${p === undefined ? 100 : Math.max(0, Math.min(100, p))}%` }),
    ),
    h(
      "div",
      { class: "stepline" },
      ckLine
        ? h("span", { id: "checkpoint-progress", class: "pct" }, ckLine)
        : h(
            "span",
            { class: "pct" },
            p === undefined ? "" : `${n4(Math.round(p * 10) / 10)}%${st.gaps.status.unknown?.includes("progress") ? " (last seen)" : ""}`,
          ),
      h("span", { id: "step", class: "step" }, st.step ?? ""),
    ),
  ]);

  // ---- alerts: failure, cancellation, an operation already running, a tool error ----
  const warning = anomalyLine(st);
  const statusNote = st.gaps.status.note;
  section("alerts", `${st.status}|${st.error}|${st.cancelReason}|${st.message}|${st.problem}|${warning}|${statusNote}`, () => [
    warning
      ? h(
          "div",
          { id: "anomaly", class: "alert warn", role: "status", "data-anomaly": st.anomaly ?? "" },
          h("strong", {}, warning),
          statusNote ? h("p", { id: "anomaly-note", class: "note" }, statusNote) : false,
        )
      : false,
    st.status === "failed"
      ? h("p", { id: "failure", class: "alert bad", role: "alert" }, h("strong", {}, "Failed: "), st.error ?? "KTRDR gave no reason")
      : false,
    st.status === "cancelled"
      ? h("p", { id: "cancelled", class: "alert muted" }, h("strong", {}, "Cancelled"), st.cancelReason ? `: ${st.cancelReason}` : "")
      : false,
    st.message ? h("p", { class: "alert info" }, st.message) : false,
    st.problem ? h("p", { class: "alert bad", role: "alert" }, st.problem) : false,
  ]);

  // ---- key figures ----
  const tiles = figures(st, active);
  section("tiles", tiles.map((t) => t.textContent).join("|"), () => tiles);

  // ---- charts ----
  const told = num(st.diagnosis?.best_epoch) ?? num(rec(st.results?.training_metrics)?.best_epoch);
  // Without KTRDR's word (v2025 keeps no epoch history), the lowest validation loss the view saw.
  const best = told ?? bestSeen(st);
  section("charts", `${st.type}|${st.rev}|${best}|${active}`, () => {
    const made = charts(st, best, told === undefined ? "best seen" : "best");
    draws = made.map((c) => c.draw);
    return made.map((c) => c.fig);
  });
  for (const d of draws) d();

  // ---- training diagnosis ----
  const d = st.diagnosis;
  section("diagnosis", JSON.stringify(d ?? null), () => {
    if (!d) return [];
    const parts = [
      num(d.best_epoch) !== undefined ? `Best epoch ${d.best_epoch}` : "",
      num(d.best_val_loss) !== undefined ? `best validation loss ${n4(num(d.best_val_loss))}` : "",
      d.val_loss_rising === true ? "validation loss rising" : d.val_loss_rising === false ? "validation loss not rising" : "",
    ].filter(Boolean);
    return [h("p", { id: "diagnosis" }, h("strong", {}, "Diagnosis: "), parts.join(" · ") + (str(d.note) ? ` — ${d.note}` : ""))];
  });

  // ---- research cycle: phases, children, budget ----
  section("research", researchKey(st, active), () => research(st, active));

  // ---- backtest trades ----
  section("trades", tradesKey(st), () => trades(st));

  // ---- what is not known ----
  const unknown = new Set<string>();
  const notes = new Set<string>();
  const gaps = [
    warning ? { unknown: st.gaps.status.unknown } : st.gaps.status,
    st.gaps.results,
    st.gaps.start,
    ...(st.epochs.size === 0 && st.type === "training" ? [st.gaps.metrics] : []),
  ];
  for (const g of gaps) {
    for (const u of g.unknown ?? []) unknown.add(u);
    if (g.note) notes.add(g.note);
  }
  if (st.seriesNote && st.type !== "backtesting") notes.add(st.seriesNote);
  section("gaps", `${[...unknown]}|${[...notes]}`, () => [
    unknown.size ? h("p", { id: "unknown" }, h("strong", {}, "Not known: "), [...unknown].join(", ")) : false,
    ...[...notes].map((n) => h("p", { class: "note" }, n)),
  ]);

  // ---- cancel, resume ----
  // No Cancel for a cancel KTRDR could not deliver: it refuses a second one (v2026/043).
  const canCancel = st.canOperate && active && !!st.id && st.anomaly !== "cancel_not_delivered";
  const canResume = st.canOperate && !!st.id && st.status !== undefined && FINISHED.has(st.status) && st.checkpoint?.resumable === true;
  const epoch = st.checkpoint?.epoch;
  section(
    "actions",
    `${canCancel}|${st.confirming}|${st.cancelling}|${st.cancelNote}|${st.type}|${canResume}|${epoch}|${st.confirmingResume}|${st.resuming}|${st.resumeNote}`,
    () => {
      const out: Child[] = [];
      if (canCancel && st.cancelling) out.push(h("button", { id: "cancel", type: "button", disabled: "" }, "Cancelling…"));
      else if (canCancel && st.confirming) {
        const yes = h("button", { id: "confirm-cancel", type: "button", class: "danger" }, "Yes, cancel it");
        const no = h("button", { id: "keep-running", type: "button" }, "Keep it running");
        yes.addEventListener("click", act.confirm);
        no.addEventListener("click", act.keep);
        out.push(
          h(
            "div",
            { class: "confirm", role: "alertdialog", "aria-label": "Confirm cancel" },
            h("span", {}, `Cancel this ${typeLabel(st.type).toLowerCase()}? It stops at the next step and cannot be undone.`),
            yes,
            no,
          ),
        );
        queueMicrotask(() => no.focus());
      } else if (canCancel) {
        const b = h("button", { id: "cancel", type: "button" }, `Cancel ${typeLabel(st.type).toLowerCase()}…`);
        b.addEventListener("click", act.cancel);
        out.push(b);
      }
      const from = epoch !== undefined ? `from epoch ${n4(epoch)}` : "from its checkpoint";
      if (st.resuming) out.push(h("button", { id: "resume", type: "button", disabled: "" }, "Resuming…"));
      else if (canResume && st.confirmingResume) {
        const yes = h("button", { id: "confirm-resume", type: "button", class: "primary" }, "Yes, resume");
        const no = h("button", { id: "keep-stopped", type: "button" }, "Not now");
        yes.addEventListener("click", act.confirmResume);
        no.addEventListener("click", act.keepStopped);
        out.push(
          h(
            "div",
            { class: "confirm", role: "alertdialog", "aria-label": "Confirm resume" },
            h("span", { id: "resume-question" }, `Resume ${typeLabel(st.type).toLowerCase()} ${from}? KTRDR continues the same operation.`),
            yes,
            no,
          ),
        );
        queueMicrotask(() => no.focus());
      } else if (canResume) {
        const b = h("button", { id: "resume", type: "button" }, `Resume ${from}…`);
        b.addEventListener("click", act.resume);
        out.push(b);
      }
      if (st.cancelNote) out.push(h("p", { class: "alert bad", role: "alert" }, st.cancelNote));
      if (st.resumeNote) out.push(h("p", { id: "resume-note", class: "alert bad", role: "alert" }, st.resumeNote));
      return out;
    },
  );

  // ---- live state ----
  const ago = st.updatedAt ? Math.round((Date.now() - st.updatedAt) / 1000) : undefined;
  const line =
    st.live === "following"
      ? `Following live${ago !== undefined ? ` · updated ${ago < 2 ? "just now" : `${ago} s ago`}` : ""}`
      : st.live === "paused"
        ? "Paused while the view is hidden"
        : st.live === "unavailable"
          ? "This host does not let the view call tools: showing the result as given"
          : st.live === "stopped"
            ? `Live updates stopped${st.liveNote ? `: ${st.liveNote}` : ""}`
            : st.live === "done" && st.liveNote
              ? st.liveNote
              : "";
  section("live", `${st.live}|${line}`, () => (line ? [h("p", { id: "live", "data-live": st.live }, line)] : []));
}

function figures(st: State, active: boolean): HTMLElement[] {
  const out: HTMLElement[] = [];
  const elapsed = st.duration === undefined ? undefined : st.duration + (active ? since(st) : 0);
  if (elapsed !== undefined) out.push(tile("Elapsed", dur(elapsed), { id: "elapsed" }));
  // No ETA without a percentage (a checkpoint's epoch has no known total).
  if (active && st.eta !== undefined && st.pct !== undefined) out.push(tile("ETA", dur(Math.max(0, st.eta - since(st))), { id: "eta" }));
  const r = st.results;
  if (st.type === "training") {
    const last = sortedEpochs(st).at(-1);
    const tm = rec(r?.training_metrics);
    const te = rec(r?.test_metrics);
    if (tm) {
      out.push(tile("Final val loss", n4(num(tm.final_val_loss))), tile("Final val accuracy", pct(num(tm.final_val_accuracy), 1)));
      if (num(te?.test_accuracy) !== undefined) out.push(tile("Test accuracy", pct(num(te?.test_accuracy), 1)));
      if (num(te?.f1_score) !== undefined) out.push(tile("F1", n4(num(te?.f1_score))));
      out.push(tile("Epochs", n4(num(tm.epochs_completed))));
      if (num(tm.best_epoch) !== undefined) out.push(tile("Best epoch", n4(num(tm.best_epoch))));
      if (str(r?.model_path)) out.push(tile("Model", str(r?.model_path)!, { class: "tile wide" }));
    } else if (last) {
      out.push(tile("Epoch", `${last.epoch}${st.epochsPlanned !== undefined ? ` / ${st.epochsPlanned}` : ""}`, { id: "epoch" }));
      out.push(
        tile("Train loss", n4(last.train_loss)),
        tile("Val loss", n4(last.val_loss)),
        tile("Train accuracy", pct(last.train_accuracy, 1)),
        tile("Val accuracy", pct(last.val_accuracy, 1)),
      );
    }
  } else if (st.type === "backtesting" && r) {
    const cap = num(r.initial_capital);
    const ret = num(r.total_return);
    // The server gives *_pct as percentages (KTRDR's own are fractions; src/ktrdr converts them).
    const fromPct = (v: number | undefined) => (v === undefined ? undefined : v / 100);
    const retFrac = cap && ret !== undefined ? ret / cap : fromPct(num(r.total_return_pct));
    const final = num(r.final_value) ?? (cap !== undefined && ret !== undefined ? cap + ret : undefined);
    out.push(
      tile("Return", pct(retFrac), { id: "return", class: `tile ${retFrac !== undefined && retFrac < 0 ? "neg" : "pos"}` }),
      tile("Sharpe", n4(num(r.sharpe_ratio))),
      tile("Max drawdown", num(r.max_drawdown_pct) !== undefined ? pct(fromPct(num(r.max_drawdown_pct))) : n4(num(r.max_drawdown))),
      tile("Trades", n4(num(r.total_trades))),
    );
    if (num(r.win_rate) !== undefined) out.push(tile("Win rate", pct(num(r.win_rate), 1)));
    if (num(r.profit_factor) !== undefined) out.push(tile("Profit factor", n4(num(r.profit_factor))));
    if (final !== undefined) out.push(tile("Capital", `${n4(cap)} → ${n4(Math.round(final))}`, { class: "tile wide" }));
  } else if (st.type === "data_load") {
    const bars = num(r?.bars_loaded) ?? st.bars;
    if (bars !== undefined) out.push(tile(r ? "Bars loaded" : "Bars so far", n4(bars), { id: "bars" }));
    if (st.facts.start || st.facts.end)
      out.push(tile("Requested range", `${day(st.facts.start) ?? "…"} → ${day(st.facts.end) ?? "…"}`, { class: "tile wide" }));
    if (st.range) out.push(tile("Cached range", `${day(st.range[0])} → ${day(st.range[1])}`, { id: "range", class: "tile wide" }));
    const seg = num(r?.segments) ?? st.segments;
    if (seg !== undefined) out.push(tile("Segments", String(seg)));
    if (num(r?.gaps_analyzed) !== undefined) out.push(tile("Gaps analysed", n4(num(r?.gaps_analyzed))));
    if (num(r?.ib_requests) !== undefined) out.push(tile("IB requests", n4(num(r?.ib_requests))));
    if (str(r?.merged_file)) out.push(tile("File", str(r?.merged_file)!, { class: "tile wide" }));
    if (st.facts.mode) out.push(tile("Mode", st.facts.mode));
  }
  return out;
}

function bestSeen(st: State): number | undefined {
  let best: Epoch | undefined;
  for (const e of st.epochs.values()) if (e.val_loss !== undefined && (!best || e.val_loss < best.val_loss!)) best = e;
  return st.epochs.size > 1 ? best?.epoch : undefined;
}

function charts(st: State, best: number | undefined, bestLabel: string): Array<ReturnType<typeof chart>> {
  const specs: ChartSpec[] = [];
  if (st.type === "training" && (st.epochs.size > 0 || (st.status !== undefined && ACTIVE.has(st.status)))) {
    const eps = sortedEpochs(st);
    const line = (k: "train_loss" | "val_loss" | "train_accuracy" | "val_accuracy"): Point[] =>
      eps.filter((e) => e[k] !== undefined).map((e) => [e.epoch, e[k]!]);
    const at = best !== undefined ? st.epochs.get(best) : undefined;
    const marker = (k: "val_loss" | "val_accuracy") =>
      best !== undefined ? { x: best, y: at?.[k], label: `${bestLabel} ${best}` } : undefined;
    specs.push(
      {
        name: "loss",
        title: "Loss",
        height: 150,
        series: [
          { key: "train_loss", label: "train", cls: "s1", points: line("train_loss") },
          { key: "val_loss", label: "validation", cls: "s2", points: line("val_loss") },
        ],
        marker: marker("val_loss"),
        yFmt: (v) => n4(v),
        empty: "Waiting for the first epoch",
      },
      {
        name: "accuracy",
        title: "Accuracy",
        height: 150,
        series: [
          { key: "train_accuracy", label: "train", cls: "s1", points: line("train_accuracy") },
          { key: "val_accuracy", label: "validation", cls: "s2", points: line("val_accuracy") },
        ],
        marker: marker("val_accuracy"),
        yFmt: (v) => pct(v, 0),
        empty: "Waiting for the first epoch",
      },
    );
  }
  if (st.type === "backtesting" && st.series?.length) {
    const pts = st.series;
    let peak = -Infinity;
    const dd: Point[] = pts.map(([t, v, d]) => {
      peak = Math.max(peak, v);
      return [t, -100 * (d ?? (peak > 0 ? (peak - v) / peak : 0))];
    });
    specs.push(
      {
        name: "equity",
        title: "Equity",
        height: 170,
        time: true,
        series: [{ key: "equity", label: "portfolio value", cls: "s1", points: pts.map(([t, v]) => [t, v]) }],
      },
      {
        name: "drawdown",
        title: "Drawdown",
        height: 100,
        time: true,
        yMax: 0,
        yFmt: (v) => `${n4(Math.round(v * 10) / 10)}%`,
        series: [{ key: "drawdown", label: "from peak", cls: "s3", points: dd, area: true }],
      },
    );
  }
  return specs.map(chart);
}

function researchKey(st: State, active: boolean): string {
  const kids = [...st.children.values()].map((c) => `${c.operation_id}${c.status}${c.pct}`).join();
  return `${st.type}|${active}|${st.status}|${JSON.stringify(st.research ?? null)}|${kids}|${st.childrenLinked}`;
}

/** Phase steps (the current one while active, the last seen after), children rows, budget, a lost link. */
function research(st: State, active: boolean): Child[] {
  const r = st.research;
  if (st.type !== "agent_research" && !r) return [];
  const out: Child[] = [];
  const phase = r?.phase;
  const at = phase ? PHASES.indexOf(phase as (typeof PHASES)[number]) : -1;
  if (phase || st.status === "completed") {
    const steps = PHASES.map((name, i) => {
      const state = st.status === "completed" || i < at ? "done" : i === at ? (active ? "current" : "last-seen") : "todo";
      return h("li", { class: `phase ${state}`, "data-phase": name, "data-state": state }, name);
    });
    if (phase && at < 0) steps.push(h("li", { class: "phase current", "data-phase": phase, "data-state": "current" }, phase));
    out.push(h("ol", { id: "phases", class: "phases", "aria-label": "Research phases" }, ...steps));
    if (!active && phase && st.status !== "completed") out.push(h("p", { class: "note" }, `Last phase seen: ${phase}`));
  }
  const facts = [r?.model ? `model ${r.model}` : "", ...budgetLine(r?.budget)].filter(Boolean);
  if (facts.length) out.push(h("p", { id: "research-facts", class: "note" }, facts.join(" · ")));
  if (st.children.size) {
    const rows = [...st.children.values()].map((c) =>
      h(
        "tr",
        { "data-child": c.operation_id },
        h("td", {}, typeLabel(c.operation_type)),
        h("td", { class: "mono", title: c.operation_id }, shortId(c.operation_id)),
        h("td", {}, c.status ?? "—"),
        h("td", { class: "num" }, c.pct === undefined ? "—" : `${n4(Math.round(c.pct * 10) / 10)}%`),
      ),
    );
    out.push(
      h(
        "table",
        { id: "children", class: "grid-table" },
        h("caption", {}, st.childrenLinked === false ? "Its operations (last seen)" : "Its operations"),
        h("thead", {}, h("tr", {}, h("th", {}, "type"), h("th", {}, "id"), h("th", {}, "status"), h("th", { class: "num" }, "progress"))),
        h("tbody", {}, ...rows),
      ),
    );
  }
  if (!active && st.status !== undefined && FINISHED.has(st.status) && st.childrenLinked === false)
    out.push(h("p", { id: "unlinked", class: "note" }, "KTRDR no longer links its children."));
  return out;
}

function budgetLine(b: { remaining?: number; daily_limit?: number } | undefined): string[] {
  if (b?.remaining === undefined) return [];
  return [`KTRDR's research budget: ${n4(b.remaining)}${b.daily_limit !== undefined ? ` of ${n4(b.daily_limit)}` : ""} left today`];
}

function tradesKey(st: State): string {
  const t = st.trades;
  return `${st.type}|${t?.count}|${t?.rows.length}|${JSON.stringify(t?.rows.at(-1) ?? null)}|${st.seriesNote}`;
}

/** The last trades of a backtest, "no trades", or the line saying what KTRDR keeps instead. */
function trades(st: State): Child[] {
  if (st.type !== "backtesting") return [];
  const t = st.trades;
  if (t?.count === 0) return [h("p", { id: "trades", class: "note" }, "No trades.")];
  if (t?.rows.length && t.columns.length) {
    const rows = t.rows.slice(-TRADE_ROWS);
    const total = t.count ?? t.rows.length;
    // Folded: a person opens it (the view stays compact beside the equity chart).
    return [
      h(
        "details",
        { id: "trades-details" },
        h(
          "summary",
          { id: "trades-summary" },
          rows.length < total ? `Trades: the last ${rows.length} of ${n4(total)}` : `Trades: ${n4(total)}`,
        ),
        h(
          "table",
          { id: "trades", class: "grid-table" },
          h("thead", {}, h("tr", {}, ...t.columns.map((c) => h("th", {}, c)))),
          h(
            "tbody",
            {},
            ...rows.map((r) =>
              h("tr", {}, ...t.columns.map((_, i) => h("td", typeof r[i] === "number" ? { class: "num" } : {}, cell(r[i])))),
            ),
          ),
        ),
      ),
    ];
  }
  if (st.seriesNote) return [h("p", { id: "trades", class: "note" }, st.seriesNote)];
  if (t?.count !== undefined) return [h("p", { id: "trades", class: "note" }, `${n4(t.count)} trades (KTRDR sent none of them).`)];
  return [];
}
