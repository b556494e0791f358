// v2026 workers: the worker processes (each runs at most one job, can be killed and restarted on the
// same endpoint) and the backend's registry of them (GET /workers). The registry knows a worker's
// state from two sources, as upstream does: dispatch marks it busy at once, and health checks (every
// `releaseMs` after it registered) copy what the worker itself reports — so a worker whose operation
// ended stays `busy` until the next check, and a restarted backend shows no worker until they
// re-register. Everything is computed lazily from clocks and the processes' histories.
import { randomBytes } from "node:crypto";
import type { Operation } from "./operations.ts";
import { isoMicros } from "./util.ts";
import type { JsonObject } from "./util.ts";

export type WorkerType = "training" | "backtesting";
export const WORKER_TYPES: readonly WorkerType[] = ["backtesting", "training"];

/** A dead worker is dropped from the registry after this many failed health checks (inferred, see README). */
const DROP_AFTER_FAILED_CHECKS = 2;

const ENDPOINTS: Record<WorkerType, string> = { backtesting: "http://127.0.0.1:18103", training: "http://127.0.0.1:18102" };
const CAPABILITIES: Record<WorkerType, JsonObject> = { backtesting: {}, training: { gpu: false } };

/** A job a worker runs: the operation id and the record its task writes to. */
export interface Job {
  opId: string;
  record: Operation;
}

export class WorkerProcess {
  readonly id: string;
  readonly type: WorkerType;
  readonly endpoint: string;
  readonly startedAt: number;
  diedAt: number | null = null;
  job: Job | null = null;
  /** An operation it claims without running it (v2026-worker-claims-dead-op). */
  claim: string | null = null;
  /** What it reports as its current operation over time: [ms, op id | null], oldest first. */
  private readonly history: [number, string | null][];

  constructor(type: WorkerType, now: number) {
    this.id = `${type}-worker-${randomBytes(4).toString("hex")}`;
    this.type = type;
    this.endpoint = ENDPOINTS[type];
    this.startedAt = now;
    this.history = [[now, null]];
  }

  get alive(): boolean {
    return this.diedAt === null;
  }

  current(): string | null {
    return this.job?.opId ?? this.claim;
  }

  private note(now: number): void {
    const cur = this.current();
    if (this.history[this.history.length - 1]![1] !== cur) this.history.push([now, cur]);
  }

  /** What the worker would have answered a health check at time t. */
  reportedAt(t: number): string | null {
    let cur: string | null = null;
    for (const [at, op] of this.history) {
      if (at > t) break;
      cur = op;
    }
    return cur;
  }

  start(record: Operation, now: number): void {
    this.job = { opId: record.id, record };
    this.claim = null;
    this.note(now);
  }

  /** Its job ended (completed, failed, or a delivered cancel). */
  finished(opId: string, now: number): void {
    if (this.job?.opId === opId) this.job = null;
    this.note(now);
  }

  setClaim(opId: string | null, now: number): void {
    this.claim = opId;
    this.note(now);
  }

  /** SIGKILL: the job dies with it, writing nothing more. */
  kill(now: number): Job | null {
    this.diedAt = now;
    const job = this.job;
    if (job) {
      job.record.killed = true;
      job.record.abort.abort();
    }
    return job;
  }
}

interface Entry {
  process: WorkerProcess;
  registeredAt: number;
  /** The last dispatch (mark_busy), if any. */
  mark: { at: number; opId: string } | null;
  metadata: JsonObject;
}

interface EntryState {
  busy: boolean;
  opId: string | null;
  lastCheck: number | null;
  lastHealthy: number;
  failures: number;
}

export class WorkerRegistry {
  /** Every worker process, dead or alive (a dead one's job record is still found by id). */
  private processes: WorkerProcess[] = [];
  private entries: Entry[] = [];
  /** After a backend restart: processes that will register again, and when. */
  private pending: { process: WorkerProcess; at: number }[] = [];
  private readonly releaseMs: () => number;
  /** Health checks run every `releaseMs` from a worker's registration, or from when the interval last changed. */
  private clockSetAt = 0;

  constructor(releaseMs: () => number) {
    this.releaseMs = releaseMs;
    const now = Date.now();
    for (const type of WORKER_TYPES) this.register(new WorkerProcess(type, now), now);
  }

  private register(process: WorkerProcess, now: number): void {
    if (!this.processes.includes(process)) this.processes.push(process);
    this.entries = this.entries.filter((e) => e.process.endpoint !== process.endpoint);
    this.entries.push({ process, registeredAt: now, mark: null, metadata: {} });
    this.entries.sort((a, b) => WORKER_TYPES.indexOf(a.process.type) - WORKER_TYPES.indexOf(b.process.type));
  }

  /** Apply what happened by `now`: re-registrations after a restart, dead workers dropped. */
  private settle(now: number): void {
    const due = this.pending.filter((p) => p.at <= now);
    if (due.length) {
      this.pending = this.pending.filter((p) => p.at > now);
      for (const p of due) if (p.process.alive) this.register(p.process, p.at);
    }
    this.entries = this.entries.filter((e) => this.state(e, now).failures < DROP_AFTER_FAILED_CHECKS);
  }

  private state(e: Entry, now: number): EntryState {
    const every = this.releaseMs();
    const p = e.process;
    // Health checks at anchor + k·every (k ≥ 1); with every = 0 a check is always "now".
    const anchor = Math.max(e.registeredAt, this.clockSetAt);
    const checkAt = (t: number): number | null => {
      if (every <= 0) return t;
      const k = Math.floor((t - anchor) / every);
      return k >= 1 ? anchor + k * every : null;
    };
    const lastCheck = checkAt(now);
    const diedAt = p.diedAt;
    const lastOk = diedAt === null ? lastCheck : checkAt(Math.min(now, diedAt - 1));
    let failures = 0;
    if (diedAt !== null && lastCheck !== null && lastCheck >= diedAt) {
      failures = every <= 0 ? DROP_AFTER_FAILED_CHECKS : Math.floor((lastCheck - (lastOk ?? anchor)) / every);
    }
    // The newest of: registration (available), a dispatch mark, the last successful check.
    let busy = false;
    let opId: string | null = null;
    let at = e.registeredAt;
    if (lastOk !== null && lastOk >= at) {
      opId = p.reportedAt(lastOk);
      busy = opId !== null;
      at = lastOk;
    }
    if (e.mark && e.mark.at > at) {
      busy = true;
      opId = e.mark.opId;
    }
    return { busy, opId, lastCheck, lastHealthy: lastOk ?? e.registeredAt, failures };
  }

  private entry(type: WorkerType, now: number): Entry | undefined {
    this.settle(now);
    return this.entries.find((e) => e.process.type === type);
  }

  /** The health-check interval changed (admin): checks run every new interval from now. */
  intervalChanged(): void {
    const now = Date.now();
    for (const e of this.entries) {
      // Settle what the registry knew under the old clock into a mark, so nothing jumps back.
      const s = this.state(e, now);
      e.mark = s.busy && s.opId ? { at: now, opId: s.opId } : null;
    }
    this.clockSetAt = now;
  }

  /** The live process of a type (whatever the registry says). */
  process(type: WorkerType): WorkerProcess | undefined {
    return this.processes.find((p) => p.type === type && p.alive);
  }

  /** The most recently killed process of a type. */
  lastDead(type: WorkerType): WorkerProcess | undefined {
    return this.processes.filter((p) => p.type === type && !p.alive).sort((a, b) => (b.diedAt ?? 0) - (a.diedAt ?? 0))[0];
  }

  /** The process (dead or alive) whose job is this operation. */
  jobOf(opId: string): WorkerProcess | undefined {
    return this.processes.find((p) => p.job?.opId === opId);
  }

  registered(type: WorkerType): number {
    const now = Date.now();
    this.settle(now);
    return this.entries.filter((e) => e.process.type === type).length;
  }

  /** No registered, live and (as far as the registry knows) idle worker of this type. */
  isBusy(type: WorkerType): boolean {
    const now = Date.now();
    const e = this.entry(type, now);
    return !e?.process.alive || this.state(e, now).busy;
  }

  /**
   * Hand an operation to the worker of its type; returns the worker id. `markBusy`: the registry marks
   * it busy at once (a start does; v2026-resume-untracked's resume does not). `select`: the registry
   * records `metadata.last_selected` (backtest starts and resumes do, training starts do not).
   */
  dispatch(type: WorkerType, record: Operation, o: { markBusy: boolean; select: boolean }): string {
    const now = Date.now();
    const e = this.entry(type, now);
    const p = e?.process ?? this.process(type);
    if (!p) throw new Error(`No ${type} worker`);
    if (e && o.markBusy) e.mark = { at: now, opId: record.id };
    if (e && o.select) e.metadata = { ...e.metadata, last_selected: now / 1000 };
    p.start(record, now);
    return p.id;
  }

  /** A job ended on whichever process ran this very record (a resumed copy's job is not the original's). */
  ended(record: Operation): void {
    const now = Date.now();
    for (const p of this.processes) if (p.job?.record === record) p.finished(record.id, now);
  }

  /** A worker drops an operation it claims without running it (a delivered cancel). */
  dropClaim(opId: string): void {
    const now = Date.now();
    for (const p of this.processes) if (p.claim === opId) p.setClaim(null, now);
  }

  /** SIGKILL the live worker of a type; returns the process, or undefined when none runs. */
  kill(type: WorkerType): WorkerProcess | undefined {
    const p = this.process(type);
    p?.kill(Date.now());
    return p;
  }

  /**
   * Start a fresh worker on the type's endpoint (it registers at once). `claim`: an operation it
   * reports as its own without running it (v2026-worker-claims-dead-op).
   */
  start(type: WorkerType, claim: string | null): WorkerProcess {
    const now = Date.now();
    const p = new WorkerProcess(type, now);
    if (claim) p.setClaim(claim, now);
    this.pending = this.pending.filter((x) => x.process.type !== type);
    this.register(p, now);
    return p;
  }

  /** A backend restart: the registry starts empty; live workers register again after `afterMs`. */
  backendRestarted(afterMs: number): void {
    const now = Date.now();
    this.entries = [];
    this.pending = this.processes.filter((p) => p.alive).map((process) => ({ process, at: now + afterMs }));
    this.settle(now);
  }

  /** Operation ids the registry says workers are running (what the orphan detector trusts). */
  claimed(): Set<string> {
    const now = Date.now();
    this.settle(now);
    const out = new Set<string>();
    for (const e of this.entries) {
      const s = this.state(e, now);
      if (s.busy && s.opId) out.add(s.opId);
    }
    return out;
  }

  /** `{busy, total}` per type, as the registry sees it. */
  counts(type: WorkerType): { busy: number; total: number } {
    const now = Date.now();
    this.settle(now);
    const of = this.entries.filter((e) => e.process.type === type);
    return { busy: of.filter((e) => this.state(e, now).busy).length, total: of.length };
  }

  list(): JsonObject[] {
    const now = Date.now();
    this.settle(now);
    return this.entries.map((e) => {
      const s = this.state(e, now);
      return {
        worker_id: e.process.id,
        worker_type: e.process.type,
        endpoint_url: e.process.endpoint,
        status: s.busy ? "busy" : "available",
        current_operation_id: s.busy ? s.opId : null,
        capabilities: { ...CAPABILITIES[e.process.type] },
        last_health_check: s.lastCheck === null ? null : isoMicros(s.lastCheck * 1000 + 106, "+00:00"),
        last_healthy_at: isoMicros(s.lastHealthy * 1000 + 108, "+00:00"),
        health_check_failures: s.failures,
        metadata: { ...e.metadata },
      };
    });
  }

  /** The processes behind the registry (admin view). */
  describeProcesses(): JsonObject[] {
    return this.processes.map((p) => ({
      worker_id: p.id,
      worker_type: p.type,
      alive: p.alive,
      job: p.job?.opId ?? null,
      claim: p.claim,
    }));
  }
}
