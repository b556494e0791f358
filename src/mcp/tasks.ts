/**
 * MCP tasks answered from the KTRDR backend, for both protocol eras and SDK-free: the 2025
 * tasks of the spec (`legacy/task-store.ts` serves them through SDK 1.x) and the 2026-07-28
 * tasks extension (`modern/stateless.ts`). This module returns neutral task objects and throws
 * `McpFault`; each front end converts them for its SDK.
 *
 * A task IS a backend operation: the task id is the operation id, and every read, listing and
 * cancel of a task asks the backend. Nothing about a task is kept in the Worker or the session's
 * Durable Object, so a task outlives an evicted session, and a new session (anyone's — KTRDR's
 * operations are shared by everyone the backend serves) finds it by id or in tasks/list. Scopes
 * apply as for the tools: reading tasks needs `ktrdr:read`, cancelling needs `ktrdr:operate`.
 */
import type { AuthContext, Scope } from "../auth/context";
import type { BackendConfig } from "../config";
import { BackendError } from "../ktrdr/errors";
import { KtrdrApi } from "../ktrdr/ktrdr.api";
import { isOperationId, type Operation, type OperationPage, type OperationRow } from "../ktrdr/model";
import { RETRY_GHOST_NOTE } from "../ktrdr/normalise";
import { parseTime } from "../ktrdr/time";
import { log } from "../log";
import { START_TOOLS } from "../tools/catalogue";
import { describeError } from "../tools/errors";
import { readResults, type ResultsView } from "../tools/operations.tools";
import { admit, type RunDeps, runAdmitted } from "../tools/run";
import { refusalFor } from "../tools/scope";
import type { ToolDefinition } from "../tools/tool";
import type { ToolResult } from "./calls";
import { echo } from "../tools/echo";
import { FaultCode, McpFault } from "./fault";

export interface TaskDeps {
  auth: () => AuthContext;
  backend: () => BackendConfig;
  fetch?: typeof fetch;
  now?: () => number;
}

export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** A task as both eras describe it (each converts it to its wire fields; neither keeps a ttl: it is null). */
export interface TaskView {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** How long to wait before polling again (absent once the task has finished). */
  pollIntervalMs?: number;
}

/**
 * The protocol era a task is read in: the two differ only in where a completed task's result is
 * (2025: tasks/result; 2026-07-28: tasks/get itself), which its status message says.
 */
export type TaskEra = "legacy" | "modern";

/** tasks/list page size (the backend allows up to 1000; a page should stay cheap to read). */
export const TASKS_PAGE_SIZE = 50;
/** Poll interval bounds: new operations are polled every 5 s, long ones every tenth of their age, at most once a minute. */
export const POLL_MIN_MS = 5_000;
export const POLL_MAX_MS = 60_000;

const CANCEL_REASON = "Cancelled by the client through MCP tasks/cancel";

/** The scope each task method needs, in both eras (tools need their own, from their definitions). */
const TASK_METHOD_SCOPES: Readonly<Record<string, Scope>> = {
  "tasks/get": "ktrdr:read",
  "tasks/result": "ktrdr:read",
  "tasks/list": "ktrdr:read",
  "tasks/cancel": "ktrdr:operate",
  "tasks/update": "ktrdr:operate",
};

/** -32600 naming the scope and the method called, for a task method these credentials do not allow. */
export function requireTaskScope(auth: AuthContext, method: string): void {
  const scope = TASK_METHOD_SCOPES[method];
  const refused = scope && refusalFor(auth, scope, method);
  if (refused) throw new McpFault(FaultCode.InvalidRequest, refused);
}

/** Backend status → task status. Unknown statuses (a newer backend) count as still working. */
export function taskStatus(status: string): TaskStatus {
  switch (status) {
    case "completed":
      return "completed";
    case "failed":
      return "failed";
    case "cancelled":
      return "cancelled";
    default:
      // pending, running, resuming (v2026), or a status this server does not know yet.
      return "working";
  }
}

export function isTerminal(status: TaskStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/** The model's timestamps as ISO 8601 with milliseconds (read by the one time parser); unparsable ones as sent. */
function iso(ts: string | null | undefined): string | undefined {
  if (!ts) return undefined;
  const ms = parseTime(ts);
  return ms === undefined ? ts : new Date(ms).toISOString();
}

/** A tenth of the operation's age, between 5 s and 60 s: few polls for long trainings, prompt ones for short loads. */
export function pollIntervalFor(startedMs: number | undefined, now: number): number {
  const age = startedMs === undefined ? 0 : Math.max(0, now - startedMs);
  return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, Math.round(age / 10 / 1000) * 1000));
}

function workingMessage(status: string, step: string | null | undefined, pct: number | null | undefined): string {
  const parts = [
    status === "running" ? undefined : status,
    step ?? undefined,
    typeof pct === "number" && pct > 0 ? `${Math.round(pct)}%` : undefined,
  ];
  return parts.filter(Boolean).join(" · ") || status;
}

function completedMessage(era: TaskEra): string {
  const where = era === "legacy" ? "read the outcome with tasks/result" : "its result is in tasks/get";
  return `completed: ${where} (or get_operation_results)`;
}

/**
 * The task status of an operation as the server believes it, except that a task never leaves a
 * terminal state KTRDR reported (a terminal task status is final): when KTRDR says cancelled but
 * its worker still runs it, the task is `cancelled` and the status message says the rest.
 */
function taskStatusOf(op: Pick<Operation, "status" | "anomaly">, backendStatus: string | undefined): TaskStatus {
  const believed = taskStatus(op.status);
  if (op.anomaly && backendStatus && !isTerminal(believed) && isTerminal(taskStatus(backendStatus))) return taskStatus(backendStatus);
  return believed;
}

/** The anomaly in a task's status message: its code and the server's one-sentence note. */
function anomalyWords(anomaly: string, note: string | undefined): string {
  return `${anomaly}: ${note ?? "get_operation_status says more"}`;
}

/** The task view of one operation record, as `era` reads it. */
export function taskFromOperation(op: Operation, now: number, era: TaskEra): TaskView {
  const status = taskStatusOf(op, op.backend?.status);
  const createdAt = iso(op.created_at) ?? iso(op.started_at) ?? new Date(now).toISOString();
  const lastUpdatedAt = iso(op.completed_at) ?? iso(op.started_at) ?? createdAt;
  const p = op.progress ?? {};
  const task: TaskView = { taskId: op.operation_id, status, createdAt, lastUpdatedAt };
  if (!isTerminal(status)) {
    task.pollIntervalMs = pollIntervalFor(parseTime(op.started_at ?? op.created_at), now);
    task.statusMessage = workingMessage(op.status, p.current_step, p.percentage);
  } else if (status === "completed") {
    task.statusMessage = completedMessage(era);
  } else {
    task.statusMessage = (status === "failed" ? op.error : op.cancel_reason) ?? status;
  }
  // The anomaly's note is the first note (witness.ts, normalise.ts).
  if (op.anomaly) task.statusMessage = `${task.statusMessage} · ${anomalyWords(op.anomaly, op.notes?.[0])}`;
  return task;
}

/** The task view of a list row (rows carry no update time: creation + duration stands in for it). */
export function taskFromSummary(row: OperationRow, now: number): TaskView {
  const status = taskStatusOf(row, row.backend_status);
  const createdMs = parseTime(row.created_at);
  const createdAt = iso(row.created_at) ?? new Date(now).toISOString();
  const duration = typeof row.duration_seconds === "number" ? row.duration_seconds : undefined;
  const lastUpdatedAt =
    isTerminal(status) && duration !== undefined && createdMs !== undefined
      ? new Date(createdMs + duration * 1000).toISOString()
      : createdAt;
  const task: TaskView = { taskId: row.operation_id, status, createdAt, lastUpdatedAt };
  if (!isTerminal(status)) {
    task.pollIntervalMs = pollIntervalFor(createdMs, now);
    task.statusMessage = workingMessage(row.status, row.current_step, row.progress_percentage);
  }
  if (row.anomaly) {
    const note = row.anomaly === "retry_ghost" ? RETRY_GHOST_NOTE : undefined;
    task.statusMessage = [task.statusMessage ?? row.backend_status ?? row.status, anomalyWords(row.anomaly, note)].join(" · ");
  }
  return task;
}

/** -32601 for a request the SDK would run as a task through its generic path: tasks here are started operations. */
export function notATaskTool(what: string): McpFault {
  const starts = START_TOOLS.map((d) => d.name).join(", ");
  return new McpFault(FaultCode.MethodNotFound, `${what} cannot run as a task here; only the start tools (${starts}) can.`);
}

/** JSON-RPC -32602 for an id the backend does not know, saying why that can happen (the id repeated by the one echo rule). */
function taskNotFound(taskId: string): McpFault {
  return new McpFault(
    FaultCode.InvalidParams,
    `Task not found: ${echo(taskId)}. KTRDR has no operation with this id: it may never have existed, or it was lost when the ` +
      "backend restarted (v2025 backends keep operations in memory). list_operations shows the operations the backend knows now.",
  );
}

/** JSON-RPC -32602 for an id that cannot be one: not asked of the backend. */
function malformedTaskId(taskId: string): McpFault {
  return new McpFault(
    FaultCode.InvalidParams,
    `Task not found: ${echo(taskId)} is not a task id. Task ids are operation ids like op_training_20251004_143530_b5c6d7e8 ` +
      "(letters, digits, _ . : -); list_operations shows them.",
  );
}

/** A backend failure as -32603 with the agent-facing text. */
function backendFault(err: unknown, method: string, backend: KtrdrApi, operationId?: string): McpFault {
  return new McpFault(FaultCode.InternalError, describeError(err, { tool: method, operationId, backendHost: backend.backendHost }));
}

/** A backend client for one task request. */
export function backendApi(deps: TaskDeps): KtrdrApi {
  return new KtrdrApi(deps.backend(), { fetch: deps.fetch, requestId: crypto.randomUUID() });
}

/**
 * The operation behind a task, or the not-found error; other backend failures as -32603 with the
 * agent-facing text. `witness`: with the v2026 witnesses and the server's belief (tasks/get).
 */
export async function readOperation(taskId: string, deps: TaskDeps, method: string, witness = false): Promise<Operation> {
  if (!isOperationId(taskId)) throw malformedTaskId(taskId);
  const backend = backendApi(deps);
  try {
    return await backend.getOperation(taskId, { witness, now: deps.now?.() ?? Date.now() });
  } catch (err) {
    if (err instanceof BackendError && err.is("operation_not_found")) throw taskNotFound(taskId);
    throw backendFault(err, method, backend, taskId);
  }
}

/** The task behind `taskId`, read from the backend. */
export async function readTask(taskId: string, deps: TaskDeps, method: string, era: TaskEra): Promise<TaskView> {
  return taskFromOperation(await readOperation(taskId, deps, method, true), deps.now?.() ?? Date.now(), era);
}

/**
 * Every operation the backend knows, newest first; the cursor is the offset of the next page of
 * KTRDR's own list. A next page is offered while KTRDR returned a full one: no count is needed
 * (v2026's is only its cache's). The first page also carries what the server adds to KTRDR's list.
 */
export async function listTasks(cursor: string | undefined, deps: TaskDeps): Promise<{ tasks: TaskView[]; nextCursor?: string }> {
  const offset = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0 || (cursor !== undefined && !/^\d+$/.test(cursor))) {
    throw new McpFault(FaultCode.InvalidParams, `Invalid cursor '${echo(cursor, 40)}': pass back the nextCursor of the previous page.`);
  }
  const backend = backendApi(deps);
  const now = deps.now?.() ?? Date.now();
  let res: OperationPage;
  try {
    res = await backend.listOperations({ limit: TASKS_PAGE_SIZE, offset }, now);
  } catch (err) {
    throw backendFault(err, "tasks/list", backend);
  }
  const tasks = res.rows.map((row) => taskFromSummary(row, now));
  const listed = res.listed ?? res.rows.length;
  return listed >= TASKS_PAGE_SIZE ? { tasks, nextCursor: String(offset + listed) } : { tasks };
}

/** What a start tool answers with (its `note` says what else the agent must know, e.g. a failed read-back). */
export interface StartedOutcome {
  operation_id: string;
  message: string;
  note?: string;
}

/**
 * The task of a start tool's successful outcome: the operation it started (or found running). A
 * read that fails after the start does not hide it: the task is `working`, and its status message
 * says, as the plain call's note does, that it started, that reading it back failed, and not to
 * start it again.
 */
export async function taskOfStarted(started: StartedOutcome, deps: TaskDeps, era: TaskEra): Promise<TaskView> {
  const now = deps.now?.() ?? Date.now();
  let task: TaskView;
  let readFailed: string | undefined;
  const backend = backendApi(deps);
  try {
    task = taskFromOperation(await backend.getOperation(started.operation_id), now, era);
  } catch (err) {
    // The start went through; only the follow-up read failed. The task exists all the same.
    const at = new Date(now).toISOString();
    task = { taskId: started.operation_id, status: "working", createdAt: at, lastUpdatedAt: at, pollIntervalMs: POLL_MIN_MS };
    const why = describeError(err, { tool: "tasks/get", operationId: started.operation_id, backendHost: backend.backendHost });
    readFailed = `It started, but reading it back failed: ${why} The task id stands; do not start it again.`;
  }
  if (!isTerminal(task.status)) task.statusMessage = startedMessage(started, readFailed);
  return task;
}

/** The start tool's message, with its note and a failed read-back after it (what an agent must not miss). */
function startedMessage(started: StartedOutcome, readFailed?: string): string {
  return [started.message, started.note, readFailed].filter(Boolean).join(" ");
}

/** The started-operation shape of a start tool's result (the start tools' output, as their definitions declare). */
function startedOutcome(value: Record<string, unknown>): StartedOutcome {
  const { operation_id, message, note } = value;
  if (typeof operation_id !== "string" || typeof message !== "string") throw new Error("a start tool answered without its operation_id");
  return { operation_id, message, ...(typeof note === "string" ? { note } : {}) };
}

/**
 * A start tool's successful outcome as a task (2026-07-28, server-directed): the operation it
 * started, or the identical one already running.
 */
export async function taskOfStartValue(value: Record<string, unknown>, deps: TaskDeps, era: TaskEra): Promise<TaskView> {
  return taskOfStarted(startedOutcome(value), deps, era);
}

/**
 * A task-augmented call of a start tool (2025 era): admits it once (scope, then arguments: a
 * refusal is the JSON-RPC error -32600 or -32602 with the plain call's sentence), runs the tool
 * exactly as a plain call would (duplicate guard, optional wait), then answers with the task —
 * the operation it started, or the identical one already running — and the words hosts show the
 * model meanwhile. A start that fails creates no task: the failure comes back as a JSON-RPC error
 * with the same agent-facing message a plain call gives.
 */
export async function startAsTask(
  def: ToolDefinition,
  args: Record<string, unknown>,
  deps: TaskDeps,
  run: RunDeps,
): Promise<{ task: TaskView; immediate: string }> {
  if (!def.startsOperation) {
    throw new McpFault(
      FaultCode.MethodNotFound,
      `Tool ${def.name} cannot run as a task (only the start tools can); call it without 'task'.`,
    );
  }
  const admitted = admit(def, args, run);
  if (!admitted.ok) {
    throw new McpFault(admitted.refused === "scope" ? FaultCode.InvalidRequest : FaultCode.InvalidParams, admitted.message);
  }
  const outcome = await runAdmitted(def, admitted, run);
  // A backend failure: the same message a plain call would show as a tool error.
  if (!outcome.ok) throw new McpFault(FaultCode.InternalError, outcome.message);
  const started = startedOutcome(outcome.value);
  const task = await taskOfStarted(started, deps, "legacy");
  // The immediate response says what the task's status message says (a failed read-back included).
  const immediate = isTerminal(task.status) ? startedMessage(started) : (task.statusMessage ?? startedMessage(started));
  return { task, immediate };
}

/**
 * The start tool's result for a finished operation, as it would have been had it waited: the
 * started-operation shape (the spec, and the SDK client, check a task's result against the
 * tool's outputSchema), its `operation` exactly what get_operation_results answers — read through
 * the same function the tool uses. -32603 with the agent-facing text when it cannot be read.
 */
export async function resultOf(op: Operation, deps: TaskDeps, method: string): Promise<ToolResult> {
  const backend = backendApi(deps);
  let view: ResultsView;
  try {
    view = (await readResults(backend, op.operation_id, "concise")).view;
  } catch (err) {
    throw backendFault(err, method, backend, op.operation_id);
  }
  return finishedResult(op, view);
}

function finishedResult(op: Operation, view: ResultsView): ToolResult {
  const what = `${op.operation_type} ${op.operation_id}`;
  const status = taskStatus(op.status);
  // get_operation_results says whether a completed operation's results were read (success) and, if not, why (note).
  const unread = status === "completed" && view.success !== true;
  const note = unread && typeof view.note === "string" ? view.note : undefined;
  const message = unread
    ? `The ${what} completed, but its results could not be read; why and what to do are in 'note' (what is known is under 'operation').`
    : status === "completed"
      ? `The ${what} completed; its results (as get_operation_results gives them) are under 'operation'.`
      : status === "failed"
        ? `The ${what} failed: ${op.error ?? "no reason given"}. Details under 'operation'.`
        : `The ${what} was cancelled${op.cancel_reason ? ` (${op.cancel_reason})` : ""}, so it has no results; ` +
          "how far it got is under 'operation'.";
  const structured = {
    success: status === "completed" && !unread,
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: op.status,
    message,
    finished: true,
    operation: view,
    ...(note ? { note } : {}),
  };
  return {
    ...(status === "completed" ? {} : { isError: true }),
    structuredContent: structured,
    content: [{ type: "text", text: JSON.stringify(structured) }],
  };
}

/**
 * What a finished task resolves to (2025 tasks/result): the start tool's result; -32600 while the
 * operation is still going. Throws the not-found error for an unknown id.
 */
export async function taskResult(taskId: string, deps: TaskDeps): Promise<ToolResult> {
  const op = await readOperation(taskId, deps, "tasks/result");
  if (!isTerminal(taskStatus(op.status))) {
    throw new McpFault(FaultCode.InvalidRequest, `Task ${taskId} is still ${op.status}; its result exists once it has finished.`);
  }
  return resultOf(op, deps, "tasks/result");
}

/**
 * Cancels the operation behind a task (the caller has checked the scope). Cancelling one that
 * already finished is not an error: `alreadyFinished` says so. Writes the audit line every
 * operating call writes.
 */
export async function cancelTask(taskId: string, deps: TaskDeps): Promise<{ alreadyFinished: boolean }> {
  const before = await readOperation(taskId, deps, "tasks/cancel");
  const backend = backendApi(deps);
  const principal = deps.auth().principal;
  try {
    const res = await backend.cancelOperation(taskId, CANCEL_REASON, { before, now: deps.now?.() ?? Date.now() });
    log("info", "audit", { tool: "tasks/cancel", principal, operation_id: taskId, outcome: res.cancelled ? "ok" : "already_finished" });
    return { alreadyFinished: !res.cancelled };
  } catch (err) {
    log("info", "audit", { tool: "tasks/cancel", principal, operation_id: taskId, outcome: "error" });
    throw backendFault(err, "tasks/cancel", backend, taskId);
  }
}
