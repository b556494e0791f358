// Strategy validation (POST /strategies/validate/{name}) and the features a strategy's fuzzy sets
// define (v2026 GET /strategies/{name}/features). The checks are the ones training would trip over:
// unknown indicators, fuzzy sets for indicators the strategy does not compute, and the model and
// training configuration (strategies.ts). The messages follow each wire's wording.
import { indicatorNames, findIndicator } from "./indicators.ts";
import type { StrategyFile } from "./strategies.ts";
import { trainingConfig } from "./strategies.ts";
import type { Json, JsonObject } from "./util.ts";
import type { WireVersion } from "./wire.ts";

export interface StrategyIssue {
  severity: "error";
  category: string;
  message: string;
  details: JsonObject | null;
}

/** Feature ids the strategy's indicators produce (what its fuzzy sets may refer to). */
function indicatorIds(s: StrategyFile): string[] {
  return s.indicators.map((i) => String(i.feature_id ?? i.name ?? ""));
}

/** The problems, one per kind, in the wording of the wire (v2026: one "Strategy validation failed" block). */
export function checkStrategy(s: StrategyFile, wire: WireVersion): StrategyIssue[] {
  const names = s.indicators.map((i) => String(i.name ?? ""));
  const missing = names.filter((n) => !findIndicator(n));
  const ids = indicatorIds(s);
  const badRefs = Object.keys(s.fuzzyConfig).filter((k) => !ids.includes(k));
  let config: string | null = null;
  if (missing.length === 0) {
    try {
      trainingConfig(s);
    } catch (err) {
      config = err instanceof Error ? err.message : String(err);
    }
  }
  if (wire === "v2026") {
    const lines = [
      ...missing.map(
        (n) => `indicators.${names.indexOf(n)}.name: '${n}' is not a known indicator. Available: ${indicatorNames().join(", ")}`,
      ),
      ...badRefs.map((r) => `fuzzy_sets.${r}.indicator: '${r}' not found in indicators. Available indicators: ${ids.join(", ")}`),
      ...(config ? [config] : []),
    ];
    return lines.length
      ? [
          {
            severity: "error",
            category: "indicators",
            message: `Strategy validation failed:\n${lines.map((l) => `  - ${l}`).join("\n")}`,
            details: null,
          },
        ]
      : [];
  }
  const issues: StrategyIssue[] = [];
  if (missing.length) {
    issues.push({
      severity: "error",
      category: "indicators",
      message: `Missing indicators: ${missing.join(", ")} referenced by the strategy. Available indicators are: ${indicatorNames().join(", ")}`,
      details: { missing_indicators: missing, available_indicators: indicatorNames(), strategy_indicators: names },
    });
  }
  if (badRefs.length) {
    issues.push({
      severity: "error",
      category: "fuzzy_sets",
      message: `Fuzzy sets reference invalid indicators/metrics: ${badRefs.join(", ")}. Valid targets are: ${[...ids].sort().join(", ")}`,
      details: { invalid_references: badRefs, valid_targets: [...ids].sort(), strategy_indicators: names, derived_metrics: [] },
    });
  }
  if (config) issues.push({ severity: "error", category: "model", message: config, details: null });
  return issues;
}

/** The answer of POST /strategies/validate/{name}. */
export function validationReport(s: StrategyFile, wire: WireVersion): JsonObject {
  const issues = checkStrategy(s, wire);
  return {
    success: true,
    valid: issues.length === 0,
    strategy_name: s.name,
    issues: issues as unknown as Json[],
    available_indicators: indicatorNames(),
    message: issues.length === 0 ? `Strategy '${s.name}' is valid` : `Strategy '${s.name}' has ${issues.length} error(s)`,
  };
}

/** v2026: one feature per timeframe × fuzzy set × membership. */
export function strategyFeatures(s: StrategyFile): JsonObject[] {
  const out: JsonObject[] = [];
  for (const tf of s.timeframes) {
    for (const [set, memberships] of Object.entries(s.fuzzyConfig)) {
      for (const m of Object.keys((memberships ?? {}) as JsonObject)) {
        out.push({
          feature_id: `${tf}_${set}_${m}`,
          timeframe: tf,
          fuzzy_set: set,
          membership: m,
          indicator_id: set,
          indicator_output: null,
        });
      }
    }
  }
  return out;
}
