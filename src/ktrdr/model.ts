/**
 * The normalised model of KTRDR operations: one shape whichever backend version answered, with
 * the backends' quirks already resolved (see `normalise.ts`). Everything outside `src/ktrdr/`
 * works with these types and never with wire layouts.
 *
 * A fact the backend did not give is absent (never a default that reads as a fact); when the
 * server knows that a fact is missing, `unknown` names it and `notes` says why.
 *
 * Every timestamp (`created_at`, `started_at`, `completed_at`, `cancelled_at`, a curve
 * point's time) is ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, whichever way KTRDR wrote it; read one
 * with `parseTime` (`time.ts`). Dates of requests and bars (`start_date`, market data) are
 * passed on as KTRDR wrote them.
 */

/** Length bounds of an operation id (KTRDR's are about 40 characters: `op_training_20251004_143530_b5c6d7e8`). */
export const OPERATION_ID_MIN = 3;
export const OPERATION_ID_MAX = 128;
/**
 * An operation id, the one rule: letters, digits and `_ . : -`, starting with a letter or digit,
 * no `..`, `OPERATION_ID_MIN`–`OPERATION_ID_MAX` characters. What a tool accepts as an id, what
 * is repeated back in messages and logs, what a task id must be. `segment()` in `http.ts`, the
 * adapter's own guard of every path segment, is broader (symbols: `^GSPC`, `EURUSD=X`): every id
 * this accepts, it accepts.
 */
export const OPERATION_ID_PATTERN = new RegExp(`^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9_.:-]{${OPERATION_ID_MIN - 1},${OPERATION_ID_MAX - 1}}$`);

export function isOperationId(value: unknown): value is string {
  return typeof value === "string" && OPERATION_ID_PATTERN.test(value);
}

/** Operation statuses across versions (`resuming` is v2026). */
export const OPERATION_STATUSES = ["pending", "running", "resuming", "completed", "failed", "cancelled"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** Still going: pending, running, or (v2026) resuming from a checkpoint. */
export const ACTIVE_STATUSES: readonly OperationStatus[] = ["pending", "running", "resuming"];
/** Will not change any more. */
export const FINISHED_STATUSES: readonly OperationStatus[] = ["completed", "failed", "cancelled"];

export function isActive(status: string): boolean {
  return (ACTIVE_STATUSES as readonly string[]).includes(status);
}
export function isFinished(status: string): boolean {
  return (FINISHED_STATUSES as readonly string[]).includes(status);
}

/** Operation types across versions (the agent_* types are v2026). */
export const OPERATION_TYPES = [
  "data_load",
  "training",
  "backtesting",
  "indicator_compute",
  "fuzzy_analysis",
  "dummy",
  "agent_research",
  "agent_design",
  "agent_assessment",
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "2h", "4h", "1d", "1w", "1M"] as const;
export const DATA_MODES = ["local", "tail", "backfill", "full"] as const;

export interface Progress {
  percentage?: number;
  current_step?: string;
  steps_completed?: number;
  steps_total?: number;
  items_processed?: number;
  items_total?: number;
  /** Data loads: segments done of all, e.g. "3/12". */
  segments?: string;
  /** Trainings: the epochs KTRDR plans, when it says (v2025 context `total_epochs`, or its step "Epoch x/y"). */
  epochs_planned?: number;
}

/** One training epoch as the backend numbered it. */
export interface Epoch {
  epoch?: number;
  train_loss?: number;
  val_loss?: number;
  train_accuracy?: number;
  val_accuracy?: number;
  learning_rate?: number;
}

/**
 * One point of a backtest's equity curve: time, portfolio value, drawdown from the peak (a
 * fraction, when known). The time is a timestamp in the model's form, or KTRDR's text when it is none.
 */
export type EquityPoint = [time: string, value: number, drawdown?: number];

/**
 * The key figures of a finished operation, by type; `raw` is everything else the backend sent (a
 * series carried normalised here, such as the equity curve, is not repeated in it).
 */
export interface Results {
  training?: {
    final_train_loss?: number;
    final_val_loss?: number;
    final_train_accuracy?: number;
    final_val_accuracy?: number;
    epochs_completed?: number;
    early_stopped?: boolean;
    best_epoch?: number;
    training_minutes?: number;
    test_loss?: number;
    test_accuracy?: number;
    precision?: number;
    recall?: number;
    f1_score?: number;
    model_path?: string;
    /** Per-epoch history when the results carry one (v2026). */
    history?: Epoch[];
  };
  backtest?: {
    total_return?: number;
    total_return_pct?: number;
    sharpe_ratio?: number;
    max_drawdown?: number;
    max_drawdown_pct?: number;
    total_trades?: number;
    win_rate?: number;
    profit_factor?: number;
    initial_capital?: number;
    final_value?: number;
    /** Equity over time when the backend sends it (v2025 does, v2026 only its length). */
    equity_curve?: EquityPoint[];
    /** Points the backend's curve has, when it sends only that (v2026). */
    equity_points?: number;
    /** The trades as KTRDR sent them (scrubbed; v2025 keeps them, v2026 only their number). Row fields are KTRDR's own. */
    trades?: Array<Record<string, unknown>>;
    /** How many trades KTRDR counted (`trade_count`), also when it sends no list (v2026). */
    trade_count?: number;
  };
  data_load?: {
    bars?: number;
    merged_file?: string;
    segments?: number;
    gaps_analyzed?: number;
    ib_requests?: number;
  };
  raw: Record<string, unknown>;
}

/**
 * Where a fact came from when the operation record itself could not be read: a known backend
 * bug made the server answer from the list row and other endpoints.
 */
export type Source = "record" | "list_row";

export interface Operation {
  operation_id: string;
  operation_type: string;
  /** Normalised: a cancel the backend reported as failed or completed is `cancelled`. */
  status: string;
  created_at?: string;
  started_at?: string;
  completed_at?: string;
  /** As the list row says, when the record (and so its start and end times) could not be read. */
  duration_seconds?: number;
  /** Absent when unknown (e.g. v2026 resets it on cancel). */
  progress?: Progress;
  symbol?: string;
  timeframe?: string;
  mode?: string;
  strategy_name?: string;
  symbols?: string[];
  timeframes?: string[];
  start_date?: string;
  end_date?: string;
  /** The failure reason of a failed operation, as the backend worded it. */
  error?: string;
  /** The reason of a cancelled operation, when the backend kept it. */
  cancel_reason?: string;
  /** Per-epoch history (trainings; from the record's metrics when it has them). */
  epochs?: Epoch[];
  /** The latest completed epoch's metrics while a training runs. */
  latest_epoch?: Epoch;
  results?: Results;
  /** When normalisation changed what the backend said: its own status and message. */
  backend?: { status: string; error_message?: string };
  /** v2026: where KTRDR's witnesses disagree (status is then the server's belief, `backend.status` KTRDR's word). */
  anomaly?: Anomaly;
  /** v2026: what the workers and checkpoints said, when they were read. */
  witnesses?: Witnesses;
  /** v2026: the research cycle (agent_research operation id) this operation belongs to, when KTRDR links them. */
  cycle?: string;
  /** v2026 agent_research: its phase, children and budget as KTRDR's agent routes and the children's records say. */
  research?: ResearchFacts;
  /** Facts this read could not establish. */
  unknown?: string[];
  /** One line each: why a fact is missing or was corrected. */
  notes?: string[];
  source: Source;
  /** The backend's record as sent (for `detail: "full"`), when there was one. */
  raw?: Record<string, unknown>;
}

/** One row of a listing, normalised like an operation. */
export interface OperationRow {
  operation_id: string;
  operation_type: string;
  status: string;
  created_at?: string;
  progress_percentage?: number;
  current_step?: string;
  symbol?: string;
  duration_seconds?: number;
  /** The backend's status when a read of the record corrected it (e.g. v2025's failed-after-cancel). */
  backend_status?: string;
  /** Where KTRDR's witnesses disagree about it (see `Operation.anomaly`). */
  anomaly?: Anomaly;
  /** The research cycle it belongs to. */
  cycle?: string;
}

export interface OperationPage {
  rows: OperationRow[];
  /**
   * Rows KTRDR itself returned for this page, before the server's filters and additions: a page
   * of `limit` means more may follow (v2026 gives no count to trust, so paging asks this).
   */
  listed?: number;
  /** Matching operations in the backend; absent when the server cannot tell exactly. */
  total_count?: number;
  /** At least this many match, when the exact count is unknown. */
  total_at_least?: number;
  active_count?: number;
  notes?: string[];
}

/**
 * A v2026 worker as `GET /workers` reports it. Its `status` and `current_operation_id` are what
 * KTRDR learnt at `last_health_check` (absent: not checked since it registered or since the
 * backend restarted), not what the worker does now.
 */
export interface Worker {
  worker_id: string;
  worker_type: string;
  status: string;
  current_operation_id?: string;
  last_health_check?: string;
  last_healthy_at?: string;
  health_check_failures?: number;
}

/**
 * A v2026 training checkpoint (`GET /checkpoints/{id}`): one per operation, replaced as it
 * advances (`periodic` every few epochs, `cancellation` when a cancel reached the worker,
 * `failure`); deleted when the training completes.
 */
export interface Checkpoint {
  operation_id: string;
  /** periodic | cancellation | failure | … as KTRDR names it. */
  type: string;
  created_at?: string;
  /** The epoch the checkpoint holds (KTRDR counts from 0). */
  epoch?: number;
  /** That epoch's metrics. */
  latest?: Epoch;
  /** The run's per-epoch history as the checkpoint keeps it, numbered; a resumed run holds only its own epochs. */
  history?: Epoch[];
  /** What the training was started with, as the checkpoint recorded it (strategy_name from its strategy file's name). */
  request?: { strategy_name?: string; symbols?: string[]; timeframes?: string[]; start_date?: string; end_date?: string };
}

/**
 * Where KTRDR's witnesses disagree about an operation (v2026: the API's record, the workers, the
 * checkpoints), the disagreement the server found. The agent-facing status is what the server
 * believes; KTRDR's own word is kept in `backend.status`.
 */
export const ANOMALIES = [
  /** The record shows 0 %, no step while the work goes on (what a backend restart leaves). */
  "progress_lost",
  /** The record says `resuming` at 0 % while the worker trains on from the checkpoint. */
  "resuming_at_zero",
  /** KTRDR says cancelled; the worker goes on with it. */
  "cancel_not_delivered",
  /** KTRDR says cancelled; no witness has seen the work stop yet. */
  "cancel_unconfirmed",
  /** A cancelled training with no checkpoint left and no worker running it: discarded, or run to the end. */
  "outcome_unknown",
  /** KTRDR says running; no registered, healthy worker runs it. */
  "worker_lost",
  /** Another worker than the one it was given to claims it, without progress. */
  "worker_replaced",
  /** Made by KTRDR's retry: pending, and no worker will ever run it. */
  "retry_ghost",
] as const;
export type Anomaly = (typeof ANOMALIES)[number];

/**
 * What KTRDR's registry says of the worker that matters for an operation, as of its last check:
 * it claims the operation, is free, is busy with another, has not been checked since it
 * (re)registered, is failing its health checks, or is no longer registered.
 */
export const WORKER_STATES = ["running_it", "free", "busy_other", "unchecked", "failing", "gone"] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/** A witness the server can read besides the record (v2026). */
export type WitnessRead = "workers" | "checkpoint" | "agent" | "health";

/** What the server read besides the record to judge an operation, and what it could not read. */
export interface Witnesses {
  /** The worker KTRDR gave the operation to (record `metadata.parameters.worker_id`). */
  dispatched_to?: string;
  /** The worker that matters for this operation (the one that claims it, or the one it was given to). */
  worker?: Worker;
  /** What the registry says of that worker for this operation; set only when it matters to the belief. */
  worker_state?: WorkerState;
  /** The worker KTRDR gave it to, when another one now claims it (`worker_replaced`). */
  replaces?: string;
  /** Ids of the registered workers, when the one it was given to is gone. */
  workers_registered?: string[];
  /** The checkpoint, `null` when read and there is none; absent when not read. */
  checkpoint?: Checkpoint | null;
  /**
   * What the checkpoint tells the agent: how far the work got (the record lost or never had its
   * progress), or where a resume would continue from. Absent: nothing the record does not say.
   */
  checkpoint_role?: "progress" | "resumable";
  /** KTRDR's orphan detector (`/health`), read when no healthy worker runs an operation KTRDR calls running. */
  orphan?: { timeout_s: number; interval_s: number };
  /** Witness reads that failed (said in a note, never fatal). */
  unread?: WitnessRead[];
}

/** A child operation of a research cycle (its training or backtest), as its own record says. */
export interface ResearchChild {
  operation_id: string;
  operation_type: string;
  status: string;
  progress_percentage?: number;
  completed_at?: string;
}

/**
 * A v2026 research cycle as KTRDR tells it: the record's parameters, `GET /agent/status` and the
 * children's own records. KTRDR keeps the child links only while the cycle runs (its
 * children route is always empty and the children name no parent, L26/519, 1249): `children` is
 * absent when they are not known (the operation then lists "children" as unknown).
 */
export interface ResearchFacts {
  /** designing | training | backtesting | assessing …, only while the cycle is active (KTRDR resets it when it ends). */
  phase?: string;
  strategy?: string;
  /** The LLM model KTRDR runs it with. */
  model?: string;
  /** It was started from a brief (KTRDR designs the strategy), not an existing strategy. */
  from_brief?: boolean;
  children?: ResearchChild[];
  /** KTRDR's daily research budget. */
  budget?: { remaining: number; daily_limit: number };
  /** Agent worker types a cycle needs that KTRDR has none of (`/agent/status` workers, total 0). */
  missing_agent_workers?: Array<"agent_design" | "agent_assessment">;
}

/** v2026 `GET /agent/status`, normalised: the active cycles, agent worker counts, budget and capacity. */
export interface AgentStatus {
  active: Array<{ operation_id: string; phase?: string; strategy_name?: string; duration_seconds?: number; child_operation_id?: string }>;
  /** Registered processes per type (`training`, `backtesting`, `agent_design`, `agent_assessment`), as KTRDR counts them. */
  workers: Record<string, { busy?: number; total?: number }>;
  budget?: { remaining: number; daily_limit: number };
  capacity?: { active?: number; limit?: number };
}

export interface Started {
  operation_id: string;
  operation_type: string;
  /** Research cycles: the model KTRDR chose. */
  model?: string;
  /** The backend's own words when it sent any. */
  backend_message?: string;
  estimated_duration_minutes?: number;
  /** An argument the backend's version does not take and ignored. */
  ignored?: string;
}

/**
 * A gap analysis of cached bars (`GET /gap-analysis/data/{symbol}/{timeframe}/summary`): missing
 * runs by severity and the share of expected bars the cache holds, as KTRDR counts them.
 */
export interface GapSummary {
  total?: number;
  critical?: number;
  major?: number;
  minor?: number;
  /** Percent of the bars the market calendar expects in the range that the cache holds. */
  coverage_pct?: number;
}

/** KTRDR's check of a strategy file by name (`POST /strategies/validate/{name}`). */
export interface StrategyValidation {
  strategy_name: string;
  valid: boolean;
  /** What KTRDR found wrong, in its words (scrubbed, each at most 300 characters). */
  issues: Array<{ severity?: string; category?: string; message?: string }>;
}
