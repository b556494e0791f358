/**
 * The benchmark's stateless floor (`npm run bench`, never deployed): the least a Worker can do to
 * offer the product's measured tool call over MCP 2026-07-28 — an SDK 2.x `McpServer`
 * (`@modelcontextprotocol/server`) built for every request by `createMcpHandler`, as the product's
 * stateless front end (src/mcp/stateless.ts) is, with one tool, `get_operation`, that makes the same
 * backend call as the product's `get_operation_status` (GET /operations/{id}) and returns the
 * backend's JSON as it came. No Durable Object, router, auth, CORS, era classification, input
 * normalisation, views or logging: the peer of the product's 2026-07-28 path, whose figures are
 * reported as ratios to this one, measured in the same run.
 *
 * Same pinned packages as the product, same compatibility date and flags, served the same way
 * (`wrangler dev` on loopback).
 */
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

export interface Env {
  KTRDR_API_URL: string;
}

let calls = 0;

function buildServer(env: Env): McpServer {
  const server = new McpServer({ name: "ktrdr-bench-floor-stateless", version: "1.0.0" });
  server.registerTool(
    "get_operation",
    {
      description: "GET /operations/{id} on the KTRDR backend, returned as it came.",
      inputSchema: z.object({ operation_id: z.string() }),
    },
    async ({ operation_id }) => {
      const res = await fetch(`${env.KTRDR_API_URL}/operations/${encodeURIComponent(operation_id)}`, {
        headers: { accept: "application/json", "x-request-id": `sfloor.${++calls}` },
      });
      const text = await res.text();
      return { content: [{ type: "text", text }], isError: !res.ok };
    },
  );
  return server;
}

/** One handler per isolate (the product's is module-level too); the server inside it is built per request. */
let handler: ReturnType<typeof createMcpHandler> | undefined;

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    if (new URL(request.url).pathname === "/health") return Response.json({ status: "ok" });
    handler ??= createMcpHandler(() => buildServer(env), { legacy: "reject" });
    return handler.fetch(request);
  },
} satisfies ExportedHandler<Env>;
