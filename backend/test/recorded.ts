// The recorded-contract machinery shared by the replays (recorded-contract.test.ts): reading a
// recording folder, seeding the recording environment's data, sending a recorded request with the
// stand-in's ids, and comparing an answer with the recording (status, error shape, key paths and JSON
// types, the values that are facts).
import { cpSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BarCache } from "../src/cache.ts";
import { findSymbol, findTimeframe, generateBars } from "../src/market-data.ts";

export const FIXTURES = fileURLToPath(new URL("../../test/fixtures/real-ktrdr/", import.meta.url));

export interface Recording {
  request: { method: string; path: string; body: unknown };
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface Step {
  key: string; // "v2025/001_health.json"
  name: string; // "001_health"
  rec: Recording;
}

/** A folder's recorded exchanges in recorded order (file names `NNN_…json`; later sets go past 999). */
export function steps(folder: string): Step[] {
  return readdirSync(join(FIXTURES, folder))
    .filter((f) => /^\d{3,4}_.*\.json$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .map((f) => ({
      key: `${folder}/${f}`,
      name: f.replace(/\.json$/, ""),
      rec: JSON.parse(readFileSync(join(FIXTURES, folder, f), "utf8")) as Recording,
    }));
}

/**
 * The recording environment had AAPL, MSFT and EURUSD (1h, 1d) cached up to the recording day
 * (v2025-fixed-tensor's data_summary ends then): generated once (2022 → now), copied per backend.
 */
export let seeded: string | null = null;
export function seed(dataDir: string): void {
  if (!seeded) {
    seeded = mkdtempSync(join(tmpdir(), "ktrdr-recorded-seed-"));
    const cache = new BarCache(seeded);
    for (const s of ["AAPL", "MSFT", "EURUSD"]) {
      for (const tf of ["1h", "1d"])
        cache.merge(s, tf, generateBars(findSymbol(s)!, findTimeframe(tf)!, Date.UTC(2022, 0, 1), Date.now(), Date.now()));
    }
  }
  cpSync(join(seeded, "cache"), join(dataDir, "cache"), { recursive: true });
}

/** Remove the seeded cache (once, after every replay). */
export function seededDir(): string | null {
  return seeded;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- shape and value comparison

export type Kind = "null" | "boolean" | "number" | "string" | "array" | "object";

export function kind(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : (typeof v as Kind);
}

/** Paths whose content is defined by strategy YAML / feature names, not by the wire: only their type counts. */
export const OPAQUE = [/\.strategies\[\]\.(indicators|fuzzy_config)$/, /^\$\.(indicators|fuzzy_config)$/, /\.feature_importance$/];

interface Shape {
  types: Map<string, Set<Kind>>;
  /** Array path → has at least one element. */
  arrays: Map<string, boolean>;
}

function shapeOf(v: unknown): Shape {
  const s: Shape = { types: new Map(), arrays: new Map() };
  const walk = (x: unknown, path: string) => {
    const k = kind(x);
    if (!s.types.has(path)) s.types.set(path, new Set());
    s.types.get(path)!.add(k);
    if (OPAQUE.some((re) => re.test(path))) return;
    if (k === "array") {
      const arr = x as unknown[];
      s.arrays.set(path, (s.arrays.get(path) ?? false) || arr.length > 0);
      for (const e of arr) walk(e, `${path}[]`);
    } else if (k === "object") {
      for (const [key, val] of Object.entries(x as Record<string, unknown>)) walk(val, `${path}.${key}`);
    }
  };
  walk(v, "$");
  return s;
}

/** The array a path lies in (for "$.a[].b" → "$.a"), or null. */
function enclosingArray(path: string): string | null {
  const i = path.lastIndexOf("[]");
  return i < 0 ? null : path.slice(0, i);
}

export function compareShapes(rec: unknown, ours: unknown): string[] {
  const a = shapeOf(rec);
  const b = shapeOf(ours);
  const problems = new Set<string>();
  const paths = new Set([...a.types.keys(), ...b.types.keys()]);
  for (const p of paths) {
    const ta = a.types.get(p);
    const tb = b.types.get(p);
    if (ta && tb) {
      const sa = [...ta].sort().join("|");
      const sb = [...tb].sort().join("|");
      if (sa !== sb) problems.add(`${p}: ${sb}, recorded ${sa}`);
      continue;
    }
    const arr = enclosingArray(p);
    if (ta) {
      // Recorded, not ours: an empty array where the recording has elements is itself a difference.
      if (arr && b.arrays.has(arr) && !b.arrays.get(arr)) problems.add(`${arr}: empty, recorded has elements`);
      else problems.add(`${p}: missing (recorded ${[...ta].join("|")})`);
    } else {
      // Ours, not recorded: fine when the recording's array had no elements to compare with.
      if (arr && a.arrays.has(arr) && !a.arrays.get(arr)) continue;
      problems.add(`${p}: unexpected (${[...tb!].join("|")})`);
    }
  }
  return [...problems];
}

/** Keys whose (string) values are facts: statuses, error texts, names echoed from the request. */
export const FACT_KEYS = new Set([
  "status",
  "detail",
  "msg",
  "message",
  "error",
  "hint",
  "code",
  "type",
  "field",
  "error_message",
  "worker_type",
  "operation_type",
  "mode",
  "symbol",
  "timeframe",
  "strategy_name",
  "version",
  "cancellation_reason",
]);
/** Numbers that are facts. */
export const FACT_NUMBERS = new Set(["estimated_duration_minutes", "registered_workers", "steps_total"]);

export class Ids {
  readonly map = new Map<string, string>();
  toOurs(s: string): string {
    let out = s;
    for (const [rec, ours] of this.map) out = out.split(rec).join(ours);
    return out;
  }
}

export function normalizeText(s: string): string {
  return s
    .replace(/(^|[\s(:,])\/[^\s,()]+/g, "$1<path>")
    .replace(/<path>(, <path>)+/g, "<path>")
    .replace(/\b\d+(\.\d+)?\b/g, "<n>");
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}/;

export function compareValues(rec: unknown, ours: unknown, ids: Ids, path = "$", key = ""): string[] {
  const out: string[] = [];
  if (OPAQUE.some((re) => re.test(path))) return out;
  const kr = kind(rec);
  if (kr !== kind(ours)) return out; // a shape problem, reported there
  if (kr === "object") {
    for (const [k, v] of Object.entries(rec as Record<string, unknown>)) {
      const o = (ours as Record<string, unknown>)[k];
      if (o !== undefined) out.push(...compareValues(v, o, ids, `${path}.${k}`, k));
    }
  } else if (kr === "array") {
    const ra = rec as unknown[];
    const oa = ours as unknown[];
    if (key === "loc") {
      if (ra.join(".") !== oa.join(".")) out.push(`${path}: ${JSON.stringify(oa)}, recorded ${JSON.stringify(ra)}`);
    } else if (ra.length === oa.length) {
      for (const [i, v] of ra.entries()) out.push(...compareValues(v, oa[i], ids, `${path}[${i}]`, key));
    }
  } else if (kr === "boolean") {
    if (rec !== ours) out.push(`${path}: ${String(ours)}, recorded ${String(rec)}`);
  } else if (kr === "number") {
    const isFact = FACT_NUMBERS.has(key) || ((key === "percentage" || key === "progress_percentage") && (rec === 0 || rec === 100));
    if (isFact && rec !== ours) out.push(`${path}: ${String(ours)}, recorded ${String(rec)}`);
  } else if (kr === "string") {
    const r = rec as string;
    const o = ours as string;
    if (TIMESTAMP.test(r) || TIMESTAMP.test(o)) {
      const fmt = (s: string) => s.replace(/\d/g, "9");
      if (fmt(r) !== fmt(o)) out.push(`${path}: timestamp format ${o}, recorded ${r}`);
    } else if (FACT_KEYS.has(key)) {
      const want = normalizeText(ids.toOurs(r));
      const got = normalizeText(o);
      if (want !== got) out.push(`${path}: ${JSON.stringify(o)}, recorded ${JSON.stringify(r)}`);
    }
  }
  return out;
}

/** The error shape a body has (FastAPI detail string/list/object, or the backend's envelope). */
export function errorShape(body: unknown): string {
  if (kind(body) !== "object") return kind(body);
  const b = body as Record<string, unknown>;
  if ("detail" in b) return `detail:${kind(b.detail)}`;
  if (b.success === false && kind(b.error) === "object") return "envelope";
  return "ok";
}

export const isListPath = (p: string) => /^\/operations(\?|$)/.test(p) || /^\/operations\/[^/?]+\/children(\?|$)/.test(p);

export interface Outcome {
  status: number;
  headers: Headers;
  body: unknown;
}

export function compare(step: Step, got: Outcome, ids: Ids, exemptOps: Set<string>, ourExempt: () => Set<string>): string[] {
  const rec = step.rec;
  const problems: string[] = [];
  if (got.status !== rec.status) problems.push(`status ${got.status}, recorded ${rec.status}`);
  if (errorShape(got.body) !== errorShape(rec.body)) problems.push(`body shape ${errorShape(got.body)}, recorded ${errorShape(rec.body)}`);
  problems.push(...compareShapes(rec.body, got.body));
  const listing = rec.request.method === "GET" && isListPath(rec.request.path) && rec.status === 200;
  // List rows: compared without the operations of exempted recordings (their status differs by design).
  type Row = { operation_id: string; status: string };
  const ours = ourExempt();
  const keep = (b: unknown, drop: (id: string) => boolean) =>
    kind(b) === "object" && Array.isArray((b as { data?: unknown }).data)
      ? { ...(b as Record<string, unknown>), data: (b as { data: Row[] }).data.filter((r) => !drop(r.operation_id)) }
      : b;
  const recBody = listing ? keep(rec.body, (id) => exemptOps.has(id)) : rec.body;
  const gotBody = listing ? keep(got.body, (id) => ours.has(id)) : got.body;
  problems.push(...compareValues(recBody, gotBody, ids));
  // Headers that carry meaning: the redirect target; X-Process-Time missing on answers raised past the middleware.
  const rh = rec.headers ?? {};
  if ("location" in rh) {
    const loc = got.headers.get("location");
    if (!loc || new URL(loc).pathname !== new URL(rh.location!).pathname) problems.push(`location ${String(loc)}, recorded ${rh.location}`);
  }
  if ("x-process-time" in rh !== got.headers.has("x-process-time"))
    problems.push(
      `x-process-time header ${got.headers.has("x-process-time") ? "present" : "absent"}, recorded ${"x-process-time" in rh ? "present" : "absent"}`,
    );
  // Lists: the same operations, in the same order, with the same statuses.
  if (listing) {
    const rows = (b: unknown) => (((b as { data?: Row[] } | null)?.data ?? []) as Row[]).map((r) => `${r.operation_id}:${r.status}`);
    const want = rows(recBody).map((r) => ids.toOurs(r));
    const have = rows(gotBody);
    if (want.join(",") !== have.join(",")) problems.push(`rows [${have.join(", ")}], recorded [${want.join(", ")}]`);
  }
  return problems;
}

// ---------------------------------------------------------------- replay

export async function send(base: string, rec: Recording, ids: Ids): Promise<Outcome> {
  const init: RequestInit = { method: rec.request.method, redirect: "manual", headers: {} };
  if (rec.request.body !== null && rec.request.body !== undefined) {
    init.body = ids.toOurs(JSON.stringify(rec.request.body));
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(`${base}${ids.toOurs(rec.request.path)}`, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = `<non-JSON: ${text.slice(0, 80)}>`;
  }
  return { status: res.status, headers: res.headers, body };
}

/** Keys whose string values are ids (or model paths) the backend hands out. */
const ID_KEYS = /^(task_id|operation_id|backtest_id|child_operation_id|child_cancelled|training_op_id|backtest_op_id|model_path)$/;

/**
 * Map the ids (and model paths) the recorded answer hands out onto ours: walk both bodies side by side
 * (objects by key; of arrays only /agent/status's research rows, by position — list rows may be
 * ordered differently) and pair the values of id keys not mapped yet.
 */
export function learnIds(rec: unknown, ours: unknown, ids: Ids, key = ""): void {
  if (typeof rec === "string" && typeof ours === "string") {
    // Operation ids name their type (op_training_…): never pair ids of different types.
    const type = (id: string) => /^op_(.+)_\d{8}_\d{6}_[0-9a-f]{8}$/.exec(id)?.[1];
    if (ID_KEYS.test(key) && rec !== ours && !ids.map.has(rec) && type(rec) === type(ours)) ids.map.set(rec, ours);
    return;
  }
  if (Array.isArray(rec) && Array.isArray(ours)) {
    if (key === "active_researches") {
      // Cycles started in the same second race for the one training worker, so the stand-in's rows may be in
      // another order, or the cycles may have swapped phases. A recorded row pairs with an unused row of ours in the
      // same phase (with a child exactly when it has one), else with its known cycle's row, else by position.
      type Row = { operation_id?: string; phase?: string; child_operation_id?: string | null };
      const used = new Set<unknown>();
      const same = (a: Row, b: Row) => a?.phase === b?.phase && !a?.child_operation_id === !b?.child_operation_id;
      for (const [i, r] of (rec as Row[]).entries()) {
        const mine = ours as Row[];
        const known = ids.map.get(r?.operation_id ?? "");
        const pick =
          mine.find((o) => !used.has(o) && same(r, o) && o?.operation_id === known) ??
          mine.find((o) => !used.has(o) && same(r, o)) ??
          mine.find((o) => !used.has(o) && o?.operation_id === known) ??
          mine[i];
        used.add(pick);
        learnIds(r, pick, ids, key);
      }
    }
    return;
  }
  if (rec && ours && typeof rec === "object" && typeof ours === "object" && !Array.isArray(rec) && !Array.isArray(ours)) {
    for (const [k, v] of Object.entries(rec as Record<string, unknown>)) learnIds(v, (ours as Record<string, unknown>)[k], ids, k);
  }
}
