/**
 * Input validators shared by the tools. Everything an agent sends is checked here before any
 * backend call: ids are opaque, but never contain `/`, `..`, `%`, whitespace or control
 * characters, so nothing an agent sends can change which backend route is called.
 */
import { z } from "zod";
import { DATA_MODES, OPERATION_ID_PATTERN, OPERATION_STATUSES, OPERATION_TYPES, TIMEFRAMES } from "../ktrdr/model";
import { ToolError } from "./tool";

/** An operation id, by the one rule (`OPERATION_ID_PATTERN` in src/ktrdr/model.ts; task ids and echoed ids follow it too). */
export const operationId = z
  .string()
  .regex(OPERATION_ID_PATTERN, "must be an operation id like op_training_20251004_143530_b5c6d7e8 (letters, digits, _ . : -, no '..')");

export const symbol = z
  .string()
  .min(1)
  .max(20)
  .regex(/^\^?[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a ticker like AAPL or EURUSD")
  .refine((s) => !s.includes(".."), "must not contain '..'")
  .transform((s) => s.toUpperCase())
  .describe("Ticker");

export const timeframe = z.enum(TIMEFRAMES);

const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export const date = z
  .string()
  .max(40)
  .regex(DATE_RE, "must be a date YYYY-MM-DD or an ISO 8601 date-time")
  .refine((s) => !Number.isNaN(dateMs(s)), "is not a real date")
  .describe("YYYY-MM-DD");

/** A date or date-time the agent sent, in ms (a bare date is midnight UTC). */
export function dateMs(s: string): number {
  return Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
}

/** The one date-range rule of every tool that takes dates: start_date not after end_date. */
export function checkDateRange(start: string | undefined, end: string | undefined): void {
  if (start && end && dateMs(start) > dateMs(end)) {
    throw new ToolError(`start_date ${start} is after end_date ${end}; swap them and call again.`);
  }
}

export const strategyName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "must be a strategy name like mlp_basic (see get_available_strategies)")
  .refine((s) => !s.includes(".."), "must not contain '..'")
  .describe("Strategy name, e.g. mlp_basic");

/** `strategies/mlp_basic.yaml` and `mlp_basic` name the same strategy; the backend wants the name. */
export function strategyFromPath(p: string): string {
  const base = p.split("/").pop() ?? p;
  return base.replace(/\.ya?ml$/i, "");
}

export const operationStatus = z.enum(OPERATION_STATUSES);
export const operationType = z.enum(OPERATION_TYPES);
export const dataMode = z.enum(DATA_MODES);

export const reason = z.string().max(500).describe("Why, recorded with the cancellation");
