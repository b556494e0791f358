/**
 * A client's malformed request is the client's mistake: JSON-RPC -32602 (Invalid params) with one
 * sentence that says which field is wrong and what it must be — never -32603 (Internal error)
 * with a schema library's issue dump, which is what both MCP SDKs answer by default (the 1.x SDK
 * throws the ZodError of its request schema, the 2.x SDK an Error carrying its issue list, and its
 * tools/call check a -32602 with the same dump).
 *
 * This module holds the one sentence (`invalidParamsMessage`, for issues of either SDK's zod
 * schemas) and, for the 2026 era, the params every method this server answers accepts
 * (`MODERN_PARAMS`), checked by `modernParamsError` on the router's parsed body before the SDK
 * sees the request. The 2025 era maps its SDK's own schemas (see `session-server.ts`).
 */
import { z } from "zod";
import { echo } from "../tools/echo";

/** A schema issue as both SDKs' zod schemas report it. */
export interface ParamsIssue {
  code?: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
  expected?: string;
}

const KINDS: Record<string, string> = {
  record: "an object",
  object: "an object",
  array: "an array",
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  null: "null",
};

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return KINDS[typeof v] ?? `a ${typeof v}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function phrase(issue: ParamsIssue, request: unknown): string {
  const path = (issue.path ?? []).map((p) => (typeof p === "object" && p !== null ? p.key : p));
  const inParams = path[0] === "params";
  const rel = inParams ? path.slice(1) : path;
  const where = rel.length > 0 ? `'${rel.map((p) => echo(String(p), 40)).join(".")}'` : inParams ? "params" : "the request";
  if (issue.code === "invalid_type" && issue.expected) {
    const expected = KINDS[issue.expected] ?? issue.expected;
    const actual = valueAt(request, path);
    return actual === undefined ? `${where} is missing (it must be ${expected})` : `${where} must be ${expected}, not ${kindOf(actual)}`;
  }
  return `${where}: ${echo(issue.message, 120)}`;
}

/** "Invalid params for tools/call: 'arguments' must be an object, not a string." (at most three issues). */
export function invalidParamsMessage(method: string, issues: readonly ParamsIssue[], request: unknown): string {
  const parts = issues.slice(0, 3).map((i) => phrase(i, request));
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  return `Invalid params for ${echo(method, 40)}: ${parts.join("; ")}${more}.`;
}

// ---- 2026-07-28: the params of every method this server answers ---------------------------------

/** SEP-2322's retry fields: answers keyed by input-request id (each an object: an ElicitResult, CreateMessageResult, …). */
const retryFields = {
  inputResponses: z.record(z.string(), z.looseObject({})).optional(),
  requestState: z.string().optional(),
};
const paged = z.looseObject({ cursor: z.string().optional() });
const task = z.looseObject({ taskId: z.string() });

/** Unknown fields pass (the envelope `_meta` among them); missing or mistyped known ones do not. */
export const MODERN_PARAMS: Readonly<Record<string, z.ZodType>> = {
  "tools/call": z.looseObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional(), ...retryFields }),
  "resources/read": z.looseObject({ uri: z.string(), ...retryFields }),
  "tools/list": paged,
  "resources/list": paged,
  "resources/templates/list": paged,
  "tasks/get": task,
  "tasks/cancel": task,
  "tasks/update": task.extend({ inputResponses: retryFields.inputResponses }),
};

/**
 * Each method's params under a `params` key (so issue paths name them), built on the method's first
 * request and reused: building a zod object costs far more than one parse with it.
 */
const requestSchemas = new Map<string, z.ZodType>();

function requestSchemaOf(method: string): z.ZodType | undefined {
  let schema = requestSchemas.get(method);
  if (schema === undefined && Object.hasOwn(MODERN_PARAMS, method)) {
    schema = z.looseObject({ params: MODERN_PARAMS[method] as z.ZodType });
    requestSchemas.set(method, schema);
  }
  return schema;
}

/**
 * The -32602 answer to a 2026 request whose params do not fit its method (undefined when they do,
 * or when the method is not one of ours: the SDK answers those). Answered as the SDK answers a
 * handler's error: HTTP 200, the request's id.
 */
export function modernParamsError(message: unknown): Response | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const { method, params, id } = message as { method?: unknown; params?: unknown; id?: unknown };
  if (typeof method !== "string" || (typeof id !== "string" && typeof id !== "number")) return undefined;
  const schema = requestSchemaOf(method);
  if (!schema) return undefined;
  // A missing params object is an empty one; anything else that is not an object is the caller's mistake.
  const parsed = schema.safeParse({ params: params ?? {} });
  if (parsed.success) return undefined;
  const error = { code: -32602, message: invalidParamsMessage(method, parsed.error.issues, { params: params ?? {} }) };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), { status: 200, headers: { "content-type": "application/json" } });
}
