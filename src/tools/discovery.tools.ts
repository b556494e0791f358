/**
 * What the backend offers: health, symbols, indicators, strategies.
 */
import { z } from "zod";
import * as names from "./names";
import { defineTool, READER } from "./tool";
import { prune } from "./views";

export const checkBackendHealth = defineTool({
  name: names.CHECK_BACKEND_HEALTH,
  title: "Check KTRDR backend health",
  description:
    "Whether the KTRDR backend is reachable and healthy, its version and how long it took to answer. " +
    "Use it when other tools report the backend unreachable.",
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

export const getAvailableStrategies = defineTool({
  name: names.GET_AVAILABLE_STRATEGIES,
  title: "List strategies",
  description:
    "Strategies that can be trained or backtested, with their symbol, timeframe and training status. " +
    "Pass a name to start_training or start_backtest.",
  ...READER,
  input: {},
  output: {
    count: z.number(),
    strategies: z.array(z.record(z.string(), z.unknown())),
    note: z.string().optional(),
  },
  async run(_args, { api }) {
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

export const DISCOVERY_TOOLS = [checkBackendHealth, getAvailableSymbols, getAvailableIndicators, getAvailableStrategies];
