/**
 * The 2025-era front end: one Durable Object per streamable-HTTP session (`McpAgent`). Its only
 * state is the caller context the session was created with (the auth context and the credential it
 * is bound to), kept under this server's own storage key; operation state lives in the KTRDR
 * backend, so an evicted or lost session loses nothing.
 *
 * The MCP SDK's low-level `Server` serves it, through its public `setRequestHandler`: tools/list
 * from the catalogue's precomputed listing (with `execution.taskSupport` for the start tools),
 * tools/call through `runTool` (or, task-augmented, `startAsTask`), and the tasks methods from
 * `BackendTaskStore`.
 */
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListTasksRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { McpAgent } from "agents/mcp";
import { type AuthContext, type AuthProps, type CallerContext, callerContextSchema, RETIRED_OWNER } from "../auth/context";
import { readConfig } from "../config";
import type { Env } from "../env";
import { toolNamed } from "../tools/catalogue";
import { listedTools, perScopeSet } from "../tools/listing";
import { runTool } from "../tools/run";
import { refusalFor } from "../tools/scope";
import type { ToolDefinition } from "../tools/tool";
import { OPERATION_VIEW_RESOURCE, readResource, UI_EXTENSION, unknownResource, viewResultMeta, withViewLinks } from "./apps";
import { progressTo, runDeps, toCallToolResult, unknownTool } from "./calls";
import { echo } from "./echo";
import { INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from "./instructions";
import { PlainMcpError, SessionServer } from "./session-server";
import { BackendTaskStore, startAsTask, TASK_METHOD_SCOPES, TASKS_CAPABILITY, TaskError, type TaskDeps } from "./tasks";

const NO_ACCESS: AuthContext = { principal: "anonymous", method: "local", scopes: [] };
/** This server's own record of the session's owner (not the Agents SDK's props storage). */
const OWNER_KEY = "ktrdr:session-owner";

/** tools/list for the 2025 era, per scope set: the shared listing plus task support of the start tools. */
const sessionListing = perScopeSet((scopes): unknown[] =>
  withViewLinks(listedTools(scopes)).map((t) =>
    toolNamed(t.name)?.startsOperation ? { ...t, execution: { taskSupport: "optional" } } : t,
  ),
);

export class KtrdrMcp extends McpAgent<Env, unknown, AuthProps> {
  private owner: CallerContext | null = null;

  private readonly deps: TaskDeps = {
    auth: () => this.owner ?? NO_ACCESS,
    backend: () => readConfig(this.env).backend,
  };

  private readonly store = new BackendTaskStore(this.deps);

  /** MCP tasks are backend operations: the task store asks the backend and keeps nothing here. */
  server = new SessionServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { tools: {}, resources: {}, tasks: TASKS_CAPABILITY, logging: {}, extensions: { [UI_EXTENSION]: {} } },
      taskStore: this.store,
    },
  );

  async init(): Promise<void> {
    await this.bindOwner();
    this.server.gate = (method) => this.requireScope(method);
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: sessionListing(this.deps.auth().scopes) as never }));
    this.server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [OPERATION_VIEW_RESOURCE] }));
    // `resources` is advertised, so its template listing answers too: this server has no templates.
    this.server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [] }));
    this.server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
      const read = readResource(request.params.uri);
      if (!read)
        throw new PlainMcpError(ErrorCode.InvalidParams, unknownResource(request.params.uri), { uri: echo(request.params.uri, 200) });
      return read as never;
    });
    // The SDK's own tasks/list reports every failure as invalid params; this one passes each error on as it is.
    this.server.setRequestHandler(ListTasksRequestSchema, async (request) => {
      const { tasks, nextCursor } = await this.store.listTasks(request.params?.cursor);
      return { tasks, ...(nextCursor !== undefined ? { nextCursor } : {}), _meta: {} } as never;
    });
    this.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const auth = this.deps.auth();
      const { name, arguments: args, task } = request.params;
      const def = toolNamed(name);
      const token = extra._meta?.progressToken;
      const deps = runDeps(
        auth,
        this.deps.backend(),
        extra.signal,
        progressTo(token, (n) => extra.sendNotification(n)),
      );
      if (!def) {
        if (task) throw new TaskError(ErrorCode.InvalidParams, `Unknown tool ${echo(name)}.`);
        return unknownTool(name) as CallToolResult;
      }
      if (task) {
        // A start tool the caller may not run is refused for its scope (by startAsTask), not as "not a start tool".
        if (!def.startsOperation) {
          throw new TaskError(
            ErrorCode.MethodNotFound,
            `Tool ${name} cannot run as a task (only the start tools can); call it without 'task'.`,
          );
        }
        return startAsTask(def, args ?? {}, this.deps, deps);
      }
      return toCallToolResult(await runTool(def as ToolDefinition, args ?? {}, deps), viewResultMeta(def, auth)) as CallToolResult;
    });
  }

  /** -32600 naming the scope and the method called, for a task method the session's credentials do not allow. */
  private requireScope(method: string): void {
    const scope = TASK_METHOD_SCOPES[method];
    const refused = scope && refusalFor(this.deps.auth(), scope, method);
    if (refused) throw new TaskError(ErrorCode.InvalidRequest, refused);
  }

  /**
   * The first caller context this session was started with is its owner, for good. A stored owner
   * without a credential binding (an older release's) is retired: no caller is that owner.
   */
  private async bindOwner(): Promise<void> {
    const raw: unknown = await this.ctx.storage.get(OWNER_KEY);
    if (raw !== undefined) {
      const stored = callerContextSchema.safeParse(raw);
      this.owner = stored.success ? stored.data : RETIRED_OWNER;
      return;
    }
    const given = callerContextSchema.safeParse(this.props);
    if (given.success) {
      this.owner = given.data;
      await this.ctx.storage.put(OWNER_KEY, given.data);
    }
  }

  /** The caller context this session is bound to (null for a session that never started). */
  async boundAuthContext(): Promise<CallerContext | null> {
    return this.owner;
  }
}
