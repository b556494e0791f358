/**
 * The catalogue as clients list it: each tool's name, title, description, JSON Schemas and
 * annotations, built once per set of scopes and reused for every `tools/list` of both protocol
 * eras (building the schemas is the expensive part of a listing).
 *
 * The published schemas are lean, for the agents that read them: the server validates every call
 * with the tools' zod schemas at the edge anyway, so long regular expressions and string-length
 * limits stay server-side (descriptions name the formats), results are open to new fields, and
 * free-form objects are spelled `additionalProperties: true` (portable; `{}` is flagged by strict
 * schema linters).
 */
import { z } from "zod";
import { hasScope, type Scope } from "../auth/context";
import { TOOLS } from "./catalogue";
import type { ToolAnnotations, ToolDefinition } from "./tool";

export type JsonSchema = Record<string, unknown>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The JSON Schema of an object (what the MCP wire requires of a tool's input and output schemas). */
export interface ObjectSchema {
  [key: string]: unknown;
  type: "object";
  properties?: Record<string, { [key: string]: JsonValue }>;
  required?: string[];
}

export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema: ObjectSchema;
  annotations: ToolAnnotations;
}

/** Patterns longer than this are left to the server's validation (the description names the format). */
const MAX_PUBLISHED_PATTERN = 24;

export function jsonSchemaOf(shape: z.ZodRawShape, io: "input" | "output"): ObjectSchema {
  const schema = z.toJSONSchema(z.object(shape), { io, target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
  delete schema.$schema;
  // The JSON Schema of a z.object is an object schema, and lean() keeps its type, properties and required.
  return lean(schema, io) as ObjectSchema;
}

/** A published numeric maximum at or above this is an abuse limit, not a choice for the agent. */
const ABUSE_MAXIMUM = 100_000;

function lean(node: unknown, io: "input" | "output"): unknown {
  if (Array.isArray(node)) return node.map((n) => lean(n, io));
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === "propertyNames") continue;
    // A result may gain fields over time; clients must not reject one for that.
    if (io === "output" && k === "additionalProperties" && v === false) continue;
    if (k === "pattern" && typeof v === "string" && v.length > MAX_PUBLISHED_PATTERN) continue;
    // String lengths are limits against abuse, not something an agent chooses by: enforced, not published.
    if ((k === "minLength" || k === "maxLength") && (node as Record<string, unknown>).type === "string") continue;
    // So are numeric maxima this large (a backtest's capital, a list offset): enforced, not published.
    if (k === "maximum" && typeof v === "number" && v >= ABUSE_MAXIMUM) continue;
    if (k === "additionalProperties" && v && typeof v === "object" && Object.keys(v).length === 0) {
      out[k] = true;
      continue;
    }
    out[k] = lean(v, io);
  }
  return out;
}

export function describeTool(def: ToolDefinition): ListedTool {
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    inputSchema: jsonSchemaOf(def.input, "input"),
    outputSchema: jsonSchemaOf(def.output, "output"),
    annotations: def.annotations,
  };
}

/** `build`, computed once per scope set (whatever the scopes' order) and reused. */
export function perScopeSet<T>(build: (scopes: readonly Scope[]) => T): (scopes: readonly Scope[]) => T {
  const memo = new Map<string, T>();
  return (scopes) => {
    const key = [...scopes].sort().join(" ");
    let hit = memo.get(key);
    if (hit === undefined) {
      hit = build(scopes);
      memo.set(key, hit);
    }
    return hit;
  };
}

let all: ListedTool[] | undefined;

/** The tools a caller with these scopes may use, in catalogue order (computed once per scope set). */
export const listedTools = perScopeSet((scopes): ListedTool[] => {
  all ??= TOOLS.map(describeTool);
  const auth = { principal: "-", method: "local" as const, scopes: [...scopes] };
  return all.filter((_t, i) => hasScope(auth, TOOLS[i]!.scope));
});
