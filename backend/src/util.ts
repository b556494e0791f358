// Small shared helpers: clocks, ids, timestamps, sleeping and yielding.
import { randomBytes } from "node:crypto";
import { setImmediate as yieldImmediate } from "node:timers/promises";

let lastMicros = 0;

/** Current UTC time in microseconds, strictly increasing within this process. */
export function nowMicros(): number {
  const ms = Date.now();
  const sub = Number(process.hrtime.bigint() % 1000n);
  let micros = ms * 1000 + sub;
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return micros;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** ISO 8601 with microseconds: `2025-10-04T14:35:30.123456` plus the given suffix (`Z` or `+00:00`). */
export function isoMicros(micros: number, suffix: "Z" | "+00:00" = "Z"): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const frac = pad(micros % 1_000_000, 6);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${frac}${suffix}`
  );
}

/** `2025-10-04T14:35:30` (no zone), as the data endpoints send. */
export function isoNaive(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** `2025-10-04` */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Operation id: `op_{type}_{YYYYmmdd_HHMMSS}_{8 hex}` in UTC. */
export function operationId(type: string, micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  const stamp =
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `op_${type}_${stamp}_${randomBytes(4).toString("hex")}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Let the event loop breathe: a real sleep when paced, else one macrotask turn. */
export async function pause(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
  else await yieldImmediate();
}

/**
 * Parse a date the way the backend accepts them: ISO 8601 (with or without zone, naive = UTC)
 * or `YYYY-MM-DD`. Returns epoch ms or null when it cannot be parsed.
 */
export function parseDate(value: string): number | null {
  const s = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) return null;
  let iso = s.replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += "T00:00:00Z";
  else if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += "Z";
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
