/**
 * What both protocol eras share about a tool call: the MCP result of a tool outcome (the same
 * object as `structuredContent` and as compact JSON text), and the run dependencies of one call.
 */
import type { AuthContext } from "../auth/context";
import type { BackendConfig } from "../config";
import type { RunDeps, ToolOutcome } from "../tools/run";
import type { ToolDefinition } from "../tools/tool";
import { startedOutput } from "../tools/started";

export interface CallToolResultLike {
  [key: string]: unknown;
  content: Array<{ type: "text"; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** `meta` (for a tool linked to the operation view): facts the view needs, in the result's `_meta`. */
export function toCallToolResult(outcome: ToolOutcome, meta?: Record<string, unknown>): CallToolResultLike {
  const m = meta ? { _meta: meta } : {};
  if (!outcome.ok) return { isError: true, content: [{ type: "text", text: outcome.message }], ...m };
  return { structuredContent: outcome.value, content: [{ type: "text", text: JSON.stringify(outcome.value) }], ...m };
}

/** The tools that start a backend operation (their result is the started-operation shape): these can run as tasks. */
export function isStartTool(def: ToolDefinition): boolean {
  return def.output === startedOutput;
}

/** Progress, as the MCP front end can report it for one call (undefined: the client asked for none). */
export type ProgressSink = RunDeps["progress"];

export function runDeps(auth: AuthContext, backend: BackendConfig, signal: AbortSignal, progress?: ProgressSink, fetchImpl?: typeof fetch): RunDeps {
  return { auth, backend, signal, requestId: crypto.randomUUID(), progress, fetch: fetchImpl };
}

/** An unknown tool is a tool error (as the SDK's McpServer answers it), naming where the tools are listed. */
export function unknownTool(name: string): CallToolResultLike {
  return { isError: true, content: [{ type: "text", text: `Unknown tool ${name.slice(0, 80)}. tools/list shows the tools these credentials may call.` }] };
}
