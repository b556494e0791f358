/**
 * A completed backtest's lists: its trades and its equity curve. v2025 keeps both in the result
 * summary (lifecycle-v2025/009, 014) and serves them again under `/backtests/{id}/trades` and
 * `/equity_curve` (012, 013); v2026 keeps only how many there were (`trade_count`,
 * `equity_curve_length`, lifecycle-v2026/1250) and has no such routes.
 */
import { BackendError } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import type { Results } from "./model";
import { equityFrom } from "./normalise";
import { scrubValue } from "./scrub";
import * as wire from "./wire";
import { wireVersion } from "./workers";

/** A list a backtest should have that KTRDR did not give (its route failed). */
export type BacktestList = "trades" | "equity_curve";

/**
 * Fills in the trades and the equity curve of a completed v2025 backtest when its result summary
 * lacks them, from v2025's backtest routes; returns the lists that could not be read. Nothing is
 * asked of a v2026 backend (it keeps neither) or when the summary already holds both.
 */
export async function completeBacktestLists(http: KtrdrHttp, id: string, results: Results): Promise<BacktestList[]> {
  const b = results.backtest;
  if (!b) return [];
  const needTrades = b.trades === undefined;
  const needCurve = b.equity_curve === undefined;
  if (!needTrades && !needCurve) return [];
  // v2026's shape: the counts without the lists (v2025 sends both). Only otherwise is the version asked.
  const countsOnly = b.trade_count !== undefined || b.equity_points !== undefined;
  if (http.version === "v2026" || (http.version === undefined && countsOnly)) return [];
  if ((await wireVersion(http)) !== "v2025") return [];
  const base = `/backtests/${segment(id)}`;
  const [trades, curve] = await Promise.all([
    needTrades ? read(http.call("GET", `${base}/trades`, wire.backtestTradesSchema, { idempotent: true })) : undefined,
    needCurve ? read(http.call("GET", `${base}/equity_curve`, wire.backtestEquitySchema, { idempotent: true })) : undefined,
  ]);
  const unread: BacktestList[] = [];
  if (needTrades) {
    if (trades) b.trades = (scrubValue(trades.trades) as unknown[]).filter(isObject);
    else unread.push("trades");
  }
  if (needCurve) {
    const points = curve ? equityFrom(curve) : undefined;
    if (points) b.equity_curve = points;
    else unread.push("equity_curve");
  }
  return unread;
}

/** The answer, or undefined when KTRDR could not give it (said by the caller, never fatal). */
async function read<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof BackendError) return undefined;
    throw err;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
