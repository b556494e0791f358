// v2026 research cycles: POST /agent/trigger, GET /agent/status, GET /agent/budget,
// DELETE /agent/cancel/{operation_id} (see research.ts).
import type { Ctx } from "./context.ts";
import { deliverCancel } from "./remote.ts";
import {
  CAPACITY,
  DEFAULT_MODEL,
  lastCycleRow,
  MODEL_ALIASES,
  resetCycleRecord,
  researchTask,
  statusRow,
  VALID_MODELS,
} from "./research.ts";
import type { Cycle, Research } from "./research.ts";
import type { Router } from "./router.ts";
import { strategyNotFoundMessage } from "./route-helpers.ts";
import { isoDate } from "./util.ts";
import type { JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";
import type { Reply } from "./wire.ts";

const DAILY_LIMIT = 20;

function trigger(ctx: Ctx, research: Research, body: JsonObject): Reply {
  const check = new BodyCheck(body);
  const model = check.str("model", false);
  const bypass = check.bool("bypass_gates", false);
  const strategyName = check.str("strategy", false);
  const brief = check.str("brief", false);
  if (model !== null && !VALID_MODELS.includes(model)) {
    check.issues.push({
      type: "value_error",
      loc: ["body", "model"],
      msg: `Value error, Invalid model '${model}'. Valid options: ${VALID_MODELS.join(", ")}`,
      input: model,
    });
  }
  if (check.issues.length === 0 && strategyName !== null && brief !== null) {
    check.issues.push({
      type: "value_error",
      loc: ["body"],
      msg: "Value error, Cannot specify both 'brief' and 'strategy'. Use 'brief' to design a new strategy, or 'strategy' to train an existing one.",
      input: body,
    });
  }
  if (check.issues.length) return validationError("v2026", check.issues);
  const strategy = strategyName === null ? null : ctx.strategies.tryLoad(strategyName);
  if (strategyName !== null && !strategy)
    return detail(422, `Strategy not found: ${strategyName}. ${strategyNotFoundMessage(ctx, strategyName)}`);
  // Not recorded (the recorder stayed under the limit): a trigger beyond capacity is refused.
  if (research.active().length >= CAPACITY) {
    return json(409, { triggered: false, reason: "at_capacity", message: `Research capacity reached (${CAPACITY} active)` });
  }
  const resolved = model === null ? DEFAULT_MODEL : (MODEL_ALIASES[model] ?? model);
  const initial: JsonObject = strategy
    ? {
        model: resolved,
        phase: "designing",
        bypass_gates: bypass,
        strategy_name: strategy.name,
        strategy_path: strategy.path,
        design_complete: true,
      }
    : { brief: brief ?? "", model: resolved, phase: "idle", bypass_gates: bypass };
  const op = ctx.ops.create("agent_research", { parameters: { ...initial } });
  op.backendLocal = true;
  const cycle: Cycle = {
    op,
    phase: strategy ? "designing" : "idle",
    strategy: strategy ?? null,
    childId: null,
    startedMs: Date.now(),
    initial,
  };
  research.add(cycle);
  ctx.ops.run(op, researchTask(ctx, cycle));
  return json(202, { triggered: true, operation_id: op.id, model: resolved, message: "Research cycle started" });
}

export function registerAgentRoutes(router: Router, ctx: Ctx, research: Research): void {
  router.add("POST", "/agent/trigger", (req) => {
    const body = req.body === undefined ? {} : bodyObject(req, "v2026");
    if (isReply(body)) return body;
    return trigger(ctx, research, body);
  });

  router.add("GET", "/agent/status", () => {
    const active = research.active();
    const workers = {
      training: ctx.workers.counts("training"),
      backtesting: ctx.workers.counts("backtesting"),
      agent_design: { busy: 0, total: 0 },
      agent_assessment: { busy: 0, total: 0 },
    };
    const common = {
      workers,
      budget: { remaining: DAILY_LIMIT, daily_limit: DAILY_LIMIT },
      capacity: { active: active.length, limit: CAPACITY },
    };
    if (active.length) return json(200, { status: "active", active_researches: active.map(statusRow), ...common });
    const last = research.last();
    return json(200, { status: "idle", active_researches: [], last_cycle: last ? lastCycleRow(last) : null, ...common });
  });

  router.add("GET", "/agent/budget", () =>
    json(200, {
      date: isoDate(Date.now()),
      daily_limit: DAILY_LIMIT,
      today_spend: 0,
      remaining: DAILY_LIMIT,
      budget_disabled: false,
      cycles_affordable: 133,
      spend_events: 0,
    }),
  );

  router.add("DELETE", "/agent/cancel/{operation_id}", (_req, p) => {
    const id = p.operation_id!;
    const op = ctx.ops.get(id);
    if (!op) return json(404, { success: false, reason: "not_found", message: `Operation not found: ${id}` });
    if (op.type !== "agent_research")
      return json(404, { success: false, reason: "not_research", message: `Operation is not a research: ${id}` });
    if (!ctx.ops.isActive(op))
      return json(409, { success: false, reason: "not_cancellable", message: `Cannot cancel ${op.status} operation` });
    const cycle = research.get(id);
    const childId = cycle?.childId ?? null;
    const child = childId ? ctx.ops.get(childId) : undefined;
    if (child && ctx.ops.isActive(child)) {
      ctx.ops.cancel(child, "Parent research cancelled");
      if (child.remote) deliverCancel(ctx, child, "Parent research cancelled");
    }
    if (cycle) resetCycleRecord(cycle);
    ctx.ops.cancel(op, "Cancelled by user");
    return json(200, { success: true, operation_id: id, child_cancelled: childId, message: "Research cancelled" });
  });
}
