/**
 * Adapts the transport-agnostic tool definitions to the MCP SDK: registers the tools a session's
 * scopes allow, and turns each outcome into a CallToolResult with `structuredContent` and the
 * same object as compact JSON text (clients that only read text see the same facts).
 *
 * The start tools also accept task-augmented calls (MCP tasks, `execution.taskSupport:
 * "optional"`): see `acceptTasks` below and `./tasks.ts`.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type ListToolsResult,
  ListToolsRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { AuthContext } from "../auth/context";
import { hasScope } from "../auth/context";
import type { BackendConfig } from "../config";
import { startedOutput } from "../tools/started";
import type { ToolDefinition } from "../tools/tool";
import { type RunDeps, runTool, type ToolOutcome } from "../tools/run";
import { startAsTask, TaskError } from "./tasks";

export interface SessionDeps {
  auth: () => AuthContext;
  backend: () => BackendConfig;
  fetch?: typeof fetch;
}

export function toCallToolResult(outcome: ToolOutcome): CallToolResult {
  if (!outcome.ok) return { isError: true, content: [{ type: "text", text: outcome.message }] };
  return { structuredContent: outcome.value, content: [{ type: "text", text: JSON.stringify(outcome.value) }] };
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What one tool call runs with: the session's auth and backend, the call's signal and progress token. */
function runDeps(deps: SessionDeps, extra: Extra): RunDeps {
  const token = extra._meta?.progressToken;
  return {
    auth: deps.auth(),
    backend: deps.backend(),
    signal: extra.signal,
    requestId: crypto.randomUUID(),
    fetch: deps.fetch,
    progress:
      token === undefined
        ? undefined
        : async (progress, total, message) => {
            await extra
              .sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, total, message } })
              .catch(() => {});
          },
  };
}

/** The tools that start a backend operation (their result is the started-operation shape): these can run as tasks. */
export function isStartTool(def: ToolDefinition): boolean {
  return def.output === startedOutput;
}

export function registerTools(server: McpServer, tools: ReadonlyArray<ToolDefinition>, deps: SessionDeps): void {
  const auth = deps.auth();
  const taskTools = new Map(tools.filter((d) => isStartTool(d) && hasScope(auth, d.scope)).map((d) => [d.name, d]));
  const refused = new Map(tools.filter((d) => !hasScope(auth, d.scope)).map((d) => [d.name, d]));
  const done = acceptTasks(server, taskTools, refused, deps);
  for (const def of tools) {
    if (!hasScope(auth, def.scope)) continue;
    server.registerTool(
      def.name,
      {
        title: def.title,
        description: def.description,
        inputSchema: def.input,
        outputSchema: def.output,
        annotations: { title: def.title, ...def.annotations },
      },
      async (args: Record<string, unknown>, extra) => toCallToolResult(await runTool(def, args, runDeps(deps, extra))),
    );
  }
  done();
}

type Handler = (request: never, extra: Extra) => unknown;

/**
 * Task-augmented calls of the start tools. The SDK's own route for tools with
 * `taskSupport: "optional"` (`registerToolTask`) turns every *plain* call into "create a task,
 * then poll it until the operation finishes" — a start_training would block for hours instead
 * of answering with its operation_id — and reports any failure of a task-augmented call as
 * "Invalid task creation result". So the tools stay plain registrations (plain calls take exactly
 * the path they always took), and the two protocol handlers the McpServer installs for them are
 * wrapped as it installs them, through the Server's public `setRequestHandler`:
 *   - tools/list advertises `execution: { taskSupport: "optional" }` for the start tools;
 *   - tools/call with `params.task` runs a start tool and answers with the task (`startAsTask`);
 *     with `params.task` for any other tool, it answers -32601 as the spec asks.
 * tasks/get, tasks/result, tasks/list and tasks/cancel are answered by the SDK's Protocol from the
 * session's TaskStore (`BackendTaskStore`, given to the McpServer in `agent.ts`).
 * Returns a function to call once every tool is registered; it checks both handlers were wrapped.
 */
function acceptTasks(
  server: McpServer,
  taskTools: ReadonlyMap<string, ToolDefinition>,
  refused: ReadonlyMap<string, ToolDefinition>,
  deps: SessionDeps,
): () => void {
  const inner = server.server;
  const install = inner.setRequestHandler.bind(inner) as (schema: unknown, handler: Handler) => void;
  const wrapped = new Set<string>();
  const wrapList = (original: Handler): Handler => async (request, extra) => {
    const res = (await original(request, extra)) as ListToolsResult;
    return { ...res, tools: res.tools.map((t) => (taskTools.has(t.name) ? { ...t, execution: { ...t.execution, taskSupport: "optional" } } : t)) };
  };
  const wrapCall = (original: Handler): Handler => async (request, extra) => {
    const params = (request as CallToolRequest).params;
    // A tool this session's scopes leave out is not listed; calling it anyway gets the refusal
    // naming the missing scope (from runTool), not the SDK's bare "tool not found".
    const outOfScope = refused.get(params.name);
    if (outOfScope && !params.task) return toCallToolResult(await runTool(outOfScope, params.arguments ?? {}, runDeps(deps, extra)));
    if (!params.task) return original(request, extra);
    const def = taskTools.get(params.name);
    if (!def) {
      throw new TaskError(
        ErrorCode.MethodNotFound,
        `Tool ${params.name} cannot run as a task (only ${[...taskTools.keys()].join(", ") || "the start tools"} can); call it without 'task'.`,
      );
    }
    return startAsTask(def, params.arguments, deps, (args) => runTool(def, args, runDeps(deps, extra)));
  };
  (inner as { setRequestHandler: unknown }).setRequestHandler = (schema: unknown, handler: Handler) => {
    if (schema === ListToolsRequestSchema) {
      wrapped.add("tools/list");
      return install(schema, wrapList(handler));
    }
    if (schema === CallToolRequestSchema) {
      wrapped.add("tools/call");
      return install(schema, wrapCall(handler));
    }
    return install(schema, handler);
  };
  return () => {
    delete (inner as { setRequestHandler?: unknown }).setRequestHandler;
    if (taskTools.size > 0 && wrapped.size < 2) {
      throw new Error("MCP tasks: the tools/list and tools/call handlers were installed before registerTools ran; tasks cannot be offered.");
    }
  };
}
