/**
 * Going on with a cancelled or failed operation, the two ways KTRDR allows:
 *
 * - **Resume** (v2026 trainings): `POST /operations/{id}/resume` continues the same operation from
 *   its checkpoint (L26/021). Never retried here (a second resume could run it twice); the caller
 *   decides, from KTRDR's 503 and its workers, whether asking again is safe.
 * - **Start again**: a new operation with the old one's recorded parameters, through the normal
 *   start routes. What each version records differs (design-18 §3.1): `restartPlan` says what
 *   could be recovered and what KTRDR did not record, never filling a gap with a default.
 *
 * KTRDR's own `POST /operations/{id}/retry` is never called: the record it makes is `pending`
 * forever and no worker runs it (L26/480–512, L25/033–070). Such records are recognised by
 * `isRetryGhost`, so nothing presents them as running or resumable.
 */
import { Unsupported } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Checkpoint, Operation } from "./model";
import { isV2026Operation, readCheckpoint } from "./checkpoints";
import { utcTime } from "./time";
import * as wire from "./wire";
import type { BacktestRequest, DataLoadRequest, TrainingRequest } from "./starts";

/** What KTRDR answered to a resume: the same operation, and the checkpoint it continues from. */
export interface Resumed {
  operation_id: string;
  /** KTRDR's word for it now (`resuming`). */
  status?: string;
  from?: { type?: string; created_at?: string; epoch?: number };
}

export async function resumeOperation(http: KtrdrHttp, id: string): Promise<Resumed> {
  if (http.version === "v2025") throw new Unsupported("v2025", "resume");
  const res = await http.call("POST", `/operations/${segment(id)}/resume`, wire.resumeResponseSchema);
  const from = res.data.resumed_from;
  return {
    operation_id: res.data.operation_id,
    status: res.data.status ?? undefined,
    from: from
      ? {
          type: from.checkpoint_type ?? undefined,
          created_at: utcTime(from.created_at ?? undefined),
          epoch: typeof from.epoch === "number" ? from.epoch : undefined,
        }
      : undefined,
  };
}

/**
 * A record made by KTRDR's retry: `op_retry_<type>_…`, `pending`, never started (L26/480, 486;
 * L25/033, 042). No worker ever runs it; it is neither running nor something to resume.
 */
export function isRetryGhost(op: Pick<Operation, "operation_id" | "status" | "started_at" | "anomaly">): boolean {
  if (op.anomaly === "retry_ghost") return true;
  return op.operation_id.startsWith("op_retry_") && op.status === "pending" && !op.started_at;
}

// ---- start again ------------------------------------------------------------------------------

/** The types that can be started again, and the request each start route takes. */
export interface RestartRequests {
  training: TrainingRequest;
  backtesting: BacktestRequest;
  data_load: DataLoadRequest;
}
export type RestartType = keyof RestartRequests;

/**
 * What KTRDR recorded of an operation's start request: the arguments it gives back (absent ones
 * were not given: optional dates), and the ones it did not record (`missing`), which a new start
 * cannot do without. `unsupported` for types that are not started again this way.
 */
export type RestartPlan =
  | {
      [T in RestartType]: { type: T; request: Partial<RestartRequests[T]>; missing: Array<keyof RestartRequests[T] & string> };
    }[RestartType]
  | { type: "unsupported"; operation_type: string };

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" && v !== "N/A" ? v : undefined);

/** KTRDR writes a request's bare date back as midnight ("2023-01-01T00:00:00", L25/029): the date it was given. */
export function requestDate(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?$/.exec(v);
  return m ? m[1] : v;
}

/**
 * The start request of a finished operation, from its record (and, for a v2026 training whose
 * record does not name its strategy, from its checkpoint's original request, L26/017). Per type
 * and version (design-18 §3.1):
 * - training: v2025 everything (L25/029); v2026 symbols, timeframes, dates; the strategy from its
 *   YAML's name, else the checkpoint, else missing.
 * - backtesting: strategy, symbol, timeframe, dates, initial capital; commission and slippage from
 *   its parameters (v2026, L26/569) or its results' config (a completed v2025 one, L25/009), else
 *   missing; v2026's model_path is never recorded (L26/1250), so always missing there.
 * - data_load: v2026 symbol, timeframe, mode, dates (null = not given, L26/479); v2025 records
 *   "N/A" and keeps symbol, timeframe and mode only in its progress context when it got that far
 *   (L25/026), and never the dates: missing.
 */
export async function restartPlan(http: KtrdrHttp, op: Operation): Promise<RestartPlan> {
  const raw = op.raw ?? {};
  const meta = obj(raw.metadata) ?? {};
  const params = obj(meta.parameters) ?? {};
  const config = obj(obj(raw.result_summary)?.config) ?? {};
  const v2026 = isV2026Operation(http, op);
  const dates = {
    start_date: requestDate(op.start_date ?? str(config.start_date)),
    end_date: requestDate(op.end_date ?? str(config.end_date)),
  };
  switch (op.operation_type) {
    case "training": {
      let strategy = op.strategy_name;
      if (!strategy && v2026) strategy = (await checkpointOf(http, op))?.request?.strategy_name;
      return plan(
        "training",
        {
          strategy_name: strategy,
          symbols: op.symbols,
          timeframes: op.timeframes,
          start_date: dates.start_date,
          end_date: dates.end_date,
        },
        ["strategy_name", "symbols", "timeframes"],
      );
    }
    case "backtesting":
      return plan(
        "backtesting",
        {
          strategy_name: op.strategy_name,
          symbol: op.symbol,
          timeframe: op.timeframe,
          ...dates,
          initial_capital: num(params.initial_capital) ?? num(config.initial_capital),
          commission: num(params.commission) ?? num(config.commission),
          slippage: num(params.slippage) ?? num(config.slippage),
        },
        [
          "strategy_name",
          "symbol",
          "timeframe",
          "start_date",
          "end_date",
          "initial_capital",
          "commission",
          "slippage",
          ...(v2026 ? (["model_path"] as const) : []),
        ],
      );
    case "data_load": {
      if (v2026)
        return plan("data_load", { symbol: op.symbol, timeframe: op.timeframe, mode: op.mode, ...dates }, ["symbol", "timeframe", "mode"]);
      const context = obj(obj(raw.progress)?.context) ?? {};
      return plan(
        "data_load",
        { symbol: op.symbol ?? str(context.symbol), timeframe: op.timeframe ?? str(context.timeframe), mode: op.mode ?? str(context.mode) },
        ["symbol", "timeframe", "mode", "start_date", "end_date"],
      );
    }
    default:
      return { type: "unsupported", operation_type: op.operation_type };
  }
}

/** The checkpoint when the witness read already has it, else read now (none, or unreadable: undefined). */
async function checkpointOf(http: KtrdrHttp, op: Operation): Promise<Checkpoint | undefined> {
  if (op.witnesses?.checkpoint !== undefined) return op.witnesses.checkpoint ?? undefined;
  return (await readCheckpoint(http, op.operation_id).catch(() => null)) ?? undefined;
}

/** The request with what it holds, and the required keys it lacks. */
function plan<T extends RestartType>(
  type: T,
  request: Partial<Record<keyof RestartRequests[T] & string, unknown>>,
  required: ReadonlyArray<keyof RestartRequests[T] & string>,
): RestartPlan {
  const held = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) as Partial<RestartRequests[T]>;
  const missing = required.filter((k) => (held as Rec)[k] === undefined);
  return { type, request: held, missing } as RestartPlan;
}
