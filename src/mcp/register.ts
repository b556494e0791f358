/**
 * Adapts the transport-agnostic tool definitions to the MCP SDK: registers the tools a session's
 * scopes allow, and turns each outcome into a CallToolResult with `structuredContent` and the
 * same object as compact JSON text (clients that only read text see the same facts).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AuthContext } from "../auth/context";
import { hasScope } from "../auth/context";
import type { BackendConfig } from "../config";
import type { ToolDefinition } from "../tools/tool";
import { runTool, type ToolOutcome } from "../tools/run";

export interface SessionDeps {
  auth: () => AuthContext;
  backend: () => BackendConfig;
  fetch?: typeof fetch;
}

export function toCallToolResult(outcome: ToolOutcome): CallToolResult {
  if (!outcome.ok) return { isError: true, content: [{ type: "text", text: outcome.message }] };
  return { structuredContent: outcome.value, content: [{ type: "text", text: JSON.stringify(outcome.value) }] };
}

export function registerTools(server: McpServer, tools: ReadonlyArray<ToolDefinition>, deps: SessionDeps): void {
  const auth = deps.auth();
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
      async (args: Record<string, unknown>, extra) => {
        const token = extra._meta?.progressToken;
        const outcome = await runTool(def, args, {
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
        });
        return toCallToolResult(outcome);
      },
    );
  }
}
