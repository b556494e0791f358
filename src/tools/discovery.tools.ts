/**
 * What the backend offers: health, symbols, indicators, strategies.
 */
import { z } from "zod";
import { defineTool, READ } from "./tool";
import { prune } from "./views";

export const checkBackendHealth = defineTool({
  name: "check_backend_health",
  title: "Check KTRDR backend health",
  description: "Whether the KTRDR backend is reachable and healthy, its version and how long it took to answer. Use it when other tools report the backend unreachable.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {},
  output: {
    healthy: z.boolean(),
    status: z.string(),
    version: z.string().optional(),
    backend: z.string().describe("Backend host the server talks to"),
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
  name: "get_available_symbols",
  title: "List tradable symbols",
  description: "Symbols KTRDR knows, with type, exchange and the timeframes it has. Use before trigger_data_loading or start_training to pick valid symbols.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {},
  output: {
    count: z.number(),
    symbols: z.array(z.record(z.string(), z.unknown())),
  },
  async run(_args, { api }) {
    const list = await api.symbols();
    const symbols = list.map((s) =>
      prune({ symbol: s.symbol, name: s.name, type: s.type, exchange: s.exchange, currency: s.currency, timeframes: s.available_timeframes ?? undefined }),
    );
    return { count: symbols.length, symbols };
  },
});

export const getAvailableIndicators = defineTool({
  name: "get_available_indicators",
  title: "List indicators",
  description: "Technical indicators KTRDR can compute, with their parameters. Use when reading or choosing a strategy's features.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {},
  output: {
    count: z.number(),
    indicators: z.array(z.record(z.string(), z.unknown())),
  },
  async run(_args, { api }) {
    const list = await api.indicators();
    const indicators = list.map((i) => {
      const params = Array.isArray(i.parameters)
        ? i.parameters.map((p) => (p && typeof p === "object" && "name" in p ? String((p as { name: unknown }).name) : String(p)))
        : i.parameters && typeof i.parameters === "object"
          ? Object.keys(i.parameters)
          : undefined;
      return prune({ name: i.name ?? i.id, description: i.description, parameters: params });
    });
    return { count: indicators.length, indicators };
  },
});

export const getAvailableStrategies = defineTool({
  name: "get_available_strategies",
  title: "List strategies",
  description: "Strategies that can be trained or backtested, with their symbol, timeframe and training status. Pass a name to start_training or start_backtest.",
  scope: "ktrdr:read",
  annotations: READ,
  input: {},
  output: {
    count: z.number(),
    strategies: z.array(z.record(z.string(), z.unknown())),
  },
  async run(_args, { api }) {
    const list = await api.strategies();
    const strategies = list.map((s) =>
      prune({
        name: s.name,
        description: s.description,
        symbol: s.symbol,
        timeframe: s.timeframe,
        training_status: s.training_status,
        latest_version: s.latest_version,
        latest_training_date: s.latest_training_date,
      }),
    );
    return { count: strategies.length, strategies };
  },
});

export const DISCOVERY_TOOLS = [checkBackendHealth, getAvailableSymbols, getAvailableIndicators, getAvailableStrategies];
