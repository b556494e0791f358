/**
 * The KTRDR backend's wire format, both versions (v2025, v2026), as zod schemas.
 * Only `src/ktrdr/` knows the wire: these schemas, and the adapter modules that call each route
 * (`record.ts`, `rows.ts`, `starts.ts`, …, behind `ktrdr.api.ts`). Every object is
 * loose (unknown fields are kept, never rejected) and every nullable field accepts null or
 * absence, because real backends add fields over time.
 */
import { z } from "zod";
import { OPERATION_ID_MAX } from "./model";

const num = z.number();
const str = z.string();
const looseRecord = z.record(z.string(), z.unknown());

/**
 * Bounds of the strings passed on as sent, not through the scrubber (which bounds the texts):
 * far above anything KTRDR sends (its ids are about 40 characters, its words under 20). A longer
 * value is a `bad_shape`, never cut: a cut id or status would be a different fact.
 */
export const WIRE_BOUNDS = { token: 200, barTime: 64 } as const;
/** An operation id (also `task_id`, `backtest_id`): no longer than an id the server accepts back. */
const opId = str.max(OPERATION_ID_MAX);
/** A status, an operation or worker type, a worker id: KTRDR's own words. */
const token = str.max(WIRE_BOUNDS.token);
/** KTRDR's envelope flag: sent by most routes, never relied on (the HTTP status and the fields are the facts). */
const success = z.boolean().nullish();
/** What a start answers besides its id (whose name and nesting differ by route and version). */
const startAnswer = { status: token.nullish(), message: str.nullish() };

export const progressSchema = z.looseObject({
  percentage: num.nullish(),
  current_step: str.nullish(),
  steps_completed: num.nullish(),
  steps_total: num.nullish(),
  items_processed: num.nullish(),
  items_total: num.nullish(),
  current_item: str.nullish(),
  context: looseRecord.nullish(),
});

export const metadataSchema = z.looseObject({
  symbol: str.nullish(),
  timeframe: str.nullish(),
  mode: str.nullish(),
  start_date: str.nullish(),
  end_date: str.nullish(),
  parameters: looseRecord.nullish(),
});

/**
 * What names an operation in a record and in a list row alike. A status we do not know yet is
 * kept as-is rather than failing the whole read.
 */
const operationFields = { operation_id: opId, operation_type: token, status: token, created_at: str.nullish() };

export const operationInfoSchema = z.looseObject({
  ...operationFields,
  started_at: str.nullish(),
  completed_at: str.nullish(),
  progress: progressSchema.nullish(),
  metadata: metadataSchema.nullish(),
  error_message: str.nullish(),
  warnings: z.array(z.unknown()).nullish(),
  errors: z.array(z.unknown()).nullish(),
  result_summary: looseRecord.nullish(),
  // v2026
  metrics: z.union([looseRecord, z.array(z.unknown())]).nullish(),
  parent_operation_id: opId.nullish(),
  is_backend_local: z.boolean().nullish(),
});
export type OperationInfo = z.infer<typeof operationInfoSchema>;

export const operationEnvelopeSchema = z.looseObject({ success, data: operationInfoSchema });

export const operationSummarySchema = z.looseObject({
  ...operationFields,
  progress_percentage: num.nullish(),
  current_step: str.nullish(),
  symbol: str.nullish(),
  duration_seconds: num.nullish(),
});
export type OperationSummary = z.infer<typeof operationSummarySchema>;

export const operationListSchema = z.looseObject({
  success,
  data: z.array(operationSummarySchema),
  total_count: num.nullish(),
  active_count: num.nullish(),
});

/** Cancel: `training_session_cancelled` (v2025) or `remote_cancelled` + `children_cancelled` (v2026). */
export const cancelResponseSchema = z.looseObject({
  success,
  data: z.looseObject({
    operation_id: opId.nullish(),
    status: token,
    cancelled_at: str.nullish(),
    cancellation_reason: str.nullish(),
    task_cancelled: z.boolean().nullish(),
    training_session_cancelled: z.boolean().nullish(),
    remote_cancelled: z.boolean().nullish(),
    children_cancelled: z.array(z.unknown()).nullish(),
  }),
});

/** `/results`: the status and the results object are the facts; an answer without them is not results. */
export const resultsResponseSchema = z.looseObject({
  success,
  operation_id: opId.nullish(),
  operation_type: token.nullish(),
  status: token,
  results: looseRecord.nullable(),
});

/**
 * `/operations/{id}/metrics`: `metrics` is an object with `epochs` (the contract), or v2026's
 * serialised `(list, cursor)` pair; `normalise.ts` reads both.
 */
export const metricsResponseSchema = z.looseObject({
  success,
  data: z.looseObject({
    operation_id: opId.nullish(),
    operation_type: token.nullish(),
    metrics: z.union([looseRecord, z.array(z.unknown())]).nullish(),
  }),
});

/** v2026 `GET /workers`: one entry per registered worker. */
export const workersSchema = z.array(
  z.looseObject({
    worker_id: token,
    worker_type: token,
    status: token,
    current_operation_id: opId.nullish(),
    // When KTRDR last checked the worker (null: not since it registered), and what it found.
    last_health_check: str.nullish(),
    last_healthy_at: str.nullish(),
    health_check_failures: num.nullish(),
  }),
);

/**
 * v2026 `GET /checkpoints/{id}` (`data`) and the rows of `GET /checkpoints` (which carry the same
 * state under `state_summary`): the checkpoint's kind, time and training state (epoch, metrics,
 * history as parallel arrays, the original request).
 */
const checkpointState = z.looseObject({
  epoch: num.nullish(),
  train_loss: num.nullish(),
  val_loss: num.nullish(),
  train_accuracy: num.nullish(),
  val_accuracy: num.nullish(),
  learning_rate: num.nullish(),
  original_request: looseRecord.nullish(),
  training_history: looseRecord.nullish(),
});
export const checkpointSchema = z.looseObject({
  operation_id: opId,
  checkpoint_type: token,
  created_at: str.nullish(),
  state: checkpointState.nullish(),
  state_summary: checkpointState.nullish(),
});
export type CheckpointWire = z.infer<typeof checkpointSchema>;
export const checkpointEnvelopeSchema = z.looseObject({ success, data: checkpointSchema });
/** v2026 `DELETE /checkpoints/{id}` → `{success, message: "Checkpoint deleted"}` (L26/1282). */
export const checkpointDeleteSchema = z.looseObject({ success, message: str.nullish() });

/**
 * v2026 `POST /operations/{id}/resume` → `{success, data: {operation_id (the same), status: "resuming",
 * resumed_from: {checkpoint_type, created_at, epoch}}}` (L26/021).
 */
export const resumeResponseSchema = z.looseObject({
  success,
  data: z.looseObject({
    operation_id: opId,
    status: token.nullish(),
    resumed_from: z.looseObject({ checkpoint_type: token.nullish(), created_at: str.nullish(), epoch: num.nullish() }).nullish(),
  }),
});

export const checkpointListSchema = z.looseObject({ success, data: z.array(checkpointSchema), total_count: num.nullish() });

/**
 * v2026 `GET /health`: its orphan detector, which fails a running operation no worker claims after
 * `orphan_timeout_seconds` (L26/604, 1248: 60 s, checked every 15 s).
 */
export const orphanDetectorSchema = z.looseObject({
  orphan_detector: z.looseObject({ orphan_timeout_seconds: num.nullish(), check_interval_seconds: num.nullish() }).nullish(),
});

/** A start that nests its answer under `data`. */
const nestedStartSchema = z.looseObject({ success, data: z.looseObject({ ...startAnswer, operation_id: opId }) });
/** v2025 `POST /data/load`: the id is nested under `data`. */
export const dataLoadStartV2025Schema = nestedStartSchema;
/** v2026 `POST /data/acquire/download`: flat. */
export const dataDownloadStartV2026Schema = z.looseObject({ success, ...startAnswer, operation_id: opId });
/** `POST /dummy/start` (both versions): KTRDR's own test operation, nested like v2025's data load. */
export const dummyStartSchema = nestedStartSchema;

/** `POST /trainings/start`: the operation id is `task_id` (v2025 has no `operation_id`). */
export const trainingStartSchema = z.looseObject({
  success,
  ...startAnswer,
  task_id: opId.nullish(),
  operation_id: opId.nullish(),
  symbols: z.array(str).nullish(),
  timeframes: z.array(str).nullish(),
  strategy_name: str.nullish(),
  estimated_duration_minutes: num.nullish(),
});

/** Backtest start: `backtest_id` (v2025 `POST /backtests/`) or `operation_id` (v2026 `/backtests/start`). */
export const backtestStartSchema = z.looseObject({ success, ...startAnswer, backtest_id: opId.nullish(), operation_id: opId.nullish() });

export const marketDataSchema = z.looseObject({
  success,
  data: z.looseObject({
    dates: z.array(str.max(WIRE_BOUNDS.barTime)),
    ohlcv: z.array(z.array(num.nullable())),
    metadata: looseRecord.nullish(),
  }),
});

export const healthSchema = z.looseObject({ status: str, version: str.nullish() });

export const symbolsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      symbol: str,
      name: str.nullish(),
      type: str.nullish(),
      exchange: str.nullish(),
      currency: str.nullish(),
      available_timeframes: z.array(str).nullish(),
    }),
  ),
});

export const timeframesSchema = z.looseObject({
  data: z.array(z.looseObject({ id: str, name: str.nullish(), description: str.nullish() })),
});

export const indicatorsSchema = z.looseObject({ data: z.array(looseRecord) });

export const strategiesSchema = z.looseObject({
  strategies: z.array(
    z.looseObject({
      name: str,
      description: str.nullish(),
      symbol: z.unknown().optional(),
      timeframe: z.unknown().optional(),
      indicators: z.unknown().optional(),
      training_status: str.nullish(),
      latest_version: z.unknown().optional(),
      latest_training_date: str.nullish(),
      latest_metrics: looseRecord.nullish(),
    }),
  ),
});

export const dataRangeSchema = z.looseObject({
  data: z.looseObject({
    symbol: str.nullish(),
    timeframe: str.nullish(),
    start_date: str.nullish(),
    end_date: str.nullish(),
    point_count: num.nullish(),
  }),
});

export const dataInfoSchema = z.looseObject({ data: looseRecord });

export const performanceSchema = z.looseObject({
  success,
  task_id: opId.nullish(),
  status: str.nullish(),
  training_metrics: looseRecord.nullish(),
  test_metrics: looseRecord.nullish(),
  model_info: looseRecord.nullish(),
});

/**
 * `GET /gap-analysis/data/{symbol}/{timeframe}/summary?start_date&end_date` (both versions,
 * lifecycle-v2025/087, lifecycle-v2026/593): the counts are the facts, each as KTRDR sends it.
 */
export const gapSummarySchema = z.looseObject({
  success,
  data: z.looseObject({
    symbol: str.nullish(),
    timeframe: str.nullish(),
    summary: z.looseObject({
      total_gaps: num.nullish(),
      critical_gaps: num.nullish(),
      major_gaps: num.nullish(),
      minor_gaps: num.nullish(),
      total_missing_hours: num.nullish(),
      coverage_percentage: num.nullish(),
      data_quality_score: num.nullish(),
    }),
  }),
});

/**
 * `POST /strategies/validate/{name}` (both versions, lifecycle-v2025/079-083,
 * lifecycle-v2026/582-588): `valid` is the fact; an invalid strategy is a 200 with its issues.
 */
export const strategyValidationSchema = z.looseObject({
  success,
  valid: z.boolean(),
  strategy_name: str.nullish(),
  issues: z.array(z.looseObject({ severity: str.nullish(), category: str.nullish(), message: str.nullish() })).nullish(),
});

/** v2025 `GET /backtests/{id}/trades` (lifecycle-v2025/012): the list as KTRDR keeps it. */
export const backtestTradesSchema = z.looseObject({ success, backtest_id: opId.nullish(), trades: z.array(z.unknown()) });

/** v2025 `GET /backtests/{id}/equity_curve` (lifecycle-v2025/013): parallel arrays. */
export const backtestEquitySchema = z.looseObject({
  success,
  backtest_id: opId.nullish(),
  timestamps: z.array(z.unknown()),
  values: z.array(z.unknown()),
  drawdowns: z.array(z.unknown()).nullish(),
});

// ---- v2026 research cycles (`/agent/*`, L26/513–559) ------------------------------------------

/** A count of agent or worker processes by type in `GET /agent/status` (`{busy, total}`). */
const workerCount = z.looseObject({ busy: num.nullish(), total: num.nullish() });

/** `GET /agent/status`: the active cycles (each naming the child it runs), worker counts per type, budget and capacity. */
export const agentStatusSchema = z.looseObject({
  status: token.nullish(),
  active_researches: z
    .array(
      z.looseObject({
        operation_id: opId,
        phase: token.nullish(),
        strategy_name: token.nullish(),
        duration_seconds: num.nullish(),
        child_operation_id: opId.nullish(),
      }),
    )
    .nullish(),
  workers: z.record(z.string(), workerCount).nullish(),
  budget: z.looseObject({ remaining: num.nullish(), daily_limit: num.nullish() }).nullish(),
  capacity: z.looseObject({ active: num.nullish(), limit: num.nullish() }).nullish(),
});
export type AgentStatusWire = z.infer<typeof agentStatusSchema>;

/** `POST /agent/trigger` → 202 `{triggered, operation_id, model, message}`. */
export const agentTriggerSchema = z.looseObject({
  triggered: z.boolean().nullish(),
  operation_id: opId,
  model: token.nullish(),
  message: str.nullish(),
});

/** `DELETE /agent/cancel/{id}` → 200 `{success, operation_id, child_cancelled, message}`. */
export const agentCancelSchema = z.looseObject({
  success,
  operation_id: opId.nullish(),
  child_cancelled: opId.nullish(),
  message: str.nullish(),
});
export type AgentCancelWire = z.infer<typeof agentCancelSchema>;

/**
 * What a research record's `metadata.parameters` say (L26/518, 524, 555): the phase while it runs,
 * the model, its strategy or brief, and the children it started. KTRDR clears the child links and
 * resets the phase when the cycle ends (L26/529, 544).
 */
export const researchParametersSchema = z.looseObject({
  phase: token.nullish(),
  model: token.nullish(),
  strategy_name: token.nullish(),
  brief: str.nullish(),
  bypass_gates: z.boolean().nullish(),
  training_op_id: opId.nullish(),
  backtest_op_id: opId.nullish(),
});
