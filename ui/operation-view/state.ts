/**
 * What the view knows about its operation, and how each tool result feeds it. Results only ever
 * add or replace facts: a later read that lacks something (v2026 resets progress and clears
 * epochs on cancel) does not erase what was seen.
 *
 * The server's words are imported, not copied: the status sets from the normalised model, the
 * results' shapes as the tools declare them (types only, erased by the build), and what a result
 * is and the numbers behind it from its `_meta["ktrdr/view"]` (src/tools/view-meta.ts).
 */
import type { Operation } from "../../src/ktrdr/model";
import { ACTIVE_STATUSES, FINISHED_STATUSES } from "../../src/ktrdr/model";
import type { DataSummaryView } from "../../src/tools/data.tools";
import type { MetricsView, ResultsView, StatusView } from "../../src/tools/operations.tools";
import type { StartedResult } from "../../src/tools/started";
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
  if (sc.status === "started" || sc.status === "already_running") return "started";
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
  /** The start tool's message, when it found an identical operation already running. */
  message?: string;
  /** A tool error or a view-level problem, shown in place of the operation. */
  problem?: string;
  canCancel: boolean;
  confirming: boolean;
  cancelling: boolean;
  cancelNote?: string;
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
    canCancel: false,
    confirming: false,
    cancelling: false,
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

/** get_operation_status (concise or full), or a start tool's `operation`. */
export function applyStatus(st: State, s: StatusResult): void {
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
}

/** A start tool's result: the operation_id, and its status when the server waited. */
export function applyStart(st: State, sc: StartResult): void {
  st.id = str(sc.operation_id) ?? st.id;
  st.type = str(sc.operation_type) ?? st.type;
  if (sc.status === "already_running") st.message = str(sc.message);
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
}

export function sortedEpochs(st: State): Epoch[] {
  return [...st.epochs.values()].sort((a, b) => a.epoch - b.epoch);
}

/** Something changed that a person would see (for backing off when nothing does). */
export function changeKey(st: State): string {
  const last = sortedEpochs(st).at(-1)?.epoch;
  return `${st.status}|${st.pct}|${st.step}|${last}|${st.segments}|${st.bars}`;
}
