/**
 * Runs one tool call, transport-agnostic: checks the scope, calls the tool, maps failures to an
 * agent-facing message and writes the structured log line (and the audit line for operating
 * tools). Returns plain data; `mcp/register.ts` turns it into an MCP CallToolResult.
 */
import { z } from "zod";
import type { AuthContext } from "../auth/context";
import type { BackendConfig } from "../config";
import { KtrdrApi } from "../ktrdr/ktrdr.api";
import { BackendError } from "../ktrdr/errors";
import { log } from "../log";
import { describeError } from "./errors";
import { isOperationId } from "./inputs";
import { refusalFor } from "./scope";
import type { ToolContext, ToolDefinition } from "./tool";

export type ToolOutcome = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

export interface RunDeps {
  auth: AuthContext;
  backend: BackendConfig;
  signal: AbortSignal;
  requestId: string;
  progress?: ToolContext["progress"];
  fetch?: typeof fetch;
  now?: () => number;
}

export async function runTool(def: ToolDefinition, args: Record<string, unknown>, deps: RunDeps): Promise<ToolOutcome> {
  const started = Date.now();
  const rawId = typeof args.operation_id === "string" ? args.operation_id : typeof args.task_id === "string" ? args.task_id : undefined;
  // Only a well-formed id is repeated back in messages and logs.
  const operationId = rawId && isOperationId(rawId) ? rawId : undefined;
  const refused = refusalFor(deps.auth, def.scope, def.name);
  if (refused) {
    finish(def, deps, { outcome: "refused", operationId, started });
    return { ok: false, message: refused };
  }
  // Transports validate too (the MCP SDK does), but a tool never runs on unchecked input.
  const parsed = z.object(def.input).safeParse(args);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).slice(0, 5);
    finish(def, deps, { outcome: "refused", operationId: undefined, started });
    return {
      ok: false,
      message: `Invalid arguments for ${def.name}: ${problems.join("; ")}. Nothing was sent to KTRDR; fix them and call again.`,
    };
  }
  args = parsed.data as Record<string, unknown>;
  const api = new KtrdrApi(deps.backend, { fetch: deps.fetch, requestId: deps.requestId, signal: deps.signal });
  const ctx: ToolContext = {
    api,
    auth: deps.auth,
    signal: deps.signal,
    progress: deps.progress ?? (async () => {}),
    now: deps.now ?? (() => Date.now()),
  };
  try {
    const value = (await def.run(args as never, ctx)) as Record<string, unknown>;
    const resultId = typeof value.operation_id === "string" ? value.operation_id : operationId;
    finish(def, deps, { outcome: "ok", operationId: resultId, started, backendCalls: api.callCount });
    return { ok: true, value };
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
