/**
 * What a tool is, independent of any transport: a name, the words an agent reads, zod input and
 * output shapes, annotations, the scope it needs, whether it starts a backend operation and which
 * kind of result the operation view shows for it, and a function from validated input to a result
 * object. Everything else (task support, the view's links, error wording, listings) asks the
 * definition; the MCP front ends in `src/mcp/` adapt these to their SDKs, and another transport
 * can reuse them unchanged.
 */
import type { z } from "zod";
import type { AuthContext, Scope } from "../auth/context";
import type { KtrdrApi } from "../ktrdr/ktrdr.api";
import type { ViewFacts, ViewKind } from "./view-meta";

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint: boolean;
}

export interface ToolContext {
  api: KtrdrApi;
  auth: AuthContext;
  signal: AbortSignal;
  /** Reports progress to the client when it asked for it (no-op otherwise). */
  progress: (progress: number, total: number | undefined, message: string) => Promise<void>;
  /** Numbers for the operation view, sent beside the result in its `_meta` (not shown to the model, in no output schema). */
  viewFacts: (facts: ViewFacts) => void;
  /** Clock, injectable for tests. */
  now: () => number;
}

export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  annotations: ToolAnnotations;
  /** It starts a backend operation and answers with the started-operation shape: it can run as an MCP task. */
  startsOperation: boolean;
  /** The kind of result the operation view shows for it, or false when it has no view. */
  view: ViewKind | false;
  input: I;
  output: O;
  run: (args: z.output<z.ZodObject<I>>, ctx: ToolContext) => Promise<z.input<z.ZodObject<O>>>;
}

/** Identity function that keeps the input and output types of one tool tied together. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(def: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return def;
}

/** An error meant for the agent: one line saying what happened, then what to do next. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

/** Reads: idempotentHint and destructiveHint only mean something for tools that write (MCP spec). */
export const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
/** Writes: idempotentHint is left out where it is false (its MCP default); destructiveHint defaults to true, so it stays. */
export const START: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, openWorldHint: false };

/** What a reading tool is: the read scope, read-only, starts nothing, no view (a view tool names its kind on top). */
export const READER = { scope: "ktrdr:read", annotations: READ, startsOperation: false, view: false } as const;
/** What a start tool is: the operate scope, it starts an operation (so it can run as an MCP task), the view shows the start. */
export const STARTER = { scope: "ktrdr:operate", annotations: START, startsOperation: true, view: "started" } as const;
