/**
 * What the view knows about its operation, and how each tool result feeds it. Results only ever
 * add or replace facts: a later read that lacks something (v2026 resets progress and clears
 * epochs on cancel) does not erase what was seen.
 *
 * The server's words are imported, not copied: the status sets from the normalised model, the
 * results' shapes as the tools declare them (types only, erased by the build), and what a result
 * is and the numbers behind it from its `_meta["ktrdr/view"]` (src/tools/view-meta.ts).
 */
import type { Anomaly, Operation } from "../../src/ktrdr/model";
import { ACTIVE_STATUSES, ANOMALIES, FINISHED_STATUSES } from "../../src/ktrdr/model";
import type { DataSummaryView } from "../../src/tools/data.tools";
import type { MetricsView, ResultsView, StatusView } from "../../src/tools/operations.tools";
import type { StartedResult } from "../../src/tools/started";
import type { TradesView } from "../../src/tools/views";
import type { ViewKind, ViewMeta } from "../../src/tools/view-meta";
import { parseTime } from "../../src/ktrdr/time";
import { num, rec, str } from "./fmt";
import type { Rec } from "./rpc";

export const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_STATUSES);
export const FINISHED: ReadonlySet<string> = new Set(FINISHED_STATUSES);

/**
 * A result as the view reads it: the fields a tool declares (so a renamed field fails the view's
 * build), each possibly missing or odd (a host may hand anything), read through num/str/rec.
 */
export type Loose<T> = { readonly [K in keyof T]?: unknown };
/** get_operation_status: the concise view, plus the operation's own facts with `detail: "full"`. */
export type StatusResult = Loose<StatusView & Operation>;
export type StartResult = Loose<StartedResult>;
export type MetricsResult = Loose<MetricsView>;
export type ResultsResult = Loose<ResultsView>;
export type SummaryResult = Loose<DataSummaryView>;
export type Meta = Loose<ViewMeta>;

/** What a result is: as the server says in its `_meta`, or (a host that dropped it) as its shape suggests. */
export function kindOf(meta: Meta | undefined, sc: Rec): ViewKind {
  const said = meta?.kind;
  if (said === "started" || said === "status" || said === "metrics" || said === "results") return said;
  if (sc.status === "started" || sc.status === "resumed" || sc.status === "already_running") return "started";
  if ("results" in sc) return "results";
  if ("epochs" in sc && !("status" in sc)) return "metrics";
  return "status";
}

export interface Epoch {
  epoch: number;
  train_loss?: number;
  val_loss?: number;
  train_accuracy?: number;
  val_accuracy?: number;
}

export interface Gap {
  unknown?: string[];
  note?: string;
}

const ANOMALY: ReadonlySet<string> = new Set(ANOMALIES);

/** The checkpoint the server read for this operation (v2026): how far it got, or where a resume continues. */
export interface Checkpoint {
  epoch?: number;
  type?: string;
  /** Seconds since KTRDR wrote it, as of `at`. */
  age_s?: number;
  /** resume_operation can continue from it. */
  resumable: boolean;
  at: number;
}

/** The worker that matters to the server's belief (v2026), as the status names it. */
export interface WorkerFacts {
  id?: string;
  state?: string;
  checked_s_ago?: number;
  other_op?: string;
  replaces?: string;
}

/** A research cycle's child operation, as its own record says. */
export interface ResearchChild {
  operation_id: string;
  operation_type?: string;
  status?: string;
  pct?: number;
}

/** A backtest's trades as get_operation_results(detail "full") gives them. */
export interface Trades {
  count?: number;
  columns: string[];
  rows: unknown[][];
}

export type Live = "idle" | "following" | "paused" | "done" | "stopped" | "unavailable";

export interface State {
  args: Rec;
  id?: string;
  type?: string;
  /** The operation's status; undefined until read (a start tool says only "started"). */
  status?: string;
  pct?: number;
  step?: string;
  duration?: number;
  eta?: number;
  /** When duration and eta were read (they are extrapolated between reads). */
  at: number;
  facts: { strategy?: string; symbols?: string; timeframe?: string; start?: string; end?: string; mode?: string };
  epochs: Map<number, Epoch>;
  /** Bumped whenever chart data (epochs, series) changes. */
  rev: number;
  /** How many epochs KTRDR has metrics for (the server says so beside a metrics result). */
  epochsOf?: number;
  /** How many epochs the training is planned to run (the server says so beside a status result). */
  epochsPlanned?: number;
  diagnosis?: Rec;
  error?: string;
  cancelReason?: string;
  segments?: string;
  bars?: number;
  results?: Rec;
  /** Equity curve: [time ms, value, drawdown fraction]. */
  series?: Array<[number, number, number | undefined]>;
  seriesNote?: string;
  range?: [string, string];
  gaps: { status: Gap; results: Gap; metrics: Gap; start: Gap };
  /** The start tool's message, when it found an identical operation already running (or resumed this one). */
  message?: string;
  /** KTRDR's own status, when the server believes otherwise (v2026 witnesses). */
  backendStatus?: string;
  /** Where KTRDR's record and its workers or checkpoints disagree (the latest status read). */
  anomaly?: Anomaly;
  /** The checkpoint the latest status read names (progress of a resumed or restart-hit training, or a resume point). */
  checkpoint?: Checkpoint;
  worker?: WorkerFacts;
  /** The research cycle (agent_research id) this operation belongs to. */
  cycle?: string;
  /** A research cycle: the phase last seen while active, its strategy, model, budget. */
  research?: { phase?: string; model?: string; budget?: { remaining?: number; daily_limit?: number } };
  /** A cycle's children as last seen (KTRDR drops the links when the cycle ends). */
  children: Map<string, ResearchChild>;
  /** The latest status read of the cycle listed its children. */
  childrenLinked?: boolean;
  trades?: Trades;
  /** A tool error or a view-level problem, shown in place of the operation. */
  problem?: string;
  /** The caller's credentials may cancel and resume (the server's `canOperate`). */
  canOperate: boolean;
  confirming: boolean;
  cancelling: boolean;
  cancelNote?: string;
  confirmingResume: boolean;
  resuming: boolean;
  resumeNote?: string;
  live: Live;
  liveNote?: string;
  updatedAt?: number;
}

export function initialState(): State {
  return {
    args: {},
    at: Date.now(),
    facts: {},
    epochs: new Map(),
    rev: 0,
    gaps: { status: {}, results: {}, metrics: {}, start: {} },
    children: new Map(),
    canOperate: false,
    confirming: false,
    cancelling: false,
    confirmingResume: false,
    resuming: false,
    live: "idle",
  };
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);
const gap = (r: Rec): Gap => ({ unknown: strings(r.unknown), note: str(r.note) });

/** Facts from the tool's arguments (what was asked for), never overriding what the server said. */
export function applyArgs(st: State, args: Rec): void {
  st.args = args;
  const f = st.facts;
  f.strategy ??= str(args.strategy_name) ?? str(args.strategy_config_path);
  f.symbols ??= str(args.symbol) ?? strings(args.symbols)?.join(", ");
  f.timeframe ??= str(args.timeframe) ?? strings(args.timeframes)?.join(", ");
  f.start ??= str(args.start_date);
  f.end ??= str(args.end_date);
  f.mode ??= str(args.mode);
  st.id ??= str(args.operation_id);
}

/** The numbers the server sends beside a result (never parsed out of its text). */
export function applyMeta(st: State, meta: Meta | undefined): void {
  st.epochsOf = num(meta?.epochs_total) ?? st.epochsOf;
  st.epochsPlanned = num(meta?.epochs_planned) ?? st.epochsPlanned;
}

function mergeEpoch(st: State, e: Rec | undefined): number | undefined {
  const n = num(e?.epoch);
  if (!e || n === undefined) return undefined;
  const pick = (k: string) => num(e[k]) ?? st.epochs.get(n)?.[k as keyof Epoch];
  st.rev++;
  st.epochs.set(n, {
    epoch: n,
    train_loss: pick("train_loss"),
    val_loss: pick("val_loss"),
    train_accuracy: pick("train_accuracy"),
    val_accuracy: pick("val_accuracy"),
  });
  return n;
}

/**
 * get_operation_status (concise or full), or a start tool's `operation`. `full`: a detail "full"
 * read, read once for the facts a concise status leaves out; it may lay the witnesses out
 * differently, so what it lacks of them does not erase what the concise reads said.
 */
export function applyStatus(st: State, s: StatusResult, full = false): void {
  const p = rec(s.progress);
  st.id ??= str(s.operation_id);
  st.type = str(s.operation_type) ?? st.type;
  st.status = str(s.status) ?? st.status;
  st.pct = num(s.progress_percentage) ?? num(p?.percentage) ?? st.pct;
  st.step = str(s.current_step) ?? str(p?.current_step) ?? st.step;
  st.duration = num(s.duration_seconds);
  st.eta = num(s.eta_seconds);
  st.at = Date.now();
  const f = st.facts;
  f.strategy ??= str(s.strategy_name);
  f.symbols ??= str(s.symbol) ?? strings(s.symbols)?.join(", ");
  f.timeframe ??= str(s.timeframe) ?? strings(s.timeframes)?.join(", ");
  f.start ??= str(s.start_date);
  f.end ??= str(s.end_date);
  if (st.type === "data_load") f.mode ??= str(s.mode);
  mergeEpoch(st, rec(s.epoch_metrics) ?? rec(s.latest_epoch));
  st.diagnosis = rec(s.diagnosis) ?? st.diagnosis;
  st.segments = str(s.segments) ?? str(p?.segments) ?? st.segments;
  st.bars = num(s.bars_saved) ?? (st.type === "data_load" ? num(p?.items_processed) : undefined) ?? st.bars;
  st.error = str(s.error_message) ?? (st.status === "failed" ? str(s.error) : undefined) ?? st.error;
  st.cancelReason = str(s.cancel_reason) ?? st.cancelReason;
  st.gaps.status = gap(s);
  applyWitnesses(st, s, full);
}

/**
 * What the v2026 witnesses say in a status read: each read's belief replaces the last (absent =
 * nothing to say now). A checkpoint that stands for the progress (not a resume point) replaces a
 * percentage this read does not give: KTRDR's 0 % of a resumed or restarted training is no progress.
 */
function applyWitnesses(st: State, s: StatusResult, full: boolean): void {
  const a = str(s.anomaly);
  const said = <T>(v: T | undefined, before: T | undefined) => v ?? (full ? before : undefined);
  st.anomaly = said(a !== undefined && ANOMALY.has(a) ? (a as Anomaly) : undefined, st.anomaly);
  st.backendStatus = said(str(s.backend_status), st.backendStatus);
  const c = rec(s.checkpoint);
  st.checkpoint = said(
    c ? { epoch: num(c.epoch), type: str(c.type), age_s: num(c.age_s), resumable: c.resumable === true, at: Date.now() } : undefined,
    st.checkpoint,
  );
  if (st.checkpoint && !st.checkpoint.resumable && num(s.progress_percentage) === undefined && !rec(s.progress)) st.pct = undefined;
  const w = rec(s.worker);
  st.worker = said(
    w
      ? { id: str(w.id), state: str(w.state), checked_s_ago: num(w.checked_s_ago), other_op: str(w.other_op), replaces: str(w.replaces) }
      : undefined,
    st.worker,
  );
  st.cycle = str(s.cycle) ?? st.cycle;
  const r = rec(s.research);
  if (r) {
    const b = rec(r.budget);
    st.facts.strategy ??= str(r.strategy);
    st.research = {
      phase: str(r.phase) ?? st.research?.phase,
      model: str(r.model) ?? st.research?.model,
      budget: b ? { remaining: num(b.remaining), daily_limit: num(b.daily_limit) } : st.research?.budget,
    };
  }
  const kids = Array.isArray(r?.children) ? r.children : undefined;
  if (st.type === "agent_research" || r) st.childrenLinked = kids !== undefined && kids.length > 0;
  for (const k of kids ?? []) {
    const c2 = rec(k);
    const id = str(c2?.operation_id);
    if (!c2 || !id) continue;
    st.children.set(id, {
      operation_id: id,
      operation_type: str(c2.operation_type),
      status: str(c2.status),
      pct: num(c2.progress_percentage),
    });
  }
}

/**
 * resume_operation's answer: the same operation goes on, so what marked it finished (its cancel
 * reason or error, its results, the checkpoint it resumed from, the anomaly) no longer holds;
 * its status is the one the answer carries, or unknown until the next read. The epochs stay.
 */
export function applyResumed(st: State, sc: StartResult): void {
  st.id = str(sc.operation_id) ?? st.id;
  st.status = undefined;
  st.pct = undefined;
  st.step = undefined;
  st.error = undefined;
  st.cancelReason = undefined;
  st.results = undefined;
  st.anomaly = undefined;
  st.backendStatus = undefined;
  st.checkpoint = undefined;
  st.worker = undefined;
  st.gaps = { status: {}, results: {}, metrics: {}, start: { note: str(sc.note) } };
  st.message = str(sc.message);
  const op = rec(sc.operation);
  if (op) applyStatus(st, op);
}

/** A start tool's result: the operation_id, and its status when the server waited. */
export function applyStart(st: State, sc: StartResult): void {
  st.id = str(sc.operation_id) ?? st.id;
  st.type = str(sc.operation_type) ?? st.type;
  if (sc.status === "already_running" || sc.status === "resumed") st.message = str(sc.message);
  st.gaps.start = { note: str(sc.note) };
  const op = rec(sc.operation);
  if (op) applyStatus(st, op);
}

/** get_operation_metrics: epochs (merged by number) and the diagnosis. */
export function applyMetrics(st: State, sc: MetricsResult): void {
  const list = Array.isArray(sc.epochs) ? sc.epochs : [];
  for (const e of list) mergeEpoch(st, rec(e));
  st.diagnosis = rec(sc.diagnosis) ?? st.diagnosis;
  st.gaps.metrics = gap(sc);
}

/** get_operation_results (concise; full adds the equity series). */
export function applyResults(st: State, sc: ResultsResult, full = false): void {
  st.id ??= str(sc.operation_id);
  st.type = str(sc.operation_type) ?? st.type;
  st.status = str(sc.status) ?? st.status;
  st.error = str(sc.error_message) ?? st.error;
  st.cancelReason = str(sc.cancel_reason) ?? st.cancelReason;
  if (!full) {
    const r = rec(sc.results);
    if (r && Object.keys(r).length) st.results = r;
    st.gaps.results = gap(sc);
  }
  const eq = rec(rec(sc.series)?.equity);
  if (eq && Array.isArray(eq.points)) {
    const cols = strings(eq.columns) ?? ["time", "value", "drawdown"];
    const [ti, vi, di] = ["time", "value", "drawdown"].map((c) => cols.indexOf(c)) as [number, number, number];
    st.series = [];
    st.rev++;
    for (const p of eq.points) {
      if (!Array.isArray(p)) continue;
      const t = typeof p[ti] === "string" ? parseTime(p[ti]) : num(p[ti]);
      const v = num(p[vi]);
      if (t !== undefined && Number.isFinite(t) && v !== undefined) st.series.push([t, v, di >= 0 ? num(p[di]) : undefined]);
    }
  }
  st.seriesNote = str(sc.series_note) ?? st.seriesNote;
  // Its output schema is an open record (KTRDR's fields); its shape is the server's TradesView.
  const t: Loose<TradesView> | undefined = rec(sc.trades);
  if (t) {
    const rows = Array.isArray(t.rows) ? t.rows.filter((r): r is unknown[] => Array.isArray(r)) : [];
    st.trades = { count: num(t.count), columns: strings(t.columns) ?? [], rows };
  }
}

export function sortedEpochs(st: State): Epoch[] {
  return [...st.epochs.values()].sort((a, b) => a.epoch - b.epoch);
}

/** Something changed that a person would see (for backing off when nothing does). */
export function changeKey(st: State): string {
  const last = sortedEpochs(st).at(-1)?.epoch;
  const kids = [...st.children.values()].map((c) => `${c.status}${c.pct}`).join();
  return `${st.status}|${st.pct}|${st.step}|${last}|${st.segments}|${st.bars}|${st.anomaly}|${st.checkpoint?.epoch}|${st.research?.phase}|${kids}`;
}
