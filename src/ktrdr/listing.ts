/**
 * Listings as the server knows them, reconciled from what KTRDR lists and what else it says:
 * - rows whose listed status a known quirk may have changed are checked against their record
 *   (`status-checks.ts`);
 * - on v2026 the list is an in-memory cache (after a restart nearly empty, L26/606; research
 *   cycles never in it, L26/1253; trainings only once read): the server adds what it can learn
 *   without state — the operations workers say they run, the active research cycles
 *   (`/agent/status`), the trainings that have a checkpoint (`/checkpoints`) — read by id and
 *   believed as a status read would (`witness.ts`), filters apply to that belief, and KTRDR's
 *   count is never passed on as the number of operations that exist (`total_at_least` only);
 * - the active operations of one kind, read in full, for the start tools' duplicate guard.
 */
import { BackendError } from "./errors";
import type { KtrdrHttp } from "./http";
import { type Checkpoint, isActive, type Operation, type OperationPage, type OperationRow, type Worker } from "./model";
import { checkpointFrom, isRetryId, rowFromOperation, rowFromSummary } from "./normalise";
import { readOperation, tryReadOperation } from "./record";
import { type ListQuery, listPage, newestFirst, PAGE_MAX } from "./rows";
import { StatusChecks } from "./status-checks";
import * as wire from "./wire";
import { believe } from "./witness";
import { readWorkers } from "./workers";

/** Operations a v2026 listing reads by id to add what KTRDR's cache misses, at most, per call. */
export const MAX_ADDED_READS = 10;
/** `GET /checkpoints` has no paging and each row carries its training history: read at most this much of it. */
export const CHECKPOINT_LIST_MAX_BYTES = 2 * 1024 * 1024;

/** What KTRDR v2026's list is, said on every v2026 listing (≤ 30 tokens). */
export function cacheNote(added: number): string {
  return (
    "KTRDR v2026 lists only operations read since it started (a cache): others may be missing, and any id can still be read" +
    `${added > 0 ? `; added ${added} it did not list` : ""}.`
  );
}

interface Base {
  rows: OperationRow[];
  total_count?: number;
  total_at_least?: number;
  active_count?: number;
  notes: string[];
  /** Rows KTRDR returned for the page asked (before any filter). */
  listed: number;
}

/**
 * A page of operations, newest first, with each row's status as the server knows it:
 * - rows whose listed status a known quirk may have changed (a v2025 training listed `failed`,
 *   a dummy listed `completed`) are checked against their record, at most `MAX_STATUS_CHECKS`;
 * - with `status: "cancelled"`, those quirky rows are searched too, since the backend lists
 *   them under another status;
 * - on v2026, what the workers, research cycles and checkpoints name is added (see the module).
 */
export async function listOperations(http: KtrdrHttp, q: ListQuery, now: number = Date.now()): Promise<OperationPage> {
  const limit = q.limit ?? 10;
  const offset = q.offset ?? 0;
  // The version decides which quirky rows are checked: learn it first when it is not known.
  const workersFirst = http.version === undefined ? await workersOf(http) : undefined;
  // The v2026 witnesses only where the version is known to be v2026 (a failed workers read leaves it unknown).
  const v2026Possible = http.version === "v2026";
  const [workers, cycles, checkpoints, base] = await Promise.all([
    workersFirst ?? workersOf(http),
    v2026Possible && mayMatch(q, "agent_research") ? activeCycles(http) : Promise.resolve(undefined),
    v2026Possible && offset === 0 && mayMatchTraining(q) ? checkpointList(http) : Promise.resolve(undefined),
    basePage(http, q, limit, offset),
  ]);
  if (http.version !== "v2026") {
    if ("err" in workers)
      base.notes.push(
        "KTRDR's workers could not be read, so operations running on a worker may be missing (KTRDR v2026 lists them only once read).",
      );
    return pageOf(base);
  }
  return augment(http, q, offset, now, base, { workers, cycles, checkpoints });
}

async function workersOf(http: KtrdrHttp): Promise<{ list: Worker[] } | { err: unknown }> {
  try {
    return { list: (await readWorkers(http)) ?? [] };
  } catch (err) {
    return { err };
  }
}

/** The research cycles running now (`/agent/status`); a failure is said, not fatal. */
async function activeCycles(http: KtrdrHttp): Promise<string[] | "unread"> {
  try {
    const s = await http.call("GET", "/agent/status", wire.agentStatusSchema, { idempotent: true });
    return (s.active_researches ?? []).map((r) => r.operation_id);
  } catch {
    return "unread";
  }
}

/** Every checkpoint KTRDR keeps (one per training), by operation; bounded in size. */
async function checkpointList(http: KtrdrHttp): Promise<Map<string, Checkpoint> | "unread"> {
  try {
    const res = await http.call("GET", "/checkpoints", wire.checkpointListSchema, {
      idempotent: true,
      maxBytes: CHECKPOINT_LIST_MAX_BYTES,
    });
    return new Map(res.data.map((c) => [c.operation_id, checkpointFrom(c)]));
  } catch {
    return "unread";
  }
}

function pageOf(b: Base): OperationPage {
  return {
    rows: b.rows,
    listed: b.listed,
    ...(b.total_count !== undefined ? { total_count: b.total_count } : {}),
    ...(b.total_at_least !== undefined ? { total_at_least: b.total_at_least } : {}),
    ...(b.active_count !== undefined ? { active_count: b.active_count } : {}),
    ...(b.notes.length ? { notes: b.notes } : {}),
  };
}

/** KTRDR's page, its quirky rows checked against their records (both versions). */
async function basePage(http: KtrdrHttp, q: ListQuery, limit: number, offset: number): Promise<Base> {
  const checks = new StatusChecks(http);
  const notes: string[] = [];
  const candidates = q.status === "cancelled" ? checks.cancelCandidates(q.operation_type) : [];
  if (candidates.length > 0) return listCancelled(http, q, limit, offset, candidates, checks, notes);

  const res = await listPage(http, { ...q, limit, offset });
  const rows = await checks.resolve(res.data.map(rowFromSummary));
  let kept = rows;
  if (q.status) {
    kept = rows.filter((r) => r.status === q.status);
    const moved = rows.length - kept.length;
    if (moved > 0)
      notes.push(
        `${moved} operation(s) KTRDR lists as ${q.status} were in fact ${[...new Set(rows.filter((r) => r.status !== q.status).map((r) => r.status))].join(", ")} and are left out` +
          `${http.version === "v2026" ? "." : "; total_count is KTRDR's own count."}`,
      );
  }
  if (checks.skipped > 0) notes.push(`${checks.skipped} row(s) were not checked against their record (statuses as KTRDR lists them).`);
  return {
    rows: kept,
    listed: res.data.length,
    total_count: res.total_count ?? undefined,
    active_count: res.active_count ?? undefined,
    notes,
  };
}

/** `status: "cancelled"`: the cancelled rows plus the quirky rows that turn out cancelled, merged newest first. */
async function listCancelled(
  http: KtrdrHttp,
  q: ListQuery,
  limit: number,
  offset: number,
  candidates: ListQuery[],
  checks: StatusChecks,
  notes: string[],
): Promise<Base> {
  const window = Math.min(PAGE_MAX, offset + limit);
  const [main, ...others] = await Promise.all([
    listPage(http, { ...q, limit: window, offset: 0 }),
    ...candidates.map((c) => listPage(http, { ...c, active_only: q.active_only, limit: window, offset: 0 })),
  ]);
  const found: OperationRow[] = [];
  let truncated = false;
  for (const page of others) {
    if (!page) continue;
    const resolved = await checks.resolve(page.data.map(rowFromSummary));
    found.push(...resolved.filter((r) => r.status === "cancelled"));
    if ((page.total_count ?? page.data.length) > page.data.length) truncated = true;
  }
  const base = main ? main.data.map(rowFromSummary) : [];
  const seen = new Set(base.map((r) => r.operation_id));
  const merged = [...base, ...found.filter((r) => !seen.has(r.operation_id))];
  merged.sort(newestFirst);
  if (found.length > 0) notes.push(`${found.length} operation(s) KTRDR lists as failed or completed were cancelled and are included.`);
  const exact = !truncated && checks.skipped === 0 && main?.total_count != null;
  if (!exact) notes.push("Some operations KTRDR lists as failed or completed were not checked, so more cancelled ones may exist.");
  const total = (main?.total_count ?? base.length) + found.length;
  const rows = merged.slice(offset, offset + limit);
  return {
    rows,
    // The merge spans several of KTRDR's lists: a short page means the end of them all.
    listed: rows.length,
    ...(exact ? { total_count: total } : { total_at_least: total }),
    active_count: main?.active_count ?? undefined,
    notes,
  };
}

interface Witnessing {
  workers: { list: Worker[] } | { err: unknown };
  cycles?: string[] | "unread";
  checkpoints?: Map<string, Checkpoint> | "unread";
}

/**
 * v2026: the page plus what KTRDR's cache misses, each operation read by id once and believed
 * with the workers and checkpoints already read (no extra read per row); filters by belief.
 */
async function augment(http: KtrdrHttp, q: ListQuery, offset: number, now: number, base: Base, seen: Witnessing): Promise<OperationPage> {
  const notes = [...base.notes];
  const workers = "list" in seen.workers ? seen.workers.list : undefined;
  if (!workers) notes.push("KTRDR's workers could not be read, so operations running on a worker may be missing.");
  if (seen.cycles === "unread") notes.push("KTRDR's research cycles (/agent/status) could not be read.");
  const checkpoints = seen.checkpoints instanceof Map ? seen.checkpoints : undefined;
  if (seen.checkpoints === "unread")
    notes.push("KTRDR's checkpoints could not be read (or were too large), so cancelled trainings may be missing.");

  const listed = new Set(base.rows.map((r) => r.operation_id));
  // Workers' operations are read even when listed: what the worker says may change the row (an undelivered cancel).
  const claimed = [...new Set((workers ?? []).map((w) => w.current_operation_id).filter((x): x is string => Boolean(x)))];
  const others =
    offset === 0
      ? [...(Array.isArray(seen.cycles) ? seen.cycles : []), ...(checkpoints ? [...checkpoints.keys()] : [])].filter(
          (id) => !listed.has(id) && !claimed.includes(id),
        )
      : [];
  const wanted = [...claimed, ...[...new Set(others)].sort(newestById)];
  const toRead = wanted.slice(0, MAX_ADDED_READS);
  if (wanted.length > toRead.length)
    notes.push(`${wanted.length - toRead.length} more operation(s) named by workers, research cycles or checkpoints were not read.`);
  const ops = (await Promise.all(toRead.map((id) => tryReadOperation(http, id)))).filter((o): o is Operation => o !== undefined);
  const believed = new Map(
    ops.map((op) => {
      const checkpoint = checkpoints ? (checkpoints.get(op.operation_id) ?? null) : undefined;
      return [op.operation_id, believe(op, { workers, checkpoint }, now)] as const;
    }),
  );

  const rows = base.rows.map((r) => {
    const op = believed.get(r.operation_id);
    return op ? rowFromOperation(op, now) : r;
  });
  const kept = rows.filter((r) => rowMatches(r, q));
  const movedOut = rows.length - kept.length;
  if (movedOut > 0)
    notes.push(`${movedOut} operation(s) KTRDR lists under this filter are not, by what its workers or checkpoints say, and are left out.`);
  // On a full page, an operation older than its last row belongs to a later page (if KTRDR lists it at all).
  const full = base.listed >= (q.limit ?? 10);
  const oldest = base.rows.reduce<string | undefined>((m, r) => (r.created_at && (!m || r.created_at < m) ? r.created_at : m), undefined);
  const inWindow = (op: Operation) => !full || !oldest || !op.created_at || op.created_at >= oldest;
  const added =
    offset === 0
      ? [...believed.values()]
          .filter((op) => !listed.has(op.operation_id) && opMatches(op, q) && inWindow(op))
          .map((op) => rowFromOperation(op, now))
      : [];
  const all = [...kept, ...added].sort(newestFirst);
  const research = added.filter((r) => r.operation_type === "agent_research").length;
  if (research > 0) notes.push(`${research} active research cycle(s), which KTRDR v2026 does not list, are included from /agent/status.`);
  const ktrdrCount = base.total_count ?? base.total_at_least ?? base.rows.length;
  const atLeast = Math.max(offset + all.length, ktrdrCount - movedOut + added.length);
  return {
    rows: all,
    listed: base.listed,
    total_at_least: atLeast,
    notes: [cacheNote(added.length), ...notes],
  };
}

/** Newest first by the time in the id (`op_<type>_YYYYmmdd_HHMMSS_<hex>`). */
function newestById(a: string, b: string): number {
  const t = (id: string) => /_(\d{8}_\d{6})_/.exec(id)?.[1] ?? "";
  return t(b).localeCompare(t(a));
}

function mayMatch(q: ListQuery, type: string): boolean {
  return !q.operation_type || q.operation_type === type;
}

/** A checkpoint names a training that may match these filters (a completed training keeps none). */
function mayMatchTraining(q: ListQuery): boolean {
  return mayMatch(q, "training") && q.status !== "completed";
}

function rowMatches(r: OperationRow, q: ListQuery): boolean {
  if (q.operation_type && r.operation_type !== q.operation_type) return false;
  if (q.status && r.status !== q.status) return false;
  if (q.active_only && !isActive(r.status)) return false;
  return true;
}

function opMatches(op: Operation, q: ListQuery): boolean {
  return rowMatches({ operation_id: op.operation_id, operation_type: op.operation_type, status: op.status }, q);
}

/**
 * Active operations of one type, read in full: what busy workers run (v2026), pending and
 * running (the backend's `active_only`, both versions) and v2026's `resuming`, which
 * `active_only` leaves out. A v2025 backend refuses `status=resuming` with a 422; under `auto`
 * that only means there are none. KTRDR's retry records (`retry_ghost`: pending, never run) are
 * left out: nobody will ever run them, so they are no twin of anything.
 *
 * For the duplicate guard, so nothing is left out unsaid: when an active candidate's record, or
 * the workers of a backend that has them, cannot be read, this fails (the start tools then start
 * nothing and say the check failed). A candidate's list row cannot stand in for its record: it
 * holds none of the parameters a twin is recognised by. Only an operation KTRDR no longer knows
 * (gone between the list and the read) is left out.
 */
export async function activeOperations(http: KtrdrHttp, operationType: string, maxReads = 10): Promise<Operation[]> {
  // Workers first (reading what they run makes v2026 list it). Whether a failure to read them
  // matters is known after the lists: a backend that refuses `status=resuming` is v2025, without workers.
  const workers = await workerOperationIds(http).then(
    (ids) => ({ ids }),
    (err: unknown) => ({ ids: [], err }),
  );
  const onWorkers = await Promise.all(workers.ids.map((id) => readIfKnown(http, id)));
  const revealed = onWorkers.filter((op): op is Operation => op?.operation_type === operationType && live(op));
  let v2025 = http.version === "v2025";
  const active = listPage(http, { operation_type: operationType, active_only: true, limit: 50 });
  const resuming = v2025
    ? Promise.resolve(undefined)
    : listPage(http, { operation_type: operationType, status: "resuming", limit: 50 }).catch((err: unknown) => {
        if (http.cfg.wireVersion === "auto" && err instanceof BackendError && err.status === 422) {
          v2025 = true;
          return undefined;
        }
        throw err;
      });
  const [a, r] = await Promise.all([active, resuming]);
  if ("err" in workers && !v2025) throw workers.err;
  const seen = new Set(revealed.map((o) => o.operation_id));
  const rows = [...a.data, ...(r?.data ?? [])].filter((row) => {
    if (row.operation_type !== operationType || seen.has(row.operation_id)) return false;
    // A retry's pending record: never run, never a twin (and v2026 may not even keep it).
    if (isRetryId(row.operation_id) && row.status === "pending") return false;
    seen.add(row.operation_id);
    return true;
  });
  rows.sort(newestFirst);
  const reads = await Promise.all(rows.slice(0, maxReads).map((row) => readIfKnown(http, row.operation_id)));
  return [...revealed, ...reads.filter((o): o is Operation => o !== undefined && live(o))];
}

/** Active and not a retry ghost. */
function live(op: Operation): boolean {
  return isActive(op.status) && op.anomaly !== "retry_ghost";
}

/** The operations busy workers say they run (none on v2025, which has no workers). */
async function workerOperationIds(http: KtrdrHttp): Promise<string[]> {
  const workers = await readWorkers(http);
  return [...new Set((workers ?? []).map((w) => w.current_operation_id).filter((x): x is string => Boolean(x)))];
}

/** An operation's record; undefined only when KTRDR no longer knows it. Any other failure is thrown. */
async function readIfKnown(http: KtrdrHttp, id: string): Promise<Operation | undefined> {
  try {
    return await readOperation(http, id);
  } catch (err) {
    if (err instanceof BackendError && err.is("operation_not_found")) return undefined;
    throw err;
  }
}
