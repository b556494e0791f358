/**
 * Listings as the server knows them, reconciled from what KTRDR lists and what else it says:
 * - on v2026, operations that busy workers run are read by id first, so they are listed (its
 *   in-memory list misses them until they are read);
 * - rows whose listed status a known quirk may have changed are checked against their record
 *   (`status-checks.ts`);
 * - the active operations of one kind, read in full, for the start tools' duplicate guard.
 */
import { BackendError } from "./errors";
import type { KtrdrHttp } from "./http";
import { isActive, type Operation, type OperationPage, type OperationRow } from "./model";
import { rowFromOperation, rowFromSummary } from "./normalise";
import { readOperation, tryReadOperation } from "./record";
import { activeCycles } from "./research";
import { type ListQuery, listPage, newestFirst, PAGE_MAX } from "./rows";
import { StatusChecks } from "./status-checks";
import { readWorkers } from "./workers";

/**
 * A page of operations, newest first, with each row's status as the server knows it:
 * - on v2026, operations that busy workers run are read by id first, so they are listed;
 * - rows whose listed status a known quirk may have changed (a v2025 training listed `failed`,
 *   a dummy listed `completed`) are checked against their record, at most `MAX_STATUS_CHECKS`;
 * - with `status: "cancelled"`, those quirky rows are searched too, since the backend lists
 *   them under another status.
 */
export async function listOperations(http: KtrdrHttp, q: ListQuery): Promise<OperationPage> {
  const limit = q.limit ?? 10;
  const offset = q.offset ?? 0;
  const notes: string[] = [];
  const [onWorkers, cycles] = await Promise.all([revealWorkerOperations(http, notes), revealResearchCycles(http, q, notes)]);
  const revealed = [...onWorkers, ...cycles];
  const checks = new StatusChecks(http);

  const candidates = q.status === "cancelled" ? checks.cancelCandidates(q.operation_type) : [];
  if (candidates.length > 0) return listCancelled(http, q, limit, offset, candidates, revealed, checks, notes);

  const res = await listPage(http, { ...q, limit, offset });
  const rows = await checks.resolve(res.data.map(rowFromSummary));
  let kept = rows;
  if (q.status) {
    kept = rows.filter((r) => r.status === q.status);
    const moved = rows.length - kept.length;
    if (moved > 0)
      notes.push(
        `${moved} operation(s) KTRDR lists as ${q.status} were in fact ${[...new Set(rows.filter((r) => r.status !== q.status).map((r) => r.status))].join(", ")} and are left out; total_count is KTRDR's own count.`,
      );
  }
  const listed = new Set(rows.map((r) => r.operation_id));
  const missing = revealed.filter((op) => !listed.has(op.operation_id) && matches(op, q));
  const extra = missing.map((op) => rowFromOperation(op, Date.now()));
  if (extra.length > 0 && offset === 0) {
    kept = [...extra, ...kept].sort(newestFirst).slice(0, limit);
    const research = missing.filter((op) => op.operation_type === "agent_research").length;
    if (extra.length > research)
      notes.push(`${extra.length - research} operation(s) running on a KTRDR worker were missing from KTRDR's list and are included.`);
    if (research > 0) notes.push(`${research} active research cycle(s), which KTRDR v2026 does not list, are included from /agent/status.`);
  }
  if (checks.skipped > 0) notes.push(`${checks.skipped} row(s) were not checked against their record (statuses as KTRDR lists them).`);
  return {
    rows: kept,
    total_count: res.total_count ?? undefined,
    active_count: res.active_count ?? undefined,
    ...(notes.length ? { notes } : {}),
  };
}

/** `status: "cancelled"`: the cancelled rows plus the quirky rows that turn out cancelled, merged newest first. */
async function listCancelled(
  http: KtrdrHttp,
  q: ListQuery,
  limit: number,
  offset: number,
  candidates: ListQuery[],
  revealed: Operation[],
  checks: StatusChecks,
  notes: string[],
): Promise<OperationPage> {
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
  for (const op of revealed)
    if (!merged.some((r) => r.operation_id === op.operation_id) && matches(op, q)) merged.push(rowFromOperation(op, Date.now()));
  merged.sort(newestFirst);
  if (found.length > 0) notes.push(`${found.length} operation(s) KTRDR lists as failed or completed were cancelled and are included.`);
  const exact = !truncated && checks.skipped === 0 && main?.total_count != null;
  if (!exact) notes.push("Some operations KTRDR lists as failed or completed were not checked, so more cancelled ones may exist.");
  const total = (main?.total_count ?? base.length) + found.length;
  return {
    rows: merged.slice(offset, offset + limit),
    ...(exact ? { total_count: total } : { total_at_least: total }),
    active_count: main?.active_count ?? undefined,
    notes,
  };
}

/**
 * Active operations of one type, read in full: what busy workers run (v2026), pending and
 * running (the backend's `active_only`, both versions) and v2026's `resuming`, which
 * `active_only` leaves out. A v2025 backend refuses `status=resuming` with a 422; under `auto`
 * that only means there are none.
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
  const revealed = onWorkers.filter((op): op is Operation => op?.operation_type === operationType && isActive(op.status));
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
    seen.add(row.operation_id);
    return true;
  });
  rows.sort(newestFirst);
  const reads = await Promise.all(rows.slice(0, maxReads).map((row) => readIfKnown(http, row.operation_id)));
  return [...revealed, ...reads.filter((o): o is Operation => o !== undefined && isActive(o.status))];
}

/**
 * The operations busy workers run, read by id: v2026's list misses them until they are read.
 * A failure to ask is noted, not fatal: the list still answers.
 */
async function revealWorkerOperations(http: KtrdrHttp, notes: string[]): Promise<Operation[]> {
  let ids: string[];
  try {
    ids = await workerOperationIds(http);
  } catch {
    notes.push(
      "KTRDR's workers could not be read, so operations running on a worker may be missing (KTRDR v2026 lists them only once read).",
    );
    return [];
  }
  const ops = await Promise.all(ids.map((id) => tryReadOperation(http, id)));
  return ops.filter((o): o is Operation => o !== undefined);
}

/**
 * v2026's list leaves research cycles out (L26/1253: `[]` while one ran): the active ones, from
 * `/agent/status`, when the query can match one. A failure to ask is noted, not fatal.
 */
async function revealResearchCycles(http: KtrdrHttp, q: ListQuery, notes: string[]): Promise<Operation[]> {
  const typeMatches = q.operation_type === undefined || q.operation_type === "agent_research";
  const statusMatches = q.status === undefined || q.status === "pending" || q.status === "running";
  if (http.version === "v2025" || !typeMatches || !statusMatches) return [];
  try {
    const found = await activeCycles(http);
    if (found?.unread) notes.push(`${found.unread} active research cycle(s) could not be read and are not listed.`);
    return found?.ops ?? [];
  } catch {
    notes.push("KTRDR's research status could not be read, so active research cycles may be missing (KTRDR v2026 does not list them).");
    return [];
  }
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

function matches(op: Operation, q: ListQuery): boolean {
  if (q.operation_type && op.operation_type !== q.operation_type) return false;
  if (q.status && op.status !== q.status) return false;
  if (q.active_only && !isActive(op.status)) return false;
  return true;
}
