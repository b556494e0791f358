/**
 * The MCP session: one Durable Object per streamable-HTTP session. Its only state is the auth
 * context it was created with (the Agents SDK keeps it as `props`); operation state lives in the
 * KTRDR backend, so an evicted or lost session loses nothing.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpAgent } from "agents/mcp";
import { type AuthContext, type AuthProps, authContextSchema } from "../auth/context";
import { readBackendConfig } from "../config";
import type { Env } from "../env";
import { TOOLS } from "../tools/catalogue";
import { INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from "./instructions";
import { registerTools, type SessionDeps } from "./register";
import { BackendTaskStore, TASKS_CAPABILITY } from "./tasks";

const NO_ACCESS: AuthContext = { principal: "anonymous", method: "local", scopes: [] };

export class KtrdrMcp extends McpAgent<Env, unknown, AuthProps> {
  private readonly session: SessionDeps = {
    auth: () => this.authContext(),
    backend: () => readBackendConfig(this.env as unknown as Record<string, unknown>),
  };

  /** MCP tasks are backend operations: the task store asks the backend and keeps nothing here. */
  server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { instructions: INSTRUCTIONS, capabilities: { tasks: TASKS_CAPABILITY, logging: {} }, taskStore: new BackendTaskStore(this.session) },
  );

  async init(): Promise<void> {
    registerTools(this.server, TOOLS, this.session);
  }

  /** The session's auth context; a session without a valid one can do nothing. */
  authContext(): AuthContext {
    const parsed = authContextSchema.safeParse(this.props);
    return parsed.success ? parsed.data : NO_ACCESS;
  }

  /**
   * The auth context this session was created with, read straight from storage without starting
   * the agent: the router compares it with the caller's before letting a request in.
   */
  async boundAuthContext(): Promise<AuthContext | null> {
    const stored = await this.ctx.storage.get("props");
    const parsed = authContextSchema.safeParse(stored);
    return parsed.success ? parsed.data : null;
  }
}
