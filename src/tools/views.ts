/**
 * Agent-sized views of the normalised model. Agents pay per token, so the default views keep what
 * an agent needs to decide (status, progress, time left, key metrics, what is unknown) and drop
 * nulls, empty collections and bookkeeping; `detail: "full"` views add everything the backend
 * sent. Derived facts (duration, ETA, training diagnosis) are computed here, never stored.
 */
import {
  type Checkpoint,
  type Epoch,
  isActive,
  type Operation,
  type OperationRow,
  type Results,
  type Worker,
  type WorkerState,
} from "../ktrdr/model";
import { parseTime } from "../ktrdr/time";

// ---- generic helpers ------------------------------------------------------------------------

/** Rounds to 4 significant digits: enough for losses and prices, fewer tokens. */
export function round(n: number): number {
  if (!Number.isFinite(n) || n === 0 || Number.isInteger(n)) return n;
  return Number(n.toPrecision(4));
}

/** Drops null, undefined, "" and empty arrays/objects, recursively. Keeps 0 and false. */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune).filter((v) => !isEmpty(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = prune(v);
      if (!isEmpty(p)) out[k] = p;
    }
    return out as T;
  }
  return value;
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

/** Rounds every number in a value and summarises long lists, for compact result views. */
export function compact(value: unknown, maxList = 5): unknown {
  if (typeof value === "number") return round(value);
  if (Array.isArray(value)) {
    if (value.length > maxList) return `${value.length} items`;
    return value.map((v) => compact(v, maxList));
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compact(v, maxList);
    return prune(out);
  }
  return value;
}

/** `2025-10-04T14:35:30.123456Z` → `2025-10-04T14:35:30Z`. */
export function shortTime(s: string | null | undefined): string | undefined {
  const t = parseTime(s);
  return t === undefined ? undefined : new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Seconds from start to completion, or to now while active; undefined when either end is unknown. */
export function durationSeconds(
  op: Pick<Operation, "started_at" | "completed_at" | "status" | "duration_seconds">,
  now: number,
): number | undefined {
  const start = parseTime(op.started_at);
  if (start === undefined) return op.duration_seconds === undefined ? undefined : Math.round(op.duration_seconds);
  const end = parseTime(op.completed_at) ?? (isActive(op.status) ? now : undefined);
  if (end === undefined) return undefined;
  return Math.max(0, Math.round((end - start) / 1000));
}

/** Remaining seconds, extrapolated from elapsed time and percentage, when both are meaningful. */
export function etaSeconds(status: string, percentage: number | undefined, elapsed: number | undefined): number | undefined {
  if (status !== "running" || elapsed === undefined || percentage === undefined) return undefined;
  if (percentage < 1 || percentage >= 100 || elapsed < 2) return undefined;
  return Math.round((elapsed * (100 - percentage)) / percentage);
}

// ---- training ------------------------------------------------------------------------------

export type TrainingDiagnosis = {
  best_epoch?: number;
  best_val_loss?: number;
  val_loss_rising?: boolean;
  note?: string;
};

/**
 * A short diagnosis from per-epoch metrics: the best epoch and whether validation loss has risen
 * for the last epochs (overfitting) — what an agent needs to decide to stop early.
 */
export function diagnoseTraining(epochs: readonly Epoch[]): TrainingDiagnosis | undefined {
  const vals = epochs
    .map((e, i) => ({ epoch: e.epoch ?? i, val: e.val_loss }))
    .filter((e): e is { epoch: number; val: number } => typeof e.val === "number");
  if (vals.length < 2) return undefined;
  let best = vals[0]!;
  for (const v of vals) if (v.val < best.val) best = v;
  const last = vals.slice(-3);
  const rising = last.length >= 3 && last[1]!.val > last[0]!.val && last[2]!.val > last[1]!.val;
  const since = vals[vals.length - 1]!.epoch - best.epoch;
  const note = rising
    ? `val_loss rising for 2 epochs; best at epoch ${best.epoch}`
    : since >= 3
      ? `no val_loss improvement for ${since} epochs`
      : undefined;
  return prune({ best_epoch: best.epoch, best_val_loss: round(best.val), val_loss_rising: rising, note });
}

/** The epochs a training is planned to run, as the normaliser read them from KTRDR (`progress.epochs_planned`). */
export function epochsPlanned(op: Pick<Operation, "operation_type" | "progress">): number | undefined {
  return op.operation_type === "training" ? op.progress?.epochs_planned : undefined;
}

export function epochView(e: Epoch): Record<string, number> {
  return compact({
    epoch: e.epoch,
    train_loss: e.train_loss,
    val_loss: e.val_loss,
    train_accuracy: e.train_accuracy,
    val_accuracy: e.val_accuracy,
  }) as Record<string, number>;
}

// ---- results -------------------------------------------------------------------------------

/**
 * Key numbers of finished results, by operation type (the requirements' shapes). Results none of
 * whose known figures are there (a newer KTRDR's layout) are shown as sent, never as empty.
 */
export function conciseResults(type: string, r: Results | undefined): Record<string, unknown> {
  if (!r) return {};
  const figures = typedResults(type, r);
  return Object.keys(figures).length > 0 ? figures : (compact(r.raw, 5) as Record<string, unknown>);
}

function typedResults(type: string, r: Results): Record<string, unknown> {
  if (type === "training" && r.training) {
    const t = r.training;
    return prune({
      training_metrics: compact({
        final_train_loss: t.final_train_loss,
        final_val_loss: t.final_val_loss,
        final_train_accuracy: t.final_train_accuracy,
        final_val_accuracy: t.final_val_accuracy,
        epochs_completed: t.epochs_completed,
        early_stopped: t.early_stopped,
        best_epoch: t.best_epoch,
        training_time_minutes: t.training_minutes,
      }),
      test_metrics: compact({
        test_loss: t.test_loss,
        test_accuracy: t.test_accuracy,
        precision: t.precision,
        recall: t.recall,
        f1_score: t.f1_score,
      }),
      model_path: t.model_path,
    }) as Record<string, unknown>;
  }
  if (type === "backtesting" && r.backtest) {
    // The lists (and their counts, which total_trades repeats) are for detail "full" only.
    const { equity_curve: _curve, equity_points: _n, trades: _t, trade_count: _c, ...figures } = r.backtest;
    return compact(figures) as Record<string, unknown>;
  }
  if (type === "data_load" && r.data_load) {
    const d = r.data_load;
    return prune({
      bars_loaded: d.bars,
      merged_file: d.merged_file,
      segments: d.segments,
      gaps_analyzed: d.gaps_analyzed,
      ib_requests: d.ib_requests,
    });
  }
  return {};
}

/** At most this many points of a series in a result (charts need the shape, not every bar). */
export const SERIES_MAX_POINTS = 300;

/** Evenly spaced points of a long series, always keeping the first and the last. */
export function downsample<T>(points: readonly T[], max = SERIES_MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

/** At most this many trades in a result: the last ones (a long backtest trades thousands of times). */
export const TRADES_MAX_ROWS = 50;
/** At most this many fields of a trade (KTRDR's trade objects are not recorded; its fields are shown as sent). */
export const TRADE_MAX_COLUMNS = 20;
/** At most this many characters of a nested trade field (shown as JSON text). */
export const TRADE_CELL_MAX_CHARS = 200;

/** One cell of the trades table: KTRDR's value, nested ones as JSON text. */
export type TradeCell = string | number | boolean | null;

/** A trade's field as a cell: numbers to 6 significant digits, nested values as bounded JSON text. */
function tradeCell(v: unknown): TradeCell {
  if (typeof v === "number") return Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v;
  if (typeof v === "string") return v.slice(0, TRADE_CELL_MAX_CHARS);
  if (typeof v === "boolean" || v === null) return v;
  if (v === undefined) return null;
  return JSON.stringify(compact(v)).slice(0, TRADE_CELL_MAX_CHARS);
}

/** A backtest's trades as a compact table: KTRDR's fields as columns, the last rows, how many there are. */
export type TradesView = {
  count: number;
  columns?: string[];
  rows?: TradeCell[][];
  /** "last 50 of 1,234" when not every trade is shown. */
  shown?: string;
};

/**
 * The last trades of a backtest as rows under KTRDR's own field names (the union of the fields of
 * the trades shown, in the order KTRDR sent them). Numbers keep 6 significant digits (prices need
 * more than the 4 of the other results).
 */
export function tradesView(trades: ReadonlyArray<Record<string, unknown>>): TradesView {
  const last = trades.slice(-TRADES_MAX_ROWS);
  const columns: string[] = [];
  for (const t of last) for (const k of Object.keys(t)) if (!columns.includes(k) && columns.length < TRADE_MAX_COLUMNS) columns.push(k);
  const view: TradesView = { count: trades.length };
  if (last.length === 0) return view;
  view.columns = columns;
  view.rows = last.map((t) => columns.map((k) => tradeCell(t[k])));
  if (last.length < trades.length) view.shown = `last ${last.length} of ${trades.length}`;
  return view;
}

/**
 * The series behind a finished operation's charts (for `detail: "full"`): a backtest's equity and
 * drawdown, downsampled, and its last trades; or, in one line, what KTRDR does not keep or did not give.
 */
export function resultSeries(
  type: string,
  r: Results | undefined,
  unread: readonly string[] = [],
): { series?: Record<string, unknown>; trades?: TradesView; series_note?: string } {
  if (type !== "backtesting" || !r?.backtest) return {};
  const b = r.backtest;
  const out: { series?: Record<string, unknown>; trades?: TradesView; series_note?: string } = {};
  const curve = b.equity_curve;
  if (curve) {
    const points = downsample(curve).map(([t, v, d]) =>
      d === undefined ? [shortTime(t) ?? t, round(v)] : [shortTime(t) ?? t, round(v), round(d)],
    );
    out.series = { equity: { columns: ["time", "value", "drawdown"], points, of: curve.length } };
  }
  if (b.trades) out.trades = tradesView(b.trades);
  if (curve && b.trades) return out;
  if (unread.length > 0) {
    const what = unread.map((l) => (l === "trades" ? "trades" : "equity curve")).join(" or its ");
    out.series_note = `KTRDR did not return this backtest's ${what} (its backtest route failed); call get_operation_results again later.`;
  } else if (!curve && !b.trades && (b.trade_count !== undefined || b.equity_points !== undefined)) {
    // v2026 (lifecycle-v2026/1250): the counts only.
    const counts = [
      b.trade_count !== undefined ? `of trades (${b.trade_count})` : undefined,
      b.equity_points !== undefined ? `of equity points (${b.equity_points})` : undefined,
    ].filter(Boolean);
    out.series_note = `KTRDR v2026 keeps only the number ${counts.join(" and ")}, not the trades or the curve.`;
  } else {
    const missing = [curve ? undefined : "equity curve", b.trades ? undefined : "trades"].filter(Boolean);
    out.series_note = `KTRDR did not return the ${missing.join(" or the ")}.`;
  }
  return out;
}

/** One line of the most important result numbers, so a status read often saves a results call. */
function headline(type: string, r: Results): string | undefined {
  const parts: string[] = [];
  const add = (label: string, v: number | undefined, suffix = "") => {
    if (v !== undefined) parts.push(`${label}${round(v)}${suffix}`);
  };
  if (type === "training" && r.training) {
    add("val_loss ", r.training.final_val_loss);
    add("test_accuracy ", r.training.test_accuracy);
    add("", r.training.epochs_completed, " epochs");
  } else if (type === "backtesting" && r.backtest) {
    add("return ", r.backtest.total_return_pct ?? r.backtest.total_return, r.backtest.total_return_pct !== undefined ? "%" : "");
    add("sharpe ", r.backtest.sharpe_ratio);
    add("", r.backtest.total_trades, " trades");
  } else if (type === "data_load" && r.data_load) {
    if (r.data_load.bars !== undefined)
      parts.push(`${r.data_load.bars} bars${r.data_load.merged_file ? ` into ${r.data_load.merged_file}` : ""}`);
  }
  return parts.length ? parts.join(", ") : undefined;
}

// ---- operation status -------------------------------------------------------------------------

/** What the server could not establish, and why, in the fewest tokens. */
function gaps(op: Pick<Operation, "unknown" | "notes">): { unknown?: string[]; note?: string } {
  return prune({ unknown: op.unknown, note: op.notes?.join(" ") });
}

/** Whole seconds from a backend time to `now` (the Worker's clock), never negative. */
function secondsSince(iso: string | undefined, now: number): number | undefined {
  const t = parseTime(iso);
  return t === undefined ? undefined : Math.max(0, Math.round((now - t) / 1000));
}

/** The worker that matters to a belief, as the agent reads it (design §1.5). */
// A type, not an interface: it is output as a plain record (implicit index signature).
export type WorkerView = {
  id?: string;
  state: WorkerState;
  checked_s_ago?: number;
  other_op?: string;
  replaces?: string;
};

export function workerView(
  worker: Worker | undefined,
  state: WorkerState,
  now: number,
  o: { id?: string; replaces?: string } = {},
): WorkerView {
  return prune({
    id: worker?.worker_id ?? o.id,
    state,
    checked_s_ago: secondsSince(worker?.last_health_check, now),
    other_op: state === "busy_other" ? worker?.current_operation_id : undefined,
    replaces: o.replaces,
  });
}

/** A checkpoint read for a resume (`withResumeCheckpoint`): resumable when KTRDR can resume from it. */
function resumeRole(op: Operation): "resumable" | undefined {
  const stopped = op.status === "cancelled" || op.status === "failed";
  return op.operation_type === "training" && stopped && op.anomaly !== "cancel_not_delivered" ? "resumable" : undefined;
}

/** A checkpoint as the agent reads it: its epoch, kind and age, and whether a resume can continue from it. */
export function checkpointView(c: Checkpoint, role: "progress" | "resumable" | undefined, now: number): Record<string, unknown> {
  return prune({
    epoch: c.epoch,
    type: c.type,
    age_s: secondsSince(c.created_at, now),
    resumable: role === "resumable" ? true : undefined,
  });
}

/**
 * What the v2026 witnesses add to a status (absent unless they say something): KTRDR's own word
 * when the server believes otherwise, the anomaly, the checkpoint that stands for progress or a
 * resume, the worker that matters, the research cycle.
 */
export function witnessView(op: Operation, now: number): Record<string, unknown> {
  const w = op.witnesses;
  return prune({
    backend_status: op.backend && op.backend.status !== op.status ? op.backend.status : undefined,
    anomaly: op.anomaly,
    checkpoint:
      w?.checkpoint && (w.checkpoint_role ?? resumeRole(op))
        ? checkpointView(w.checkpoint, w.checkpoint_role ?? resumeRole(op), now)
        : undefined,
    worker: w?.worker_state ? workerView(w.worker, w.worker_state, now, { id: w.dispatched_to, replaces: w.replaces }) : undefined,
    cycle: op.cycle,
  });
}

/**
 * The default status view. Flat, with the requirements' field names, and only what an agent
 * needs: progress, time, the domain facts of the current step, the error, cancel reason or result
 * headline, what the v2026 witnesses add, and what is unknown.
 */
export function conciseStatus(op: Operation, now: number): Record<string, unknown> {
  const p = op.progress;
  const duration = durationSeconds(op, now);
  const disputed = op.anomaly !== undefined && op.anomaly !== "retry_ghost";
  const view: Record<string, unknown> = {
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: op.status,
    ...witnessView(op, now),
    progress_percentage: p?.percentage !== undefined ? round(p.percentage) : undefined,
    current_step: p?.current_step,
    symbol: op.symbol,
    duration_seconds: duration,
    // Where the witnesses dispute KTRDR's record, no estimate is derived from its progress.
    eta_seconds: disputed ? undefined : etaSeconds(op.status, p?.percentage, duration),
  };
  if (op.operation_type === "training") {
    // A disputed view keeps to the dispute: the epochs stay with get_operation_metrics.
    if (op.latest_epoch && !disputed) view.epoch_metrics = epochView(op.latest_epoch);
    if (op.epochs && !disputed) view.diagnosis = diagnoseTraining(op.epochs);
  } else if (op.operation_type === "data_load") {
    view.segments = p?.segments;
    view.bars_saved = p?.items_processed;
  }
  if (op.status === "failed") view.error_message = op.error;
  if (op.status === "cancelled" || op.backend?.status === "cancelled") view.cancel_reason = op.cancel_reason;
  if (op.status === "completed" && op.results) view.result = headline(op.operation_type, op.results);
  return prune({ ...view, ...researchView(op), ...gaps(op) });
}

/**
 * The research part of a status (v2026): the cycle an operation belongs to, or a cycle's phase
 * (while active), strategy, model, children as their own records say, and KTRDR's budget.
 */
export function researchView(op: Pick<Operation, "cycle" | "research">): { cycle?: string; research?: Record<string, unknown> } {
  const r = op.research;
  return prune({
    cycle: op.cycle,
    research: r && {
      phase: r.phase,
      strategy: r.strategy,
      model: r.model,
      children: r.children?.map((c) => ({
        operation_id: c.operation_id,
        operation_type: c.operation_type,
        status: c.status,
        progress_percentage: c.progress_percentage === undefined ? undefined : round(c.progress_percentage),
      })),
      budget: r.budget,
    },
  });
}

/** Everything known: the normalised facts, what the backend itself said when it was corrected, and its record. */
export function fullStatus(op: Operation, now: number): Record<string, unknown> {
  const duration = durationSeconds(op, now);
  const { raw, results, source, unknown: _u, notes: _n, witnesses, ...facts } = op;
  return prune({
    ...facts,
    ...witnessView(op, now),
    // As read, without the checkpoint's history (get_operation_metrics has the epochs).
    witnesses: witnesses
      ? { ...witnesses, checkpoint: witnesses.checkpoint ? { ...witnesses.checkpoint, history: undefined } : witnesses.checkpoint }
      : undefined,
    duration_seconds: duration,
    eta_seconds: etaSeconds(op.status, op.progress?.percentage, duration),
    ...(source === "list_row" ? { source } : {}),
    ...gaps(op),
    result_summary: results?.raw,
    record: raw,
  });
}

// ---- operation lists --------------------------------------------------------------------------

/**
 * One row of a listing. Progress and step are shown only while an operation is active (a
 * finished one's step says little and its percentage is implied); get_operation_status has more.
 */
export function listRow(r: OperationRow): Record<string, unknown> {
  const active = isActive(r.status);
  return prune({
    operation_id: r.operation_id,
    operation_type: r.operation_type,
    status: r.status,
    backend_status: r.backend_status,
    anomaly: r.anomaly,
    cycle: r.cycle,
    created_at: shortTime(r.created_at),
    progress_percentage: active && r.progress_percentage !== undefined ? round(r.progress_percentage) : undefined,
    current_step: active ? r.current_step : undefined,
    symbol: r.symbol,
    duration_seconds: r.duration_seconds !== undefined ? Math.round(r.duration_seconds) : undefined,
  });
}
