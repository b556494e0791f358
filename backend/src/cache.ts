// On-disk bar cache: one CSV per symbol and timeframe (`AAPL_1h.csv`), kept parsed in memory.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync, renameSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Bar } from "./market-data.ts";
import { isoNaive } from "./util.ts";

const HEADER = "timestamp,open,high,low,close,volume";

function row(b: Bar): string {
  return `${isoNaive(b.t)},${b.o},${b.h},${b.l},${b.c},${b.v}`;
}

export class BarCache {
  readonly dir: string;
  private readonly memory = new Map<string, Bar[]>();

  constructor(dataDir: string) {
    this.dir = join(dataDir, "cache");
    mkdirSync(this.dir, { recursive: true });
  }

  fileName(symbol: string, timeframe: string): string {
    return `${symbol}_${timeframe}.csv`;
  }

  filePath(symbol: string, timeframe: string): string {
    return join(this.dir, this.fileName(symbol, timeframe));
  }

  /** All cached bars, sorted by time; empty when nothing is cached. */
  read(symbol: string, timeframe: string): Bar[] {
    const key = `${symbol}_${timeframe}`;
    const hit = this.memory.get(key);
    if (hit) return hit;
    // Only catalogue-like names reach the disk: no separators, no `..`.
    if (!/^[A-Za-z0-9=^-]{1,32}$/.test(symbol) || !/^[0-9]{1,3}[mhdwM]$/.test(timeframe)) return [];
    const path = this.filePath(symbol, timeframe);
    if (!existsSync(path)) return [];
    const bars: Bar[] = [];
    const lines = readFileSync(path, "utf8").split("\n");
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (!line) continue;
      const [ts, o, h, l, c, v] = line.split(",");
      bars.push({ t: Date.parse(`${ts}Z`), o: Number(o), h: Number(h), l: Number(l), c: Number(c), v: Number(v) });
    }
    this.memory.set(key, bars);
    return bars;
  }

  has(symbol: string, timeframe: string): boolean {
    return this.read(symbol, timeframe).length > 0;
  }

  /** Bars with start <= t <= end (either bound optional). */
  range(symbol: string, timeframe: string, startMs?: number | null, endMs?: number | null): Bar[] {
    const bars = this.read(symbol, timeframe);
    const lo = startMs ?? -Infinity;
    const hi = endMs ?? Infinity;
    return bars.filter((b) => b.t >= lo && b.t <= hi);
  }

  /** Merge new bars into the cache (new values win on equal timestamps); returns bars added. */
  merge(symbol: string, timeframe: string, incoming: Bar[]): number {
    if (incoming.length === 0) return 0;
    const existing = this.read(symbol, timeframe);
    const sorted = [...incoming].sort((a, b) => a.t - b.t);
    const last = existing[existing.length - 1];
    if (last && sorted[0]!.t > last.t && sorted.every((b, i) => i === 0 || b.t > sorted[i - 1]!.t)) {
      // The common case (a tail load): append instead of rewriting the file.
      appendFileSync(this.filePath(symbol, timeframe), `${sorted.map(row).join("\n")}\n`);
      this.memory.set(`${symbol}_${timeframe}`, existing.concat(sorted));
      return sorted.length;
    }
    const byTime = new Map<number, Bar>();
    for (const b of existing) byTime.set(b.t, b);
    let added = 0;
    for (const b of incoming) {
      if (!byTime.has(b.t)) added++;
      byTime.set(b.t, b);
    }
    const merged = [...byTime.values()].sort((a, b) => a.t - b.t);
    this.write(symbol, timeframe, merged);
    return added;
  }

  private write(symbol: string, timeframe: string, bars: Bar[]): void {
    const rows = [HEADER];
    for (const b of bars) rows.push(row(b));
    const path = this.filePath(symbol, timeframe);
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${rows.join("\n")}\n`);
    renameSync(tmp, path);
    this.memory.set(`${symbol}_${timeframe}`, bars);
  }

  /** Symbols and timeframes present on disk. */
  listCached(): { symbol: string; timeframe: string }[] {
    const out: { symbol: string; timeframe: string }[] = [];
    for (const file of readdirSync(this.dir)) {
      const m = /^(.+)_([^_]+)\.csv$/.exec(file);
      if (m) out.push({ symbol: m[1]!, timeframe: m[2]! });
    }
    return out.sort((a, b) => (a.symbol + a.timeframe).localeCompare(b.symbol + b.timeframe));
  }
}
