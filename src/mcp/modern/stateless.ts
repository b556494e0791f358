/**
 * The 2026-07-28 front end: stateless. Every request carries its own auth (checked by the router,
 * as for sessions) and is answered by a fresh low-level MCP `Server` built for it from the same
 * catalogue, with no Durable Object and nothing stored: `server/discover`, tools/list, tools/call
 * and the tasks extension (`io.modelcontextprotocol/tasks`), whose tasks are backend operations
 * exactly as in the 2025 era (task id = operation id), so a task started in one era is read and
 * cancelled in the other.
 *
 * The MCP SDK (`@modelcontextprotocol/server`, 2.x) does the protocol's ladder: envelope and
 * header validation, version negotiation (-32022), method-not-found for what this era removed.
 * Everything SDK 2.x is in this folder; `convert.ts` is its seam.
 */
import { type CallToolResult, createMcpHandler, type ListToolsResult, Server, type ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AuthContext } from "../../auth/context";
import type { WorkerConfig } from "../../config";
import { toolNamed } from "../../tools/catalogue";
import { listedTools, perScopeSet } from "../../tools/listing";
import { runTool } from "../../tools/run";
import { OPERATION_VIEW_RESOURCE, readResource, UI_EXTENSION, unknownResource, viewResultMeta, withViewLinks } from "../apps";
import { progressTo, runDeps, toolResult, unknownTool } from "../calls";
import { cleanMessage, echo } from "../../tools/echo";
import { FaultCode, McpFault } from "../fault";
import { INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from "../instructions";
import { modernParamsError } from "../invalid-params";
import {
  cancelTask,
  readOperation,
  requireTaskScope,
  resultOf,
  type TaskDeps,
  taskFromOperation,
  taskOfStartValue,
  taskStatus,
} from "../tasks";
import { SUPPORTED_VERSIONS } from "../versions";
import { mappingFaults, toCallToolResult, toModernTask, toTaskCallResult } from "./convert";
import { declares, missingExtension, TASKS_EXTENSION } from "./extensions";
import { Fixtures } from "./fixtures";

// Built once: zod schemas cost far more to build than to parse with, and the server is built per request.
const taskIdParams = z.looseObject({ taskId: z.string() });
const updateParams = z.looseObject({ taskId: z.string().optional() });

/** What one 2026 request is served with: the caller's auth context, the Worker's configuration, and (tests) a backend fetch. */
export interface RequestContext {
  auth: AuthContext;
  cfg: WorkerConfig;
  fetch?: typeof fetch;
}

/** tools/list for the 2026 era, per scope set (built once). */
const modernListing = perScopeSet((scopes): ListToolsResult["tools"] => withViewLinks(listedTools(scopes)));

function buildServer(d: RequestContext): Server {
  const taskDeps: TaskDeps = { auth: () => d.auth, backend: () => d.cfg.backend, fetch: d.fetch };
  const fixtures = d.cfg.fixtures ? new Fixtures(taskDeps) : undefined;
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { instructions: INSTRUCTIONS, capabilities: { tools: {}, resources: {}, extensions: { [TASKS_EXTENSION]: {}, [UI_EXTENSION]: {} } } },
  );

  server.setRequestHandler("tools/list", async () => ({ tools: [...modernListing(d.auth.scopes), ...(fixtures?.listing() ?? [])] }));
  server.setRequestHandler("resources/list", async () => ({ resources: [OPERATION_VIEW_RESOURCE] }));
  // `resources` is advertised, so its template listing answers too: this server has no templates.
  server.setRequestHandler("resources/templates/list", async () => ({ resourceTemplates: [] }));
  server.setRequestHandler("resources/read", (request) =>
    mappingFaults(async () => {
      const read = readResource(request.params.uri);
      if (!read) throw new McpFault(FaultCode.InvalidParams, unknownResource(request.params.uri), { uri: echo(request.params.uri, 200) });
      return read;
    }),
  );

  server.setRequestHandler("tools/call", (request, ctx) => mappingFaults(() => callTool(request.params, ctx, d, taskDeps, fixtures)));

  server.setRequestHandler("tasks/get", { params: taskIdParams }, (params, ctx) =>
    mappingFaults(async () => {
      gateTasks(ctx, d.auth, "tasks/get");
      if (fixtures?.owns(params.taskId)) return fixtures.get(params.taskId);
      // With the v2026 witnesses: the status message says what KTRDR's record alone does not.
      const op = await readOperation(params.taskId, taskDeps, "tasks/get", true);
      const view = taskFromOperation(op, Date.now(), "modern");
      // Only a completed task carries a result: the others need no results read.
      const result = view.status === "completed" ? await resultOf(op, taskDeps, "tasks/get") : undefined;
      return detailed(toModernTask(view), view.status, result && toCallToolResult(result), op.error ?? op.cancel_reason);
    }),
  );

  // KTRDR operations never ask for input, so an update has nothing to deliver; it is answered
  // (after the same gating as the other task methods) for a task that exists.
  server.setRequestHandler("tasks/update", { params: updateParams }, (params, ctx) =>
    mappingFaults(async () => {
      gateTasks(ctx, d.auth, "tasks/update");
      const taskId = params.taskId ?? "";
      if (fixtures?.owns(taskId)) await fixtures.get(taskId);
      else await readOperation(taskId, taskDeps, "tasks/update");
      return {};
    }),
  );

  server.setRequestHandler("tasks/cancel", { params: taskIdParams }, (params, ctx) =>
    mappingFaults(async () => {
      gateTasks(ctx, d.auth, "tasks/cancel");
      if (fixtures?.owns(params.taskId)) return fixtures.cancel(params.taskId);
      // Idempotent: cancelling a finished task is acknowledged like any other cancel.
      await cancelTask(params.taskId, taskDeps);
      return {};
    }),
  );

  return server;
}

/** A task method needs the extension declared in its request (-32021), then its scope (-32600). */
function gateTasks(ctx: ServerContext, auth: AuthContext, method: string): void {
  if (!declares(ctx, TASKS_EXTENSION)) throw missingExtension(TASKS_EXTENSION, method);
  requireTaskScope(auth, method);
}

async function callTool(
  params: { name: string; arguments?: Record<string, unknown> },
  ctx: ServerContext,
  d: RequestContext,
  taskDeps: TaskDeps,
  fixtures: Fixtures | undefined,
): Promise<CallToolResult> {
  const { name, arguments: args } = params;
  const tasks = declares(ctx, TASKS_EXTENSION);
  if (fixtures?.has(name)) return fixtures.call(name, args ?? {}, tasks, ctx);
  const def = toolNamed(name);
  if (!def) return toCallToolResult(unknownTool(name));
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
  if (tasks && def.startsOperation && outcome.ok) return toTaskCallResult(await taskOfStartValue(outcome.value, taskDeps, "modern"));
  return toCallToolResult(toolResult(outcome, viewResultMeta(def, d.auth, outcome)));
}

/**
 * The detailed task of `tasks/get`: a completed operation carries the start tool's result as it
 * would have been had it waited; a failed one the backend's failure as a JSON-RPC error (the
 * extension's `failed`); a cancelled one nothing more.
 */
function detailed(
  task: Record<string, unknown>,
  status: string,
  result: CallToolResult | undefined,
  reason: string | undefined,
): Record<string, unknown> {
  const s = taskStatus(status);
  if (s === "completed" && result) return { ...task, result: { resultType: "complete", ...result } };
  if (s === "failed") {
    return {
      ...task,
      error: {
        code: FaultCode.InternalError,
        message: reason ? `The operation failed: ${reason}` : "The operation failed; KTRDR gave no reason.",
      },
    };
  }
  return task;
}

/**
 * Each request's context, for the server the SDK asks the factory for. The SDK hands the factory
 * the request being served (`requestInfo`, the object passed to `handler.fetch`), so the context
 * travels typed and costs one map entry, instead of through `authInfo.extra` (untyped, and parsed
 * again per request) or a handler built per request.
 */
const contexts = new WeakMap<Request, RequestContext>();

const handler = createMcpHandler(
  (factory) => {
    const d = factory.requestInfo && contexts.get(factory.requestInfo);
    if (!d) throw new Error("a 2026 MCP request without its request context");
    return buildServer(d);
  },
  { legacy: "reject" },
);

/**
 * Serves one 2026-07-28 request (2025 traffic is routed to sessions before it gets here). `message`
 * is its body, parsed once by the router (the SDK then reads nothing); undefined when it is not JSON.
 */
export async function serveStateless(request: Request, context: RequestContext, message: unknown): Promise<Response> {
  // Malformed params are answered here, in one sentence, before the SDK would answer them with its issue dump.
  const invalid = modernParamsError(message);
  if (invalid) return invalid;
  contexts.set(request, context);
  const response = await handler.fetch(request, message !== undefined ? { parsedBody: message } : undefined);
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
