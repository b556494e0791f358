/**
 * The benchmark's session floor (`npm run bench`, never deployed): the least a Worker can do to offer the
 * product's measured tool call over MCP 2025 sessions — a bare `McpAgent` (Agents SDK) with an SDK
 * `McpServer` and one tool, `get_operation`, that makes the same backend call as the product's
 * `get_operation_status` (GET /operations/{id}) and returns the backend's JSON as it came. No router,
 * auth, CORS, era classification, session guard, input normalisation, views or logging: every
 * figure of the product is reported as a ratio to this one, measured in the same run.
 *
 * Same pinned packages as the product (agents, @modelcontextprotocol/sdk, zod), same
 * compatibility date and flags, served the same way (`wrangler dev` on loopback).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpAgent } from "agents/mcp";
import { z } from "zod";

export interface Env {
  MCP_OBJECT: DurableObjectNamespace<FloorMcp>;
  KTRDR_API_URL: string;
}

export class FloorMcp extends McpAgent<Env> {
  server = new McpServer({ name: "ktrdr-bench-floor", version: "1.0.0" });
  private calls = 0;

  async init(): Promise<void> {
    this.server.registerTool(
      "get_operation",
      { description: "GET /operations/{id} on the KTRDR backend, returned as it came.", inputSchema: { operation_id: z.string() } },
      async ({ operation_id }) => {
        const res = await fetch(`${this.env.KTRDR_API_URL}/operations/${encodeURIComponent(operation_id)}`, {
          headers: { accept: "application/json", "x-request-id": `floor.${++this.calls}` },
        });
        const text = await res.text();
        return { content: [{ type: "text", text }], isError: !res.ok };
      },
    );
  }
}

const mcp = FloorMcp.serve("/mcp", { binding: "MCP_OBJECT" });

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    if (new URL(request.url).pathname === "/health") return Response.json({ status: "ok" });
    return mcp.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
