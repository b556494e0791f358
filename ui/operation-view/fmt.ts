/** Formatting and safe reading of values the server sent (anything may be missing or odd). */

export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
export const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

let locale: string | undefined;
export function setLocale(l: unknown): void {
  try {
    if (typeof l === "string") locale = Intl.getCanonicalLocales(l)[0];
  } catch {
    // not a locale: keep the browser's
  }
}

/** 4 significant digits, grouped: 0.9737, 1,806, 100,000. */
export function n4(v: number | undefined): string {
  if (v === undefined) return "—";
  return new Intl.NumberFormat(locale, Number.isInteger(v) ? { maximumFractionDigits: 0 } : { maximumSignificantDigits: 4 }).format(v);
}

/** 6 significant digits, grouped (prices, trade figures). */
export function n6(v: number): string {
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: 6 }).format(v);
}

/** Compact: 100k, 1.2M (chart axes). */
export function compact(v: number): string {
  return new Intl.NumberFormat(locale, { notation: "compact", maximumSignificantDigits: 3 }).format(v);
}

/** A fraction as a percentage: 0.4919 → 49.19%. */
export function pct(fraction: number | undefined, digits = 2): string {
  return fraction === undefined ? "—" : `${(fraction * 100).toFixed(digits)}%`;
}

/** 45 s · 3 min 20 s · 1 h 05 min. */
export function dur(s: number | undefined): string {
  if (s === undefined) return "—";
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** The date part of an ISO time: 2024-01-02T14:30:00Z → 2024-01-02. */
export const day = (t: string | undefined): string | undefined => (t ? t.slice(0, 10) : undefined);
