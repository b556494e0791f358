/**
 * Safe starts: before starting an operation, look in the backend for an active one of the same
 * kind with the same parameters, and hand that back instead of starting a duplicate. Everything
 * comes from the backend's operation list; the Worker remembers nothing.
 */
import { ACTIVE_STATUSES, type OperationInfo } from "../ktrdr/wire";
import type { ToolContext } from "./tool";

/** Candidates read in full at most (each is one backend call). */
const MAX_CANDIDATES = 10;

export type Matcher = (op: OperationInfo) => boolean;

export async function findActiveTwin(ctx: ToolContext, operationType: string, matches: Matcher, symbol?: string): Promise<OperationInfo | undefined> {
  const active = await ctx.api.listActiveOperations(operationType, 50);
  const candidates = active
    .filter((o) => o.operation_type === operationType && (!symbol || !o.symbol || o.symbol === "N/A" || o.symbol === symbol))
    .slice(0, MAX_CANDIDATES);
  for (const c of candidates) {
    const op = await ctx.api.getOperation(c.operation_id).catch(() => undefined);
    if (op && (ACTIVE_STATUSES as readonly string[]).includes(op.status) && matches(op)) return op;
  }
  return undefined;
}

/** Dates compare by day when either side is a bare date. */
export function sameDate(a: unknown, b: string | undefined): boolean {
  const norm = (v: unknown) => (typeof v === "string" && v ? v.slice(0, 10) : undefined);
  return norm(a) === norm(b);
}

export function sameSet(a: unknown, b: readonly string[]): boolean {
  if (!Array.isArray(a)) return false;
  const x = new Set(a.map(String));
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}
