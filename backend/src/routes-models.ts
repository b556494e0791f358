// /models: the saved models, loading one, predicting with it, saving a training's model under a name.
// As recorded (models-never-found), upstream lists every model with empty names and 0 accuracies and
// never finds one by name (load 404, so predict always answers "not loaded", save 400). Without the
// quirk they work: a model is loaded by strategy name (its newest version) or by path, and a
// prediction runs it over the cached bars up to `test_date`.
import type { Ctx } from "./context.ts";
import { applyScaler, CLASS_NAMES, featureMatrix } from "./features.ts";
import { findTimeframe } from "./market-data.ts";
import { MLP } from "./mlp.ts";
import type { ModelArtifact } from "./models.ts";
import { listAllModels, listModels, readModel, resolveModelPath } from "./models.ts";
import type { Router } from "./router.ts";
import { round } from "./util.ts";
import type { JsonObject } from "./util.ts";
import { BodyCheck, bodyObject, isReply } from "./validation.ts";
import { detail, json, validationError } from "./wire.ts";

interface Loaded {
  name: string;
  ref: string;
  artifact: ModelArtifact;
}

function find(ctx: Ctx, name: string): { ref: string; artifact: ModelArtifact } | null {
  const newest = listModels(ctx, name).at(-1);
  if (newest) return { ref: newest.ref, artifact: readModel(newest.path) };
  const file = resolveModelPath(ctx, name);
  return file ? { ref: name, artifact: readModel(file) } : null;
}

/** The model's decision on the last bar up to `until`: probabilities of down/flat/up. */
function predict(ctx: Ctx, a: ModelArtifact, symbol: string, timeframe: string, until: number | null): JsonObject | null {
  const bars = ctx.cache.range(symbol, timeframe, null, until);
  if (bars.length === 0) return null;
  const { cols } = featureMatrix(bars, a.config);
  const dim = cols.length;
  const row = new Float64Array(dim);
  const last = bars.length - 1;
  for (let d = 0; d < dim; d++) row[d] = cols[d]![last]!;
  if (!row.every(Number.isFinite)) return null;
  const p = MLP.fromJSON(a.model).forward(applyScaler(row, dim, a.scaler), 0);
  const best = [0, 1, 2].reduce((m, i) => (p[i]! > p[m]! ? i : m), 0);
  const signal = { down: "SELL", flat: "HOLD", up: "BUY" }[CLASS_NAMES[best]!];
  return {
    signal,
    confidence: round(p[best]!, 4),
    probabilities: { down: round(p[0]!, 4), flat: round(p[1]!, 4), up: round(p[2]!, 4) },
    bar_time: new Date(bars[last]!.t).toISOString().slice(0, 19),
  };
}

export function registerModelRoutes(router: Router, ctx: Ctx): void {
  const v = ctx.opts.wire;
  const broken = () => ctx.quirks.has("models-never-found");
  const loaded = new Map<string, Loaded>();

  router.add("GET", "/models", () => {
    const models = listAllModels(ctx)
      .reverse()
      .map((m) => {
        const a = readModel(m.path);
        const metrics = (a.metrics.training_metrics ?? {}) as JsonObject;
        const test = (a.metrics.test_metrics ?? {}) as JsonObject;
        return {
          model_id: broken() ? "" : m.ref,
          model_name: broken() ? "" : a.strategy_name,
          symbol: a.symbols[0] ?? "",
          timeframe: a.timeframes[0] ?? "",
          created_at: a.created_at.replace(/Z$/, ""),
          training_accuracy: broken() ? 0 : Number(metrics.final_train_accuracy ?? 0),
          test_accuracy: broken() ? 0 : Number(test.test_accuracy ?? 0),
          description: broken() ? "" : `${a.strategy_name} v${a.version} (${a.symbols.join(", ")} ${a.timeframes.join(", ")})`,
        };
      });
    return json(200, { success: true, models });
  });

  router.add("POST", "/models/{model_name}/load", (_req, p) => {
    const name = p.model_name!;
    const found = broken() ? null : find(ctx, name);
    if (!found) return detail(404, `Model '${name}' not found`);
    loaded.set(name, { name, ...found });
    return json(200, { success: true, model_name: name, model_path: found.ref, loaded: true });
  });

  router.add("POST", "/models/predict", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const name = check.str("model_name", true);
    const symbol = check.str("symbol", true);
    const timeframe = check.str("timeframe", false) ?? "1h";
    const testDate = check.date("test_date");
    if (check.issues.length) return validationError(v, check.issues);
    const model = loaded.get(name!);
    if (!model) return detail(400, `Model '${name}' is not loaded. Load it first.`);
    if (!findTimeframe(timeframe)) return detail(400, `Invalid timeframe: ${timeframe}`);
    const until = testDate ? testDate[1] + 86_400_000 : null;
    const prediction = predict(ctx, model.artifact, symbol!, timeframe, until);
    if (!prediction) return detail(400, `No data to predict on for ${symbol} ${timeframe}`);
    return json(200, {
      success: true,
      model_name: name!,
      symbol: symbol!,
      timeframe,
      test_date: testDate?.[0] ?? null,
      prediction,
    });
  });

  router.add("POST", "/models/save", (req) => {
    const body = bodyObject(req, v);
    if (isReply(body)) return body;
    const check = new BodyCheck(body);
    const taskId = check.str("task_id", true);
    const name = check.str("model_name", true);
    check.str("description", false);
    if (check.issues.length) return validationError(v, check.issues);
    const op = ctx.ops.get(taskId!);
    const summary = op?.resultSummary;
    const ref =
      typeof summary?.model_path === "string"
        ? summary.model_path
        : typeof (summary?.artifacts as JsonObject | undefined)?.model_path === "string"
          ? String((summary!.artifacts as JsonObject).model_path)
          : null;
    const file = ref ? resolveModelPath(ctx, ref) : null;
    if (broken() || !file || !ref) return detail(400, "Trained model file not found");
    loaded.set(name!, { name: name!, ref, artifact: readModel(file) });
    return json(200, { success: true, model_name: name!, model_path: ref, task_id: taskId! });
  });
}
