/**
 * The two witnesses of KTRDR v2026 beside its API's record: what its workers say (`GET
 * /workers`, as of each worker's last health check) and what a training's checkpoint says
 * (`GET /checkpoints/{id}`). After a backend restart, a resume or a cancel that never reached
 * the worker, the record is wrong in recorded ways (FACTS-lifecycle.md); this module says which
 * witness the server believes, and why, in the operation's `status` (the belief), `backend`
 * (KTRDR's own word), `anomaly` and one note.
 *
 * - `witnessPlan(op, version)`: which witnesses to read for this record (none on v2025, none for
 *   operations that run inside the backend, the checkpoint only when the record is suspicious).
 * - `believe(op, reads, now)`: pure; compares backend time with backend time only (a worker's
 *   `last_health_check`, a checkpoint's `created_at`, the operation's start and end). `now` only
 *   words the notes ("12 s ago").
 * - `witnessed(http, op, now)`: plan, read (in parallel; a failed read is `unread` and a note,
 *   never an error), believe; the orphan detector (`/health`) only when no healthy worker runs it.
 */
import type { KtrdrHttp, WireVersion } from "./http";
import { readCheckpoint } from "./checkpoints";
import {
  type Anomaly,
  type Checkpoint,
  isActive,
  type Operation,
  type Witnesses,
  type Worker,
  type WitnessRead,
  type WorkerState,
} from "./model";
import { CANCEL_RESET_NOTE, PLACEHOLDER_PROGRESS_NOTE, WORKER_OPERATION_TYPES } from "./normalise";
import { tryReadOperation } from "./record";
import { parseTime } from "./time";
import { readWorkers } from "./workers";
import * as wire from "./wire";

/** What the witness reads found. `undefined`: not read (or the read failed: then it is in `unread`). */
export interface WitnessReads {
  workers?: Worker[];
  /** `null`: read, and KTRDR has none. */
  checkpoint?: Checkpoint | null;
  orphan?: { timeout_s: number; interval_s: number };
  unread?: WitnessRead[];
}

/** The version a record comes from, when the adapter has not learned it: v2026 records carry `is_backend_local`. */
export function recordVersion(op: Operation, known: WireVersion | undefined): WireVersion | undefined {
  if (known) return known;
  if (!op.raw) return undefined;
  return "is_backend_local" in op.raw || "parent_operation_id" in op.raw ? "v2026" : "v2025";
}

/** KTRDR showed no progress for this running record (its 0 %, no step): `normalise.ts` marked it. */
export function placeholderProgress(op: Operation): boolean {
  return op.notes?.includes(PLACEHOLDER_PROGRESS_NOTE) === true;
}

/**
 * The witnesses worth reading for this record (design §1.4): v2026 worker operations only
 * (training, backtesting). Active: the workers, and a training's checkpoint when the record shows
 * no progress or says `resuming`; cancelled: the workers and a training's checkpoint; a failed
 * training: its checkpoint (what a resume continues from). Completed ones and retry ghosts: none.
 */
export function witnessPlan(op: Operation, version: WireVersion | undefined): WitnessRead[] {
  if (recordVersion(op, version) !== "v2026" || op.source !== "record") return [];
  if (!WORKER_OPERATION_TYPES.includes(op.operation_type) || op.anomaly === "retry_ghost") return [];
  const training = op.operation_type === "training";
  if (isActive(op.status)) {
    return training && (placeholderProgress(op) || op.status === "resuming") ? ["workers", "checkpoint"] : ["workers"];
  }
  if (op.status === "cancelled") return training ? ["workers", "checkpoint"] : ["workers"];
  if (op.status === "failed" && training) return ["checkpoint"];
  return [];
}

/** Reads what the plan asks, in parallel; what is already known (`have`) is not read again. */
export async function readWitnesses(http: KtrdrHttp, op: Operation, plan: WitnessRead[], have: WitnessReads = {}): Promise<WitnessReads> {
  const out: WitnessReads = { ...have, unread: [...(have.unread ?? [])] };
  const tasks: Promise<void>[] = [];
  const failed = (what: WitnessRead) => () => {
    out.unread?.push(what);
  };
  if (plan.includes("workers") && have.workers === undefined && !have.unread?.includes("workers"))
    tasks.push(
      readWorkers(http).then((w) => {
        if (w === undefined) out.unread?.push("workers");
        else out.workers = w;
      }, failed("workers")),
    );
  if (plan.includes("checkpoint") && have.checkpoint === undefined && !have.unread?.includes("checkpoint"))
    tasks.push(
      readCheckpoint(http, op.operation_id).then((c) => {
        out.checkpoint = c;
      }, failed("checkpoint")),
    );
  if (plan.includes("health") && have.orphan === undefined)
    tasks.push(
      readOrphanDetector(http).then((o) => {
        if (o) out.orphan = o;
        else out.unread?.push("health");
      }, failed("health")),
    );
  await Promise.all(tasks);
  if (out.unread?.length === 0) delete out.unread;
  return out;
}

/** KTRDR's orphan detector settings (`GET /health`), undefined when it does not report them. */
export async function readOrphanDetector(http: KtrdrHttp): Promise<{ timeout_s: number; interval_s: number } | undefined> {
  const h = await http.call("GET", "/health", wire.orphanDetectorSchema, { idempotent: true });
  const d = h.orphan_detector;
  if (typeof d?.orphan_timeout_seconds !== "number" || typeof d.check_interval_seconds !== "number") return undefined;
  return { timeout_s: d.orphan_timeout_seconds, interval_s: d.check_interval_seconds };
}

/**
 * The operation as the server believes it, with the witnesses read that its plan asks for (no
 * reads on v2025, nor for operations that run in the backend). `have`: witnesses already read
 * for this call (a listing's workers and checkpoints), not read again.
 */
export async function witnessed(http: KtrdrHttp, op: Operation, now: number, have: WitnessReads = {}): Promise<Operation> {
  const plan = witnessPlan(op, http.version);
  if (plan.length === 0) return op;
  let reads = await readWitnesses(http, op, plan, have);
  let believed = believe(op, reads, now);
  if (believed.anomaly === "worker_lost" && reads.orphan === undefined) {
    reads = await readWitnesses(http, op, ["health"], reads);
    believed = believe(op, reads, now);
  }
  return believed;
}

/** A v2026 worker type's registry entry after a 503, and the operation it is busy with, as the server believes it. */
export interface BusyWorker {
  /** Workers of that type KTRDR lists (0 right after a backend restart). */
  registered: number;
  worker?: Worker;
  /** The operation the worker says it runs, with the belief; absent when it names none or it cannot be read. */
  op?: Operation;
}

/** What occupies the workers of a type (after a v2026 503): the registry, and the operation it names, believed. */
export async function busyWith(http: KtrdrHttp, workerType: string, now: number): Promise<BusyWorker | undefined> {
  const workers = await readWorkers(http).catch(() => undefined);
  if (!workers) return undefined;
  const ofType = workers.filter((w) => w.worker_type === workerType);
  const worker = ofType.find((w) => w.current_operation_id) ?? ofType[0];
  const id = worker?.current_operation_id;
  const op = id ? await tryReadOperation(http, id) : undefined;
  const believed = op ? await witnessed(http, op, now, { workers }).catch(() => op) : undefined;
  return { registered: ofType.length, ...(worker ? { worker } : {}), ...(believed ? { op: believed } : {}) };
}

// ---- the belief ---------------------------------------------------------------------------

const s = (ms: number) => Math.max(0, Math.round(ms / 1000));
/** `2026-12-06T00:06:43.709255Z` → `00:06:43Z` (UTC; the day is the operation's own). */
const clock = (iso: string | undefined) => {
  const hms = iso ? /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] : undefined;
  return hms ? `${hms}Z` : (iso ?? "?");
};

/** The checked-at time of a worker, or undefined when KTRDR has not checked it since it (re)registered. */
function checkedAt(w: Worker | undefined): number | undefined {
  return parseTime(w?.last_health_check);
}

/** KTRDR checked the worker at or after `t` (backend time against backend time). */
function fresh(w: Worker | undefined, t: number | undefined): boolean {
  const at = checkedAt(w);
  return at !== undefined && t !== undefined && at >= t;
}

function failing(w: Worker | undefined): boolean {
  return (w?.health_check_failures ?? 0) > 0;
}

function stateOf(w: Worker | undefined, id: string): WorkerState {
  if (!w) return "gone";
  if (failing(w)) return "failing";
  if (!w.last_health_check) return "unchecked";
  if (w.current_operation_id === id) return "running_it";
  return w.current_operation_id ? "busy_other" : "free";
}

/**
 * The belief about a v2026 worker operation from its record and what the witnesses said (design
 * §1.3). Returns a new operation: `status` the belief, `backend.status` KTRDR's word when they
 * differ, `anomaly`, `progress` (unknown rather than KTRDR's 0 %), the witnesses read, and the
 * anomaly's note first among the notes. Pure.
 */
export function believe(op: Operation, reads: WitnessReads, now: number): Operation {
  if (!WORKER_OPERATION_TYPES.includes(op.operation_type) || op.anomaly === "retry_ghost") return op;
  const j = new Judgement(op, reads, now);
  return j.result();
}

class Judgement {
  private readonly id: string;
  private readonly dispatched?: string;
  private readonly workers?: Worker[];
  private readonly claimant?: Worker;
  private readonly given?: Worker;
  private readonly ck?: Checkpoint | null;
  private readonly training: boolean;
  private readonly started?: number;
  private readonly ended?: number;
  private readonly ckAt?: number;
  /** The registry says something: it lists workers and KTRDR has checked at least one since it (re)started. */
  private readonly registryKnown: boolean;
  private readonly w: Witnesses;
  private readonly out: Operation;
  private anomalyNote?: string;
  private extraNotes: string[] = [];

  constructor(
    private readonly op: Operation,
    private readonly reads: WitnessReads,
    private readonly now: number,
  ) {
    this.id = op.operation_id;
    this.dispatched = op.witnesses?.dispatched_to;
    this.workers = reads.workers;
    this.claimant = reads.workers?.find((w) => w.current_operation_id === op.operation_id);
    this.given = this.dispatched ? reads.workers?.find((w) => w.worker_id === this.dispatched) : undefined;
    this.ck = reads.checkpoint;
    this.training = op.operation_type === "training";
    this.started = parseTime(op.started_at);
    this.ended = parseTime(op.completed_at);
    this.ckAt = parseTime(reads.checkpoint?.created_at);
    this.registryKnown = (reads.workers?.length ?? 0) > 0 && (reads.workers ?? []).some((w) => w.last_health_check);
    this.w = {
      ...op.witnesses,
      ...(reads.checkpoint !== undefined ? { checkpoint: reads.checkpoint } : {}),
      ...(reads.orphan ? { orphan: reads.orphan } : {}),
      ...(reads.unread?.length ? { unread: [...reads.unread] } : {}),
    };
    const relevant = this.claimant ?? this.given;
    if (relevant) this.w.worker = relevant;
    this.out = { ...op, witnesses: this.w };
  }

  // ---- words ----

  private name(w: Worker | undefined): string {
    return w?.worker_id ?? this.dispatched ?? `its ${this.op.operation_type} worker`;
  }
  private ago(iso: string | undefined): string {
    const t = parseTime(iso);
    return t === undefined ? "?" : `${s(this.now - t)} s ago`;
  }

  // ---- what the belief sets ----

  private setStatus(status: string): void {
    if (status === this.op.status) return;
    this.out.status = status;
    this.out.backend = { ...this.op.backend, status: this.op.backend?.status ?? this.op.status };
  }
  private flag(a: Anomaly, note: string): void {
    this.out.anomaly = a;
    this.anomalyNote = note;
  }
  private showWorker(w: Worker | undefined): void {
    this.w.worker_state = stateOf(w, this.id);
    if (w) this.w.worker = w;
  }
  /** The checkpoint stands for progress the record does not have. */
  private progressFromCheckpoint(): void {
    const c = this.ck;
    if (!c || c.epoch === undefined) return;
    this.w.checkpoint_role = "progress";
    delete this.out.progress;
    this.out.unknown = [...new Set([...(this.out.unknown ?? []), "progress"])];
    if (c.latest) this.out.latest_epoch = c.latest;
  }
  private progressUnknown(): void {
    this.dropNotes(PLACEHOLDER_PROGRESS_NOTE);
    delete this.out.progress;
    delete this.out.latest_epoch;
    this.out.unknown = [...new Set([...(this.out.unknown ?? []), "progress"])];
  }
  /** A cancelled training's checkpoint says how far it got (KTRDR's record reset it): the reset note gives way. */
  private resumableFrom(): void {
    this.w.checkpoint_role = "resumable";
    if (this.ck?.epoch !== undefined) this.dropNotes(CANCEL_RESET_NOTE);
  }
  private dropNotes(...texts: string[]): void {
    if (this.out.notes) this.out.notes = this.out.notes.filter((n) => !texts.includes(n));
  }

  result(): Operation {
    if (isActive(this.op.status)) this.active();
    else if (this.op.status === "cancelled") this.cancelled();
    else if (this.op.status === "failed" && this.training && this.ck) this.w.checkpoint_role = "resumable";
    const unreadNote = this.unreadNote();
    const notes = [this.anomalyNote, ...(this.out.notes ?? []), ...this.extraNotes, unreadNote].filter((n): n is string => Boolean(n));
    if (notes.length) this.out.notes = [...new Set(notes)];
    else delete this.out.notes;
    if (this.out.unknown?.length === 0) delete this.out.unknown;
    return this.out;
  }

  private unreadNote(): string | undefined {
    const u = this.reads.unread;
    if (!u?.length) return undefined;
    const words: Record<WitnessRead, string> = {
      workers: "workers",
      checkpoint: "checkpoint",
      agent: "research cycles",
      health: "orphan detector settings",
    };
    return `KTRDR's ${u.map((x) => words[x]).join(" and ")} could not be read.`;
  }

  // ---- running, resuming, pending ----

  private active(): void {
    const op = this.op;
    if (op.status === "pending") return;
    if (this.lostOrReplaced()) return;
    if (op.status === "resuming") this.resuming();
    else if (placeholderProgress(op)) this.placeholder();
  }

  /** The worker KTRDR gave it to is gone or failing its checks: is another claiming it? */
  private lostOrReplaced(): boolean {
    if (!this.registryKnown || !this.dispatched) return false;
    const given = this.given;
    if (given && !failing(given)) return false;
    const other = this.claimant && this.claimant.worker_id !== this.dispatched && !failing(this.claimant) ? this.claimant : undefined;
    const epoch = this.ck?.epoch;
    if (other) {
      // L26/1066+1067: a fresh worker on the dead one's endpoint claims it and never trains it.
      this.progressUnknown();
      if (epoch !== undefined) this.w.checkpoint_role = "resumable";
      this.w.replaces = this.dispatched;
      this.showWorker(other);
      const last = epoch !== undefined ? `; last checkpoint epoch ${epoch}, ${this.ago(this.ck?.created_at)}` : "";
      const then = epoch !== undefined ? `; its checkpoint at epoch ${epoch} can then be resumed` : "";
      this.flag(
        "worker_replaced",
        `KTRDR gave it to ${this.dispatched}, which is gone; ${other.worker_id} claims it, but KTRDR shows no progress${last}: ` +
          `it is probably not training. KTRDR's orphan detector does not act while a worker claims it. Cancel it${then}.`,
      );
      return true;
    }
    // L26/1036 (failing, progress frozen at 3.4 %), L26/1038 (gone; a newcomer not checked yet).
    if (placeholderProgress(this.op)) this.progressUnknown();
    this.showWorker(given);
    const orphan = this.reads.orphan;
    const detector = orphan
      ? ` KTRDR's orphan detector fails such operations after ${orphan.timeout_s} s (checks every ${orphan.interval_s} s) unless a worker claims them.`
      : "";
    if (given) {
      this.flag(
        "worker_lost",
        `KTRDR has not heard from its worker since ${clock(given.last_healthy_at)} (${this.ago(given.last_healthy_at)}); ` +
          `the progress shown is the last it reported.${detector}`,
      );
    } else {
      const newcomers = (this.workers ?? []).filter((w) => w.worker_type === this.op.operation_type && !w.last_health_check);
      this.w.workers_registered = (this.workers ?? []).map((w) => w.worker_id);
      const since = newcomers.length
        ? `; ${newcomers.map((w) => w.worker_id).join(", ")} registered since and has not been checked yet`
        : "";
      this.flag("worker_lost", `${this.dispatched}, which ran it, is no longer registered${since}.${detector}`);
    }
    return true;
  }

  /** L26/022–045: KTRDR shows `resuming`, 0 %, while the worker trains on from the checkpoint. */
  private resuming(): void {
    const claimantFresh = this.claimant !== undefined && !failing(this.claimant) && fresh(this.claimant, this.started);
    const ckNewer =
      this.ck != null && this.ckAt !== undefined && this.started !== undefined && this.ckAt > this.started && (this.ck.epoch ?? 0) > 0;
    this.dropNotes(PLACEHOLDER_PROGRESS_NOTE);
    this.progressUnknown();
    if (claimantFresh || ckNewer) {
      this.setStatus("running");
      if (ckNewer) this.progressFromCheckpoint();
      this.showWorker(this.claimant ?? this.given);
      const by = [claimantFresh ? "its worker" : "", ckNewer ? "its checkpoint" : ""].filter(Boolean).join(" and ");
      this.flag(
        "resuming_at_zero",
        `KTRDR shows a resumed training as 'resuming' at 0 % until it ends; ${by} show${claimantFresh && ckNewer ? "" : "s"} it training.`,
      );
    } else {
      this.showWorker(this.claimant ?? this.given);
      this.flag(
        "resuming_at_zero",
        "KTRDR shows a resumed training as 'resuming' at 0 % until it ends; no worker check or checkpoint since the resume shows it training yet.",
      );
    }
  }

  /** L26/607, 609: running at 0 %, no step — what a restart leaves (or a start before its first batch). */
  private placeholder(): void {
    const ckNewer =
      this.ck != null && this.ckAt !== undefined && this.started !== undefined && this.ckAt > this.started && (this.ck.epoch ?? 0) > 0;
    const relevant = this.claimant ?? this.given;
    if (ckNewer) {
      this.dropNotes(PLACEHOLDER_PROGRESS_NOTE);
      this.progressFromCheckpoint();
      this.showWorker(relevant);
      const runs = this.claimant && !failing(this.claimant) && this.claimant.last_health_check ? " and its worker runs it" : "";
      this.flag(
        "progress_lost",
        `KTRDR's record lost this training's progress (0 %, no step: what a backend restart leaves); its checkpoint shows it training${runs}.`,
      );
      return;
    }
    // No conclusion: say what KTRDR's witnesses have not said yet.
    this.showWorker(relevant);
    if (this.workers !== undefined && this.workers.length === 0) {
      this.extraNotes.push("KTRDR lists no workers yet (they register again after a backend restart).");
    } else if (relevant && !relevant.last_health_check) {
      this.dropNotes(PLACEHOLDER_PROGRESS_NOTE);
      this.extraNotes.push(
        `KTRDR reports no progress (0 %, no step) and has not checked ${relevant.worker_id} since it registered; progress is unknown.`,
      );
    }
  }

  // ---- cancelled ----

  private cancelled(): void {
    const ct = this.ended;
    const claimantHealthy = this.claimant && !failing(this.claimant) ? this.claimant : undefined;
    const claimantFresh = claimantHealthy !== undefined && fresh(claimantHealthy, ct);
    // A checkpoint written after the cancel, other than the one a delivered cancel writes (L26/017 vs L26/456).
    const ckAfter =
      this.training && this.ck != null && this.ck.type !== "cancellation" && this.ckAt !== undefined && ct !== undefined && this.ckAt > ct;
    const when = clock(this.op.completed_at);
    if (claimantFresh || ckAfter) {
      // L26/456 (a checkpoint written after the cancel), L26/095, 658 (the worker checked after the cancel still runs it).
      this.setStatus("running");
      this.dropNotes(CANCEL_RESET_NOTE);
      if (this.ck && this.ck.epoch !== undefined && (this.started === undefined || (this.ckAt ?? 0) > this.started))
        this.progressFromCheckpoint();
      else this.progressUnknown();
      this.showWorker(this.claimant ?? this.given);
      const evidence = [claimantFresh ? "checked after the cancel" : "", ckAfter ? "checkpoints keep coming" : ""]
        .filter(Boolean)
        .join("; ");
      this.flag(
        "cancel_not_delivered",
        `KTRDR marked it cancelled at ${when}, but its worker still runs it (${evidence}); its results will not be readable.`,
      );
      return;
    }
    if (!this.training) {
      // A backtest keeps no checkpoint to confirm its cancel; a delivered one reads the same for one check (L26/1258).
      return;
    }
    if (this.ck?.type === "cancellation") {
      // L26/017: the cancel reached the worker; its checkpoint says how far it got.
      this.resumableFrom();
      return;
    }
    // Does any witness say it stopped? The registry, checked after the cancel, shows no worker on it.
    const given = this.given;
    const noneRuns = this.workers !== undefined && !this.claimant && (given ? fresh(given, ct) || failing(given) : this.registryKnown);
    const claimedBeforeCheck = claimantHealthy !== undefined && !claimantFresh;
    if (this.ck === null && noneRuns) {
      // L26/468+467+477: no checkpoint left, no worker on it.
      this.out.unknown = [...new Set([...(this.out.unknown ?? []), "outcome"])];
      this.dropNotes(CANCEL_RESET_NOTE);
      this.flag(
        "outcome_unknown",
        "KTRDR keeps no checkpoint of this cancelled training: it was cancelled before its first one, or it was discarded, or the training ran to the end " +
          "after a cancel that did not reach its worker (KTRDR then deletes it, and its API keeps saying cancelled). Results cannot be read either way.",
      );
      return;
    }
    if (noneRuns && this.ck) {
      // L26/1261+1262: an older periodic checkpoint, and the worker, checked after the cancel, is not on it.
      this.resumableFrom();
      return;
    }
    if (noneRuns) return;
    // L26/612+613 (unchecked since the restart), L26/1257+1258 (claimed, checked before the cancel).
    const relevant = this.claimant ?? given;
    this.showWorker(relevant);
    const since = relevant && !relevant.last_health_check ? "since it registered" : "since the cancel";
    const whom = relevant ? relevant.worker_id : this.name(undefined);
    this.flag(
      "cancel_unconfirmed",
      `KTRDR has not checked ${whom} ${since}${claimedBeforeCheck ? " (it was running it then)" : ""}; whether it stopped is not known yet.`,
    );
  }
}
