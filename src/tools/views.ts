/**
 * Agent-sized views of backend records. Agents pay per token, so the default views keep what an
 * agent needs to decide (status, progress, time left, key metrics) and drop nulls, empty
 * collections and bookkeeping; `detail: "full"` views keep everything the backend sent.
 * Derived facts (duration, ETA, training diagnosis) are computed here, never stored.
 */
import type { OperationInfo, OperationSummary } from "../ktrdr/wire";

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

/** Backend timestamps are UTC; a few lack the zone designator. */
export function parseTime(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
  const t = Date.parse(withZone);
  return Number.isNaN(t) ? undefined : t;
}

/** `2025-10-04T14:35:30.123456Z` → `2025-10-04T14:35:30Z`. */
export function shortTime(s: string | null | undefined): string | undefined {
  const t = parseTime(s);
  return t === undefined ? undefined : new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ACTIVE = new Set(["pending", "running", "resuming"]);

/** Seconds from start to completion, or to now while active. */
export function durationSeconds(op: Pick<OperationInfo, "started_at" | "completed_at" | "created_at" | "status">, now: number): number | undefined {
  const start = parseTime(op.started_at);
  if (start === undefined) return undefined;
  const end = parseTime(op.completed_at) ?? (ACTIVE.has(op.status) ? now : undefined);
  if (end === undefined) return undefined;
  return Math.max(0, Math.round((end - start) / 1000));
}

/** Remaining seconds, extrapolated from elapsed time and percentage, when both are meaningful. */
export function etaSeconds(status: string, percentage: number | null | undefined, elapsed: number | undefined): number | undefined {
  if (status !== "running" || elapsed === undefined || percentage == null) return undefined;
  if (percentage < 1 || percentage >= 100 || elapsed < 2) return undefined;
  return Math.round((elapsed * (100 - percentage)) / percentage);
}

// ---- operation status -------------------------------------------------------------------------

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
export function diagnoseTraining(epochs: Array<Record<string, unknown>>): TrainingDiagnosis | undefined {
  const vals = epochs
    .map((e, i) => ({ epoch: typeof e.epoch === "number" ? e.epoch : i + 1, val: e.val_loss }))
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

const EPOCH_METRIC_KEYS = ["train_loss", "val_loss", "train_accuracy", "val_accuracy"] as const;

function pickMetrics(m: unknown): Record<string, number> | undefined {
  if (!m || typeof m !== "object") return undefined;
  const out: Record<string, number> = {};
  for (const k of EPOCH_METRIC_KEYS) {
    const v = (m as Record<string, unknown>)[k];
    if (typeof v === "number") out[k] = round(v);
  }
  return Object.keys(out).length ? out : undefined;
}

/** Key numbers of a result summary, by operation type. */
export function conciseResults(type: string, results: Record<string, unknown>): Record<string, unknown> {
  if (type === "training") {
    const r = results as Record<string, Record<string, unknown> | undefined>;
    const tm = r.training_metrics ?? {};
    const test = r.test_metrics ?? {};
    return prune({
      training_metrics: compact(pick(tm, ["final_train_loss", "final_val_loss", "final_train_accuracy", "final_val_accuracy", "epochs_completed", "early_stopped", "best_epoch", "training_time_minutes"])),
      test_metrics: compact(pick(test, ["test_loss", "test_accuracy", "precision", "recall", "f1_score"])),
      validation_metrics: r.validation_metrics && !tm.final_val_loss ? compact(r.validation_metrics) : undefined,
      model_path: r.artifacts?.model_path,
    }) as Record<string, unknown>;
  }
  return compact(results, 5) as Record<string, unknown>;
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in o) out[k] = o[k];
  return out;
}

/**
 * The default status view. Flat, with the requirements' field names, and only what an agent
 * needs: progress, time, the domain facts of the current step, the error or result headline.
 */
export function conciseStatus(op: OperationInfo, now: number): Record<string, unknown> {
  const p = op.progress ?? {};
  const ctx = (p.context ?? {}) as Record<string, unknown>;
  const duration = durationSeconds(op, now);
  const percentage = typeof p.percentage === "number" ? round(p.percentage) : undefined;
  const view: Record<string, unknown> = {
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: op.status,
    progress_percentage: percentage,
    current_step: p.current_step,
    symbol: op.metadata?.symbol && op.metadata.symbol !== "N/A" ? op.metadata.symbol : undefined,
    duration_seconds: duration,
    eta_seconds: etaSeconds(op.status, p.percentage, duration),
  };
  if (op.operation_type === "training") {
    view.epoch_metrics = pickMetrics(ctx.epoch_metrics);
    const epochs = Array.isArray(op.metrics?.epochs) ? (op.metrics.epochs as Array<Record<string, unknown>>) : undefined;
    if (epochs) view.diagnosis = diagnoseTraining(epochs);
  } else if (op.operation_type === "data_load") {
    view.segments = typeof ctx.step_progress === "string" ? ctx.step_progress : undefined;
    view.bars_saved = p.items_processed || undefined;
  }
  if (op.status === "failed" || op.status === "cancelled") view.error_message = op.error_message;
  if (op.status === "completed" && op.result_summary) view.result = headline(op.operation_type, op.result_summary);
  return prune(view);
}

/** One line of the most important result numbers, so a status read often saves a results call. */
function headline(type: string, r: Record<string, unknown>): string | undefined {
  const num = (v: unknown) => (typeof v === "number" ? round(v) : undefined);
  if (type === "training") {
    const tm = (r.training_metrics ?? {}) as Record<string, unknown>;
    const test = (r.test_metrics ?? {}) as Record<string, unknown>;
    const parts = [
      num(tm.final_val_loss) !== undefined ? `val_loss ${num(tm.final_val_loss)}` : "",
      num(test.test_accuracy) !== undefined ? `test_accuracy ${num(test.test_accuracy)}` : "",
      num(tm.epochs_completed) !== undefined ? `${num(tm.epochs_completed)} epochs` : "",
    ].filter(Boolean);
    return parts.length ? parts.join(", ") : undefined;
  }
  if (type === "data_load") {
    const bars = num(r.fetched_bars);
    return bars !== undefined ? `${bars} bars fetched${r.merged_file ? ` into ${String(r.merged_file)}` : ""}` : undefined;
  }
  const ret = num(r.total_return ?? r.total_return_pct ?? r.return_pct);
  const trades = num(r.total_trades ?? r.trades);
  const parts = [ret !== undefined ? `return ${ret}` : "", trades !== undefined ? `${trades} trades` : ""].filter(Boolean);
  return parts.length ? parts.join(", ") : undefined;
}

/** The complete record, normalised: nulls and empties dropped, duration and ETA added. */
export function fullStatus(op: OperationInfo, now: number): Record<string, unknown> {
  const duration = durationSeconds(op, now);
  return prune({
    ...op,
    duration_seconds: duration,
    eta_seconds: etaSeconds(op.status, op.progress?.percentage, duration),
  });
}

// ---- operation lists --------------------------------------------------------------------------

/**
 * One row of a listing. Progress and step are shown only while an operation is active (a
 * finished one's step says little and its percentage is implied); get_operation_status has more.
 */
export function listRow(s: OperationSummary): Record<string, unknown> {
  const active = ACTIVE.has(s.status);
  return prune({
    operation_id: s.operation_id,
    operation_type: s.operation_type,
    status: s.status,
    created_at: shortTime(s.created_at),
    progress_percentage: active && typeof s.progress_percentage === "number" ? round(s.progress_percentage) : undefined,
    current_step: active ? s.current_step : undefined,
    symbol: s.symbol && s.symbol !== "N/A" ? s.symbol : undefined,
    duration_seconds: typeof s.duration_seconds === "number" ? Math.round(s.duration_seconds) : undefined,
  });
}
