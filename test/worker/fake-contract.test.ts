/**
 * The fake backend (fake-backend.ts) checked against what the real KTRDR backends sent: every
 * recorded exchange of test/fixtures/real-ktrdr/{v2025,v2026,v2025-focus,v2026-focus} is replayed
 * against a fake of the same wire version, and the fake's answer is compared with the recorded
 * one — status code, error shape, and the body's shape (the same keys with the same JSON types,
 * recursively; array elements by their union shape; op ids and timestamps as patterns) — plus the
 * few values that are facts of the wire (a start's `status`).
 *
 * The fake holds its own seeded operations, not the recorded ones: a request about a recorded
 * operation goes to the fake's operation of the same type in the same status (the one started in
 * its place, or a seeded one). What is not compared, each list short, justified and asserted to
 * stay in use: exchanges in `EXEMPT` (routes the Worker never sends — checked against its source —
 * and faults tests inject from the recordings themselves), operations the fake does not hold
 * (`NOT_HELD`), values of states no recording shows (`UNRECORDED_STATES`) and strategy-defined
 * content (`OPAQUE`, type only).
 */
import { describe, expect, it } from "vitest";
import { FakeBackend, type WireVersion } from "./fake-backend";
import { type Exchange, type Folder, folder } from "./replay";

declare global {
  interface ImportMeta {
    glob<T = unknown>(pattern: string, options: { eager: true; query: "?raw"; import: "default" }): Record<string, T>;
  }
}

// The Worker's own sources, to check that an exempted route is one it never requests.
const SOURCES = import.meta.glob<string>("../../src/ktrdr/*.ts", { eager: true, query: "?raw", import: "default" });
// A v2025 backend with its tensor bug fixed: the only v2025 record and results of a completed training.
const FIXED_TENSOR = import.meta.glob<string>("../fixtures/real-ktrdr/v2025-fixed-tensor/*.txt", {
  eager: true,
  query: "?raw",
  import: "default",
});

function fixedTensor(): Exchange[] {
  const first = (name: string) => JSON.parse(FIXED_TENSOR[`../fixtures/real-ktrdr/v2025-fixed-tensor/${name}.txt`]!.split("\n")[0]!);
  const status = first("training_completed_status");
  const results = first("training_completed_results");
  const id = String(status.data.operation_id);
  const exchange = (file: string, path: string, body: unknown): Exchange => ({
    file,
    folder: "v2025",
    request: { method: "GET", path, body: null },
    status: 200,
    headers: {},
    body,
  });
  return [
    exchange("fixed-tensor/training_completed_status", `/operations/${id}`, status),
    exchange("fixed-tensor/training_completed_results", `/operations/${id}/results`, results),
  ];
}

/** A folder's recorded exchanges; v2025's with the fixed-tensor pair after them. */
function exchangesOf(f: Folder): Exchange[] {
  return f === "v2025" ? [...folder(f), ...fixedTensor()] : folder(f);
}

interface FolderSpec {
  folder: Folder;
  wire: WireVersion;
}

const FOLDERS: FolderSpec[] = [
  { folder: "v2025", wire: "v2025" },
  { folder: "v2026", wire: "v2026" },
  // Recorded at an October-2025 commit without /operations/{id}/metrics: the fake's v2025 default.
  { folder: "v2025-focus", wire: "v2025" },
  { folder: "v2026-focus", wire: "v2026" },
];

const OP_ID = /op_[a-z_]+?_\d{8}_\d{6}_[0-9a-f]{8}/;
const OP_ID_ALL = new RegExp(OP_ID.source, "g");

/** `GET /operations/{id}/results` → "GET /operations/{id}/results" (ids and names as placeholders, no query). */
function route(method: string, path: string): string {
  const p = path
    .replace(/\?.*$/, "")
    .replace(OP_ID_ALL, "{id}")
    .replace(/^\/operations\/op_does_not_exist/, "/operations/{id}")
    .replace(/^\/data\/(?!acquire\/)[^/]+\/[^/]+$/, "/data/{symbol}/{timeframe}")
    .replace(/^\/strategies\/[^/]+$/, "/strategies/{name}");
  return `${method} ${p}`;
}

// ---------------------------------------------------------------- exemptions

interface Exemption {
  why: string;
  /** Routes the Worker never sends: the literal its source would hold if it did (checked absent). */
  absentFromWorker?: string[];
  applies: (e: Exchange, ctx: { route: string }) => boolean;
}

/** Why an exchange has no counterpart in the fake. Kept short: each must be in use. */
const EXEMPT: Record<string, Exemption> = {
  "route the Worker never sends": {
    why: "Legacy backtest status/results, the trailing-slash-less redirects, /children and one strategy by name: the Worker never requests them, so the fake need not answer them.",
    // The Worker reads a v2025 backtest's /trades and /equity_curve under `${base}` (details.ts), never its /results.
    absentFromWorker: [
      '"/backtests"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Worker's source text, searched for as written
      "/backtests/${segment(id)}/results",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: as above
      "`${base}/results`",
      "/children",
      '"/strategies"',
      "`/strategies/${",
    ],
    applies: (_e, { route: r }) =>
      [
        "GET /backtests/{id}",
        "GET /backtests/{id}/results",
        "GET /strategies",
        "POST /backtests",
        "GET /operations/{id}/children",
        "GET /strategies/{name}",
      ].includes(r),
  },
  "no free worker (503)": {
    why: "v2026 answers 503 while its one worker of a type is busy; the fake has no workers to occupy. Tests inject exactly this recorded body (FAULTS: 'v2026 503 no free worker').",
    applies: (e) => e.status === 503,
  },
  "v2025 unserialisable record (500)": {
    why: "v2025's PydanticSerializationError once a training completes; tests inject exactly this recorded body (FAULTS: 'v2025 500 PydanticSerializationError').",
    applies: (e) => e.status === 500 && JSON.stringify(e.body).includes("PydanticSerializationError"),
  },
  "v2026 local-mode download": {
    why: "v2026 has no local mode (500 'Invalid mode: local'); the Worker refuses mode local on v2026 before sending. Tests inject this recorded body (FAULTS: 'v2026 500 Invalid mode').",
    applies: (e, { route: r }) => r === "POST /data/acquire/download" && (e.request.body as { mode?: string } | null)?.mode === "local",
  },
};

/**
 * Operations the fake does not hold (`type status`): a request about a recorded one has no
 * counterpart. No Worker test reads such an operation from the fake; the tests of these states
 * replay the recordings themselves (replay.test.ts: dummy cancels that complete, backtest results,
 * failed data loads).
 */
const NOT_HELD = new Set([
  "dummy running",
  "dummy cancelled",
  "dummy completed",
  "backtesting running",
  "backtesting cancelled",
  "backtesting completed",
  "backtesting failed",
  "data_load failed",
]);
const notHeldUsed = new Set<string>();

function exemption(e: Exchange): string | undefined {
  const r = route(e.request.method, e.request.path);
  return Object.entries(EXEMPT).find(([, x]) => x.applies(e, { route: r }))?.[0];
}

// ---------------------------------------------------------------- shapes

type Kind = string;

/** A value's kind: JSON type, with op ids and timestamps as patterns (a timestamp's digits → 9). */
function kind(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "string") {
    if (new RegExp(`^${OP_ID.source}$`).test(v)) return "op-id";
    if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|$)/.test(v)) return `time ${v.replace(/\d/g, "9")}`;
    return "string";
  }
  return typeof v;
}

interface Shape {
  kinds: Map<string, Set<Kind>>;
  /** Array path → whether it had at least one element. */
  arrays: Map<string, boolean>;
}

/** Content a strategy defines (its YAML, its features), not the wire: only its JSON type is compared. */
const OPAQUE = [/^\$\.strategies\[\]\.(indicators|fuzzy_config)$/, /\.artifacts\.feature_importance$/];

/**
 * Values of states no recording shows, each with its reason: at these paths of a route the fake
 * may answer what is listed though no recording has it. Kept short: each must be in use.
 */
const UNRECORDED_STATES: Array<{ route: string; path: RegExp; kinds: Kind[]; why: string }> = [
  {
    route: "GET /operations",
    path: /^\$\.data\[\]\.(current_step|duration_seconds)$/,
    kinds: ["null"],
    why: "A pending operation's row (no step, no duration yet): every recorded list was taken after its operations had started.",
  },
  {
    route: "GET /operations/{id}",
    path: /^\$\.data\.progress\.context\.step_(current|total|detail|progress)$/,
    kinds: ["number", "string"],
    why: "A data load's segment progress while it downloads from IB (ktrdr-api-contract.md): no IB gateway was connected while recording, so no download ran.",
  },
];
const statesUsed = new Set<number>();

function unrecordedState(r: string, path: string, kinds: Kind[]): boolean {
  const i = UNRECORDED_STATES.findIndex((u) => u.route === r && u.path.test(path) && kinds.every((k) => u.kinds.includes(k)));
  if (i < 0) return false;
  statesUsed.add(i);
  return true;
}

function shapeOf(v: unknown): Shape {
  const s: Shape = { kinds: new Map(), arrays: new Map() };
  const walk = (x: unknown, path: string) => {
    const k = kind(x);
    if (!s.kinds.has(path)) s.kinds.set(path, new Set());
    s.kinds.get(path)!.add(k);
    if (OPAQUE.some((re) => re.test(path))) return;
    if (k === "array") {
      const a = x as unknown[];
      s.arrays.set(path, (s.arrays.get(path) ?? false) || a.length > 0);
      for (const el of a) walk(el, `${path}[]`);
    } else if (k === "object") {
      for (const [key, val] of Object.entries(x as Record<string, unknown>)) walk(val, `${path}.${key}`);
    }
  };
  walk(v, "$");
  return s;
}

/** The innermost array a path lies in ("$.a[].b" → "$.a"), if any. */
function enclosingArray(path: string): string | undefined {
  const i = path.lastIndexOf("[]");
  return i < 0 ? undefined : path.slice(0, i);
}

/** Under an array that is empty on one side, the other side's element shape has nothing to be compared with. */
function underEmptyArray(path: string, s: Shape): boolean {
  for (let p = enclosingArray(path); p !== undefined; p = enclosingArray(p)) if (s.arrays.get(p) === false) return true;
  return false;
}

/** The shape every recording of one route (and status code) of one wire version shows: the union of its exchanges'. */
function routeShapes(wire: WireVersion): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const spec of FOLDERS.filter((f) => f.wire === wire))
    for (const e of exchangesOf(spec.folder)) {
      const key = `${route(e.request.method, e.request.path)} ${e.status}`;
      const one = shapeOf(e.body);
      const all = out.get(key) ?? { kinds: new Map(), arrays: new Map() };
      for (const [p, k] of one.kinds) all.kinds.set(p, new Set([...(all.kinds.get(p) ?? []), ...k]));
      for (const [p, n] of one.arrays) all.arrays.set(p, (all.arrays.get(p) ?? false) || n);
      out.set(key, all);
    }
  return out;
}

const parentOf = (p: string) => p.replace(/(\.[^.[\]]+|\[\])$/, "");

/**
 * The fake's answer against one recorded exchange: every key the recording has, the fake has
 * (unless the fake's enclosing array is empty); every key the fake has, some recording of that
 * route has; and at every key, the fake's JSON type is one the recordings of that route show
 * there (a field recorded as null in one state and a string in another may be either).
 */
function compareShapes(r: string, recorded: unknown, ours: unknown, all: Shape): string[] {
  const a = shapeOf(recorded);
  const b = shapeOf(ours);
  const problems: string[] = [];
  for (const [p, ka] of a.kinds) {
    if (b.kinds.has(p) || underEmptyArray(p, b) || (p !== "$" && !b.kinds.has(parentOf(p)))) continue;
    problems.push(`${p}: missing (recorded ${[...ka].join("|")})`);
  }
  // A key every recording shows as null says nothing of its type once set: whatever the fake holds there passes.
  const onlyNull = (p: string) =>
    [...all.kinds].some(([q, k]) => (p === q || p.startsWith(`${q}.`) || p.startsWith(`${q}[]`)) && k.size === 1 && k.has("null"));
  for (const [p, kb] of b.kinds) {
    if (onlyNull(p)) continue;
    const known = all.kinds.get(p);
    if (!known) {
      if (!underEmptyArray(p, all) && (p === "$" || all.kinds.has(parentOf(p))) && !unrecordedState(r, p, [...kb]))
        problems.push(`${p}: never recorded (${[...kb].join("|")})`);
      continue;
    }
    const odd = [...kb].filter((k) => !known.has(k));
    if (odd.length > 0 && !unrecordedState(r, p, odd))
      problems.push(`${p}: ${odd.join("|")}, recorded only ${[...known].sort().join("|")}`);
  }
  return problems;
}

/** The error shape of a body: FastAPI's detail (string, list or object), the envelope, or none. */
function errorShape(body: unknown): string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return kind(body);
  const b = body as Record<string, unknown>;
  if ("detail" in b) return `detail:${kind(b.detail)}`;
  if (b.success === false) return "envelope";
  return "ok";
}

/** Values that are facts of the wire, compared as values: what a start answers as its status. */
function factProblems(e: Exchange, ours: unknown): string[] {
  const r = route(e.request.method, e.request.path);
  const starts = ["POST /trainings/start", "POST /backtests/", "POST /backtests/start", "POST /data/acquire/download"];
  if (!starts.includes(r) || e.status !== 200) return [];
  const want = (e.body as { status?: unknown }).status;
  const got = (ours as { status?: unknown } | null)?.status;
  return want === got ? [] : [`$.status: ${JSON.stringify(got)}, recorded ${JSON.stringify(want)}`];
}

// ---------------------------------------------------------------- replay

const ACTIVE = new Set(["pending", "running", "resuming"]);

/** What an exchange says of the status of the recorded operation it is about, if anything. */
function statusRevealed(e: Exchange): string | undefined {
  const b = e.body as Record<string, unknown> | null;
  const r = route(e.request.method, e.request.path);
  const detail = typeof b?.detail === "string" ? b.detail : "";
  if (r === "GET /operations/{id}" && e.status === 200) return (b?.data as { status?: string } | undefined)?.status;
  if (r === "GET /operations/{id}/results" && e.status === 200) return b?.status as string | undefined;
  if (r === "GET /operations/{id}/results" && e.status === 400) return /\(status: (\w+)\)/.exec(detail)?.[1];
  if (r === "DELETE /operations/{id}" && e.status === 400) return /OperationStatus\.(\w+)/.exec(detail)?.[1]?.toLowerCase();
  return undefined;
}

interface Outcome {
  status: number;
  body: unknown;
}

interface Report {
  folder: string;
  exchanges: number;
  matched: number;
  exempted: Record<string, number>;
  /** No fake operation of that type in that status: `type status` → count. */
  noCounterpart: Record<string, number>;
  /** `route status: problem` → the recorded exchanges it was seen against. */
  problems: Record<string, string[]>;
}

class Run {
  readonly fake: FakeBackend;
  /** Recorded id → the fake's id of the operation started in its place. */
  private readonly started = new Map<string, string>();
  /** Recorded id → its last status the recording revealed. */
  private readonly recordedStatus = new Map<string, string>();

  constructor(readonly spec: FolderSpec) {
    this.fake = new FakeBackend({ version: spec.wire, base: `http://fake-contract-${spec.folder}.test:8000/api/v1` });
  }

  /** The fake's operation standing for recorded `id` in `status`, or why there is none. */
  counterpart(id: string, status: string | undefined): string | { none: string } {
    const type = /^op_([a-z_]+?)_\d{8}_/.exec(id)?.[1] ?? "?";
    const wanted = (s: string) => (status === "active" ? ACTIVE.has(s) : s === status);
    const mine = this.started.get(id);
    if (mine && wanted(this.fake.op(mine)!.status)) return mine;
    const seeded = this.fake.operations.find((o) => o.operation_type === type && wanted(o.status));
    if (seeded) return seeded.operation_id;
    return { none: `${type} ${status ?? "(status unknown)"}` };
  }

  async send(e: Exchange): Promise<Outcome | { none: string }> {
    let path = e.request.path;
    let body = e.request.body;
    const ids = [...new Set(path.match(OP_ID_ALL) ?? [])];
    for (const id of ids) {
      const r = route(e.request.method, e.request.path);
      // A cancel that went through found the operation active (as the recording last saw it, if it did).
      const status =
        r === "DELETE /operations/{id}" && e.status === 200
          ? (this.recordedStatus.get(id) ?? "active")
          : (statusRevealed(e) ?? this.recordedStatus.get(id));
      const ours = this.counterpart(id, status);
      if (typeof ours !== "string") return ours;
      path = path.split(id).join(ours);
    }
    // The recording environment's strategies stand for the fake's (an unknown one stays unknown).
    if (body && typeof body === "object" && "strategy_name" in body) {
      const name = String((body as { strategy_name: unknown }).strategy_name);
      if (name.startsWith("mcp_smoke")) body = { ...body, strategy_name: "mlp_basic" };
    }
    const res = await this.fake.fetch(`${this.fake.base}${path}`, {
      method: e.request.method,
      headers: body === null || body === undefined ? {} : { "content-type": "application/json" },
      body: body === null || body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // compared as a string
    }
    return { status: res.status, body: parsed };
  }

  /** Learns from the recording: which fake operation a start made in place of the recorded one, and statuses. */
  learn(e: Exchange, ours: Outcome | undefined): void {
    const b = e.body as Record<string, unknown> | null;
    const recId = (x: unknown) => {
      const o = x as Record<string, unknown> | null;
      const id = o?.operation_id ?? o?.task_id ?? o?.backtest_id ?? (o?.data as Record<string, unknown> | undefined)?.operation_id;
      return typeof id === "string" ? id : undefined;
    };
    if (e.request.method === "POST" && e.status === 200 && ours?.status === 200) {
      const a = recId(b);
      const o = recId(ours.body);
      if (a && o) this.started.set(a, o);
    }
    const id = e.request.path.match(OP_ID)?.[0];
    const s = statusRevealed(e);
    if (id && s) this.recordedStatus.set(id, s);
    if (id && route(e.request.method, e.request.path) === "DELETE /operations/{id}" && e.status === 200)
      this.recordedStatus.set(id, "cancelled");
    if (route(e.request.method, e.request.path) === "GET /operations" && Array.isArray(b?.data))
      for (const row of b.data as Array<{ operation_id: string; status: string }>) this.recordedStatus.set(row.operation_id, row.status);
  }
}

function note(report: Report, e: Exchange, problem: string): void {
  const key = `${route(e.request.method, e.request.path)} ${e.status}: ${problem}`;
  report.problems[key] = [...(report.problems[key] ?? []), e.file];
}

async function replay(spec: FolderSpec): Promise<Report> {
  const run = new Run(spec);
  const shapes = routeShapes(spec.wire);
  const exchanges = exchangesOf(spec.folder);
  const report: Report = { folder: spec.folder, exchanges: exchanges.length, matched: 0, exempted: {}, noCounterpart: {}, problems: {} };
  for (const e of exchanges) {
    const why = exemption(e);
    if (why) {
      report.exempted[why] = (report.exempted[why] ?? 0) + 1;
      run.learn(e, undefined);
      continue;
    }
    const got = await run.send(e);
    if ("none" in got) {
      report.noCounterpart[got.none] = (report.noCounterpart[got.none] ?? 0) + 1;
      if (NOT_HELD.has(got.none)) notHeldUsed.add(got.none);
      else note(report, e, `no ${got.none} operation in the fake`);
      run.learn(e, undefined);
      continue;
    }
    run.learn(e, got);
    const problems: string[] = [];
    if (got.status !== e.status) problems.push(`HTTP ${got.status}, recorded ${e.status}`);
    if (errorShape(got.body) !== errorShape(e.body)) problems.push(`error shape ${errorShape(got.body)}, recorded ${errorShape(e.body)}`);
    const all = shapes.get(`${route(e.request.method, e.request.path)} ${e.status}`)!;
    problems.push(...compareShapes(route(e.request.method, e.request.path), e.body, got.body, all), ...factProblems(e, got.body));
    if (problems.length === 0) report.matched += 1;
    for (const p of problems) note(report, e, p);
  }
  return report;
}

// ---------------------------------------------------------------- tests

describe("the fake backend answers as the recorded real KTRDR did", () => {
  for (const spec of FOLDERS) {
    it(`${spec.folder}: every exchange with a counterpart in the fake has the recorded shape`, async () => {
      const r = await replay(spec);
      const exempted = Object.values(r.exempted).reduce((a, b) => a + b, 0);
      const missing = Object.values(r.noCounterpart).reduce((a, b) => a + b, 0);
      const notMatching = r.exchanges - r.matched - exempted - missing;
      console.log(
        `[fake-contract] ${r.folder}: ${r.exchanges} recorded exchanges — ${r.matched} matched, ${notMatching} not matching, ` +
          `${exempted} exempted ${JSON.stringify(r.exempted)}, ${missing} without a counterpart operation ${JSON.stringify(r.noCounterpart)}`,
      );
      expect(r.problems).toEqual({});
    });
  }

  it("every exemption is in use, and the routes it names are ones the Worker never requests", async () => {
    const used = new Set<string>();
    for (const spec of FOLDERS) for (const k of Object.keys((await replay(spec)).exempted)) used.add(k);
    expect([...used].sort()).toEqual(Object.keys(EXEMPT).sort());
    expect([...statesUsed].sort()).toEqual(UNRECORDED_STATES.map((_, i) => i));
    expect([...notHeldUsed].sort()).toEqual([...NOT_HELD].sort());
    const source = Object.values(SOURCES).join("\n");
    expect(source).toContain('"/operations"'); // the check can see the Worker's routes
    for (const x of Object.values(EXEMPT)) for (const literal of x.absentFromWorker ?? []) expect(source).not.toContain(literal);
  });
});
