// The stand-in for Interactive Brokers: a symbol catalogue and a deterministic OHLCV generator.
// Every bar is a pure function of (symbol, bar time), so a loaded range is reproducible and
// overlapping loads agree. Prices are a multi-scale smooth random process (momentum) plus a
// small per-instant noise (mean reversion), which gives a model real signal to learn.

export type AssetType = "stock" | "forex";

export interface SymbolInfo {
  symbol: string;
  name: string;
  type: AssetType;
  exchange: string;
  currency: string;
  basePrice: number;
  annualVol: number;
  noise: number; // std of the per-instant log-price noise
  dailyVolume: number;
}

export const SYMBOLS: SymbolInfo[] = [
  {
    symbol: "AAPL",
    name: "Apple Inc.",
    type: "stock",
    exchange: "NASDAQ",
    currency: "USD",
    basePrice: 185,
    annualVol: 0.28,
    noise: 0.0025,
    dailyVolume: 58_000_000,
  },
  {
    symbol: "MSFT",
    name: "Microsoft Corporation",
    type: "stock",
    exchange: "NASDAQ",
    currency: "USD",
    basePrice: 390,
    annualVol: 0.25,
    noise: 0.0022,
    dailyVolume: 22_000_000,
  },
  {
    symbol: "TSLA",
    name: "Tesla, Inc.",
    type: "stock",
    exchange: "NASDAQ",
    currency: "USD",
    basePrice: 230,
    annualVol: 0.55,
    noise: 0.004,
    dailyVolume: 95_000_000,
  },
  {
    symbol: "GOOGL",
    name: "Alphabet Inc. Class A",
    type: "stock",
    exchange: "NASDAQ",
    currency: "USD",
    basePrice: 150,
    annualVol: 0.3,
    noise: 0.0026,
    dailyVolume: 27_000_000,
  },
  {
    symbol: "NVDA",
    name: "NVIDIA Corporation",
    type: "stock",
    exchange: "NASDAQ",
    currency: "USD",
    basePrice: 120,
    annualVol: 0.5,
    noise: 0.0038,
    dailyVolume: 240_000_000,
  },
  {
    symbol: "AMZN",
    name: "Amazon.com, Inc.",
    type: "stock",
    exchange: "NASDAQ",
    currency: "USD",
    basePrice: 180,
    annualVol: 0.32,
    noise: 0.0027,
    dailyVolume: 45_000_000,
  },
  {
    symbol: "SPY",
    name: "SPDR S&P 500 ETF Trust",
    type: "stock",
    exchange: "ARCA",
    currency: "USD",
    basePrice: 520,
    annualVol: 0.16,
    noise: 0.0012,
    dailyVolume: 70_000_000,
  },
  {
    symbol: "EURUSD",
    name: "Euro / US Dollar",
    type: "forex",
    exchange: "IDEALPRO",
    currency: "USD",
    basePrice: 1.085,
    annualVol: 0.08,
    noise: 0.0005,
    dailyVolume: 250_000,
  },
  {
    symbol: "GBPUSD",
    name: "British Pound / US Dollar",
    type: "forex",
    exchange: "IDEALPRO",
    currency: "USD",
    basePrice: 1.265,
    annualVol: 0.09,
    noise: 0.0006,
    dailyVolume: 180_000,
  },
  {
    symbol: "USDJPY",
    name: "US Dollar / Japanese Yen",
    type: "forex",
    exchange: "IDEALPRO",
    currency: "JPY",
    basePrice: 149.5,
    annualVol: 0.1,
    noise: 0.0006,
    dailyVolume: 200_000,
  },
  {
    symbol: "AUDUSD",
    name: "Australian Dollar / US Dollar",
    type: "forex",
    exchange: "IDEALPRO",
    currency: "USD",
    basePrice: 0.66,
    annualVol: 0.11,
    noise: 0.0007,
    dailyVolume: 120_000,
  },
];

export function findSymbol(symbol: string): SymbolInfo | undefined {
  const s = symbol.trim().toUpperCase();
  return SYMBOLS.find((x) => x.symbol === s);
}

export interface TimeframeInfo {
  id: string;
  name: string;
  description: string;
  seconds: number; // nominal bar length
  segmentDays: number; // how much one IB request covers
  defaultLookbackDays: number; // range of a first tail/full load without dates
}

export const TIMEFRAMES: TimeframeInfo[] = [
  { id: "1m", name: "1 Minute", description: "1-minute bars", seconds: 60, segmentDays: 1, defaultLookbackDays: 7 },
  { id: "5m", name: "5 Minutes", description: "5-minute bars", seconds: 300, segmentDays: 7, defaultLookbackDays: 30 },
  { id: "15m", name: "15 Minutes", description: "15-minute bars", seconds: 900, segmentDays: 14, defaultLookbackDays: 60 },
  { id: "30m", name: "30 Minutes", description: "30-minute bars", seconds: 1800, segmentDays: 30, defaultLookbackDays: 90 },
  { id: "1h", name: "1 Hour", description: "Hourly bars", seconds: 3600, segmentDays: 30, defaultLookbackDays: 365 },
  { id: "2h", name: "2 Hours", description: "2-hour bars", seconds: 7200, segmentDays: 60, defaultLookbackDays: 365 },
  { id: "4h", name: "4 Hours", description: "4-hour bars", seconds: 14400, segmentDays: 90, defaultLookbackDays: 730 },
  { id: "1d", name: "1 Day", description: "Daily bars", seconds: 86400, segmentDays: 365, defaultLookbackDays: 1825 },
  { id: "1w", name: "1 Week", description: "Weekly bars", seconds: 604800, segmentDays: 730, defaultLookbackDays: 3650 },
  { id: "1M", name: "1 Month", description: "Monthly bars", seconds: 2592000, segmentDays: 1825, defaultLookbackDays: 7300 },
];

export const TIMEFRAME_IDS = TIMEFRAMES.map((t) => t.id);

export function findTimeframe(id: string): TimeframeInfo | undefined {
  return TIMEFRAMES.find((t) => t.id === id);
}

export interface Bar {
  t: number; // bar label, epoch ms (UTC)
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

// ---------- deterministic randomness ----------

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hash3(a: number, b: number, c: number): number {
  let h = fmix(a ^ 0x9e3779b9);
  h = fmix(h ^ Math.imul(b | 0, 0xcc9e2d51) ^ Math.floor(b / 4294967296));
  h = fmix(h ^ Math.imul(c | 0, 0x1b873593) ^ Math.floor(c / 4294967296));
  return h;
}

function uniform(a: number, b: number, c: number): number {
  return (hash3(a, b, c) + 0.5) / 4294967296;
}

function gauss(a: number, b: number, c: number): number {
  const u1 = uniform(a, b, c);
  const u2 = uniform(a ^ 0x5bd1e995, b, c + 7919);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function symbolSeed(symbol: string): number {
  let h = 0x811c9dc5;
  for (const ch of symbol) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------- the price process ----------

const DAY = 86_400_000;
const OCTAVE_DAYS = [0.25, 1, 4, 16, 64, 256, 1024];

function smooth(x: number): number {
  return x * x * (3 - 2 * x);
}

/** Log price at an instant (epoch ms). A pure function of (symbol, instant). */
export function logPrice(info: SymbolInfo, seed: number, tMs: number): number {
  const tSec = Math.floor(tMs / 1000);
  let level = Math.log(info.basePrice);
  for (let o = 0; o < OCTAVE_DAYS.length; o++) {
    const periodSec = OCTAVE_DAYS[o]! * 86400;
    const x = tSec / periodSec;
    const k = Math.floor(x);
    const f = smooth(x - k);
    const g0 = gauss(seed, o + 1, k);
    const g1 = gauss(seed, o + 1, k + 1);
    const amp = info.annualVol * Math.sqrt(OCTAVE_DAYS[o]! / 365) * 0.55;
    level += amp * (g0 + (g1 - g0) * f);
  }
  level += info.noise * gauss(seed, 99, tSec);
  return level;
}

function priceAt(info: SymbolInfo, seed: number, tMs: number): number {
  return Math.exp(logPrice(info, seed, tMs));
}

// ---------- calendars ----------

function nthWeekdayOfMonth(year: number, month: number, weekday: number, n: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  return Date.UTC(year, month, day);
}

/** True when US Eastern time is on daylight saving time on this UTC calendar day. */
function usDst(dayMs: number): boolean {
  const year = new Date(dayMs).getUTCFullYear();
  const start = nthWeekdayOfMonth(year, 2, 0, 2); // second Sunday of March
  const end = nthWeekdayOfMonth(year, 10, 0, 1); // first Sunday of November
  return dayMs >= start && dayMs < end;
}

function isUsHoliday(dayMs: number): boolean {
  const d = new Date(dayMs);
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  return (m === 0 && day === 1) || (m === 6 && day === 4) || (m === 11 && day === 25);
}

function isWeekday(dayMs: number): boolean {
  const wd = new Date(dayMs).getUTCDay();
  return wd !== 0 && wd !== 6;
}

/** Regular trading session of a stock on a UTC calendar day, or null when the market is closed. */
export function stockSession(dayMs: number): { open: number; close: number } | null {
  if (!isWeekday(dayMs) || isUsHoliday(dayMs)) return null;
  const offsetH = usDst(dayMs) ? 4 : 5;
  const open = dayMs + (9 * 60 + 30) * 60_000 + offsetH * 3_600_000;
  const close = dayMs + 16 * 3_600_000 + offsetH * 3_600_000;
  return { open, close };
}

function fxOpen(tMs: number): boolean {
  const d = new Date(tMs);
  const wd = d.getUTCDay();
  const h = d.getUTCHours();
  if (wd === 6) return false;
  if (wd === 5 && h >= 22) return false;
  if (wd === 0 && h < 22) return false;
  return true;
}

interface BarSpan {
  t: number;
  open: number;
  close: number;
}

/** The bars that exist in [startMs, endMs) and are complete by `nowMs`. */
export function barSpans(info: SymbolInfo, tf: TimeframeInfo, startMs: number, endMs: number, nowMs: number): BarSpan[] {
  const out: BarSpan[] = [];
  const dt = tf.seconds * 1000;
  const firstDay = Math.floor(startMs / DAY) * DAY;
  if (tf.id === "1w" || tf.id === "1M") {
    for (let day = firstDay - 31 * DAY; day < endMs; day += DAY) {
      const d = new Date(day);
      const isStart = tf.id === "1w" ? d.getUTCDay() === 1 : d.getUTCDate() === 1;
      if (!isStart || day < startMs) continue;
      const periodEnd = tf.id === "1w" ? day + 5 * DAY : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      if (periodEnd > nowMs) break;
      out.push({ t: day, open: day + 14 * 3_600_000, close: periodEnd - 2 * 3_600_000 });
    }
    return out;
  }
  for (let day = firstDay; day < endMs; day += DAY) {
    if (info.type === "stock") {
      const s = stockSession(day);
      if (!s) continue;
      if (tf.id === "1d") {
        if (day >= startMs && day < endMs && s.close <= nowMs) out.push({ t: day, open: s.open, close: s.close });
        continue;
      }
      for (let t = s.open; t < s.close; t += dt) {
        const close = Math.min(t + dt, s.close);
        if (t < startMs || t >= endMs) continue;
        if (close > nowMs) return out;
        out.push({ t, open: t, close });
      }
    } else {
      if (tf.id === "1d") {
        if (isWeekday(day) && day >= startMs && day + DAY <= nowMs) out.push({ t: day, open: day, close: day + DAY - 60_000 });
        continue;
      }
      for (let t = day; t < day + DAY; t += dt) {
        if (t < startMs || t >= endMs || !fxOpen(t)) continue;
        if (t + dt > nowMs) return out;
        out.push({ t, open: t, close: t + dt });
      }
    }
  }
  return out;
}

function roundPrice(info: SymbolInfo, p: number): number {
  const digits = info.type === "forex" ? (info.basePrice > 20 ? 3 : 5) : 2;
  const f = 10 ** digits;
  return Math.round(p * f) / f;
}

/** Generate the OHLCV bars of [startMs, endMs), complete by nowMs. Deterministic per symbol. */
export function generateBars(info: SymbolInfo, tf: TimeframeInfo, startMs: number, endMs: number, nowMs: number): Bar[] {
  const seed = symbolSeed(info.symbol);
  const spans = barSpans(info, tf, startMs, endMs, nowMs);
  const bars: Bar[] = [];
  const barFraction = info.type === "stock" ? tf.seconds / (6.5 * 3600) : tf.seconds / 86400;
  const rangeScale = info.noise * 0.9 * Math.max(1, Math.sqrt(tf.seconds / 3600));
  for (const span of spans) {
    const open = priceAt(info, seed, span.open);
    const close = priceAt(info, seed, span.close);
    const tSec = Math.floor(span.t / 1000);
    const up = Math.abs(gauss(seed, 201, tSec)) * rangeScale;
    const down = Math.abs(gauss(seed, 202, tSec)) * rangeScale;
    const high = Math.max(open, close) * Math.exp(up);
    const low = Math.min(open, close) * Math.exp(-down);
    let volShape = 1;
    if (info.type === "stock" && tf.seconds < 86400) {
      const session = stockSession(Math.floor(span.t / DAY) * DAY);
      if (session) {
        const x = (span.t - session.open) / (session.close - session.open); // 0..1 through the day
        volShape = 0.7 + 1.2 * (x - 0.5) * (x - 0.5) * 4; // U shape
      }
    }
    const ret = Math.abs(Math.log(close / open));
    const volume = Math.max(
      1,
      Math.round(info.dailyVolume * Math.min(barFraction, 25) * volShape * Math.exp(0.35 * gauss(seed, 203, tSec)) * (1 + 40 * ret)),
    );
    bars.push({
      t: span.t,
      o: roundPrice(info, open),
      h: roundPrice(info, high),
      l: roundPrice(info, low),
      c: roundPrice(info, close),
      v: volume,
    });
  }
  return bars;
}
