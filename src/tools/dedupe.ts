/**
 * Safe starts: before starting an operation, look in the backend for an active one of the same
 * kind with the same parameters, and hand that back instead of starting a duplicate. Everything
 * comes from the backend (its list, and on v2026 what its workers run); the Worker remembers
 * nothing.
 */
import type { Operation } from "../ktrdr/model";
import { isRetryGhost } from "../ktrdr/resume";
import type { ToolContext } from "./tool";

/**
 * Whether an active operation is the one the agent asks for: `true` when every parameter the
 * backend reports matches; `"unverified"` when all it reports match but it does not report the
 * strategy (v2026 keeps only the strategy's YAML, which may be cut before its name); else false.
 */
export type Match = boolean | "unverified";
export type Matcher = (op: Operation) => Match;

export interface Twin {
  op: Operation;
  match: true | "unverified";
}

export async function findActiveTwin(ctx: ToolContext, operationType: string, matches: Matcher): Promise<Twin | undefined> {
  const active = await ctx.api.activeOperations(operationType);
  let unverified: Operation | undefined;
  for (const op of active) {
    // A record KTRDR's retry made is pending forever and never runs: never the operation to return instead.
    if (isRetryGhost(op)) continue;
    const m = matches(op);
    if (m === true) return { op, match: true };
    if (m === "unverified" && !unverified) unverified = op;
  }
  return unverified ? { op: unverified, match: "unverified" } : undefined;
}

/** Dates compare by day when either side is a bare date. */
export function sameDate(a: string | undefined, b: string | undefined): boolean {
  const norm = (v: string | undefined) => (v ? v.slice(0, 10) : undefined);
  return norm(a) === norm(b);
}

export function sameSet(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a) return false;
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}
