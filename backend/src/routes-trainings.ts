// POST /trainings/start and GET /trainings/{id}/performance.
import type { Ctx } from "./context.ts";
import { findSymbol } from "./market-data.ts";
import type { Operation } from "./operations.ts";
import { checkTimeframes, loadStrategy, naiveDateTime, onWorker, startTask } from "./route-helpers.ts";
import type { Router } from "./router.ts";
import { noWorker } from "./routes-operations.ts";
import type { StrategyFile } from "./strategies.ts";
import type { TrainingRequest } from "./training/request.ts";
import { estimatedMinutes } from "./training/request.ts";
import { trainingTask } from "./training/task.ts";
import type { JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";
import type { Reply, WireVersion } from "./wire.ts";

/** v2025-cancel-fails-training: how long after the DELETE the training turns failed. */
const CANCEL_TO_FAILED_MS = 250;

interface TrainingStart {
  symbols: string[] | null;
  timeframes: string[] | null;
  strategyName: string;
  startDate: string | null;
  endDate: string | null;
  analytics: boolean;
}

/** The body of POST /trainings/start (v2025 requires symbols and timeframes; v2026 takes the strategy's). */
function parseTrainingStart(body: JsonObject, v: WireVersion): TrainingStart | Reply {
  const check = new BodyCheck(body);
  const required = v === "v2025";
  const symbols = check.strList("symbols", required, false);
  const timeframes = check.strList("timeframes", required, false);
  const strategyName = check.str("strategy_name", true);
  const start = check.date("start_date");
  const end = check.date("end_date");
  check.str("task_id", false);
  const analytics = check.bool("detailed_analytics", false);
  const emptyList = (field: string, what: string) =>
    check.issues.push({
      type: "value_error",
      loc: ["body", field],
      msg: `Value error, At least one ${what} must be specified${v === "v2026" ? ` when ${field} are provided` : ""}`,
      input: [],
      ctx: { error: {} },
    });
  if (symbols && symbols.length === 0) emptyList("symbols", "symbol");
  if (timeframes && timeframes.length === 0) emptyList("timeframes", "timeframe");
  if (check.issues.length) return validationError(v, check.issues);
  return { symbols, timeframes, strategyName: strategyName!, startDate: start?.[0] ?? null, endDate: end?.[0] ?? null, analytics };
}

/** v2025's training record: the request in metadata.parameters. */
function createRecordV2025(ctx: Ctx, req: TrainingRequest, analytics: boolean): Operation {
  const strategy = req.strategy;
  const model = strategy.raw.model as JsonObject | undefined;
  const op = ctx.ops.create("training", {
    symbol: req.symbols[0]!,
    timeframe: req.timeframes[0]!,
    mode: "training",
    start_date: naiveDateTime(req.startDate),
    end_date: naiveDateTime(req.endDate),
    parameters: {
      strategy_name: strategy.name,
      strategy_path: strategy.path,
      training_type: "mlp",
      symbols: req.symbols,
      timeframes: req.timeframes,
      epochs: typeof model?.training === "object" ? ((model.training as JsonObject).epochs ?? null) : null,
      use_host_service: false,
      analytics_enabled: analytics,
      training_mode: "local",
      operation_name: "training",
      service_name: "TrainingService",
    },
  });
  op.afterCancel = () => {
    // v2025-cancel-fails-training: the training task reports the cancellation as a failure a
    // moment later (upstream: ~7 ms; here 250 ms so that reads right after the DELETE still
    // see `cancelled`, as the recordings mostly do).
    setTimeout(() => {
      if (op.status === "cancelled" && ctx.quirks.has("v2025-cancel-fails-training") && ctx.ops.get(op.id) === op) {
        ctx.ops.fail(op, "Training operation cancelled");
      }
    }, CANCEL_TO_FAILED_MS);
  };
  return op;
}

/** v2026's training record: on the training worker; upstream stores the strategy's YAML (truncated), not its name. */
function createRecordV2026(ctx: Ctx, req: TrainingRequest, analytics: boolean): Operation {
  const op = ctx.ops.create("training", { symbol: req.symbols[0]!, timeframe: req.timeframes[0]!, mode: "training" });
  const workerId = onWorker(ctx, op, "training");
  op.dbDates = { start: naiveDateTime(req.startDate), end: naiveDateTime(req.endDate) };
  op.metadata.parameters = {
    strategy_yaml: req.strategy.text.slice(0, 200),
    symbols: req.symbols,
    timeframes: req.timeframes,
    start_date: req.startDate,
    end_date: req.endDate,
    worker_id: workerId,
  };
  if (analytics) op.metadata.parameters.analytics_enabled = true;
  return op;
}

/** The request a start resolves to (symbols/timeframes from the strategy where not given), or upstream's error. */
function resolveRequest(ctx: Ctx, start: TrainingStart, strategy: StrategyFile): TrainingRequest | Reply {
  // Symbols are not checked here: one without data starts and then fails (as upstream).
  const symbols = (start.symbols ?? strategy.symbols).map((s) => findSymbol(s)?.symbol ?? s);
  const timeframes = start.timeframes ?? strategy.timeframes;
  if (symbols.length === 0 || timeframes.length === 0) {
    return detail(400, `Strategy '${strategy.name}' names no symbols/timeframes; pass them in the request`);
  }
  return checkTimeframes(ctx, timeframes) ?? { strategy, symbols, timeframes, startDate: start.startDate, endDate: start.endDate };
}

export function registerTrainingRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;

  router.add("POST", "/trainings/start", (http) => {
    const body = bodyObject(http, v);
    if (isReply(body)) return body;
    const start = parseTrainingStart(body, v);
    if (isReply(start)) return start;
    const strategy = loadStrategy(ctx, start.strategyName);
    if (isReply(strategy)) return strategy;
    const req = resolveRequest(ctx, start, strategy);
    if (isReply(req)) return req;
    if (ctx.quirks.has("v2026-one-worker") && ctx.workers.isBusy("training")) return noWorker(ctx, "training");
    const op = v === "v2026" ? createRecordV2026(ctx, req, start.analytics) : createRecordV2025(ctx, req, start.analytics);
    op.rerun = () => trainingTask(ctx, req);
    startTask(ctx, op, op.rerun());
    return json(200, {
      success: true,
      task_id: op.id,
      status: "training_started",
      message: `Neural network training started for ${req.symbols.join(", ")} using ${strategy.name} strategy`,
      symbols: req.symbols,
      timeframes: req.timeframes,
      strategy_name: strategy.name,
      estimated_duration_minutes: estimatedMinutes(),
    });
  });

  router.add("GET", "/trainings/{task_id}/performance", (_req, p) => {
    const op = ctx.ops.get(p.task_id!);
    if (op?.type !== "training") return detail(404, `Training task not found: ${p.task_id}`);
    if (op.status !== "completed" || !op.training) return detail(404, `Training task ${op.id} is not completed (status: ${op.status})`);
    const t = op.training;
    return json(200, {
      success: true,
      task_id: op.id,
      status: op.status,
      training_metrics: t.training_metrics!,
      test_metrics: t.test_metrics!,
      model_info: t.model_info!,
    });
  });
}
