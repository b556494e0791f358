/**
 * The 2026-07-28 front end: stateless. Every request carries its own auth (checked by the router,
 * as for sessions) and is answered by a fresh low-level MCP `Server` built for it from the same
 * catalogue, with no Durable Object and nothing stored: `server/discover`, tools/list, tools/call
 * and the tasks extension (`io.modelcontextprotocol/tasks`), whose tasks are backend operations
 * exactly as in the 2025 era (task id = operation id), so a task started in one era is read and
 * cancelled in the other.
 *
 * The MCP SDK (`@modelcontextprotocol/server`) does the protocol's ladder: envelope and header
 * validation, version negotiation (-32022), method-not-found for what this era removed.
 */
import { createMcpHandler, type McpRequestContext, ProtocolError, ProtocolErrorCode, Server } from "@modelcontextprotocol/server";
import { z } from "zod";
import { type AuthContext, authContextSchema } from "../auth/context";
import type { WorkerConfig } from "../config";
import { toolNamed } from "../tools/catalogue";
import { listedTools, perScopeSet } from "../tools/listing";
import { runTool } from "../tools/run";
import { refusalFor } from "../tools/scope";
import { OPERATION_VIEW_RESOURCE, readResource, UI_EXTENSION, unknownResource, viewResultMeta, withViewLinks } from "./apps";
import { progressTo, runDeps, toCallToolResult, unknownTool } from "./calls";
import { cleanMessage, echo } from "./echo";
import { declares, missingExtension, TASKS_EXTENSION } from "./extensions";
import { Fixtures } from "./fixtures";
import { INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from "./instructions";
import { modernParamsError } from "./invalid-params";
import { SUPPORTED_VERSIONS } from "./versions";
import type { Task } from "@modelcontextprotocol/sdk/types.js";
import {
  cancelTask,
  readOperation,
  resultOf,
  type StartedOutcome,
  taskFromOperation,
  taskOfStarted,
  TASK_METHOD_SCOPES,
  type TaskDeps,
  taskStatus,
} from "./tasks";

const taskIdParams = z.looseObject({ taskId: z.string() });

interface RequestDeps {
  auth: AuthContext;
  cfg: WorkerConfig;
  fetch?: typeof fetch;
}

/** -32600 naming the scope and the method called, for a task method these credentials do not allow. */
function requireScope(auth: AuthContext, method: string): void {
  const scope = TASK_METHOD_SCOPES[method];
  const refused = scope && refusalFor(auth, scope, method);
  if (refused) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, refused);
}

/**
 * A 2025 task (`ttl`, `pollInterval`) in 2026 wire fields (`ttlMs`, `pollIntervalMs`). This era has
 * no tasks/result: a completed task's result is in tasks/get itself.
 */
function modernTask(t: Task): Record<string, unknown> {
  return {
    taskId: t.taskId,
    status: t.status,
    ...(t.statusMessage ? { statusMessage: t.statusMessage } : {}),
    createdAt: t.createdAt,
    lastUpdatedAt: t.lastUpdatedAt,
    ttlMs: t.ttl ?? null,
    ...(t.pollInterval !== undefined ? { pollIntervalMs: t.pollInterval } : {}),
  };
}

/** tools/list for the 2026 era, per scope set (built once). */
const modernListing = perScopeSet((scopes): unknown[] => withViewLinks(listedTools(scopes)));

function buildServer(d: RequestDeps): Server {
  const taskDeps: TaskDeps = { auth: () => d.auth, backend: () => d.cfg.backend, fetch: d.fetch };
  const fixtures = d.cfg.fixtures ? new Fixtures(taskDeps) : undefined;
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { instructions: INSTRUCTIONS, capabilities: { tools: {}, resources: {}, extensions: { [TASKS_EXTENSION]: {}, [UI_EXTENSION]: {} } } },
  );

  server.setRequestHandler("tools/list", async () => ({
    tools: [...modernListing(d.auth.scopes), ...(fixtures?.listing() ?? [])] as never,
  }));
  server.setRequestHandler("resources/list", async () => ({ resources: [OPERATION_VIEW_RESOURCE] }));
  // `resources` is advertised, so its template listing answers too: this server has no templates.
  server.setRequestHandler("resources/templates/list", async () => ({ resourceTemplates: [] }));
  server.setRequestHandler("resources/read", async (request) => {
    const read = readResource(request.params.uri);
    if (!read)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, unknownResource(request.params.uri), { uri: echo(request.params.uri, 200) });
    return read as never;
  });

  server.setRequestHandler("tools/call", async (request, ctx) => {
    const { name, arguments: args } = request.params;
    const tasks = declares(ctx, TASKS_EXTENSION);
    if (fixtures?.has(name)) return (await fixtures.call(name, args ?? {}, tasks, ctx)) as never;
    const def = toolNamed(name);
    if (!def) return unknownTool(name) as never;
    const token = ctx.mcpReq._meta?.progressToken;
    const deps = runDeps(
      d.auth,
      d.cfg.backend,
      ctx.mcpReq.signal,
      progressTo(token, (n) => ctx.mcpReq.notify(n)),
      d.fetch,
    );
    const outcome = await runTool(def, args ?? {}, deps);
    // Server-directed tasks: a start tool called by a client that declared the extension answers with
    // the operation as a task (task id = operation id). A start that failed created nothing: its error stands.
    if (tasks && def.startsOperation && outcome.ok) {
      const task = await taskOfStarted(outcome.value as unknown as StartedOutcome, taskDeps, "modern");
      return { resultType: "task", ...modernTask(task) } as never;
    }
    return toCallToolResult(outcome, viewResultMeta(def, d.auth)) as never;
  });

  server.setRequestHandler("tasks/get", { params: taskIdParams }, async (params, ctx) => {
    if (!declares(ctx, TASKS_EXTENSION)) throw missingExtension(TASKS_EXTENSION, "tasks/get");
    requireScope(d.auth, "tasks/get");
    if (fixtures?.owns(params.taskId)) return fixtures.get(params.taskId);
    const op = await readOperation(params.taskId, taskDeps, "tasks/get");
    // Only a completed task carries a result: the others need no results read.
    const result = taskStatus(op.status) === "completed" ? await resultOf(op, taskDeps, "tasks/get") : undefined;
    return detailed(modernTask(taskFromOperation(op, Date.now(), "modern")), op.status, result, op.error ?? op.cancel_reason);
  });

  // KTRDR operations never ask for input, so an update has nothing to deliver; it is answered
  // (after the same gating as the other task methods) for a task that exists.
  server.setRequestHandler("tasks/update", { params: z.looseObject({ taskId: z.string().optional() }) }, async (params, ctx) => {
    if (!declares(ctx, TASKS_EXTENSION)) throw missingExtension(TASKS_EXTENSION, "tasks/update");
    requireScope(d.auth, "tasks/update");
    const taskId = params.taskId ?? "";
    if (fixtures?.owns(taskId)) await fixtures.get(taskId);
    else await readOperation(taskId, taskDeps, "tasks/update");
    return {};
  });

  server.setRequestHandler("tasks/cancel", { params: taskIdParams }, async (params, ctx) => {
    if (!declares(ctx, TASKS_EXTENSION)) throw missingExtension(TASKS_EXTENSION, "tasks/cancel");
    requireScope(d.auth, "tasks/cancel");
    if (fixtures?.owns(params.taskId)) return fixtures.cancel(params.taskId);
    // Idempotent: cancelling a finished task is acknowledged like any other cancel.
    await cancelTask(params.taskId, taskDeps);
    return {};
  });

  return server;
}

/**
 * The detailed task of `tasks/get`: a completed operation carries the start tool's result as it
 * would have been had it waited; a failed one the backend's failure as a JSON-RPC error (the
 * extension's `failed`); a cancelled one nothing more.
 */
function detailed(
  task: Record<string, unknown>,
  status: string,
  result: Record<string, unknown> | undefined,
  reason: string | undefined,
): Record<string, unknown> {
  const s = taskStatus(status);
  if (s === "completed" && result) return { ...task, result: { resultType: "complete", ...result } };
  if (s === "failed") {
    return {
      ...task,
      error: {
        code: ProtocolErrorCode.InternalError,
        message: reason ? `The operation failed: ${reason}` : "The operation failed; KTRDR gave no reason.",
      },
    };
  }
  return task;
}

/**
 * The caller's auth context and the Worker's configuration, carried to the per-request server
 * (the SDK passes `authInfo` through untouched).
 */
function depsOf(ctx: McpRequestContext): RequestDeps {
  const extra = ctx.authInfo?.extra as { ktrdr?: unknown; cfg?: WorkerConfig; fetch?: typeof fetch } | undefined;
  const auth = authContextSchema.safeParse(extra?.ktrdr);
  if (!auth.success || !extra?.cfg) throw new Error("stateless MCP request without its auth context");
  return { auth: auth.data, cfg: extra.cfg, fetch: extra.fetch };
}

const handler = createMcpHandler((ctx) => buildServer(depsOf(ctx)), { legacy: "reject" });

/**
 * Serves one 2026-07-28 request (2025 traffic is routed to sessions before it gets here). `message`
 * is its body, parsed once by the router (the SDK then reads nothing); undefined when it is not JSON.
 */
export async function serveStateless(
  request: Request,
  auth: AuthContext,
  cfg: WorkerConfig,
  message: unknown,
  fetchImpl?: typeof fetch,
): Promise<Response> {
  // Malformed params are answered here, in one sentence, before the SDK would answer them with its issue dump.
  const invalid = modernParamsError(message);
  if (invalid) return invalid;
  const response = await handler.fetch(request, {
    authInfo: { token: "-", clientId: auth.principal, scopes: [...auth.scopes], extra: { ktrdr: auth, cfg, fetch: fetchImpl } },
    ...(message !== undefined ? { parsedBody: message } : {}),
  });
  if (methodOf(message) === "server/discover") return withAllVersions(response);
  return response.ok ? response : cleanRejection(response);
}

/**
 * The SDK's validation ladder (header checks, envelope checks) answers with messages that repeat
 * header and body values as sent (a task id of 10 KB, with control characters): its rejections
 * pass through the one echo rule. Handler errors are built from clean parts already.
 */
async function cleanRejection(response: Response): Promise<Response> {
  if (!(response.headers.get("content-type") ?? "").includes("application/json")) return response;
  const body = (await response.json()) as { error?: Record<string, unknown> };
  if (body.error) body.error = cleaned(body.error, 3) as Record<string, unknown>;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status: response.status, headers });
}

function methodOf(message: unknown): unknown {
  return typeof message === "object" && message !== null ? (message as { method?: unknown }).method : undefined;
}

/**
 * server/discover lists every version this server speaks, as its -32022 answers do (`versions.ts`):
 * the SDK's discover result names only the per-request ones, and a client told "2025-11-25 is
 * supported" by one answer must not read "unsupported" in the other. (Clients pick a per-request
 * version from the list; the 2025 ones are reached through initialize.)
 */
async function withAllVersions(response: Response): Promise<Response> {
  if (!response.ok || !(response.headers.get("content-type") ?? "").includes("application/json")) return response;
  const body = (await response.json()) as { result?: { supportedVersions?: unknown } };
  if (body.result && Array.isArray(body.result.supportedVersions)) body.result.supportedVersions = [...SUPPORTED_VERSIONS];
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status: response.status, headers });
}

/** Every string in an error (its message, and its data: the SDK's -32020 repeats both values there too), cleaned. */
function cleaned(v: unknown, depth: number): unknown {
  if (typeof v === "string") return cleanMessage(v);
  if (depth === 0 || typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => cleaned(x, depth - 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cleaned(x, depth - 1)]));
}
