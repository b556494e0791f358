/**
 * Wire records → the normalised model (`model.ts`), for both backend versions. Every backend
 * quirk seen on real KTRDR (test/fixtures/real-ktrdr, FACTS.md) is resolved here, once:
 *
 * - v2025 turns a cancelled training into `failed` with the text "Training operation cancelled"
 *   (the cancel reason is lost): it is `cancelled`, with the backend's own status kept.
 * - A cancelled dummy operation turns `completed`, its result summary saying `cancelled` and its
 *   error_message holding the reason: it is `cancelled`.
 * - v2026 resets a cancelled operation's progress to 0: progress is unknown, not 0 %.
 * - v2026 nests per-epoch metrics as a serialised `(list, cursor)` pair that repeats history.
 * - v2026 keeps no `strategy_name` in a training's parameters, only the strategy's YAML.
 * - Step counters of 0 of 0 and `"N/A"` metadata are placeholders, not facts.
 * - v2026 shows a running worker operation whose progress it lost (a backend restart) or never
 *   tracked (a resumed training, `resuming`) as 0 %, no step: progress is unknown, not 0 %
 *   (`witness.ts` then asks the workers and the checkpoint how far it got).
 * - KTRDR's retry makes a `pending` `op_retry_*` operation that no worker ever runs (both
 *   versions): flagged `retry_ghost`, never shown as work in progress.
 * - Timestamps come with `Z`, `+00:00` or no zone (all UTC): every one of the model is written
 *   one way, ISO 8601 UTC with `Z` (`time.ts`).
 *
 * Every text an agent may read (messages, steps, names, and every string of the records and
 * summaries kept for `detail: "full"`) passes the scrubber (`scrub.ts`) here.
 */
import type { Checkpoint, Epoch, EquityPoint, Operation, OperationRow, Progress, Results, Worker } from "./model";
import { cleanPathFact, scrubOptional, scrubText, scrubValue } from "./scrub";
import { parseTime, utcTime } from "./time";
import type { CheckpointWire, OperationInfo, OperationSummary } from "./wire";

/** Why a completed operation's results are unknown when only its record was read. */
export const RECORD_WITHOUT_RESULTS =
  "KTRDR's record of this completed operation holds no result summary, so its results are not known here: call get_operation_results, which also asks KTRDR's results endpoint.";
/** KTRDR positively recorded no results: said, so that an empty answer is never mistaken for a gap filled in. */
export const EMPTY_RESULT_SUMMARY = "KTRDR recorded an empty result summary for this completed operation: it reports no results.";

/**
 * Marks a completed operation's results unknown and says why, replacing an earlier reason (a
 * later read knows more: the record had none, then the results endpoint failed too).
 */
export function resultsUnknown(op: Operation, why: string): Operation {
  const earlier = new Set([RECORD_WITHOUT_RESULTS, ...(resultsNotes.get(op) ?? [])]);
  op.unknown = [...new Set([...(op.unknown ?? []), "results"])];
  op.notes = [...(op.notes ?? []).filter((n) => !earlier.has(n)), why];
  resultsNotes.set(op, [why]);
  delete op.results;
  return op;
}
const resultsNotes = new WeakMap<Operation, string[]>();

/** Why a v2026 running operation shows no progress: KTRDR's placeholder (0 %, no step), never "0 %". */
export const PLACEHOLDER_PROGRESS_NOTE = "KTRDR reports no progress (0 %, no step); progress is unknown.";
/** A cancelled v2026 record's progress, reset to 0 (a checkpoint, when read, says how far it got: `witness.ts`). */
export const CANCEL_RESET_NOTE = "KTRDR v2026 resets progress when an operation is cancelled: how far it got is not known.";
/** What a retry ghost is, and what to do about it. */
export const RETRY_GHOST_NOTE =
  "Made by KTRDR's retry, which no worker runs: it stays pending. Cancel it; to run the work again, start it anew.";

/** Operations v2026 runs on a worker (the others run inside the backend). */
export const WORKER_OPERATION_TYPES: readonly string[] = ["training", "backtesting"];

/** An id KTRDR's `POST /operations/{id}/retry` made (`op_retry_<type>_…`, L26/480, L25/033). */
export function isRetryId(id: string): boolean {
  return id.startsWith("op_retry_");
}

/** v2025's text for a training whose cancel it recorded as a failure. */
const V2025_CANCELLED_TRAINING_TEXT = "Training operation cancelled";

type Rec = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
/** Backend text an agent reads: scrubbed (no absolute path, no control character, bounded). */
const text = (v: unknown): string | undefined => scrubOptional(str(v));
const obj = (v: unknown): Rec | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : undefined);
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string") ? (v as string[]).map((x) => scrubText(x)) : undefined;
const pathFact = (v: unknown): string | undefined => {
  const s = str(v);
  return s === undefined ? undefined : cleanPathFact(s) || undefined;
};
/** A timestamp of the model: ISO 8601 UTC with `Z` (`time.ts`); absent when KTRDR sent none, or something else. */
const stamp = (v: unknown): string | undefined => (typeof v === "string" ? utcTime(v) : undefined);
/** A point's time on a curve: a timestamp in the model's form, else the text as sent (a bare date, say). */
const pointTime = (v: unknown): string | undefined => stamp(v) ?? text(v);
/** KTRDR fills metadata it does not have with "N/A". */
const fact = (v: unknown): string | undefined => {
  const s = text(v);
  return s && s !== "N/A" ? s : undefined;
};

/** The operation record → the model. */
export function operationFromRecord(rec: OperationInfo): Operation {
  const raw = scrubValue(rec as unknown as Rec);
  const meta = obj(rec.metadata) ?? {};
  const params = obj(meta.parameters) ?? {};
  const summary = obj(rec.result_summary);
  const session = obj(summary?.session_info);
  const isV2026Record = "is_backend_local" in raw || "parent_operation_id" in raw;
  const symbol = fact(meta.symbol);
  const timeframe = fact(meta.timeframe);

  const op: Operation = {
    operation_id: rec.operation_id,
    operation_type: rec.operation_type,
    status: rec.status,
    created_at: stamp(rec.created_at),
    started_at: stamp(rec.started_at),
    completed_at: stamp(rec.completed_at),
    symbol,
    timeframe,
    mode: fact(meta.mode),
    strategy_name: text(params.strategy_name) ?? text(params.strategy) ?? yamlName(params.strategy_yaml) ?? text(session?.strategy_name),
    symbols: strList(params.symbols) ?? (symbol ? [symbol] : undefined),
    timeframes: strList(params.timeframes) ?? (timeframe ? [timeframe] : undefined),
    start_date: text(params.start_date) ?? text(meta.start_date),
    end_date: text(params.end_date) ?? text(meta.end_date),
    source: "record",
    raw,
  };
  const unknown: string[] = [];
  const notes: string[] = [];

  // ---- times: one sent that is not a timestamp is not known, and said so (never shown as sent) ----
  const unreadable = (["created_at", "started_at", "completed_at"] as const).filter(
    (k) => str(rec[k]) !== undefined && op[k] === undefined,
  );
  if (unreadable.length) {
    unknown.push(...unreadable);
    notes.push(`KTRDR sent a ${unreadable.join(", ")} that is not a timestamp.`);
  }

  // ---- status: resolve cancels the backend reported as something else ----
  const message = text(rec.error_message);
  if (rec.status === "failed" && rec.operation_type === "training" && message?.trim() === V2025_CANCELLED_TRAINING_TEXT) {
    op.status = "cancelled";
    op.backend = { status: "failed", error_message: message };
    unknown.push("cancel_reason");
    notes.push(
      "KTRDR recorded this cancelled training as failed ('Training operation cancelled', a v2025 behaviour) and did not keep the cancel reason.",
    );
  } else if (rec.status === "completed" && summary?.status === "cancelled") {
    op.status = "cancelled";
    op.backend = { status: "completed", error_message: message };
    op.cancel_reason = message;
    notes.push("KTRDR marks a cancelled operation of this kind completed once it stops; its results say cancelled.");
  } else if (rec.status === "cancelled") {
    op.cancel_reason = message;
  } else if (rec.status === "failed") {
    op.error = message;
    if (!message) {
      unknown.push("error");
      notes.push("KTRDR gave no reason for this failure.");
    }
  }

  // ---- who runs it (v2026: the worker it was given to) ----
  const worker = isV2026Record ? text(params.worker_id) : undefined;
  if (worker) op.witnesses = { dispatched_to: worker };

  // ---- progress ----
  const progress = progressFrom(obj(rec.progress));
  const blank = (progress?.percentage ?? 0) === 0 && !progress?.current_step && !progress?.steps_total;
  const resetOnCancel = isV2026Record && op.status === "cancelled" && blank;
  // A running worker operation at 0 %, no step: what a restart leaves, or a resumed training (L26/607, 022).
  const placeholder =
    isV2026Record && (op.status === "running" || op.status === "resuming") && blank && WORKER_OPERATION_TYPES.includes(op.operation_type);
  if (resetOnCancel) {
    unknown.push("progress");
    notes.push(CANCEL_RESET_NOTE);
  } else if (placeholder) {
    unknown.push("progress");
    notes.push(PLACEHOLDER_PROGRESS_NOTE);
  } else {
    op.progress = progress;
  }

  // ---- KTRDR's retry: a pending record nobody runs (L26/480–512, L25/033–070) ----
  if (isRetryId(op.operation_id) && op.status === "pending" && !op.started_at) {
    op.anomaly = "retry_ghost";
    notes.push(RETRY_GHOST_NOTE);
  }
  if (progress && rec.operation_type === "training") {
    const planned = epochsPlanned(obj(obj(rec.progress)?.context), progress.current_step);
    if (planned !== undefined) progress.epochs_planned = planned;
  }

  // ---- training metrics ----
  const ctx = obj(obj(rec.progress)?.context) ?? {};
  // The epoch the metrics belong to as KTRDR numbers it; older records only give the context's epoch_index.
  const em = obj(ctx.epoch_metrics);
  const latest = epochFrom(em && em.epoch === undefined && num(ctx.epoch_index) !== undefined ? { epoch: ctx.epoch_index, ...em } : em);
  if (latest && op.status !== "completed") op.latest_epoch = latest;
  const epochs = epochsFromMetrics(rec.metrics);
  if (epochs && epochs.length > 0) {
    op.epochs = epochs;
    // v2026 keeps no epoch metrics in the progress context: the last epoch of the history is the latest.
    if (!op.latest_epoch && op.status !== "completed") op.latest_epoch = epochs[epochs.length - 1];
  }

  if (summary && (op.status === "completed" || op.status === "failed" || op.status === "cancelled")) {
    op.results = resultsFrom(rec.operation_type, summary);
  }
  // A completed operation without a summary has results nobody read: unknown, never "none".
  if (op.status === "completed" && !summary) {
    unknown.push("results");
    notes.push(RECORD_WITHOUT_RESULTS);
  } else if (op.status === "completed" && summary && Object.keys(summary).length === 0) {
    notes.push(EMPTY_RESULT_SUMMARY);
  }
  if (unknown.length) op.unknown = unknown;
  if (notes.length) op.notes = notes;
  return op;
}

function progressFrom(p: Rec | undefined): Progress | undefined {
  if (!p) return undefined;
  const ctx = obj(p.context) ?? {};
  const stepsTotal = num(p.steps_total);
  const out: Progress = {
    percentage: num(p.percentage),
    current_step: text(p.current_step),
    // 0 of 0 steps is v2026's placeholder once an operation has finished.
    steps_completed: stepsTotal ? num(p.steps_completed) : undefined,
    steps_total: stepsTotal || undefined,
    items_processed: num(p.items_processed) || undefined,
    items_total: num(p.items_total) || undefined,
    segments: text(ctx.step_progress),
  };
  return out;
}

/**
 * The epochs a training plans, as KTRDR says it: v2025's progress context `total_epochs`, else its
 * step text ("Epoch 32/50 · Batch 245/640", v2026 "Epoch 47/1500"). Read here, once: nothing
 * downstream parses KTRDR's step text.
 */
function epochsPlanned(ctx: Rec | undefined, step: string | undefined): number | undefined {
  const total = num(ctx?.total_epochs);
  if (total !== undefined && total > 0) return total;
  const m = /\bEpoch:?\s*\d+\s*\/\s*(\d+)/i.exec(step ?? "");
  return m ? Number(m[1]) : undefined;
}

/** The strategy's name from the start of its YAML (v2026 keeps the YAML, truncated, instead of the name). */
export function yamlName(yaml: unknown): string | undefined {
  if (typeof yaml !== "string") return undefined;
  const m = /^name:\s*["']?([A-Za-z0-9_.-]+)["']?\s*(?:#.*)?$/m.exec(yaml);
  return m?.[1];
}

function epochFrom(e: Rec | undefined): Epoch | undefined {
  if (!e) return undefined;
  const out: Epoch = {
    epoch: num(e.epoch),
    train_loss: num(e.train_loss),
    val_loss: num(e.val_loss),
    train_accuracy: num(e.train_accuracy),
    val_accuracy: num(e.val_accuracy),
    learning_rate: num(e.learning_rate),
  };
  return Object.values(out).some((v) => v !== undefined) ? out : undefined;
}

/**
 * Per-epoch metrics in any shape KTRDR sends them:
 * - `{epochs: [epoch, …], …}` (an object with a flat list);
 * - v2026's serialised `(list, cursor)`: `[[[epochs…], n, [epochs…], n], cursor]`, or the
 *   record's `{epochs: [[epochs…], n, …]}` — arrays of epochs interleaved with counts, repeating
 *   history on every refresh.
 * Returns the epochs in order, one per epoch number (the latest report of each wins), or
 * undefined when the value is none of these shapes.
 */
export function epochsFromMetrics(metrics: unknown): Epoch[] | undefined {
  const found: Rec[] = [];
  let recognised = false;
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4) return;
    if (Array.isArray(v)) {
      recognised = true;
      for (const x of v) visit(x, depth + 1);
    } else if (obj(v)) {
      const o = v as Rec;
      if ("epoch" in o || "train_loss" in o || "val_loss" in o) found.push(o);
      else if (depth === 0 && "epochs" in o) visit(o.epochs, depth + 1);
    }
  };
  if (metrics === null || metrics === undefined) return undefined;
  visit(metrics, 0);
  if (!recognised && found.length === 0) return Array.isArray(metrics) || obj(metrics) ? [] : undefined;
  const byEpoch = new Map<number | string, Epoch>();
  found.forEach((o, i) => {
    const e = epochFrom(o);
    if (e) byEpoch.set(e.epoch ?? `#${i}`, e);
  });
  return [...byEpoch.values()].sort((a, b) => (a.epoch ?? 0) - (b.epoch ?? 0));
}

/** Summary keys of an object-shaped metrics answer besides the epochs (best_epoch, is_overfitting…). */
export function metricsExtras(metrics: unknown): Record<string, unknown> {
  const o = obj(metrics);
  if (!o) return {};
  return scrubValue(Object.fromEntries(Object.entries(o).filter(([k]) => k !== "epochs")));
}

/** A result summary → key figures by operation type, plus everything as sent. */
export function resultsFrom(type: string, sent: Rec): Results {
  const raw = scrubValue(sent);
  const out: Results = { raw };
  if (type === "training") {
    const tm = obj(raw.training_metrics) ?? {};
    const test = obj(raw.test_metrics) ?? {};
    const art = obj(raw.artifacts) ?? {};
    const seconds = num(tm.training_time);
    out.training = prune({
      final_train_loss: num(tm.final_train_loss),
      final_val_loss: num(tm.final_val_loss),
      final_train_accuracy: num(tm.final_train_accuracy),
      final_val_accuracy: num(tm.final_val_accuracy),
      epochs_completed: num(tm.epochs_completed) ?? num(tm.epochs_trained),
      early_stopped: typeof tm.early_stopped === "boolean" ? tm.early_stopped : undefined,
      best_epoch: num(tm.best_epoch),
      training_minutes: num(tm.training_time_minutes) ?? (seconds !== undefined ? seconds / 60 : undefined),
      test_loss: num(test.test_loss),
      test_accuracy: num(test.test_accuracy),
      precision: num(test.precision),
      recall: num(test.recall),
      f1_score: num(test.f1_score),
      // v2025 keeps it under artifacts, v2026 at the top level.
      // A path fact start_backtest takes back: kept as KTRDR sent it (recorded ones are relative).
      model_path: pathFact(art.model_path) ?? pathFact(raw.model_path),
      history: historyFrom(obj(tm.history)),
    });
  } else if (type === "backtesting") {
    const m = obj(raw.metrics) ?? raw;
    const cfg = obj(raw.config) ?? {};
    const summary = obj(raw.summary) ?? {};
    // KTRDR's *_pct fields are fractions (v2026/061: total_return 23,330.65 on 100,000 → total_return_pct
    // 0.2333): given as percentages here, as their names say.
    const percent = (v: unknown) => (num(v) === undefined ? undefined : (num(v) as number) * 100);
    out.backtest = prune({
      total_return: num(m.total_return),
      total_return_pct: percent(m.total_return_pct),
      sharpe_ratio: num(m.sharpe_ratio),
      max_drawdown: num(m.max_drawdown),
      max_drawdown_pct: percent(m.max_drawdown_pct),
      total_trades: num(m.total_trades),
      win_rate: num(m.win_rate),
      profit_factor: num(m.profit_factor),
      initial_capital: num(cfg.initial_capital) ?? num(summary.initial_capital),
      final_value: num(summary.final_value) ?? num(m.final_value),
      equity_curve: equityFrom(raw.equity_curve),
      equity_points: num(raw.equity_curve_length),
      trades: tradesFrom(raw.trades),
      trade_count: num(raw.trade_count),
    });
    // The curve and the trades are carried above; the record keeps everything else (v2025's arrays are 100+ KB).
    const carried = new Set([...(out.backtest.equity_curve ? ["equity_curve"] : []), ...(out.backtest.trades ? ["trades"] : [])]);
    if (carried.size) out.raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !carried.has(k)));
  } else if (type === "data_load") {
    out.data_load = prune({
      bars: num(raw.fetched_bars),
      merged_file: text(raw.merged_file),
      segments: num(raw.segments_fetched),
      gaps_analyzed: num(raw.gaps_analyzed),
      ib_requests: num(raw.ib_requests_made),
    });
  }
  return out;
}

/** `/trainings/{id}/performance` (what v2025 still serves when the record cannot be read). */
export function resultsFromPerformance(perf: Rec): Results {
  return resultsFrom("training", { training_metrics: perf.training_metrics, test_metrics: perf.test_metrics, model_info: perf.model_info });
}

/** Parallel per-epoch arrays → epochs numbered from `first` (KTRDR counts from 0). */
function historyFrom(h: Rec | undefined, first = 0): Epoch[] | undefined {
  if (!h) return undefined;
  const series = (k: string) => (Array.isArray(h[k]) ? (h[k] as unknown[]) : []);
  const n = Math.max(...["train_loss", "val_loss", "train_accuracy", "val_accuracy"].map((k) => series(k).length));
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return Array.from({ length: n }, (_, i) => ({
    epoch: first + i,
    train_loss: num(series("train_loss")[i]),
    val_loss: num(series("val_loss")[i]),
    train_accuracy: num(series("train_accuracy")[i]),
    val_accuracy: num(series("val_accuracy")[i]),
  }));
}

/**
 * A backtest's trades as KTRDR sent them (already scrubbed): the objects of its list, in its order.
 * Their fields are KTRDR's own (the recordings hold only empty lists), so nothing is renamed.
 */
function tradesFrom(v: unknown): Array<Record<string, unknown>> | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((t): t is Rec => obj(t) !== undefined);
}

/**
 * A backtest's equity curve: v2025 sends `{timestamps, values, drawdowns}` (parallel arrays);
 * a list of points (`[time, value]` or `{timestamp, equity}`) is read too.
 */
export function equityFrom(v: unknown): EquityPoint[] | undefined {
  const o = obj(v);
  if (o && Array.isArray(o.timestamps) && Array.isArray(o.values)) {
    const ts = o.timestamps as unknown[];
    const vs = o.values as unknown[];
    const dd = Array.isArray(o.drawdowns) ? (o.drawdowns as unknown[]) : [];
    const out: EquityPoint[] = [];
    for (let i = 0; i < Math.min(ts.length, vs.length); i++) {
      const t = pointTime(ts[i]);
      const value = num(vs[i]);
      if (t === undefined || value === undefined) continue;
      const d = num(dd[i]);
      out.push(d === undefined ? [t, value] : [t, value, d]);
    }
    return out.length ? out : undefined;
  }
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: EquityPoint[] = [];
  for (const p of v) {
    const po = obj(p);
    if (Array.isArray(p) && typeof p[0] === "string" && typeof p[1] === "number") out.push([pointTime(p[0]) ?? "", p[1]]);
    else if (po && pointTime(po.timestamp ?? po.date ?? po.time) && num(po.equity ?? po.value ?? po.portfolio_value) !== undefined)
      out.push([pointTime(po.timestamp ?? po.date ?? po.time) as string, num(po.equity ?? po.value ?? po.portfolio_value) as number]);
  }
  return out.length ? out : undefined;
}

/** A list row → the model (status as listed; only a read of the record can correct it). */
export function rowFromSummary(s: OperationSummary): OperationRow {
  return {
    operation_id: s.operation_id,
    operation_type: s.operation_type,
    status: s.status,
    created_at: stamp(s.created_at),
    progress_percentage: num(s.progress_percentage),
    current_step: text(s.current_step),
    symbol: fact(s.symbol),
    duration_seconds: num(s.duration_seconds),
    // A retry's pending row (rows carry no start time; the record's check is in operationFromRecord).
    ...(isRetryId(s.operation_id) && s.status === "pending" ? { anomaly: "retry_ghost" as const } : {}),
  };
}

/** A row from a full record, e.g. an operation only a worker revealed. */
export function rowFromOperation(op: Operation, now: number): OperationRow {
  const started = parseTime(op.started_at);
  const ended = op.completed_at ? parseTime(op.completed_at) : now;
  return {
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: op.status,
    created_at: op.created_at,
    progress_percentage: op.progress?.percentage,
    current_step: op.progress?.current_step,
    symbol: op.symbol,
    duration_seconds: started === undefined || ended === undefined ? undefined : Math.max(0, (ended - started) / 1000),
    ...(op.backend && op.backend.status !== op.status ? { backend_status: op.backend.status } : {}),
    ...(op.anomaly ? { anomaly: op.anomaly } : {}),
    ...(op.cycle ? { cycle: op.cycle } : {}),
  };
}

/**
 * What is known of an operation whose record the backend cannot serve, from its list row: the
 * status and progress as listed, nothing else.
 */
export function operationFromRow(row: OperationRow, why: string): Operation {
  return {
    operation_id: row.operation_id,
    operation_type: row.operation_type,
    status: row.status,
    created_at: row.created_at,
    progress:
      row.progress_percentage !== undefined || row.current_step
        ? prune({ percentage: row.progress_percentage, current_step: row.current_step })
        : undefined,
    symbol: row.symbol,
    duration_seconds: row.duration_seconds,
    source: "list_row",
    unknown: ["started_at", "completed_at", "parameters", "error"],
    notes: [why],
  };
}

function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A v2026 worker as `GET /workers` reports it; its times in the model's form. */
export function workerFrom(w: {
  worker_id: string;
  worker_type: string;
  status: string;
  current_operation_id?: string | null;
  last_health_check?: string | null;
  last_healthy_at?: string | null;
  health_check_failures?: number | null;
}): Worker {
  return prune({
    worker_id: w.worker_id,
    worker_type: w.worker_type,
    status: w.status,
    current_operation_id: w.current_operation_id ?? undefined,
    last_health_check: stamp(w.last_health_check),
    last_healthy_at: stamp(w.last_healthy_at),
    health_check_failures: num(w.health_check_failures),
  });
}

/**
 * A v2026 checkpoint (`GET /checkpoints/{id}`, or a row of `GET /checkpoints`, whose state is under
 * `state_summary`). Its history holds the epochs of the run that wrote it, the last one being the
 * checkpoint's epoch (L26/008: epoch 10, eleven entries; a resumed run's only its own).
 */
export function checkpointFrom(c: CheckpointWire): Checkpoint {
  const state = obj(c.state) ?? obj(c.state_summary) ?? {};
  const epoch = num(state.epoch);
  const req = obj(state.original_request) ?? {};
  const strategyPath = text(req.strategy_path);
  const history = obj(state.training_history);
  const length = history ? Math.max(0, ...Object.values(history).map((v) => (Array.isArray(v) ? v.length : 0))) : 0;
  const first = epoch !== undefined && length > 0 ? Math.max(0, epoch - length + 1) : 0;
  const request = prune({
    // The file's name without its extension: what a start takes as strategy_name.
    strategy_name: strategyPath ? (strategyPath.split(/[\\/]/).pop() ?? "").replace(/\.ya?ml$/i, "") || undefined : undefined,
    symbols: strList(req.symbols),
    timeframes: strList(req.timeframes),
    start_date: text(req.start_date),
    end_date: text(req.end_date),
  });
  return prune({
    operation_id: c.operation_id,
    type: c.checkpoint_type,
    created_at: stamp(c.created_at),
    epoch,
    latest: epochFrom(epoch === undefined ? undefined : { ...state, epoch }),
    history: historyFrom(history, first),
    request: Object.keys(request).length > 0 ? request : undefined,
  });
}
