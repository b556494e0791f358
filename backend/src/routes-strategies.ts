// Strategy endpoints: the list and one strategy by name.
import type { Ctx } from "./context.ts";
import { listModels, readModel } from "./models.ts";
import type { Router } from "./router.ts";
import { isoDate } from "./util.ts";
import type { JsonObject } from "./util.ts";
import { checkStrategy, strategyFeatures, validationReport } from "./strategy-check.ts";
import { detail, json } from "./wire.ts";

/** A strategy's list row (with its training status from the saved models). */
function strategyInfo(ctx: Ctx, name: string): JsonObject | null {
  const s = ctx.strategies.tryLoad(name);
  if (!s) return null;
  const models = listModels(ctx, name);
  const latest = models.at(-1);
  const artifact = latest ? readModel(latest.path) : null;
  if (artifact && ctx.quirks.has("v2025-strategy-versions-empty")) {
    return {
      name: s.name,
      description: s.description,
      symbol: s.symbols.join(", "),
      timeframe: s.timeframes.join(", "),
      indicators: s.indicators,
      fuzzy_config: s.fuzzyConfig,
      training_status: "trained",
      available_versions: [],
      latest_version: null,
      latest_training_date: null,
      latest_metrics: null,
    };
  }
  return {
    name: s.name,
    description: s.description,
    symbol: s.symbols.join(", "),
    timeframe: s.timeframes.join(", "),
    indicators: s.indicators,
    fuzzy_config: s.fuzzyConfig,
    training_status: artifact ? "trained" : "untrained",
    available_versions: models.map((m) => m.version),
    latest_version: latest?.version ?? null,
    latest_training_date: latest ? isoDate(latest.mtime) : null,
    latest_metrics: artifact ? artifact.metrics : null,
  };
}

export function registerStrategyRoutes(router: Router, ctx: Ctx): void {
  const emptyList = () => ctx.quirks.has("v2026-empty-strategy-list");

  router.add("GET", "/strategies/", () => {
    if (emptyList()) return json(200, { success: true, strategies: [] });
    const strategies = ctx.strategies
      .names()
      .map((n) => strategyInfo(ctx, n))
      .filter((s): s is JsonObject => s !== null);
    return json(200, { success: true, strategies });
  });

  router.add("GET", "/strategies/{strategy_name}", (_req, p) => {
    const info = emptyList() ? null : strategyInfo(ctx, p.strategy_name!);
    return info ? json(200, info) : detail(404, `Strategy '${p.strategy_name}' not found`);
  });

  const unknown = (name: string) => detail(404, `Strategy file not found: ${name}.yaml`);

  router.add("POST", "/strategies/validate/{strategy_name}", (_req, p) => {
    const s = ctx.strategies.tryLoad(p.strategy_name!);
    return s ? json(200, validationReport(s, ctx.opts.wire)) : unknown(p.strategy_name!);
  });

  if (ctx.opts.wire === "v2026") {
    router.add("GET", "/strategies/{strategy_name}/features", (_req, p) => {
      const s = ctx.strategies.tryLoad(p.strategy_name!);
      if (!s) return unknown(p.strategy_name!);
      const issues = checkStrategy(s, "v2026");
      if (issues.length) return detail(500, `Failed to get strategy features: ${issues[0]!.message}`);
      const features = strategyFeatures(s);
      return json(200, { success: true, strategy_name: s.name, features, count: features.length });
    });
  }
}
