/**
 * v2026 research cycles (`/agent/*`): start one, follow it, find the operations it ran, and which
 * cycle an operation belongs to. v2025 has none (refused before anything is sent).
 *
 * KTRDR records a cycle's links in two places only (L26/517–527): the cycle's own
 * `metadata.parameters` (`training_op_id`, `backtest_op_id`) and the `/agent/status` row of an
 * active cycle (`child_operation_id`). KTRDR's children route of the cycle is always empty and the
 * children carry `parent_operation_id: null` (L26/519, 1249–1252); when the cycle ends KTRDR clears
 * its parameters (L26/529, 544). So children are known while a cycle runs, and a finished cycle's
 * are unknown (said so, never guessed). Everything here is stateless: each call asks KTRDR again.
 */
import { BackendError, Unsupported } from "./errors";
import { type KtrdrHttp, segment } from "./http";
import { type AgentStatus, isActive, isOperationId, type Operation, type ResearchChild, type ResearchFacts, type Started } from "./model";
import { operationFromRecord } from "./normalise";
import { readOperation } from "./record";
import { scrubOptional } from "./scrub";
import * as wire from "./wire";
import { wireVersion } from "./workers";

export interface ResearchRequest {
  /** An existing strategy to train, backtest and assess… */
  strategy?: string;
  /** …or a brief KTRDR designs a strategy from (exactly one of the two). */
  brief?: string;
  model?: string;
  bypass_gates: boolean;
}

/** At most this many children are read per status (a cycle runs one training and one backtest). */
const MAX_CHILD_READS = 2;
/** At most this many active cycles' records are read to find a link (KTRDR's capacity was 3, L26/513). */
const MAX_CYCLE_READS = 3;

/** Agent worker types a cycle dispatches to, and the phase that needs each. */
const AGENT_PHASES = [
  ["agent_design", "design"],
  ["agent_assessment", "assessment"],
] as const;

export const CHILDREN_DROPPED = "KTRDR drops a cycle's links to its operations when it ends.";

/** Refuses on v2025 before anything is sent (asking `GET /workers` once when the version is not known yet). */
export async function requireResearch(http: KtrdrHttp): Promise<void> {
  if ((await wireVersion(http)) === "v2025") throw new Unsupported("v2025", "research");
}

/** `GET /agent/status`, normalised; undefined on a KTRDR without research routes (404 Not Found). */
export async function readAgentStatus(http: KtrdrHttp): Promise<AgentStatus | undefined> {
  if (http.version === "v2025") return undefined;
  let s: wire.AgentStatusWire;
  try {
    s = await http.call("GET", "/agent/status", wire.agentStatusSchema, { idempotent: true });
  } catch (err) {
    if (err instanceof BackendError && err.is("route_missing")) return undefined;
    throw err;
  }
  const num = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const workers: AgentStatus["workers"] = {};
  for (const [type, c] of Object.entries(s.workers ?? {})) workers[type] = prune({ busy: num(c.busy), total: num(c.total) });
  const remaining = num(s.budget?.remaining);
  const limit = num(s.budget?.daily_limit);
  return prune({
    active: (s.active_researches ?? []).map((r) =>
      prune({
        operation_id: r.operation_id,
        phase: r.phase ?? undefined,
        strategy_name: r.strategy_name ?? undefined,
        duration_seconds: num(r.duration_seconds),
        child_operation_id: r.child_operation_id ?? undefined,
      }),
    ),
    workers,
    budget: remaining !== undefined && limit !== undefined ? { remaining, daily_limit: limit } : undefined,
    capacity: s.capacity ? prune({ active: num(s.capacity.active), limit: num(s.capacity.limit) }) : undefined,
  }) as AgentStatus;
}

/** `POST /agent/trigger` (202): the cycle's operation id and the model KTRDR chose. Never retried. */
export async function startResearch(http: KtrdrHttp, r: ResearchRequest): Promise<Started> {
  await requireResearch(http);
  const body = {
    ...(r.strategy !== undefined ? { strategy: r.strategy } : { brief: r.brief }),
    ...(r.model !== undefined ? { model: r.model } : {}),
    bypass_gates: r.bypass_gates,
  };
  const res = await http.call("POST", "/agent/trigger", wire.agentTriggerSchema, { body });
  return {
    operation_id: res.operation_id,
    operation_type: "agent_research",
    ...(res.model ? { model: res.model } : {}),
    backend_message: scrubOptional(res.message),
  };
}

/**
 * An active cycle doing what `r` asks (KTRDR itself accepts a second identical trigger, L26/516):
 * by strategy, an `/agent/status` row naming it (L26/517; the one furthest along); by brief, an active cycle whose record
 * holds the same brief (its records read, at most `MAX_CYCLE_READS`). Failures are thrown: the
 * guard never passes on what it could not check.
 */
export async function researchTwin(http: KtrdrHttp, r: ResearchRequest, status: AgentStatus): Promise<Operation | undefined> {
  const rows = status.active.slice(0, MAX_CYCLE_READS);
  if (r.strategy !== undefined) {
    // The one furthest along first: running a child, then the longest running.
    const same = rows
      .filter((x) => x.strategy_name === r.strategy)
      .sort(
        (a, b) => Number(!!b.child_operation_id) - Number(!!a.child_operation_id) || (b.duration_seconds ?? 0) - (a.duration_seconds ?? 0),
      );
    for (const row of same) {
      const op = await readIfKnown(http, row.operation_id);
      if (op && isActive(op.status)) return op;
    }
    return undefined;
  }
  const reads = await Promise.all(rows.map((row) => readRecord(http, row.operation_id)));
  for (const rec of reads) {
    if (!rec || !isActive(rec.op.status)) continue;
    // Compared as KTRDR keeps it, unscrubbed (the brief is never shown).
    if (rec.params.brief !== undefined && rec.params.brief === r.brief) return rec.op;
  }
  return undefined;
}

/**
 * An operation with what KTRDR's agent routes add to it (v2026; anything else is returned as it is):
 * an `agent_research` cycle gets `research` (phase, strategy, model, children read by id, budget,
 * missing agent workers); a training or backtest gets `cycle` when an active cycle links it.
 * A failed read of `/agent/status` or of a child is said in a note, never fatal.
 */
export async function withResearch(http: KtrdrHttp, op: Operation): Promise<Operation> {
  if (!mayHaveResearch(http, op)) return op;
  if (op.operation_type === "agent_research") return researchOf(http, op);
  if (op.operation_type === "training" || op.operation_type === "backtesting") {
    const cycle = await cycleOf(http, op.operation_id).catch(() => undefined);
    return cycle ? { ...op, cycle } : op;
  }
  return op;
}

/** v2026 only: a configured or learned v2025 has no cycles, nor has a record without v2026's fields. */
function mayHaveResearch(http: KtrdrHttp, op: Operation): boolean {
  if (http.version === "v2025") return false;
  if (http.version === "v2026") return true;
  return op.raw !== undefined && "is_backend_local" in op.raw;
}

async function researchOf(http: KtrdrHttp, op: Operation): Promise<Operation> {
  const params = paramsOf(op.raw);
  const active = isActive(op.status);
  const notes: string[] = [];
  const unknown: string[] = [];
  let status: AgentStatus | undefined;
  try {
    status = await readAgentStatus(http);
  } catch {
    notes.push("KTRDR's research status (/agent/status) could not be read: phase, budget and agent workers are not known.");
  }
  const row = status?.active.find((r) => r.operation_id === op.operation_id);
  const ids = childIds(params, row?.child_operation_id);
  let children: ResearchChild[] | undefined;
  if (ids.length > 0) {
    const read = await readChildren(http, ids);
    children = read.children;
    if (read.unread.length) notes.push(`KTRDR's record of ${read.unread.join(", ")} could not be read.`);
  } else if (!active) {
    unknown.push("children");
    notes.push(CHILDREN_DROPPED);
  }
  const fromBrief = params.brief !== undefined;
  const missing = missingAgentWorkers(status, fromBrief);
  if (missing.length > 0 && (active || op.status === "failed")) notes.push(agentWorkerNote(missing, active));
  const research: ResearchFacts = prune({
    phase: active ? (row?.phase ?? params.phase) : undefined,
    strategy: params.strategy_name ?? row?.strategy_name ?? op.strategy_name,
    model: params.model,
    from_brief: fromBrief || undefined,
    children,
    budget: status?.budget,
    missing_agent_workers: missing.length ? missing : undefined,
  });
  return {
    ...op,
    research,
    ...(unknown.length ? { unknown: [...new Set([...(op.unknown ?? []), ...unknown])] } : {}),
    ...(notes.length ? { notes: [...(op.notes ?? []), ...notes] } : {}),
  };
}

/**
 * The active cycle an operation belongs to, found where KTRDR records the link: an `/agent/status`
 * row naming it as its child (L26/520), else the records of the active cycles past their design
 * (a designing cycle has run nothing yet), matching `training_op_id` / `backtest_op_id` (L26/525).
 * Undefined when no active cycle names it: a finished cycle's links are gone, and nothing is guessed.
 */
export async function cycleOf(http: KtrdrHttp, id: string, known?: AgentStatus): Promise<string | undefined> {
  const status = known ?? (await readAgentStatus(http));
  if (!status) return undefined;
  const direct = status.active.find((r) => r.child_operation_id === id);
  if (direct) return direct.operation_id;
  const candidates = status.active.filter((r) => r.phase !== "designing" && r.phase !== "idle").slice(0, MAX_CYCLE_READS);
  const reads = await Promise.all(candidates.map((r) => readRecord(http, r.operation_id).catch(() => undefined)));
  return reads.find((rec) => rec && (rec.params.training_op_id === id || rec.params.backtest_op_id === id))?.op.operation_id;
}

/**
 * The active research cycles as operations (their records, at most `MAX_CYCLE_READS`): v2026's
 * list leaves them out (L26/1253: `[]` while one ran). `unread`: active cycles whose record could
 * not be read. Undefined on a KTRDR without research routes.
 */
export async function activeCycles(http: KtrdrHttp): Promise<{ ops: Operation[]; unread: number } | undefined> {
  const status = await readAgentStatus(http);
  if (!status) return undefined;
  const rows = status.active.slice(0, MAX_CYCLE_READS);
  const reads = await Promise.all(
    rows.map((r) =>
      readIfKnown(http, r.operation_id).then(
        (op) => ({ op }),
        () => ({ failed: true }),
      ),
    ),
  );
  const ops = reads.flatMap((r) => ("op" in r && r.op ? [r.op] : []));
  return { ops, unread: reads.filter((r) => "failed" in r).length + Math.max(0, status.active.length - rows.length) };
}

/** The children a research record names (training, then backtest; at most `MAX_CHILD_READS`), plus an `/agent/status` row's child. */
export function childIds(params: ResearchParams, rowChild?: string): string[] {
  const all = [params.training_op_id, params.backtest_op_id, rowChild].filter((x): x is string => isOperationId(x));
  return [...new Set(all)].slice(0, MAX_CHILD_READS);
}

/** The children's own records, read by id in parallel; ids that could not be read are named. */
export async function readChildren(http: KtrdrHttp, ids: string[]): Promise<{ children: ResearchChild[]; unread: string[] }> {
  const reads = await Promise.all(ids.map((id) => readOperation(http, id).catch(() => undefined)));
  const children: ResearchChild[] = [];
  const unread: string[] = [];
  reads.forEach((op, i) => {
    if (!op) unread.push(ids[i]!);
    else
      children.push(
        prune({
          operation_id: op.operation_id,
          operation_type: op.operation_type,
          status: op.status,
          progress_percentage: isActive(op.status) ? op.progress?.percentage : undefined,
          completed_at: op.completed_at,
        }),
      );
  });
  return { children, unread };
}

/** What a research record's parameters say (from the record as read; ids are checked, the rest bounded by the wire schema). */
export interface ResearchParams {
  phase?: string;
  model?: string;
  strategy_name?: string;
  brief?: string;
  training_op_id?: string;
  backtest_op_id?: string;
}

export function paramsOf(record: Record<string, unknown> | undefined): ResearchParams {
  const meta = record?.metadata;
  const raw = meta && typeof meta === "object" ? (meta as Record<string, unknown>).parameters : undefined;
  const p = wire.researchParametersSchema.safeParse(raw ?? {});
  if (!p.success) return {};
  return prune({
    phase: p.data.phase ?? undefined,
    model: p.data.model ?? undefined,
    strategy_name: p.data.strategy_name ?? undefined,
    brief: p.data.brief ?? undefined,
    training_op_id: p.data.training_op_id ?? undefined,
    backtest_op_id: p.data.backtest_op_id ?? undefined,
  });
}

/** The agent worker types this cycle needs and KTRDR reports none of (`total: 0`); a brief needs design first. */
export function missingAgentWorkers(status: AgentStatus | undefined, fromBrief: boolean): Array<"agent_design" | "agent_assessment"> {
  if (!status) return [];
  return AGENT_PHASES.filter(([type]) => (fromBrief || type !== "agent_design") && status.workers[type]?.total === 0).map(([t]) => t);
}

/** KTRDR has no agent workers of a type the cycle needs: where it fails (or failed), in KTRDR's terms. */
export function agentWorkerNote(missing: ReadonlyArray<"agent_design" | "agent_assessment">, willRun: boolean): string {
  const first = missing[0]!;
  const phase = AGENT_PHASES.find(([t]) => t === first)![1];
  const none = `KTRDR has no ${missing.join(" or ")} workers registered`;
  return willRun
    ? `${none}: the cycle will fail at ${phase} (KTRDR's words will say so).`
    : `${none}: cycles fail at ${phase} until its operator starts them.`;
}

/** A record by id, with its research parameters read unscrubbed (for comparisons, never shown); undefined when KTRDR no longer knows it. */
async function readRecord(http: KtrdrHttp, id: string): Promise<{ op: Operation; params: ResearchParams } | undefined> {
  try {
    const res = await http.call("GET", `/operations/${segment(id)}`, wire.operationEnvelopeSchema, { idempotent: true });
    return { op: operationFromRecord(res.data), params: paramsOf(res.data as unknown as Record<string, unknown>) };
  } catch (err) {
    if (err instanceof BackendError && err.is("operation_not_found")) return undefined;
    throw err;
  }
}

async function readIfKnown(http: KtrdrHttp, id: string): Promise<Operation | undefined> {
  return (await readRecord(http, id))?.op;
}

function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
