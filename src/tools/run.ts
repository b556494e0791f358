/**
 * Runs one tool call, transport-agnostic: admits it (the caller's scope, then its arguments,
 * checked once), calls the tool, maps failures to an agent-facing message and writes the
 * structured log line (and the audit line for operating tools). Returns plain data; the MCP
 * front ends (`src/mcp/`) turn it into their SDK's CallToolResult.
 *
 * `runTool` does both steps; a caller that must answer a refusal its own way (a task-augmented
 * start answers it as a JSON-RPC error) calls `admit` and then `runAdmitted`, so the arguments
 * are validated and the scope checked once per request whichever way the call came.
 */
import { z } from "zod";
import type { AuthContext } from "../auth/context";
import type { BackendConfig } from "../config";
import { KtrdrApi } from "../ktrdr/ktrdr.api";
import { isOperationId } from "../ktrdr/model";
import { BackendError } from "../ktrdr/errors";
import { log } from "../log";
import { describeError } from "./errors";
import { refusalFor } from "./scope";
import type { ToolContext, ToolDefinition } from "./tool";
import type { ViewFacts } from "./view-meta";

/** A tool's answer: its result (and the numbers it reported for the operation view), or the agent-facing error. */
export type ToolOutcome = { ok: true; value: Record<string, unknown>; view?: ViewFacts } | { ok: false; message: string };

export interface RunDeps {
  auth: AuthContext;
  backend: BackendConfig;
  signal: AbortSignal;
  requestId: string;
  progress?: ToolContext["progress"];
  fetch?: typeof fetch;
  now?: () => number;
}

/** A call the tool may run (its arguments as its input schema parsed them), or why not. */
export type Admission =
  | { ok: true; args: Record<string, unknown>; operationId?: string; started: number }
  | { ok: false; refused: "scope" | "arguments"; message: string };

/** Checks the caller's scope, then the arguments (a refusal is logged, with nothing sent to KTRDR). */
export function admit(def: ToolDefinition, args: Record<string, unknown>, deps: RunDeps): Admission {
  const started = Date.now();
  const operationId = echoableId(args);
  const refused = refusalFor(deps.auth, def.scope, def.name);
  if (refused) {
    finish(def, deps, { outcome: "refused", operationId, started });
    return { ok: false, refused: "scope", message: refused };
  }
  const parsed = inputSchemaOf(def).safeParse(args);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).slice(0, 5);
    finish(def, deps, { outcome: "refused", operationId: undefined, started });
    return {
      ok: false,
      refused: "arguments",
      message: `Invalid arguments for tool ${def.name}: ${problems.join("; ")}. Nothing was sent to KTRDR; fix them and call again.`,
    };
  }
  return { ok: true, args: parsed.data, operationId, started };
}

export async function runTool(def: ToolDefinition, args: Record<string, unknown>, deps: RunDeps): Promise<ToolOutcome> {
  const admitted = admit(def, args, deps);
  return admitted.ok ? runAdmitted(def, admitted, deps) : { ok: false, message: admitted.message };
}

/** Runs a call `admit` let through. */
export async function runAdmitted(def: ToolDefinition, call: Extract<Admission, { ok: true }>, deps: RunDeps): Promise<ToolOutcome> {
  const { operationId, started } = call;
  const api = new KtrdrApi(deps.backend, { fetch: deps.fetch, requestId: deps.requestId, signal: deps.signal });
  let view: ViewFacts | undefined;
  const ctx: ToolContext = {
    api,
    auth: deps.auth,
    signal: deps.signal,
    progress: deps.progress ?? (async () => {}),
    viewFacts: (facts) => {
      view = { ...view, ...facts };
    },
    now: deps.now ?? (() => Date.now()),
  };
  try {
    const value: Record<string, unknown> = await def.run(call.args, ctx);
    const resultId = typeof value.operation_id === "string" ? value.operation_id : operationId;
    finish(def, deps, { outcome: "ok", operationId: resultId, started, backendCalls: api.callCount });
    return view ? { ok: true, value, view } : { ok: true, value };
  } catch (err) {
    const message = describeError(err, { tool: def.name, startsOperation: def.startsOperation, operationId, backendHost: api.backendHost });
    const cause =
      err instanceof BackendError
        ? `${err.failure.kind}${err.status ? ` ${err.status}` : ""}`
        : err instanceof Error
          ? err.name
          : "unknown";
    if (!(err instanceof BackendError) && !(err instanceof Error && err.name === "ToolError")) {
      // Unexpected: keep the detail in the server log (never in the result).
      log("error", "tool_crash", {
        tool: def.name,
        request_id: deps.requestId,
        error: err instanceof Error ? err.message.slice(0, 300) : "non-error thrown",
      });
    }
    finish(def, deps, { outcome: "error", operationId, started, backendCalls: api.callCount, cause });
    return { ok: false, message };
  }
}

/**
 * Each tool's input shape as one zod object, built on the tool's first call and reused: building
 * the object costs far more than parsing a call's arguments with it (~80 µs against ~1 µs in workerd,
 * bench/stages.mjs), and a definition's shape never changes after it is defined.
 */
const inputSchemas = new WeakMap<ToolDefinition, z.ZodObject>();

function inputSchemaOf(def: ToolDefinition): z.ZodObject {
  let schema = inputSchemas.get(def);
  if (!schema) {
    schema = z.object(def.input);
    inputSchemas.set(def, schema);
  }
  return schema;
}

/** The operation (or task) id of a call, when it is well formed: only such an id is repeated in messages and logs. */
function echoableId(args: Record<string, unknown>): string | undefined {
  const raw = typeof args.operation_id === "string" ? args.operation_id : typeof args.task_id === "string" ? args.task_id : undefined;
  return raw !== undefined && isOperationId(raw) ? raw : undefined;
}

function finish(
  def: ToolDefinition,
  deps: RunDeps,
  f: { outcome: "ok" | "error" | "refused"; operationId?: string; started: number; backendCalls?: number; cause?: string },
): void {
  const fields = {
    tool: def.name,
    principal: deps.auth.principal,
    auth: deps.auth.method,
    operation_id: f.operationId,
    outcome: f.outcome,
    cause: f.cause,
    request_id: deps.requestId,
    backend_calls: f.backendCalls,
    ms: Date.now() - f.started,
  };
  log(f.outcome === "ok" ? "info" : "warn", "tool_call", fields);
  if (def.scope === "ktrdr:operate") log("info", "audit", { ...fields, backend_calls: undefined, ms: undefined });
}
