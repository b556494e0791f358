/**
 * What both protocol eras share about a tool call, SDK-free: the result of a tool outcome (the
 * same object as `structuredContent` and as compact JSON text), which each era's converter turns
 * into its SDK's CallToolResult, and the run dependencies of one call.
 */
import type { AuthContext } from "../auth/context";
import type { BackendConfig } from "../config";
import type { RunDeps, ToolOutcome } from "../tools/run";
import { echo } from "../tools/echo";

/** A tools/call result, SDK-free (a type, not an interface: the SDKs' index-signature result types accept it as it is). */
export type ToolResult = {
  content: Array<{ type: "text"; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
};

/** `meta` (for a tool linked to the operation view): facts the view needs, in the result's `_meta`. */
export function toolResult(outcome: ToolOutcome, meta?: Record<string, unknown>): ToolResult {
  const m = meta ? { _meta: meta } : {};
  if (!outcome.ok) return { isError: true, content: [{ type: "text", text: outcome.message }], ...m };
  return { structuredContent: outcome.value, content: [{ type: "text", text: JSON.stringify(outcome.value) }], ...m };
}

/** Progress, as the MCP front end can report it for one call (undefined: the client asked for none). */
type ProgressSink = RunDeps["progress"];

/** A progress notification of the MCP wire (either era). */
interface ProgressNotification {
  method: "notifications/progress";
  params: { progressToken: string | number; progress: number; total?: number; message?: string };
}

/**
 * Progress reported to the client that asked for it with `token`, through its era's `send`; none
 * when it gave no token. A notification that cannot be sent is dropped, never failing the call.
 */
export function progressTo(token: string | number | undefined, send: (n: ProgressNotification) => Promise<unknown>): ProgressSink {
  if (token === undefined) return undefined;
  return async (progress, total, message) => {
    await send({ method: "notifications/progress", params: { progressToken: token, progress, total, message } }).catch(() => {});
  };
}

export function runDeps(
  auth: AuthContext,
  backend: BackendConfig,
  signal: AbortSignal,
  progress?: ProgressSink,
  fetchImpl?: typeof fetch,
): RunDeps {
  return { auth, backend, signal, requestId: crypto.randomUUID(), progress, fetch: fetchImpl };
}

/** An unknown tool is a tool error (as the SDK's McpServer answers it), naming where the tools are listed. */
export function unknownTool(name: string): ToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `Unknown tool ${echo(name)}. tools/list shows the tools these credentials may call.` }],
  };
}
