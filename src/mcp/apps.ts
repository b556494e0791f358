/**
 * MCP Apps (`io.modelcontextprotocol/ui`): one operation view, an HTML resource hosts render next
 * to the conversation (Claude, ChatGPT, VS Code …). The tools where a person wants to look link to
 * it in their `_meta`; hosts without MCP Apps ignore that and get the same results as ever.
 *
 * The view is one self-contained file built from ui/operation-view by `npm run build:ui`. It has
 * no network of its own (an empty connect list): it calls this server's tools through the host.
 */
import { type AuthContext, hasScope } from "../auth/context";
import { TOOLS } from "../tools/catalogue";
import type { ToolOutcome } from "../tools/run";
import type { ToolDefinition } from "../tools/tool";
import { VIEW_META_KEY, type ViewMeta } from "../tools/view-meta";
import { echo } from "../tools/echo";
import { OPERATION_VIEW_HTML } from "./generated/operation-view";

export const UI_EXTENSION = "io.modelcontextprotocol/ui";
const UI_MIME_TYPE = "text/html;profile=mcp-app";
export const OPERATION_VIEW_URI = "ui://ktrdr/operation.html";

/** The tools whose results the view shows (and follows): those whose definition names a view. */
const VIEW_TOOLS: ReadonlySet<string> = new Set(TOOLS.filter((d) => d.view !== false).map((d) => d.name));

/** `_meta` of a linked tool (hosts also read a deprecated flat "ui/resourceUri"; the spec's key suffices). */
const VIEW_TOOL_META = { ui: { resourceUri: OPERATION_VIEW_URI } } as const;

/** No network but through the host; a border around it. */
const RESOURCE_UI_META = { ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } };

export const OPERATION_VIEW_RESOURCE = {
  uri: OPERATION_VIEW_URI,
  name: "operation-view",
  title: "KTRDR operation view",
  description: "A live view of one KTRDR operation: progress, training curves, backtest equity, cancel.",
  mimeType: UI_MIME_TYPE,
  _meta: RESOURCE_UI_META,
};

/** What resources/read answers (either era; a type, not an interface, so the SDKs' index-signature result types accept it). */
export type ReadResource = {
  contents: Array<{ uri: string; mimeType: string; text: string; _meta: Record<string, unknown> }>;
};

/** resources/read of `uri`: the operation view, or undefined for any other uri (see `unknownResource`). */
export function readResource(uri: string): ReadResource | undefined {
  if (uri !== OPERATION_VIEW_URI) return undefined;
  return { contents: [{ uri: OPERATION_VIEW_URI, mimeType: UI_MIME_TYPE, text: OPERATION_VIEW_HTML, _meta: RESOURCE_UI_META }] };
}

/** The message of the invalid-params error for a uri `readResource` does not know. */
export function unknownResource(uri: string): string {
  return `Unknown resource ${echo(uri, 100)}; resources/list shows the one there is.`;
}

/**
 * For a tool linked to the view: what the result is, what the caller may do, and the numbers the
 * tool reported for the view, sent in the result's `_meta` (hosts do not show `_meta` to the
 * model). Undefined for the other tools.
 */
export function viewResultMeta(def: ToolDefinition, auth: AuthContext, outcome: ToolOutcome): Record<string, ViewMeta> | undefined {
  if (def.view === false) return undefined;
  const facts = outcome.ok ? outcome.view : undefined;
  return { [VIEW_META_KEY]: { kind: def.view, canOperate: hasScope(auth, "ktrdr:operate"), ...facts } };
}

/** A tool listing with the view linked from the tools that show it (the same objects otherwise). */
export function withViewLinks<T extends { name: string }>(tools: readonly T[]): Array<T | (T & { _meta: typeof VIEW_TOOL_META })> {
  return tools.map((t) => (VIEW_TOOLS.has(t.name) ? { ...t, _meta: VIEW_TOOL_META } : t));
}
