// Indicator catalogue (GET /indicators/) and the computations training uses as features.
import type { Bar } from "./market-data.ts";
import type { JsonObject } from "./util.ts";

interface ParamSpec {
  name: string;
  type: "int" | "float" | "str";
  description: string;
  default: number | string;
  min_value: number | null;
  max_value: number | null;
}

interface IndicatorSpec {
  id: string;
  name: string;
  description: string;
  type: "trend" | "momentum" | "volatility" | "volume";
  parameters: ParamSpec[];
  /** A scaled feature series (NaN during warm-up). */
  feature: (bars: Bar[], p: Record<string, number>) => Float64Array;
}

const period = (def: number, desc = "Lookback period"): ParamSpec => ({
  name: "period",
  type: "int",
  description: desc,
  default: def,
  min_value: 2,
  max_value: 500,
});

function closes(bars: Bar[]): Float64Array {
  return Float64Array.from(bars, (b) => b.c);
}

export function sma(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i]!;
    if (i >= n) sum -= x[i - n]!;
    if (i >= n - 1) out[i] = sum / n;
  }
  return out;
}

export function ema(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const k = 2 / (n + 1);
  let e = NaN;
  for (let i = 0; i < x.length; i++) {
    e = Number.isNaN(e) ? x[i]! : x[i]! * k + e * (1 - k);
    if (i >= n - 1) out[i] = e;
  }
  return out;
}

export function rsi(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < x.length; i++) {
    const d = x[i]! - x[i - 1]!;
    const g = Math.max(d, 0);
    const l = Math.max(-d, 0);
    if (i <= n) {
      gain += g / n;
      loss += l / n;
    } else {
      gain = (gain * (n - 1) + g) / n;
      loss = (loss * (n - 1) + l) / n;
    }
    if (i >= n) out[i] = loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
  }
  return out;
}

function rollingStd(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = n - 1; i < x.length; i++) {
    let m = 0;
    for (let j = i - n + 1; j <= i; j++) m += x[j]!;
    m /= n;
    let v = 0;
    for (let j = i - n + 1; j <= i; j++) v += (x[j]! - m) ** 2;
    out[i] = Math.sqrt(v / n);
  }
  return out;
}

export function logReturns(bars: Bar[]): Float64Array {
  const out = new Float64Array(bars.length).fill(NaN);
  for (let i = 1; i < bars.length; i++) out[i] = Math.log(bars[i]!.c / bars[i - 1]!.c);
  return out;
}

const SPECS: IndicatorSpec[] = [
  {
    id: "SMA",
    name: "sma",
    description: "Simple Moving Average; feature is close/SMA - 1",
    type: "trend",
    parameters: [period(20)],
    feature: (bars, p) => {
      const c = closes(bars);
      const s = sma(c, p.period ?? 20);
      return c.map((v, i) => v / s[i]! - 1);
    },
  },
  {
    id: "EMA",
    name: "ema",
    description: "Exponential Moving Average; feature is close/EMA - 1",
    type: "trend",
    parameters: [period(12)],
    feature: (bars, p) => {
      const c = closes(bars);
      const e = ema(c, p.period ?? 12);
      return c.map((v, i) => v / e[i]! - 1);
    },
  },
  {
    id: "RSI",
    name: "rsi",
    description: "Relative Strength Index (0-100); feature is (RSI-50)/50",
    type: "momentum",
    parameters: [period(14)],
    feature: (bars, p) => rsi(closes(bars), p.period ?? 14).map((v) => (v - 50) / 50),
  },
  {
    id: "MACD",
    name: "macd",
    description: "MACD line relative to price",
    type: "momentum",
    parameters: [
      { name: "fast_period", type: "int", description: "Fast EMA period", default: 12, min_value: 2, max_value: 200 },
      { name: "slow_period", type: "int", description: "Slow EMA period", default: 26, min_value: 3, max_value: 400 },
    ],
    feature: (bars, p) => {
      const c = closes(bars);
      const f = ema(c, p.fast_period ?? 12);
      const s = ema(c, p.slow_period ?? 26);
      return c.map((v, i) => (f[i]! - s[i]!) / v);
    },
  },
  {
    id: "BollingerBands",
    name: "bbands",
    description: "Bollinger Bands; feature is %B - 0.5",
    type: "volatility",
    parameters: [
      period(20),
      { name: "multiplier", type: "float", description: "Band width in standard deviations", default: 2, min_value: 0.5, max_value: 5 },
    ],
    feature: (bars, p) => {
      const c = closes(bars);
      const n = p.period ?? 20;
      const k = p.multiplier ?? 2;
      const m = sma(c, n);
      const sd = rollingStd(c, n);
      return c.map((v, i) => (sd[i]! > 0 ? (v - (m[i]! - k * sd[i]!)) / (2 * k * sd[i]!) - 0.5 : 0));
    },
  },
  {
    id: "ATR",
    name: "atr",
    description: "Average True Range relative to price",
    type: "volatility",
    parameters: [period(14)],
    feature: (bars, p) => {
      const tr = Float64Array.from(bars, (b, i) =>
        i === 0 ? b.h - b.l : Math.max(b.h - b.l, Math.abs(b.h - bars[i - 1]!.c), Math.abs(b.l - bars[i - 1]!.c)),
      );
      const a = sma(tr, p.period ?? 14);
      return a.map((v, i) => v / bars[i]!.c);
    },
  },
  {
    id: "ROC",
    name: "roc",
    description: "Rate of Change over a period",
    type: "momentum",
    parameters: [period(10)],
    feature: (bars, p) => {
      const n = p.period ?? 10;
      return Float64Array.from(bars, (b, i) => (i >= n ? b.c / bars[i - n]!.c - 1 : NaN));
    },
  },
  {
    id: "Volatility",
    name: "volatility",
    description: "Rolling standard deviation of log returns",
    type: "volatility",
    parameters: [period(20)],
    feature: (bars, p) =>
      rollingStd(
        logReturns(bars).map((v) => (Number.isNaN(v) ? 0 : v)),
        p.period ?? 20,
      ),
  },
  {
    id: "VolumeRatio",
    name: "volume_ratio",
    description: "Volume relative to its moving average (log)",
    type: "volume",
    parameters: [period(20)],
    feature: (bars, p) => {
      const v = Float64Array.from(bars, (b) => b.v);
      const m = sma(v, p.period ?? 20);
      return v.map((x, i) => Math.log((x + 1) / (m[i]! + 1)));
    },
  },
];

export function findIndicator(name: string): IndicatorSpec | undefined {
  const n = name.toLowerCase();
  return SPECS.find((s) => s.name === n || s.id.toLowerCase() === n);
}

export function indicatorNames(): string[] {
  return SPECS.map((s) => s.name);
}

export function indicatorCatalogue(): JsonObject[] {
  return SPECS.map((s) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    type: s.type,
    parameters: s.parameters.map((p) => ({ ...p })) as unknown as JsonObject[],
  }));
}
