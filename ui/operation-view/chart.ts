/**
 * Hand-drawn SVG line charts (no library): a few series over a numeric x (epochs) or time axis,
 * nice y ticks, an optional vertical marker (best epoch) and an optional filled area (drawdown).
 * Drawn at the pixel width of their box and redrawn when it changes.
 */
import { compact } from "./fmt";

const NS = "http://www.w3.org/2000/svg";
/** Points drawn per series at most (the shape, not every epoch). */
const MAX_POINTS = 400;

export type Point = [x: number, y: number];

export interface Series {
  key: string;
  label: string;
  /** CSS class giving the colour (s1, s2, s3). */
  cls: string;
  points: Point[];
  area?: boolean;
}

export interface ChartSpec {
  name: string;
  title: string;
  series: Series[];
  height: number;
  time?: boolean;
  yFmt?: (v: number) => string;
  /** Fixed y range ends (e.g. 0 for drawdown). */
  yMax?: number;
  /** A vertical line at x (best epoch), with a dot at y on the last series when given. */
  marker?: { x: number; y?: number; label: string };
  empty?: string;
}

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Evenly spaced points, first and last kept. */
function thin(points: Point[]): Point[] {
  if (points.length <= MAX_POINTS) return points;
  const out: Point[] = [];
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.round((i * (points.length - 1)) / (MAX_POINTS - 1))]!);
  return out;
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function timeLabel(t: number, span: number): string {
  const iso = new Date(t).toISOString();
  return span > 120 * 86_400_000 ? iso.slice(0, 7) : span > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
}

/** A figure (caption with legend, then the SVG); call `draw` once it is in the document. */
export function chart(spec: ChartSpec): { fig: HTMLElement; draw: () => void } {
  const fig = document.createElement("figure");
  fig.className = "chart";
  fig.dataset.chart = spec.name;
  const cap = document.createElement("figcaption");
  const title = document.createElement("span");
  title.className = "ctitle";
  title.textContent = spec.title;
  cap.append(title);
  for (const s of spec.series) {
    const key = document.createElement("span");
    key.className = `key ${s.cls}`;
    key.textContent = s.label;
    cap.append(key);
  }
  fig.append(cap);
  let drawnWidth = -1;
  const draw = () => {
    const width = Math.max(220, Math.floor(fig.clientWidth));
    if (width === drawnWidth) return;
    drawnWidth = width;
    fig.querySelector("svg")?.remove();
    fig.append(plot(spec, width));
  };
  return { fig, draw };
}

function plot(spec: ChartSpec, W: number): SVGElement {
  const H = spec.height;
  const root = svg("svg", {
    width: W,
    height: H,
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-label": spec.title,
    "data-chart": spec.name,
  });
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "muted" }, spec.empty ?? "No data yet"));
    return root;
  }
  const fmt = spec.yFmt ?? compact;
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (spec.yMax !== undefined) y1 = Math.max(y1, spec.yMax);
  const pad = (y1 - y0) * 0.06 || Math.abs(y1) * 0.05 || 1;
  if (spec.yMax === undefined || y1 > spec.yMax) y1 += pad;
  y0 -= pad;
  const yt = ticks(y0, y1);
  const L = Math.max(...yt.map((v) => fmt(v).length)) * 6.5 + 10;
  const R = 8;
  const T = 6;
  const B = 20;
  const X = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const Y = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);

  const grid = svg("g", { class: "grid" });
  for (const v of yt) {
    const y = Y(v).toFixed(1);
    grid.append(svg("line", { x1: L, x2: W - R, y1: y, y2: y }));
    grid.append(svg("text", { x: L - 6, y, dy: "0.32em", "text-anchor": "end" }, fmt(v)));
  }
  const xt = spec.time
    ? [0, 1, 2, 3].map((i) => x0 + ((x1 - x0) * i) / 3)
    : ticks(x0, x1, Math.max(2, Math.min(6, Math.floor((W - L) / 90)))).filter((v) => Number.isInteger(v));
  xt.forEach((v, i) => {
    const anchor = spec.time ? (i === 0 ? "start" : i === xt.length - 1 ? "end" : "middle") : "middle";
    grid.append(svg("text", { x: X(v).toFixed(1), y: H - 5, "text-anchor": anchor }, spec.time ? timeLabel(v, x1 - x0) : String(v)));
  });
  grid.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  root.append(grid);

  if (spec.marker && spec.marker.x >= x0 && spec.marker.x <= x1) {
    const x = X(spec.marker.x).toFixed(1);
    const g = svg("g", { class: "marker", "data-marker": spec.marker.x });
    g.append(svg("line", { x1: x, x2: x, y1: T, y2: H - B }));
    g.append(
      svg(
        "text",
        { x: Number(x) + (Number(x) > W - 80 ? -4 : 4), y: T + 10, "text-anchor": Number(x) > W - 80 ? "end" : "start" },
        spec.marker.label,
      ),
    );
    root.append(g);
  }
  const mark = spec.marker;

  for (const s of spec.series) {
    if (s.points.length === 0) continue;
    const pts = thin(s.points);
    const d = pts.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)} ${Y(p[1]).toFixed(1)}`).join("");
    if (s.area) {
      const base = Y(Math.min(Math.max(0, y0), y1)).toFixed(1);
      root.append(
        svg("path", {
          class: `area ${s.cls}`,
          d: `${d}L${X(pts[pts.length - 1]![0]).toFixed(1)} ${base}L${X(pts[0]![0]).toFixed(1)} ${base}Z`,
        }),
      );
    }
    root.append(svg("path", { class: `line ${s.cls}`, d, "data-series": s.key, "data-points": s.points.length }));
    if (s.points.length === 1) {
      const p = s.points[0]!;
      root.append(svg("circle", { class: `dot ${s.cls}`, cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: 3 }));
    }
  }
  if (mark?.y !== undefined && mark.x >= x0 && mark.x <= x1) {
    const last = spec.series[spec.series.length - 1];
    root.append(svg("circle", { class: `dot best ${last?.cls ?? ""}`, cx: X(mark.x).toFixed(1), cy: Y(mark.y).toFixed(1), r: 4 }));
  }
  return root;
}
