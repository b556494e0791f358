/**
 * What the backend offers: health, symbols, indicators, strategies.
 */
import { z } from "zod";
import type { KtrdrApi } from "../ktrdr/ktrdr.api";
import * as input from "./inputs";
import * as names from "./names";
import { defineTool, READER, ToolError } from "./tool";
import { prune } from "./views";

export const checkBackendHealth = defineTool({
  name: names.CHECK_BACKEND_HEALTH,
  title: "Check KTRDR backend health",
  description:
    "Whether the KTRDR backend is reachable and healthy, its version and response time. Use it when other tools cannot reach it.",
  ...READER,
  input: {},
  output: {
    healthy: z.boolean(),
    status: z.string(),
    version: z.string().optional(),
    backend: z.string(),
    latency_ms: z.number(),
  },
  async run(_args, { api, now }) {
    const t0 = now();
    const h = await api.health();
    return {
      healthy: h.status === "ok" || h.status === "healthy",
      status: h.status,
      ...(h.version ? { version: h.version } : {}),
      backend: api.backendHost,
      latency_ms: Math.max(0, now() - t0),
    };
  },
});

export const getAvailableSymbols = defineTool({
  name: names.GET_AVAILABLE_SYMBOLS,
  title: "List tradable symbols",
  description:
    "Symbols KTRDR knows, with type, exchange and the timeframes it has. " +
    "Use before trigger_data_loading or start_training to pick valid symbols.",
  ...READER,
  input: {},
  output: {
    count: z.number(),
    symbols: z.array(z.record(z.string(), z.unknown())),
  },
  async run(_args, { api }) {
    const symbols = (await api.symbols()).map((s) => prune(s));
    return { count: symbols.length, symbols };
  },
});

export const getAvailableIndicators = defineTool({
  name: names.GET_AVAILABLE_INDICATORS,
  title: "List indicators",
  description: "Technical indicators KTRDR can compute, with their parameters. Use when reading or choosing a strategy's features.",
  ...READER,
  input: {},
  output: {
    count: z.number(),
    indicators: z.array(z.record(z.string(), z.unknown())),
  },
  async run(_args, { api }) {
    const indicators = (await api.indicators()).map((i) => prune(i));
    return { count: indicators.length, indicators };
  },
});

/** At most this many of a strategy's issues are shown (KTRDR lists one per problem; each message is at most 300 characters). */
export const STRATEGY_ISSUES_MAX = 10;

export const getAvailableStrategies = defineTool({
  name: names.GET_AVAILABLE_STRATEGIES,
  title: "List strategies",
  description:
    "Strategies that can be trained or backtested, with their symbol, timeframe and training status. " +
    "With name: KTRDR validates that one instead (valid, issues); do it before training.",
  ...READER,
  input: {
    name: input.strategyName.optional().describe("Validate this strategy"),
  },
  output: {
    count: z.number().optional(),
    strategies: z.array(z.record(z.string(), z.unknown())).optional(),
    strategy_name: z.string().optional(),
    valid: z.boolean().optional(),
    issues: z.array(z.record(z.string(), z.string())).optional(),
    issue_count: z.number().optional(),
    note: z.string().optional(),
  },
  async run(args, { api }) {
    if (args.name !== undefined) return validate(api, input.strategyFromPath(args.name));
    const res = await api.strategies();
    const strategies = res.strategies.map((s) => prune({ ...s }));
    return {
      count: strategies.length,
      strategies,
      ...(res.listMayBeIncomplete
        ? {
            note:
              "KTRDR returned no strategies. KTRDR v2026's list leaves out every strategy file it fails to validate, " +
              "although training and backtesting by name still work: pass the strategy's name (e.g. from its YAML file) to start_training.",
          }
        : {}),
    };
  },
});

/** KTRDR's verdict on one strategy file, its issues bounded; a name without a file is an error saying where names come from. */
async function validate(api: KtrdrApi, name: string) {
  const v = await api.validateStrategy(name);
  if (!v)
    throw new ToolError(
      `No strategy file ${name}.yaml on KTRDR; get_available_strategies lists them ` +
        "(on v2026 the list may be empty although training by name works).",
    );
  const issues = v.issues.slice(0, STRATEGY_ISSUES_MAX);
  return prune({
    strategy_name: v.strategy_name,
    valid: v.valid,
    issues,
    issue_count: v.issues.length > issues.length ? v.issues.length : undefined,
  });
}

export const DISCOVERY_TOOLS = [checkBackendHealth, getAvailableSymbols, getAvailableIndicators, getAvailableStrategies];
