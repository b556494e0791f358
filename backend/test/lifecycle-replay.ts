// Replays a life-cycle recording set (lifecycle-v2025, lifecycle-v2026) against the stand-in: every
// exchange in recorded order on the recorded timeline, compressed by `timeScale` (the stand-in's
// clocks — health checks, re-registration, research polls — are compressed by the same factor), with
// the harness doing at the recorded moments what the recorder did outside HTTP (restart the backend,
// kill and start a worker, unplug IB) through the admin API. Answers are compared as in the other
// replays (recorded.ts). The sampled series (samples_*.json: API status, /workers and the database
// row every 0.5 s) are checked for their shape over time: the sequence of distinct
// (API, worker, database) states the stand-in goes through while the harness samples it at the
// compressed rate must be the recorded sequence.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compare, FIXTURES, Ids, learnIds, send, sleep, steps } from "./recorded.ts";
import type { Outcome, Step } from "./recorded.ts";

export type Action =
  | { restart: { workers_after_ms: number } }
  | { kill: "training" | "backtesting" }
  | { startWorker: "training" | "backtesting" }
  | { ib: boolean }
  /** Let the training (recorded id) finish now, then wait until the database says it ended and its worker is free. */
  | { finish: string; worker: "training" | "backtesting" }
  /** Wait until the database row of a recorded operation is terminal. */
  | { waitEnded: string }
  /** Wait until the registry shows the worker of that type available. */
  | { waitFree: "training" | "backtesting" }
  /** Wait until a recorded operation (a training) has finished at least this many epochs. */
  | { waitEpochs: string; epochs: number };

export interface LifecycleSet {
  folder: string;
  /** Recorded seconds × timeScale = replay seconds. */
  timeScale: number;
  /** How long a GET whose answer depends on time is retried (replay seconds; default 10 recorded seconds, compressed). */
  retrySeconds?: number;
  /** Harness actions before a step (file name). */
  actions: Record<string, Action[]>;
  /** Steps not compared at all, with the reason. */
  exempt: Record<string, string>;
  /** Steps compared except for some problems (matched by these patterns), with the reason. */
  partial: Record<string, { patterns: RegExp[]; why: string }>;
  /** Database rows the psql notes show at a step (checked before it): recorded op id → expectations. */
  dbChecks: Record<string, { op: string; status: string; progress?: number; error?: string | null; why: string }[]>;
}

export interface SeriesReport {
  series: string;
  recorded: string[];
  ours: string[];
  ok: boolean;
}

export interface LifecycleReport {
  folder: string;
  steps: number;
  matched: number;
  partial: number;
  exempted: number;
  retried: number;
  problems: string[];
  series: SeriesReport[];
  dbChecks: number;
}

interface Timeline {
  [file: string]: { scenario: string; t_s: number };
}

interface SampleRow {
  i: number;
  t_s: number;
  api_http: number;
  api: string;
  workers: string;
  db: string;
  list?: [string, string][];
}

/** A GET whose answer depends on time is retried this long (recorded seconds; compressed like the rest). */
const RETRY_S = 10;

/** The run of identical requests answered 503 … 503 then 200 (the recorder waiting for a worker). */
function busyRuns(list: Step[]): Map<number, number> {
  const groups = new Map<number, number>();
  const same = (a: Step, b: Step) =>
    a.rec.request.method === b.rec.request.method &&
    a.rec.request.path === b.rec.request.path &&
    JSON.stringify(a.rec.request.body) === JSON.stringify(b.rec.request.body);
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.rec.status !== 503) continue;
    let j = i;
    while (j + 1 < list.length && same(list[j + 1]!, list[i]!) && list[j + 1]!.rec.status === 503) j++;
    if (j + 1 < list.length && same(list[j + 1]!, list[i]!) && list[j + 1]!.rec.status === 200) {
      groups.set(i, j + 2);
      i = j + 1;
    }
  }
  return groups;
}

/** `samples_<scenario>_<tag>.json` for a sample step name `NNN_<scenario>_<tag>_sample_<kind>_III`. */
function seriesOf(name: string): string | null {
  const m = /^\d+_(.+)_sample_(op|workers|list)_\d+$/.exec(name);
  return m ? `samples_${m[1]}_sample.json` : null;
}

/** One sample reduced to what the shape check compares: API status (0 % or not), the worker's state, the database status. */
function stateOf(api: string, workers: string, db: string, label: (kind: "op" | "worker", id: string) => string): string {
  const [status, pct] = api.split(" ");
  const apiState = `${status}${pct && Number.parseFloat(pct) > 0 ? ">0%" : " 0%"}`;
  const training = workers
    .split("; ")
    .map((w) => w.split(":"))
    .filter((w) => w[0] === "training")
    .map(([, id, st, op]) => `${label("worker", id!)}:${st}${op && op !== "None" ? `:${label("op", op)}` : ""}`)
    .join(",");
  return `api ${apiState} | worker ${training || "none"} | db ${db.split("|")[1]?.trim() ?? db}`;
}

function collapse(states: string[]): string[] {
  return states.filter((s, i) => i === 0 || s !== states[i - 1]);
}

export async function replayLifecycle(set: LifecycleSet, base: string, admin: string): Promise<LifecycleReport> {
  const list = steps(set.folder);
  const timeline = JSON.parse(readFileSync(join(FIXTURES, set.folder, "timeline.json"), "utf8")) as Timeline;
  const ids = new Ids();
  const report: LifecycleReport = {
    folder: set.folder,
    steps: list.length,
    matched: 0,
    partial: 0,
    exempted: 0,
    retried: 0,
    problems: [],
    series: [],
    dbChecks: 0,
  };
  const post = (path: string, body: unknown = {}) =>
    fetch(`${admin}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const dbRow = async (recordedId: string): Promise<{ status: string; progress_percent: number; error_message: string | null } | null> => {
    if (!ids.map.has(recordedId)) throw new Error(`the replay never learned the stand-in's id for ${recordedId}`);
    const r = await fetch(`${admin}/__db/operations/${ids.toOurs(recordedId)}`);
    return r.status === 200 ? ((await r.json()) as { status: string; progress_percent: number; error_message: string | null }) : null;
  };
  const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  const workerFree = async (type: string) => {
    const w = (await (await fetch(`${base}/workers`)).json()) as { worker_type: string; status: string }[];
    return w.some((x) => x.worker_type === type && x.status === "available");
  };
  const checked = async (what: string, r: Promise<Response>) => {
    const res = await r;
    const text = await res.text();
    if (process.env.RECORDED_CONTRACT_VERBOSE) console.log(`[lifecycle]   action ${what}: ${res.status} ${text.slice(0, 200)}`);
    if (res.status !== 200) throw new Error(`admin ${what} answered ${res.status}: ${text.slice(0, 200)}`);
  };
  const act = async (a: Action) => {
    if ("restart" in a) await checked("restart", post("/__restart", a.restart));
    else if ("kill" in a) await checked(`kill ${a.kill}`, post(`/__workers/${a.kill}/kill`));
    else if ("startWorker" in a) await checked(`start ${a.startWorker}`, post(`/__workers/${a.startWorker}/start`));
    else if ("ib" in a) await checked("ib", post("/__ib", { connected: a.ib }));
    else if ("finish" in a) {
      const ours = ids.toOurs(a.finish);
      await checked(`finish ${ours}`, post(`/__jobs/${ours}/finish`));
      await until(`${a.finish}'s job to end`, async () => {
        const w = (await (await fetch(`${admin}/__workers`)).json()) as { processes: { job: string | null }[] };
        return !w.processes.some((p) => p.job === ours);
      });
      await until(`the ${a.worker} worker to be free`, () => workerFree(a.worker));
    } else if ("waitEpochs" in a) {
      await until(`${a.waitEpochs} to reach epoch ${a.epochs}`, async () => {
        const r = await fetch(`${base}/operations/${ids.toOurs(a.waitEpochs)}`);
        const body = (await r.json()) as { data?: { progress: { steps_completed: number } } };
        return (body.data?.progress.steps_completed ?? 0) >= a.epochs;
      });
    } else if ("waitFree" in a) {
      await until(`the ${a.waitFree} worker to be free`, () => workerFree(a.waitFree));
    } else if ("waitEnded" in a) {
      await until(`${a.waitEnded} to end`, async () => !["running", "pending"].includes((await dbRow(a.waitEnded))?.status ?? "running"));
    }
  };

  // ---- sampled series: the harness samples API, /workers and the database while the recorder did ----
  interface Sampler {
    name: string;
    stop: () => Promise<void>;
  }
  const current: { sampler: Sampler | null } = { sampler: null };
  const startSeries = (file: string, scenarioStart: number) => {
    const rows = JSON.parse(readFileSync(join(FIXTURES, set.folder, file), "utf8")) as SampleRow[];
    const recordedOp = rows[0]!.db.split("|")[0]!.trim();
    const ourOp = () => ids.toOurs(recordedOp);
    const workerLabels = new Map<string, string>();
    const labelOf = (kind: "op" | "worker", id: string, mapped: boolean) => {
      if (kind === "op") return (mapped ? id : ids.toOurs(id)) === ourOp() ? "OP" : "other";
      if (!workerLabels.has(id)) workerLabels.set(id, `W${workerLabels.size + 1}`);
      return workerLabels.get(id)!;
    };
    const recordedLabels = new Map<string, string>();
    const recLabel = (kind: "op" | "worker", id: string) => {
      if (kind === "op") return id === recordedOp ? "OP" : "other";
      if (!recordedLabels.has(id)) recordedLabels.set(id, `W${recordedLabels.size + 1}`);
      return recordedLabels.get(id)!;
    };
    const recordedStates = collapse(rows.map((r) => stateOf(r.api, r.workers, r.db, recLabel)));
    const states: string[] = [];
    let running = true;
    const endAt = scenarioStart + rows[rows.length - 1]!.t_s * 1000 * set.timeScale;
    const every = Math.max(100, 500 * set.timeScale);
    const loop = (async () => {
      while (running && Date.now() <= endAt) {
        const t0 = Date.now();
        const [api, workers, db] = await Promise.all([
          fetch(`${base}/operations/${ourOp()}`).then(async (r) => ({
            status: r.status,
            body: (await r.json()) as { data?: { status: string; progress: { percentage: number } } },
          })),
          fetch(`${base}/workers`).then(
            async (r) =>
              (await r.json()) as { worker_type: string; worker_id: string; status: string; current_operation_id: string | null }[],
          ),
          fetch(`${admin}/__db/operations/${ourOp()}`).then(async (r) =>
            r.status === 200 ? ((await r.json()) as { status: string }) : null,
          ),
        ]);
        const apiText = api.body.data ? `${api.body.data.status} ${api.body.data.progress.percentage}%` : `http ${api.status}`;
        const workersText = workers
          .map((w) => `${w.worker_type}:${w.worker_id}:${w.status}:${w.current_operation_id ?? "None"}`)
          .join("; ");
        states.push(stateOf(apiText, workersText, `x | ${db?.status ?? "none"} |`, (k, id) => labelOf(k, id, true)));
        await sleep(Math.max(0, every - (Date.now() - t0)));
      }
    })();
    current.sampler = {
      name: file,
      stop: async () => {
        running = false;
        await loop;
        const ours = collapse(states);
        report.series.push({ series: file, recorded: recordedStates, ours, ok: ours.join("\n") === recordedStates.join("\n") });
      },
    };
    return endAt;
  };

  const runs = busyRuns(list);
  const t0 = Date.now();
  let scenario = "";
  let scenarioStart = Date.now();
  let seriesEnd = 0;
  for (let i = 0; i < list.length; i++) {
    const step = list[i]!;
    const file = step.key.split("/")[1]!;
    const t = timeline[file]!;
    if (t.scenario !== scenario) {
      scenario = t.scenario;
      scenarioStart = Date.now() - t.t_s * 1000 * set.timeScale;
    }
    const wait = scenarioStart + t.t_s * 1000 * set.timeScale - Date.now();
    if (wait > 0) await sleep(wait);
    if (process.env.RECORDED_CONTRACT_VERBOSE) console.log(`[lifecycle] ${((Date.now() - t0) / 1000).toFixed(1)}s ${file}`);
    for (const a of set.actions[file] ?? []) {
      await act(a);
      // A blocking action (waiting for a job) makes the replay late: the rest of the scenario keeps its spacing.
      const late = Date.now() - (scenarioStart + t.t_s * 1000 * set.timeScale);
      if (("finish" in a || "waitEnded" in a || "waitFree" in a || "waitEpochs" in a) && late > 0) scenarioStart += late;
    }
    for (const check of set.dbChecks[file] ?? []) {
      const row = await dbRow(check.op);
      report.dbChecks++;
      const want = {
        status: check.status,
        ...(check.progress !== undefined ? { progress: check.progress } : {}),
        ...(check.error !== undefined ? { error: check.error } : {}),
      };
      const got = {
        status: row?.status,
        ...(check.progress !== undefined ? { progress: row?.progress_percent } : {}),
        ...(check.error !== undefined ? { error: row?.error_message } : {}),
      };
      if (JSON.stringify(want) !== JSON.stringify(got))
        report.problems.push(`${file} (database before it): ${JSON.stringify(got)}, psql notes ${JSON.stringify(want)} (${check.why})`);
    }
    const series = seriesOf(step.name);
    if (series && current.sampler?.name !== series) {
      await current.sampler?.stop();
      seriesEnd = startSeries(series, scenarioStart);
    } else if (!series && current.sampler && Date.now() >= seriesEnd) {
      await current.sampler.stop();
      current.sampler = null;
    }
    if (set.exempt[file]) {
      const got = await send(base, step.rec, ids);
      learnIds(step.rec.body, got.body, ids);
      report.exempted++;
      continue;
    }
    const partial = set.partial[file];
    const filter = (problems: string[]) => (partial ? problems.filter((p) => !partial.patterns.some((re) => re.test(p))) : problems);
    const check = (s: Step, got: Outcome) => filter(compare(s, got, ids, new Set(), () => new Set()));
    const runEnd = runs.get(i);
    if (runEnd !== undefined) {
      // "503 busy … then 200": the start is repeated while the stand-in answers 503.
      const final = list[runEnd - 1]!;
      const deadline = Date.now() + 60_000;
      let got = await send(base, step.rec, ids);
      const problems: string[] = [];
      while (got.status === 503 && Date.now() < deadline) {
        problems.push(...check(step, got).map((p) => `${step.key} (busy): ${p}`));
        await sleep(100);
        got = await send(base, step.rec, ids);
      }
      problems.push(...check(final, got).map((p) => `${final.key}: ${p}`));
      learnIds(final.rec.body, got.body, ids);
      // The recorder's own wait: the rest of the scenario keeps its spacing after the final answer.
      const late = Date.now() - (scenarioStart + timeline[final.key.split("/")[1]!]!.t_s * 1000 * set.timeScale);
      if (late > 0) scenarioStart += late;
      if (problems.length) report.problems.push(...new Set(problems));
      else report.matched += runEnd - i;
      i = runEnd - 1;
      continue;
    }
    let got = await send(base, step.rec, ids);
    learnIds(step.rec.body, got.body, ids);
    let problems = check(step, got);
    const first = problems;
    if (problems.length && step.rec.request.method === "GET") {
      report.retried++;
      const deadline = Date.now() + (set.retrySeconds ?? Math.max(1, RETRY_S * set.timeScale)) * 1000;
      while (problems.length && Date.now() < deadline) {
        await sleep(100);
        got = await send(base, step.rec, ids);
        learnIds(step.rec.body, got.body, ids);
        problems = check(step, got);
      }
    }
    if (problems.length) {
      report.problems.push(...problems.map((p) => `${step.key}: ${p}`));
      if (process.env.RECORDED_CONTRACT_VERBOSE) {
        console.log(`[lifecycle]   ✗ ${problems.slice(0, 4).join(" || ").slice(0, 600)}`);
        if (first !== problems) console.log(`[lifecycle]   ✗ first try: ${first.slice(0, 4).join(" || ").slice(0, 600)}`);
      }
    } else if (partial) report.partial++;
    else report.matched++;
  }
  await current.sampler?.stop();
  for (const s of report.series)
    if (!s.ok) report.problems.push(`${s.series}: states ${JSON.stringify(s.ours)}, recorded ${JSON.stringify(s.recorded)}`);
  return report;
}
