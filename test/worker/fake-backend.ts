/**
 * A fake KTRDR backend for Worker unit tests: seeded operations in the shapes the real backends
 * sent (v2025, v2026), a record of every request, and injectable faults (connection refused, hang
 * until aborted, HTML pages, redirects, bad JSON, error bodies).
 *
 * Every answer it gives for a route the recordings cover is checked against them by
 * fake-contract.test.ts (test/fixtures/real-ktrdr); the routes no recording covers (`/symbols`,
 * `/indicators/`, `POST /data/range`) follow /work/shared/ktrdr-api-contract.md.
 *
 * Its `fetch` has the signature of the global fetch, so it can be injected into `KtrdrApi` /
 * `runTool`, or served from a `vi.spyOn(globalThis, "fetch")` stub for the real MCP endpoint.
 */

export type WireVersion = "v2025" | "v2026";

export interface RecordedRequest {
  method: string;
  url: URL;
  /** Path after the base (e.g. `/operations/op_x`), still percent-encoded as sent. */
  path: string;
  headers: Headers;
  body: unknown;
}

export interface FakeOptions {
  version: WireVersion;
  /** Base URL including /api/v1 (no trailing slash). */
  base?: string;
  /** Whether `GET /operations/{id}/results` exists (early-October-2025 backends lack it). */
  hasResults?: boolean;
  /** Whether `GET /operations/{id}/metrics` exists (from late October 2025). */
  hasMetrics?: boolean;
}

/** A fault answers a request instead of the fake's normal routes. */
export type FaultResponder = (req: RecordedRequest, init: RequestInit | undefined) => Promise<Response>;

export const DEFAULT_BASE = "http://127.0.0.1:8000/api/v1";

export const IDS = {
  trainingRunning: "op_training_20251004_143530_b5c6d7e8",
  trainingCompleted: "op_training_20251003_090000_a1b2c3d4",
  trainingFailed: "op_training_20251004_150000_f9e8d7c6",
  dataLoadCompleted: "op_data_load_20251004_140012_c8d9e0f1",
  dataLoadRunning: "op_data_load_20251004_160000_0a0b0c0d",
  dataLoadCancelled: "op_data_load_20251002_120000_11223344",
  backtestPending: "op_backtesting_20251004_161000_55667788",
  unknown: "op_training_20240101_000000_deadbeef",
} as const;

/** The clock the seeded operations are relative to (tests pass it as `now`). */
export const NOW = Date.parse("2025-10-04T16:15:00Z");

type Op = Record<string, unknown> & { operation_id: string; operation_type: string; status: string; created_at: string };

function progress(p: Partial<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    percentage: 0,
    current_step: null,
    steps_completed: 0,
    steps_total: 0,
    items_processed: 0,
    items_total: null,
    current_item: null,
    context: {},
    ...p,
  };
}

function metadata(p: Partial<Record<string, unknown>> = {}): Record<string, unknown> {
  return { symbol: null, timeframe: null, mode: null, start_date: null, end_date: null, parameters: {}, ...p };
}

/**
 * A v2025 training's result summary, shaped as v2025 sends it once its tensor bug is fixed
 * (v2025-fixed-tensor); v2026's differs (`TRAINING_RESULT_SUMMARY_V2026`).
 */
export const TRAINING_RESULT_SUMMARY = {
  training_metrics: {
    final_train_loss: 0.018712345,
    final_val_loss: 0.024512345,
    final_train_accuracy: 0.9012,
    final_val_accuracy: 0.8876,
    epochs_completed: 50,
    early_stopped: false,
    training_time_minutes: 32.5,
    best_epoch: 47,
    final_learning_rate: 0.0001,
  },
  validation_metrics: { val_loss: 0.0245, val_accuracy: 0.8876 },
  test_metrics: { test_loss: 0.0301, test_accuracy: 0.8921, precision: 0.875, recall: 0.861, f1_score: 0.868 },
  resource_usage: { gpu_used: false, peak_memory_mb: 812.4, training_mode: "local" },
  artifacts: {
    model_path: "models/mlp_basic/AAPL_1h_v3/model.pt",
    analytics_dir: "training_analytics/mlp_basic_20251003",
    checkpoints: ["epoch_10.pt", "epoch_20.pt", "epoch_30.pt", "epoch_40.pt", "epoch_50.pt", "best.pt"],
    feature_importance: { rsi_oversold: 0.0511, rsi_neutral: 0.0 },
    per_symbol_metrics: { AAPL: { accuracy: 0.8876, precision: 0.875, recall: 0.861, f1_score: 0.868, sample_count: 548 } },
  },
  session_info: {
    operation_id: IDS.trainingCompleted,
    strategy_name: "mlp_basic",
    symbols: ["AAPL"],
    timeframes: ["1h"],
    training_mode: "local",
    use_host_service: false,
    start_date: "2024-01-01",
    end_date: "2025-09-30",
    data_summary: {
      symbols: ["AAPL"],
      timeframes: ["1h"],
      start_date: "2024-01-01",
      end_date: "2025-09-30",
      total_samples: 3654,
      feature_count: 9,
      symbol_distribution: { AAPL: 3654 },
    },
  },
  model_info: {
    model_size_bytes: 123_456,
    parameters_count: 12_345,
    trainable_parameters: 12_345,
    architecture: "multi_symbol_mlp_1symbols",
    symbol_embedding_dim: 16,
  },
};

/** The same training's summary as v2026 sends it (v2026/029): the model path at the top, a loss history, no best epoch. */
export const TRAINING_RESULT_SUMMARY_V2026 = {
  artifacts: { feature_importance: null, per_symbol_metrics: null },
  model_info: { architecture: "v3_mlp", parameters_count: 12_345, trainable_parameters: 12_345 },
  model_path: "models/mlp_basic/1h_v3",
  data_summary: {
    symbols: ["AAPL"],
    end_date: "2025-09-30",
    start_date: "2024-01-01",
    timeframes: ["1h"],
    feature_count: 9,
    total_samples: 3654,
  },
  session_info: {
    symbols: ["AAPL"],
    end_date: "2025-09-30",
    start_date: "2024-01-01",
    timeframes: ["1h"],
    operation_id: IDS.trainingCompleted,
    strategy_name: "mlp_basic",
    training_mode: "local",
    use_host_service: false,
  },
  test_metrics: { recall: 0.861, f1_score: 0.868, precision: 0.875, test_loss: 0.0301, test_accuracy: 0.8921 },
  resource_usage: { training_mode: "local" },
  training_metrics: {
    history: { val_loss: [0.031, 0.0245], train_loss: [0.022, 0.018712345], val_accuracy: [0.87, 0.8876], train_accuracy: [0.89, 0.9012] },
    training_time: 1950,
    epochs_trained: 50,
    final_val_loss: 0.024512345,
    final_train_loss: 0.018712345,
    best_val_accuracy: 0.8876,
    final_val_accuracy: 0.8876,
    best_train_accuracy: 0.9012,
    final_train_accuracy: 0.9012,
  },
};

export const DATA_LOAD_RESULT_SUMMARY = {
  status: "success",
  fetched_bars: 1247,
  cached_before: true,
  merged_file: "AAPL_1h.csv",
  gaps_analyzed: 4,
  segments_fetched: 3,
  ib_requests_made: 3,
  execution_time_seconds: 12.345678,
};

/** Epochs 1..12; val_loss falls to a minimum at epoch 9 and rises for the last three. */
export const EPOCHS = Array.from({ length: 12 }, (_, i) => {
  const epoch = i + 1;
  const val = epoch <= 9 ? 0.1 - epoch * 0.005 : 0.055 + (epoch - 9) * 0.004;
  return {
    epoch,
    train_loss: 0.09 - epoch * 0.004,
    val_loss: Number(val.toFixed(4)),
    train_accuracy: 0.5 + epoch * 0.02,
    val_accuracy: 0.5 + epoch * 0.015,
    duration: 12.5,
  };
});

/** The same epochs as v2026 reports them (v2026-focus/013): each with its learning rate and a timestamp. */
const EPOCHS_V2026 = EPOCHS.map((e) => ({
  ...e,
  learning_rate: 0.001,
  timestamp: new Date(Date.parse("2025-10-04T14:36:00Z") + e.epoch * 12_500).toISOString().replace(/\.\d{3}Z$/, "Z"),
}));

/** v2026's serialised `(list, cursor)` history: epoch lists interleaved with counts, repeating history. */
const EPOCH_HISTORY_V2026 = [EPOCHS_V2026.slice(0, 5), 5, EPOCHS_V2026, EPOCHS_V2026.length];

/** The first lines of a strategy's YAML, as v2026 keeps it (instead of its name). */
const strategyYaml = (name: string) => `name: ${name}\ndescription: MLP on RSI and SMA fuzzy sets\nversion: "3.0"\n`;

/** What each version records about a training it runs (v2025/033, v2026/035). */
function trainingMetadata(
  version: WireVersion,
  p: { strategy: string; symbols: string[]; timeframes: string[]; start?: string | null; end?: string | null },
) {
  const date = (d: string | null | undefined) => (d ? `${d.slice(0, 10)}T00:00:00` : null);
  if (version === "v2025")
    return metadata({
      symbol: p.symbols[0] ?? null,
      timeframe: p.timeframes[0] ?? null,
      mode: "training",
      start_date: date(p.start),
      end_date: date(p.end),
      parameters: {
        strategy_name: p.strategy,
        strategy_path: `/srv/ktrdr/strategies/${p.strategy}.yaml`,
        training_type: "mlp",
        symbols: p.symbols,
        timeframes: p.timeframes,
        epochs: 50,
        use_host_service: false,
        analytics_enabled: false,
        training_mode: "local",
        operation_name: "training",
        service_name: "TrainingService",
      },
    });
  return metadata({
    symbol: p.symbols[0] ?? null,
    timeframe: p.timeframes[0] ?? null,
    mode: "training",
    start_date: null,
    end_date: null,
    parameters: {
      strategy_yaml: strategyYaml(p.strategy),
      symbols: p.symbols,
      timeframes: p.timeframes,
      start_date: p.start ?? null,
      end_date: p.end ?? null,
      worker_id: "training-worker-0001",
    },
  });
}

/** What each version records about a data load: v2025's data service registers it generically ("N/A"). */
function dataLoadMetadata(version: WireVersion, p: { symbol: string; timeframe: string; mode: string }) {
  if (version === "v2025")
    return metadata({ symbol: "N/A", timeframe: "N/A", mode: "N/A", parameters: { operation_name: "data_load", service_name: "Data/IB" } });
  return metadata({
    symbol: p.symbol,
    timeframe: p.timeframe,
    mode: p.mode,
    parameters: { service_name: "Data/Acquisition", operation_name: `Download ${p.symbol} ${p.timeframe} (${p.mode} mode)` },
  });
}

/** What each version records about a backtest (v2025/048, v2026/060). */
function backtestMetadata(version: WireVersion, p: { strategy: string; symbol: string; timeframe: string }) {
  const parameters: Record<string, unknown> = { strategy_name: p.strategy, initial_capital: 100_000 };
  if (version === "v2026") Object.assign(parameters, { commission: 0.001, slippage: 0.0005, worker_id: "backtesting-worker-0001" });
  return metadata({ symbol: p.symbol, timeframe: p.timeframe, mode: "backtesting", parameters });
}

/** A running v2025 training's progress context (v2025/033): phase, batch and the last completed epoch (numbered from 0). */
function trainingContextV2025(
  epoch: number,
  totalEpochs: number,
  batch: number,
  batches: number,
  m: { train_loss: number; train_accuracy: number; val_loss: number; val_accuracy: number },
) {
  const item = `Epoch ${epoch} · Batch ${batch}/${batches}`;
  return {
    operation: "training",
    service: "TrainingService",
    phase: "batch",
    phase_name: "data_preparation",
    epoch_index: epoch,
    total_epochs: totalEpochs,
    batch_index: batch - 1,
    batch_number: batch,
    batch_total_per_epoch: batches,
    current_item: item,
    batch_metrics: {
      epoch: epoch - 1,
      total_epochs: totalEpochs,
      batch: batch - 1,
      total_batches_per_epoch: batches,
      completed_batches: (epoch - 1) * batches + batch - 1,
      total_batches: totalEpochs * batches,
      train_loss: 0.0211,
      train_accuracy: 0.8875,
      progress_type: "batch",
      multi_symbol: true,
    },
    epoch_metrics: { epoch: epoch - 2, total_epochs: totalEpochs, ...m, progress_type: "epoch", multi_symbol: true },
  };
}

/** A v2025 data load's context while it fetches segments from IB (from the contract: no recording, no IB gateway then). */
const segmentContext = (step: number, total: number, detail: string) => ({
  operation: "data_load",
  service: "Data/IB",
  step_current: step,
  step_total: total,
  step_detail: detail,
  step_progress: `${step}/${total}`,
});

function seedOperations(version: WireVersion): Op[] {
  const v2026 = version === "v2026";
  const v26 = (o: Op): Op => (v2026 ? { parent_operation_id: null, metrics: null, is_backend_local: false, ...o } : o);
  const base = (o: Partial<Op> & Pick<Op, "operation_id" | "operation_type" | "status" | "created_at">): Op =>
    v26({
      started_at: null,
      completed_at: null,
      progress: progress(),
      metadata: metadata(),
      error_message: null,
      warnings: [],
      errors: [],
      result_summary: null,
      ...o,
    } as Op);
  const training = { strategy: "mlp_basic", symbols: ["AAPL"], timeframes: ["1h"] };
  const epochMetrics = { train_loss: 0.023412345, train_accuracy: 0.8812, val_loss: 0.031212345, val_accuracy: 0.861 };
  return [
    base({
      operation_id: IDS.trainingRunning,
      operation_type: "training",
      status: "running",
      created_at: "2025-10-04T14:35:30.123456Z",
      started_at: "2025-10-04T14:35:35.000000Z",
      progress: v2026
        ? // v2026 keeps no context; the epochs are in `metrics` (v2026/035).
          progress({
            percentage: 65.23456,
            current_step: "Epoch 32/50 · Batch 245/640",
            steps_completed: 31,
            steps_total: 50,
            items_processed: 20480,
          })
        : progress({
            percentage: 65.23456,
            current_step: "Epoch 32/50 · Batch 245/640",
            steps_completed: 31,
            steps_total: 50,
            items_processed: 20480,
            items_total: 32000,
            current_item: "Epoch 32 · Batch 245/640",
            context: trainingContextV2025(32, 50, 245, 640, epochMetrics),
          }),
      metadata: trainingMetadata(version, { ...training, start: "2024-01-01", end: "2025-09-30" }),
      ...(v2026 ? { metrics: { epochs: EPOCH_HISTORY_V2026 } } : {}),
    }),
    base({
      operation_id: IDS.trainingCompleted,
      operation_type: "training",
      status: "completed",
      created_at: "2025-10-03T09:00:00.000000Z",
      started_at: "2025-10-03T09:00:05.000000Z",
      completed_at: "2025-10-03T09:32:35.000000Z",
      progress: v2026
        ? // After completion v2026 clears the step and its counters (FACTS: v2026).
          progress({ percentage: 100 })
        : progress({
            percentage: 100,
            current_step: "Epoch 50/50 · Batch 640/640",
            steps_completed: 50,
            steps_total: 50,
            items_processed: 32000,
            items_total: 32000,
            current_item: "Epoch 50 · Batch 640/640",
            context: { ...trainingContextV2025(50, 50, 640, 640, epochMetrics), phase: "completed" },
          }),
      metadata: trainingMetadata(version, { ...training, start: "2024-01-01", end: "2025-09-30" }),
      result_summary: v2026 ? TRAINING_RESULT_SUMMARY_V2026 : TRAINING_RESULT_SUMMARY,
      // Once a training completes, v2026's record keeps an emptied history (v2026/029).
      ...(v2026 ? { metrics: { epochs: [[], 0, [], 0] } } : {}),
    }),
    base({
      operation_id: IDS.trainingFailed,
      operation_type: "training",
      status: "failed",
      created_at: "2025-10-04T15:00:00.000000Z",
      started_at: "2025-10-04T15:00:02.000000Z",
      completed_at: "2025-10-04T15:12:45.000000Z",
      progress: v2026
        ? progress({ percentage: 12.5, current_step: "Epoch 6/50 (failed)", steps_completed: 5, steps_total: 50 })
        : // A training that fails mid-way keeps its last progress (v2025/039).
          progress({
            percentage: 12.5,
            current_step: "Epoch 6/50 (failed)",
            steps_completed: 5,
            steps_total: 50,
            items_processed: 3840,
            items_total: 32000,
            current_item: "Epoch 6 · Batch 1/640",
            context: trainingContextV2025(6, 50, 1, 640, { train_loss: 0.061, train_accuracy: 0.62, val_loss: 0.072, val_accuracy: 0.6 }),
          }),
      metadata: trainingMetadata(version, {
        strategy: "mlp_basic",
        symbols: ["MSFT"],
        timeframes: ["1h"],
        start: "2024-01-01",
        end: "2025-09-30",
      }),
      error_message: "Training failed: CUDA out of memory",
    }),
    base({
      operation_id: IDS.dataLoadCompleted,
      operation_type: "data_load",
      status: "completed",
      created_at: "2025-10-04T14:00:12.000000Z",
      started_at: "2025-10-04T14:00:12.500000Z",
      completed_at: "2025-10-04T14:00:25.000000Z",
      progress: progress({
        percentage: 100,
        current_step: "Data loading complete",
        steps_completed: 3,
        steps_total: 3,
        items_processed: 1247,
        context: v2026 ? {} : segmentContext(3, 3, "Segment 3/3: 2025-09-01 to 2025-10-03"),
      }),
      metadata: dataLoadMetadata(version, { symbol: "AAPL", timeframe: "1h", mode: "tail" }),
      result_summary: DATA_LOAD_RESULT_SUMMARY,
    }),
    base({
      operation_id: IDS.dataLoadRunning,
      operation_type: "data_load",
      status: "running",
      created_at: "2025-10-04T16:00:00.000000Z",
      started_at: "2025-10-04T16:00:00.000000Z",
      progress: progress({
        percentage: 25,
        current_step: "Fetch 12 segments from IB",
        steps_completed: 3,
        steps_total: 12,
        items_processed: 5400,
        context: segmentContext(3, 12, "Segment 3/12: 2024-03-01 to 2024-04-01"),
      }),
      metadata: dataLoadMetadata(version, { symbol: "TSLA", timeframe: "1d", mode: "backfill" }),
    }),
    base({
      operation_id: IDS.dataLoadCancelled,
      operation_type: "data_load",
      status: "cancelled",
      created_at: "2025-10-02T12:00:00.000000Z",
      started_at: "2025-10-02T12:00:01.000000Z",
      completed_at: "2025-10-02T12:05:00.000000Z",
      progress: v2026
        ? progress() // v2026 resets a cancelled operation's progress (FACTS: v2026).
        : progress({ percentage: 40, current_step: "Fetch 5 segments from IB", steps_completed: 2, steps_total: 5 }),
      metadata: dataLoadMetadata(version, { symbol: "EURUSD", timeframe: "1h", mode: "full" }),
      error_message: "Operation cancelled by user",
    }),
    base({
      operation_id: IDS.backtestPending,
      operation_type: "backtesting",
      status: "pending",
      created_at: "2025-10-04T16:10:00.000000Z",
      metadata: backtestMetadata(version, { strategy: "mlp_basic", symbol: "AAPL", timeframe: "1h" }),
    }),
  ];
}

const TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "2h", "4h", "1d", "1w", "1M"];
const DATA_MODES = ["local", "tail", "backfill", "full"];
const STATUSES_V2025 = ["pending", "running", "completed", "failed", "cancelled"];
const STATUSES_V2026 = [...STATUSES_V2025, "resuming"];
const TYPES_V2025 = ["data_load", "training", "backtesting", "indicator_compute", "fuzzy_analysis", "dummy"];
const TYPES_V2026 = [...TYPES_V2025, "agent_research", "agent_design", "agent_assessment"];
const STRATEGIES = ["mlp_basic", "momentum_fx"];
/** Cached bars: symbol → timeframe → count. */
const CACHE: Record<string, Record<string, number>> = { AAPL: { "1h": 120, "1d": 30 }, EURUSD: { "1h": 3 } };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-process-time": "0.0012", ...headers },
  });
}

const notFoundRoute = () => json({ detail: "Not Found" }, 404);

/** Bars for a cached series: deterministic, hourly from 2025-09-01T09:30:00 (no zone, as KTRDR sends). */
export function bars(count: number): { dates: string[]; ohlcv: number[][] } {
  const start = Date.parse("2025-09-01T09:30:00Z");
  const dates: string[] = [];
  const ohlcv: number[][] = [];
  for (let i = 0; i < count; i++) {
    dates.push(new Date(start + i * 3_600_000).toISOString().replace(/\.000Z$/, ""));
    const o = 150 + i * 0.123456;
    ohlcv.push([o, o + 1.111111, o - 0.987654, o + 0.5, 10_000 + i]);
  }
  return { dates, ohlcv };
}

export class FakeBackend {
  readonly version: WireVersion;
  readonly base: string;
  hasResults: boolean;
  hasMetrics: boolean;
  readonly requests: RecordedRequest[] = [];
  readonly operations: Op[];
  /** When set, answers every request (or, if it returns undefined, lets the routes answer). */
  private faults: Array<{ match: (r: RecordedRequest) => boolean; respond: FaultResponder; remaining: number }> = [];
  private seq = 0;
  /** Called for every request before it is answered (e.g. to move an operation along). */
  onRequest?: (r: RecordedRequest) => void;

  constructor(opts: FakeOptions) {
    this.version = opts.version;
    this.base = opts.base ?? DEFAULT_BASE;
    this.hasResults = opts.hasResults ?? true;
    this.hasMetrics = opts.hasMetrics ?? opts.version === "v2026";
    this.operations = seedOperations(opts.version);
  }

  /** Injects a fault for matching requests (all by default), `times` times (forever by default). */
  fault(respond: FaultResponder, opts: { match?: (r: RecordedRequest) => boolean; times?: number } = {}): this {
    this.faults.push({ match: opts.match ?? (() => true), respond, remaining: opts.times ?? Infinity });
    return this;
  }

  clearFaults(): void {
    this.faults = [];
  }

  op(id: string): Op | undefined {
    return this.operations.find((o) => o.operation_id === id);
  }

  /** Requests whose path starts with `prefix` (and, if given, with this method). */
  requestsTo(prefix: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix) && (!method || r.method === method));
  }

  /** `fetch`-compatible entry point; bound, so it can be passed around. */
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : undefined;
    const url = new URL(req ? req.url : String(input));
    const method = (init?.method ?? req?.method ?? "GET").toUpperCase();
    const headers = new Headers(init?.headers ?? req?.headers);
    const rawBody = init?.body ?? (req ? await req.text() : undefined);
    let body: unknown;
    if (typeof rawBody === "string" && rawBody !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    if (!url.href.startsWith(this.base)) throw new TypeError(`fake backend: unexpected URL ${url.href}`);
    const path = url.href.slice(this.base.length).replace(/[?#].*$/, "");
    const rec: RecordedRequest = { method, url, path, headers, body };
    this.requests.push(rec);
    this.onRequest?.(rec);

    const fault = this.faults.find((f) => f.remaining > 0 && f.match(rec));
    if (fault) {
      fault.remaining -= 1;
      return fault.respond(rec, init);
    }
    return this.route(rec);
  };

  private nextId(type: string): string {
    this.seq += 1;
    return `op_${type}_20251004_1620${String(this.seq).padStart(2, "0")}_${(0xabc000 + this.seq).toString(16).padStart(8, "0")}`;
  }

  /**
   * v2025 answers FastAPI's list (v2025/073, 046); later backends (incl. v2026) the VALIDATION_ERROR
   * envelope (v2026/092, 050). `ctx` is what FastAPI adds for the type (`expected` for enums).
   */
  private validationError(
    field: string,
    msg: string,
    input: unknown,
    where: "query" | "body" = "body",
    type = "value_error",
    ctx: Record<string, unknown> = { error: {} },
  ): Response {
    if (this.version === "v2025") return json({ detail: [{ type, loc: [where, field], msg, input, ctx }] }, 422);
    return json(
      {
        success: false,
        error: {
          code: "VALIDATION_ERROR",
          message: "Request validation failed",
          details: [{ field: `${where} -> ${field}`, message: msg, type }],
        },
      },
      422,
    );
  }

  /** FastAPI's message for a value outside an enum or literal: "Input should be 'a', 'b' or 'c'". */
  private enumError(field: string, allowed: string[], input: unknown, where: "query" | "body", type: "enum" | "literal_error"): Response {
    const quoted = allowed.map((a) => `'${a}'`);
    const expected = `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
    return this.validationError(field, `Input should be ${expected}`, input, where, type, { expected });
  }

  private route(r: RecordedRequest): Response {
    const v26 = this.version === "v2026";
    const q = r.url.searchParams;
    const body = (r.body && typeof r.body === "object" ? r.body : {}) as Record<string, unknown>;
    const seg = r.path
      .split("/")
      .slice(1)
      .map((s) => decodeURIComponent(s));
    const m = r.method;

    if (m === "GET" && r.path === "/health")
      return json(
        v26
          ? {
              status: "ok",
              version: "2.3.0",
              orphan_detector: {
                running: true,
                potential_orphans_count: 0,
                last_check: "2025-10-04T16:14:50.123456+00:00",
                orphan_timeout_seconds: 60,
                check_interval_seconds: 15,
              },
            }
          : { status: "ok", version: "1.0.7" },
      );
    if (m === "GET" && r.path === "/symbols")
      return json({
        success: true,
        data: [
          {
            symbol: "AAPL",
            name: "Apple Inc.",
            type: "stock",
            exchange: "NASDAQ",
            currency: "USD",
            available_timeframes: ["1h", "1d"],
            trading_hours: null,
          },
          {
            symbol: "EURUSD",
            name: "Euro / US Dollar",
            type: "forex",
            exchange: "IDEALPRO",
            currency: "USD",
            available_timeframes: ["1h"],
            trading_hours: null,
          },
        ],
        error: null,
      });
    if (m === "GET" && r.path === "/indicators/")
      return json({
        success: true,
        data: [
          {
            id: "RSIIndicator",
            name: "RSI",
            description: "Relative Strength Index",
            type: "momentum",
            parameters: [
              { name: "period", type: "int", default: 14 },
              { name: "source", type: "str", default: "close" },
            ],
          },
          {
            id: "SMAIndicator",
            name: "SMA",
            description: "Simple Moving Average",
            type: "trend",
            parameters: [{ name: "period", type: "int", default: 20 }],
          },
        ],
      });
    if (m === "GET" && r.path === "/strategies/")
      return json({
        success: true,
        strategies: [
          {
            name: "mlp_basic",
            description: "MLP on RSI and SMA fuzzy sets",
            symbol: "AAPL",
            timeframe: "1h",
            indicators: [{ name: "rsi" }],
            fuzzy_config: {},
            training_status: "trained",
            available_versions: [1, 2, 3],
            latest_version: 3,
            latest_training_date: "2025-10-03T09:32:35Z",
            latest_metrics: { val_accuracy: 0.8876 },
          },
          {
            name: "momentum_fx",
            description: "Momentum on EURUSD",
            symbol: "EURUSD",
            timeframe: "1h",
            indicators: [],
            fuzzy_config: {},
            training_status: "untrained",
            available_versions: [],
            latest_version: null,
            latest_training_date: null,
            latest_metrics: null,
          },
        ],
      });
    if (m === "POST" && r.path === "/data/range") {
      const sym = String(body.symbol ?? "");
      const tf = String(body.timeframe ?? "");
      const n = CACHE[sym]?.[tf];
      if (!n)
        return json(
          {
            success: false,
            error: { code: "DATA-DataNotFound", message: `No data found for ${sym} (${tf})`, details: { symbol: sym, timeframe: tf } },
          },
          404,
        );
      const b = bars(n);
      return json({
        success: true,
        data: { symbol: sym, timeframe: tf, start_date: b.dates[0], end_date: b.dates[n - 1], point_count: n },
      });
    }
    if (m === "GET" && seg[0] === "data" && seg.length === 3 && seg[1] !== "info") {
      const [, sym, tf] = seg as [string, string, string];
      const n = CACHE[sym]?.[tf] ?? 0;
      if (n === 0)
        return json({
          success: true,
          error: null,
          data: { dates: [], ohlcv: [], points: null, metadata: { symbol: sym, timeframe: tf, start: "", end: "", points: 0 } },
        });
      const b = bars(n);
      return json({
        success: true,
        error: null,
        data: {
          ...b,
          points: null,
          // The series' bounds carry a zone, unlike its dates (v2025/004).
          metadata: { symbol: sym, timeframe: tf, start_date: `${b.dates[0]}+00:00`, end_date: `${b.dates[n - 1]}+00:00`, point_count: n },
        },
      });
    }
    if (m === "POST" && r.path === "/data/load") {
      if (v26) return notFoundRoute();
      if (!TIMEFRAMES.includes(String(body.timeframe)))
        return this.validationError("timeframe", "Input should be a valid timeframe", body.timeframe);
      if (body.mode !== undefined && !DATA_MODES.includes(String(body.mode)))
        return this.enumError("mode", DATA_MODES, body.mode, "body", "literal_error");
      if (!/^[A-Z0-9^.]+$/.test(String(body.symbol ?? "")) || body.symbol === "BADSYM")
        return json(
          { success: false, error: { code: "DATA-InvalidSymbol", message: `Invalid symbol: ${String(body.symbol)}`, details: {} } },
          400,
        );
      const id = this.addOp("data_load", body);
      return json({
        success: true,
        error: null,
        data: {
          status: "started",
          operation_id: id,
          fetched_bars: 0,
          cached_before: false,
          merged_file: "",
          gaps_analyzed: 0,
          segments_fetched: 0,
          ib_requests_made: 0,
          execution_time_seconds: 0.0,
          error_message: null,
        },
      });
    }
    if (m === "POST" && r.path === "/data/acquire/download") {
      if (!v26) return notFoundRoute();
      if (body.symbol === "BADSYM") return json({ detail: `Failed to start download: unknown symbol ${String(body.symbol)}` }, 500);
      const id = this.addOp("data_load", body);
      return json({
        success: true,
        operation_id: id,
        status: "started",
        message: `Started ${String(body.mode)} download for ${String(body.symbol)} ${String(body.timeframe)}`,
      });
    }
    if (m === "POST" && r.path === "/trainings/start") {
      const symbols = body.symbols as unknown[] | undefined;
      // v2025/046, v2026/050.
      if (Array.isArray(symbols) && symbols.length === 0)
        return this.validationError(
          "symbols",
          v26
            ? "Value error, At least one symbol must be specified when symbols are provided"
            : "Value error, At least one symbol must be specified",
          symbols,
        );
      if (!STRATEGIES.includes(String(body.strategy_name)))
        return json({ detail: `Strategy file not found: strategies/${String(body.strategy_name)}.yaml` }, 400);
      const id = this.addOp("training", body);
      return json({
        success: true,
        task_id: id,
        status: "training_started",
        message: `Neural network training started for ${(symbols ?? []).join(", ")} using ${String(body.strategy_name)} strategy`,
        symbols: symbols ?? [],
        timeframes: body.timeframes ?? [],
        strategy_name: body.strategy_name,
        estimated_duration_minutes: 30,
      });
    }
    if (m === "GET" && seg[0] === "trainings" && seg[2] === "performance" && seg.length === 3) {
      const op = this.op(seg[1]!);
      if (op?.operation_type !== "training" || op.status !== "completed")
        return json({ detail: `Training task ${seg[1]} not found or not completed` }, 404);
      return json({
        success: true,
        task_id: op.operation_id,
        status: "completed",
        // v2025-focus/006.
        training_metrics: {
          final_train_loss: 0.018712345,
          final_val_loss: 0.024512345,
          final_train_accuracy: 0.9012,
          final_val_accuracy: 0.8876,
          epochs_completed: 50,
          early_stopped: false,
          training_time_minutes: 32.5,
        },
        test_metrics: { test_loss: 0.0301, test_accuracy: 0.892123, precision: 0.875, recall: 0.861, f1_score: 0.868 },
        model_info: { model_size_bytes: 123456, parameters_count: 12345, architecture: "mlp_64_32" },
      });
    }
    // An unknown strategy starts too (and the backtest then fails): v2025/060, v2026/078.
    if (m === "POST" && r.path === "/backtests/") {
      if (v26) return notFoundRoute();
      const id = this.addOp("backtesting", body);
      return json({
        success: true,
        backtest_id: id,
        status: "starting",
        message: `Backtest ${id} started for ${String(body.strategy_name)}`,
      });
    }
    if (m === "POST" && r.path === "/backtests/start") {
      if (!v26) return notFoundRoute();
      const id = this.addOp("backtesting", body);
      return json({
        success: true,
        operation_id: id,
        status: "started",
        message: `Backtest started for ${String(body.symbol)} ${String(body.timeframe)}`,
        symbol: body.symbol,
        timeframe: body.timeframe,
        mode: "distributed",
      });
    }
    // KTRDR's test operation, both versions (v2025/017, v2026/016).
    if (m === "POST" && r.path === "/dummy/start") {
      const id = this.addOp("dummy", body);
      return json({ success: true, data: { operation_id: id, status: "started", message: "Started dummy_task operation" }, error: null });
    }
    if (m === "GET" && r.path === "/operations") return this.list(q);
    // v2026 research cycles (lifecycle-v2026/513–559): no agent workers, as recorded; the cycle stays as started.
    if (r.path.startsWith("/agent/") && !v26) return notFoundRoute();
    if (m === "GET" && r.path === "/agent/status") {
      const active = this.operations.filter(
        (o) => o.operation_type === "agent_research" && (o.status === "pending" || o.status === "running"),
      );
      return json({
        status: active.length ? "active" : "idle",
        active_researches: active.map((o) => {
          const p = (o.metadata as { parameters: Record<string, unknown> }).parameters;
          return {
            operation_id: o.operation_id,
            phase: p.phase,
            strategy_name: p.strategy_name ?? null,
            duration_seconds: 0,
            child_operation_id: null,
          };
        }),
        ...(active.length ? {} : { last_cycle: null }),
        workers: {
          training: { busy: 0, total: 1 },
          backtesting: { busy: 0, total: 1 },
          agent_design: { busy: 0, total: 0 },
          agent_assessment: { busy: 0, total: 0 },
        },
        budget: { remaining: 20.0, daily_limit: 20.0 },
        capacity: { active: active.length, limit: 3 },
      });
    }
    if (m === "POST" && r.path === "/agent/trigger") {
      const id = this.addOp("agent_research", body);
      return json({ triggered: true, operation_id: id, model: "claude-sonnet-4-20250514", message: "Research cycle started" }, 202);
    }
    if (m === "DELETE" && seg[0] === "agent" && seg[1] === "cancel" && seg.length === 3) {
      const op = this.op(seg[2]!);
      if (!op) return json({ success: false, reason: "not_found", message: `Operation not found: ${seg[2]}` }, 404);
      if (op.operation_type !== "agent_research")
        return json({ success: false, reason: "not_research", message: `Operation is not a research: ${seg[2]}` }, 404);
      if (op.status !== "pending" && op.status !== "running")
        return json({ success: false, reason: "not_cancellable", message: `Cannot cancel ${op.status} operation` }, 409);
      Object.assign(op, {
        status: "cancelled",
        completed_at: "2025-10-04T16:15:00.000000Z",
        error_message: "Cancelled by user",
        progress: progress(),
      });
      return json({ success: true, operation_id: op.operation_id, child_cancelled: null, message: "Research cancelled" });
    }
    // v2026 only (recorded in v2026/010): one worker per type, idle here.
    if (m === "GET" && r.path === "/workers") {
      if (!v26) return notFoundRoute();
      const worker = (type: string) => ({
        worker_id: `${type}-worker-0001`,
        worker_type: type,
        endpoint_url: "http://127.0.0.1:18102",
        status: "available",
        current_operation_id: null,
        capabilities: type === "training" ? { gpu: false } : {},
        last_health_check: "2025-10-04T16:14:55.123456+00:00",
        last_healthy_at: "2025-10-04T16:00:00.123456+00:00",
        health_check_failures: 0,
        metadata: {},
      });
      return json([worker("backtesting"), worker("training")]);
    }
    if (seg[0] === "operations" && seg.length >= 2) {
      const id = seg[1]!;
      const sub = seg[2];
      if (sub === "results" && !this.hasResults) return notFoundRoute();
      if (sub === "metrics" && !this.hasMetrics) return notFoundRoute();
      if (seg.length > 3 || (sub !== undefined && sub !== "results" && sub !== "metrics")) return notFoundRoute();
      const op = this.op(id);
      if (m === "GET" && sub === undefined)
        return op ? json({ success: true, data: op }) : json({ detail: `Operation not found: ${id}` }, 404);
      if (!op) return json({ detail: `Operation not found: ${id}` }, 404);
      if (m === "GET" && sub === "results") {
        if (op.status !== "completed" && op.status !== "failed")
          return json({ detail: `Operation not finished (status: ${op.status})` }, 400);
        return json({
          success: true,
          operation_id: op.operation_id,
          operation_type: op.operation_type,
          status: op.status,
          results: op.result_summary ?? {},
        });
      }
      if (m === "GET" && sub === "metrics") {
        // v2026 sends a serialised (list, cursor) pair that repeats history (v2026-focus/014); v2025 the contract's object.
        const metrics =
          op.operation_type !== "training"
            ? v26
              ? [[], 0]
              : {}
            : v26
              ? [EPOCH_HISTORY_V2026, 2]
              : {
                  epochs: EPOCHS,
                  total_epochs_planned: 50,
                  total_epochs_completed: 12,
                  best_epoch: 9,
                  epochs_since_improvement: 3,
                  is_overfitting: true,
                  is_plateaued: false,
                };
        return json({ success: true, data: { operation_id: op.operation_id, operation_type: op.operation_type, metrics } });
      }
      if (m === "DELETE" && sub === undefined) {
        if (op.status === "completed" || op.status === "failed" || op.status === "cancelled")
          return json({ detail: `Operation ${id} cannot be cancelled (status: OperationStatus.${op.status.toUpperCase()})` }, 400);
        const reason = typeof body.reason === "string" ? body.reason : null;
        op.status = "cancelled";
        op.completed_at = "2025-10-04T16:15:00.000000Z";
        op.error_message = reason ?? "Operation cancelled by user";
        // v2026 resets a cancelled operation's progress and metrics (v2026/039-041).
        if (v26) Object.assign(op, { progress: progress(), metrics: null });
        const common = {
          success: true,
          operation_id: id,
          status: "cancelled",
          cancelled_at: "2025-10-04T16:15:00.000000+00:00",
          cancellation_reason: reason,
          task_cancelled: true,
        };
        return json({
          success: true,
          data: v26
            ? {
                ...common,
                remote_cancelled: op.operation_type === "training",
                children_cancelled:
                  op.operation_type === "training"
                    ? ["op_agent_research_20251004_143531_00000001", "op_agent_design_20251004_143532_00000002"]
                    : [],
              }
            : { ...common, training_session_cancelled: op.operation_type === "training" },
        });
      }
      return json({ detail: "Method Not Allowed" }, 405);
    }
    return notFoundRoute();
  }

  private list(q: URLSearchParams): Response {
    const statuses = this.version === "v2026" ? STATUSES_V2026 : STATUSES_V2025;
    const types = this.version === "v2026" ? TYPES_V2026 : TYPES_V2025;
    const status = q.get("status");
    const type = q.get("operation_type");
    if (status !== null && !statuses.includes(status)) return this.enumError("status", statuses, status, "query", "enum");
    if (type !== null && !types.includes(type)) return this.enumError("operation_type", types, type, "query", "enum");
    const limit = q.has("limit") ? Number(q.get("limit")) : 10;
    const offset = q.has("offset") ? Number(q.get("offset")) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return this.validationError("limit", "Input should be between 1 and 1000", q.get("limit"), "query");
    const activeOnly = q.get("active_only") === "true";
    const active = (o: Op) => o.status === "pending" || o.status === "running";
    const rows = this.operations
      .filter((o) => (status ? o.status === status : true) && (type ? o.operation_type === type : true) && (activeOnly ? active(o) : true))
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    const page = rows.slice(offset, offset + limit).map((o) => {
      const p = o.progress as Record<string, unknown>;
      const md = o.metadata as Record<string, unknown>;
      const start = o.started_at ? Date.parse(String(o.started_at)) : undefined;
      const end = o.completed_at ? Date.parse(String(o.completed_at).replace("+00:00", "Z")) : NOW;
      return {
        operation_id: o.operation_id,
        operation_type: o.operation_type,
        status: o.status,
        created_at: o.created_at,
        progress_percentage: p.percentage,
        current_step: p.current_step,
        // What the record holds: v2025 registers data loads as "N/A" (v2025/064), v2026 names the symbol (v2026/089).
        symbol: md.symbol,
        duration_seconds: start === undefined ? null : (end - start) / 1000 + 0.123,
      };
    });
    return json({ success: true, data: page, total_count: rows.length, active_count: this.operations.filter(active).length });
  }

  /** A started operation, recorded with what each version keeps of the start's parameters. */
  private addOp(type: "data_load" | "training" | "backtesting" | "dummy" | "agent_research", body: Record<string, unknown>): string {
    const id = this.nextId(type);
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    const date = (v: unknown) => (typeof v === "string" ? v : null);
    const md =
      type === "training"
        ? trainingMetadata(this.version, {
            strategy: String(body.strategy_name),
            symbols: list(body.symbols),
            timeframes: list(body.timeframes ?? ["1h"]),
            start: date(body.start_date),
            end: date(body.end_date),
          })
        : type === "data_load"
          ? dataLoadMetadata(this.version, {
              symbol: String(body.symbol),
              timeframe: String(body.timeframe),
              mode: String(body.mode ?? "tail"),
            })
          : type === "backtesting"
            ? backtestMetadata(this.version, {
                strategy: String(body.strategy_name),
                symbol: String(body.symbol),
                timeframe: String(body.timeframe),
              })
            : type === "agent_research"
              ? metadata({
                  symbol: null,
                  timeframe: null,
                  mode: null,
                  parameters: {
                    model: "claude-sonnet-4-20250514",
                    phase: body.brief ? "idle" : "designing",
                    bypass_gates: body.bypass_gates === true,
                    ...(body.brief ? { brief: body.brief } : { strategy_name: body.strategy, design_complete: true }),
                  },
                })
              : metadata({
                  symbol: "N/A",
                  timeframe: "N/A",
                  mode: "N/A",
                  parameters: { operation_name: "dummy_task", service_name: "DummyService" },
                });
    this.operations.push({
      operation_id: id,
      ...(this.version === "v2026" ? { parent_operation_id: null } : {}),
      operation_type: type,
      status: "pending",
      created_at: "2025-10-04T16:20:00.000000Z",
      started_at: null,
      completed_at: null,
      progress: progress(),
      metadata: md,
      error_message: null,
      warnings: [],
      errors: [],
      result_summary: null,
      ...(this.version === "v2026" ? { metrics: null, is_backend_local: type === "agent_research" } : {}),
    });
    return id;
  }
}

// ---- faults --------------------------------------------------------------------------------

import unserialisable from "../fixtures/real-ktrdr/v2025/030_training_fast_final_status.json";
import noWorker from "../fixtures/real-ktrdr/v2026/031_training_slow_start.json";
import invalidMode from "../fixtures/real-ktrdr/v2026/011_data_acquire_local_start.json";

export const CF_502_HTML = `<!DOCTYPE html>
<html lang="en-US"><head><title>ktrdr.example.com | 502: Bad gateway</title></head>
<body><div id="cf-error-details"><h1>Bad gateway</h1><span>Error code 502</span>
<p>The web server reported a bad gateway error.</p><p>Cloudflare Ray ID: 8c1d2e3f4a5b6c7d</p></div></body></html>`;

export const CF_524_HTML = `<!DOCTYPE html>
<html lang="en-US"><head><title>ktrdr.example.com | 524: A timeout occurred</title></head>
<body><h1>A timeout occurred</h1><span>Error code 524</span>
<p>The origin web server timed out responding to this request.</p></body></html>`;

export const ACCESS_LOGIN_HTML = `<!DOCTYPE html>
<html><head><title>Sign in ・ Cloudflare Access</title></head>
<body><div class="AuthBox"><h1>Sign in to ktrdr.example.com</h1>
<form action="https://example.cloudflareaccess.com/cdn-cgi/access/login">Send me a code</form></div></body></html>`;

export interface FaultCase {
  name: string;
  respond: FaultResponder;
  /** The first line of the agent-facing message must match this (the cause). */
  cause: RegExp;
  /** Idempotent reads retry this fault (so a GET is attempted 3 times). */
  retriedOnReads: boolean;
}

const html = (status: number, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  Promise.resolve(new Response(body, { status, headers: { "content-type": "text/html; charset=UTF-8", ...headers } }));
const raw = (status: number, body: string, contentType = "application/json"): Promise<Response> =>
  Promise.resolve(new Response(body, { status, headers: { "content-type": contentType } }));

/** A fetch that never answers until its signal aborts (then rejects like a real fetch). */
export const hang: FaultResponder = (_req, init) =>
  new Promise((_resolve, reject) => {
    const signal = init?.signal;
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason ?? new DOMException("aborted", "AbortError")), { once: true });
  });

export const refused: FaultResponder = () => Promise.reject(new TypeError("Network connection lost."));

/** Every backend fault of issue 6's matrix. */
export const FAULTS: FaultCase[] = [
  { name: "connection refused", respond: refused, cause: /unreachable/i, retriedOnReads: true },
  { name: "timeout", respond: hang, cause: /did not answer within/i, retriedOnReads: false },
  {
    name: "500 envelope",
    respond: () =>
      raw(
        500,
        JSON.stringify({ success: false, error: { code: "INTERNAL_SERVER_ERROR", message: "An unexpected error occurred", details: {} } }),
      ),
    cause: /HTTP 500/,
    retriedOnReads: false,
  },
  {
    name: "500 detail",
    respond: () => raw(500, JSON.stringify({ detail: "Internal failure in operations service" })),
    cause: /HTTP 500/,
    retriedOnReads: false,
  },
  { name: "502 Cloudflare HTML", respond: () => html(502, CF_502_HTML), cause: /tunnel error 502/i, retriedOnReads: true },
  { name: "524 Cloudflare HTML", respond: () => html(524, CF_524_HTML), cause: /tunnel error 524/i, retriedOnReads: true },
  { name: "Access login page 200", respond: () => html(200, ACCESS_LOGIN_HTML), cause: /login page/i, retriedOnReads: false },
  { name: "Access login page 403", respond: () => html(403, ACCESS_LOGIN_HTML), cause: /login page/i, retriedOnReads: false },
  {
    name: "302 to cloudflareaccess.com",
    respond: () =>
      Promise.resolve(
        new Response(null, {
          status: 302,
          headers: {
            location: "https://example.cloudflareaccess.com/cdn-cgi/access/login/ktrdr.example.com?redirect_url=%2Fapi%2Fv1%2Foperations",
          },
        }),
      ),
    cause: /login page/i,
    retriedOnReads: false,
  },
  {
    name: "malformed JSON",
    respond: () => raw(200, `{"success": true, "data": [1, 2,, }`),
    cause: /malformed or truncated JSON/i,
    retriedOnReads: false,
  },
  {
    name: "truncated JSON",
    respond: () => raw(200, `{"success": true, "data": {"operation_id": "op_tra`),
    cause: /malformed or truncated JSON/i,
    retriedOnReads: false,
  },
  {
    name: "404 detail",
    respond: () => raw(404, JSON.stringify({ detail: "Resource missing" })),
    cause: /not found \(HTTP 404\)/i,
    retriedOnReads: false,
  },
  {
    name: "404 envelope",
    respond: () =>
      raw(404, JSON.stringify({ success: false, error: { code: "DATA-DataNotFound", message: "No data for that request", details: {} } })),
    cause: /not found \(HTTP 404\)/i,
    retriedOnReads: false,
  },
  {
    name: "400 detail",
    respond: () => raw(400, JSON.stringify({ detail: "Invalid request: bad things" })),
    cause: /rejected the request \(HTTP 400\)/,
    retriedOnReads: false,
  },
  {
    name: "400 envelope",
    respond: () =>
      raw(400, JSON.stringify({ success: false, error: { code: "DATA-LoadError", message: "Could not load data", details: {} } })),
    cause: /rejected the request \(HTTP 400\)/,
    retriedOnReads: false,
  },
  {
    name: "422 FastAPI list",
    respond: () => raw(422, JSON.stringify({ detail: [{ type: "missing", loc: ["body", "symbol"], msg: "Field required", input: {} }] })),
    cause: /rejected the request \(HTTP 422\): symbol: Field required/,
    retriedOnReads: false,
  },
  {
    name: "422 VALIDATION_ERROR envelope",
    respond: () =>
      raw(
        422,
        JSON.stringify({
          success: false,
          error: {
            code: "VALIDATION_ERROR",
            message: "Request validation failed",
            details: [{ field: "query -> status", message: "Input should be 'pending'", type: "enum" }],
          },
        }),
      ),
    cause: /rejected the request \(HTTP 422\): Request validation failed: status: Input should be 'pending'/,
    retriedOnReads: false,
  },
  // The quirks of real KTRDR, with the bodies it sent (test/fixtures/real-ktrdr).
  {
    name: "v2025 500 PydanticSerializationError",
    respond: () => raw(500, JSON.stringify(unserialisable.body)),
    cause: /cannot serialise/,
    retriedOnReads: false,
  },
  {
    name: "v2026 503 no free worker (object detail)",
    respond: () => raw(503, JSON.stringify(noWorker.body)),
    cause: /no free training worker|worker is busy/,
    retriedOnReads: false,
  },
  {
    name: "v2026 500 Invalid mode",
    respond: () => raw(500, JSON.stringify(invalidMode.body)),
    cause: /rejected the request \(HTTP 500\): Data acquisition failed: Invalid mode: local/,
    retriedOnReads: false,
  },
];
