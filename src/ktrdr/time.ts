/**
 * Backend timestamps, read by one rule. KTRDR writes UTC times in ISO 8601 with microseconds,
 * three ways (FACTS.md): `…T18:46:36.007940Z` (operation fields), `…+00:00` (`cancelled_at`,
 * some metadata) and without a zone (some rows, market data), which is UTC too.
 *
 * `normalise.ts` writes every timestamp of the model with `utcTime`, so that everything outside
 * `src/ktrdr/` sees one form, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: ISO 8601, UTC, KTRDR's microseconds
 * kept, and a fixed width, so that comparing two as strings orders them in time. Consumers read
 * them with `parseTime`. No imports: the operation view can bundle it.
 */

/** Date, time (seconds and fraction optional), zone (absent means UTC); `T` or a space between date and time. */
const STAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

interface Instant {
  /** Epoch ms of the whole second. */
  second: number;
  /** The fraction of the second in microseconds, six digits. */
  micros: string;
}

function read(s: string): Instant | undefined {
  const m = STAMP.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const t = new Date(0);
  // setUTCFullYear, not Date.UTC: years below 100 are not moved into the 1900s.
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, 0);
  // Date rolls fields over (30 February is 2 March): a field out of range is not a time.
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  if (t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== sec) return undefined;
  const offset = zoneMinutes(m[8]);
  if (offset === undefined) return undefined;
  const second = t.getTime() - offset * 60_000;
  // An offset can carry 9999-12-31 past the four-digit years the model's form has.
  const year = new Date(second).getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  return { second, micros: (m[7] ?? "").padEnd(6, "0").slice(0, 6) };
}

/** Minutes east of UTC (`Z`, `±HH`, `±HHMM`, `±HH:MM`); undefined for an offset no zone has. */
function zoneMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone === "Z" || zone === "z") return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}

/** A backend timestamp as epoch milliseconds; undefined when it is none (or absent). */
export function parseTime(s: string | null | undefined): number | undefined {
  if (typeof s !== "string") return undefined;
  const t = read(s);
  return t === undefined ? undefined : t.second + Number(t.micros.slice(0, 3));
}

/**
 * A backend timestamp in the model's form, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC; digits past the
 * microsecond dropped); undefined when it is none.
 */
export function utcTime(s: string | null | undefined): string | undefined {
  if (typeof s !== "string") return undefined;
  const t = read(s);
  if (t === undefined) return undefined;
  return `${new Date(t.second).toISOString().slice(0, 19)}.${t.micros}Z`;
}
