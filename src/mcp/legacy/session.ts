/**
 * The 2025-era front end: one Durable Object per streamable-HTTP session (`McpAgent`). Its only
 * state is the caller context the session was created with (the auth context and the credential it
 * is bound to), kept under this server's own storage key; operation state lives in the KTRDR
 * backend, so an evicted or lost session loses nothing.
 *
 * The MCP SDK's (1.x) low-level `Server` serves it, through its public `setRequestHandler`:
 * tools/list from the catalogue's precomputed listing (with `execution.taskSupport` for the start
 * tools), tools/call through `runTool` (or, task-augmented, `startAsTask`), and the tasks methods
 * from `BackendTaskStore`. Everything SDK 1.x is in this folder; `convert.ts` is its seam.
 */
import {
  CallToolRequestSchema,
  type CallToolResult,
  type CreateTaskResult,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListTasksRequestSchema,
  ListToolsRequestSchema,
  type ListToolsResult,
  ReadResourceRequestSchema,
  type ReadResourceResult,
} from "@modelcontextprotocol/sdk/types.js";
import { McpAgent } from "agents/mcp";
import { type AuthContext, type AuthProps, type CallerContext, callerContextSchema, RETIRED_OWNER } from "../../auth/context";
import { readConfig } from "../../config";
import type { Env } from "../../env";
import { toolNamed } from "../../tools/catalogue";
import { listedTools, perScopeSet } from "../../tools/listing";
import { runTool } from "../../tools/run";
import { OPERATION_VIEW_RESOURCE, readResource, UI_EXTENSION, unknownResource, viewResultMeta, withViewLinks } from "../apps";
import { progressTo, runDeps, toolResult, unknownTool } from "../calls";
import { echo } from "../../tools/echo";
import { FaultCode, McpFault } from "../fault";
import { INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from "../instructions";
import { listTasks, requireTaskScope, startAsTask, type TaskDeps } from "../tasks";
import { toCallToolResult, toCreateTaskResult, toTask } from "./convert";
import { SessionServer } from "./session-server";
import type { SessionObject } from "./session-object";
import { BackendTaskStore, TASKS_CAPABILITY } from "./task-store";

const NO_ACCESS: AuthContext = { principal: "anonymous", method: "local", scopes: [] };
/** This server's own record of the session's owner (not the Agents SDK's props storage). */
const OWNER_KEY = "ktrdr:session-owner";

/** tools/list for the 2025 era, per scope set: the shared listing plus task support of the start tools. */
const sessionListing = perScopeSet((scopes): ListToolsResult["tools"] =>
  withViewLinks(listedTools(scopes)).map((t) =>
    toolNamed(t.name)?.startsOperation ? { ...t, execution: { taskSupport: "optional" as const } } : t,
  ),
);

export class KtrdrMcp extends McpAgent<Env, unknown, AuthProps> implements SessionObject {
  private owner: CallerContext | null = null;

  private readonly deps: TaskDeps = {
    auth: () => this.owner ?? NO_ACCESS,
    backend: () => readConfig(this.env).backend,
  };

  /** MCP tasks are backend operations: the task store asks the backend and keeps nothing here. */
  server = new SessionServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { tools: {}, resources: {}, tasks: TASKS_CAPABILITY, logging: {}, extensions: { [UI_EXTENSION]: {} } },
      taskStore: new BackendTaskStore(this.deps),
    },
  );

  async init(): Promise<void> {
    await this.bindOwner();
    // Every request's scope is checked here once, naming the method called (tools check their own, in runTool).
    this.server.gate = (method) => requireTaskScope(this.deps.auth(), method);
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: sessionListing(this.deps.auth().scopes) }));
    this.server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [OPERATION_VIEW_RESOURCE] }));
    // `resources` is advertised, so its template listing answers too: this server has no templates.
    this.server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [] }));
    this.server.setRequestHandler(ReadResourceRequestSchema, async (request): Promise<ReadResourceResult> => {
      const read = readResource(request.params.uri);
      if (!read) throw new McpFault(FaultCode.InvalidParams, unknownResource(request.params.uri), { uri: echo(request.params.uri, 200) });
      return read;
    });
    // The SDK's own tasks/list reports every failure as invalid params; this one passes each error on as it is.
    this.server.setRequestHandler(ListTasksRequestSchema, async (request) => {
      const { tasks, nextCursor } = await listTasks(request.params?.cursor, this.deps);
      return { tasks: tasks.map(toTask), ...(nextCursor !== undefined ? { nextCursor } : {}), _meta: {} };
    });
    this.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult | CreateTaskResult> => {
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
        if (task) throw new McpFault(FaultCode.InvalidParams, `Unknown tool ${echo(name)}.`);
        return toCallToolResult(unknownTool(name));
      }
      if (task) {
        // A start tool the caller may not run is refused for its scope (by startAsTask), not as "not a start tool".
        const started = await startAsTask(def, args ?? {}, this.deps, deps);
        return toCreateTaskResult(started.task, started.immediate);
      }
      const outcome = await runTool(def, args ?? {}, deps);
      return toCallToolResult(toolResult(outcome, viewResultMeta(def, auth, outcome)));
    });
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
