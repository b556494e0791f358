/**
 * Turns anything a tool throws into the one-line message an agent sees: the cause first, then
 * the next step. "Retry" is said only for faults that are transient. Never a stack trace, never a
 * header or a secret, never the backend URL's path beyond its host.
 */
import { BackendError, type HttpCause, Unsupported } from "../ktrdr/errors";
import { echo } from "./echo";
import { ToolError } from "./tool";

export interface ErrorSubject {
  /** The tool (or MCP method) the agent called, named in the message. */
  tool: string;
  /** The call starts a backend operation (a timeout or a busy worker then says whether anything started). */
  startsOperation?: boolean;
  operationId?: string;
  backendHost?: string;
}

export function describeError(err: unknown, s: ErrorSubject): string {
  if (err instanceof ToolError) return err.message;
  if (err instanceof BackendError) return describeBackendError(err, s);
  if (err instanceof Unsupported) return describeUnsupported(err);
  return `Internal error in ${s.tool}. Retry once; if it happens again, report it to the server operator.`;
}

export function describeUnsupported(err: Unsupported): string {
  switch (err.feature) {
    case "local_mode":
      return (
        `KTRDR ${err.version} has no 'local' data-load mode (it only downloads: tail, backfill or full). ` +
        "To read what is cached, use get_data_summary or get_market_data; to fetch more, call trigger_data_loading with mode tail. " +
        "Nothing was started."
      );
    case "backtest_without_model_path":
      return (
        `KTRDR ${err.version} needs model_path for a backtest (without one it starts and then fails). ` +
        "Take it from a completed training: get_operation_results(<training operation_id>) → results.model_path, " +
        "then call start_backtest again with it. Nothing was started."
      );
    case "research":
      return (
        `KTRDR ${err.version} has no research cycles (they came with v2026); nothing was sent. ` +
        "Run the steps yourself: start_training, then start_backtest with the trained model."
      );
    case "resume":
      return (
        `KTRDR ${err.version} keeps no checkpoints, so it cannot resume an operation. ` +
        "Call resume_operation with from=beginning to start it again with its recorded parameters. Nothing was sent to KTRDR."
      );
    case "checkpoints":
      return (
        `KTRDR ${err.version} keeps no checkpoints: there is none to discard. ` +
        "Call cancel_operation without discard_checkpoint to cancel it. Nothing was sent to KTRDR."
      );
  }
}

function describeBackendError(err: BackendError, s: ErrorSubject): string {
  const f = err.failure;
  const where = s.backendHost ? ` at ${s.backendHost}` : "";
  const ref = ` (request ${err.requestId})`;
  switch (f.kind) {
    case "unreachable":
      return (
        `KTRDR backend unreachable${where}: connection failed. Check that the backend (and its Cloudflare Tunnel) is running, ` +
        "then retry; check_backend_health tells when it is back."
      );
    case "timeout":
      return (
        `KTRDR backend did not answer within ${Math.max(1, Math.round(f.afterMs / 1000))} s${where}. ` +
        `It may be overloaded or the tunnel slow: retry in a minute${
          s.startsOperation ? ", but first call list_operations(active_only=true) — the start may have gone through" : ""
        }.`
      );
    case "aborted":
      return `The request was cancelled before KTRDR answered.`;
    case "not_json":
      if (f.hint === "access_login")
        return (
          `KTRDR backend answered with a login page instead of JSON (HTTP ${f.status}): Cloudflare Access rejected the Worker's ` +
          "service token. The operator must set valid CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET secrets; retrying will not help."
        );
      if (f.hint === "tunnel")
        return (
          `Cloudflare tunnel error ${f.status}${where}: the backend behind the tunnel did not answer in time or is down. ` +
          "Retry in a minute; if it persists, the operator should check cloudflared and the backend."
        );
      return (
        `KTRDR backend answered HTTP ${f.status} with a non-JSON page${where}: KTRDR_API_URL may point at the wrong service or path ` +
        "(it must end in /api/v1). Ask the operator to check it."
      );
    case "bad_json":
      return (
        `KTRDR backend sent malformed or truncated JSON (HTTP ${f.status})${ref}. ` +
        "Retry; if it persists, the backend or tunnel is faulty."
      );
    case "bad_shape":
      return (
        `KTRDR backend's answer lacks a fact this server needs (at '${f.where}', HTTP ${f.status})${ref}, so nothing is reported ` +
        "rather than a guess. The backend version may be unsupported; check_backend_health shows its version."
      );
    case "http":
      return describeHttp(f.status, f.message, f.cause, s, ref);
    case "too_large":
      return (
        `KTRDR's answer was larger than this server reads (over ${Math.round(f.limit / 1024)} KiB, HTTP ${f.status})${ref}; ` +
        "narrow the request (filters, a shorter range) and call it again."
      );
    case "bad_input":
      return (
        `Invalid id or name ${JSON.stringify(echo(f.value))}: ids are like op_training_20251004_143530_b5c6d7e8 and names like AAPL ` +
        `(letters, digits, _ . : -). Nothing was sent to KTRDR; fix it and call ${s.tool} again.`
      );
  }
}

function describeHttp(status: number, message: string, cause: HttpCause, s: ErrorSubject, ref: string): string {
  const op = s.operationId ?? "";
  switch (cause.is) {
    case "operation_not_found":
      return (
        `Operation ${op} not found. It may never have existed, or was lost when the backend restarted ` +
        "(v2025 backends keep operations in memory). Call list_operations to see the operations the backend knows now."
      );
    case "route_missing":
      return (
        `KTRDR backend has no such endpoint (HTTP 404 for ${s.tool}): KTRDR_API_URL must end in /api/v1, ` +
        "or the backend is a KTRDR version without it (check_backend_health shows the version)."
      );
    case "not_finished":
      return notFinishedMessage(op, cause.status);
    case "not_cancellable":
      return alreadyFinishedMessage(op, cause.status);
    case "not_research":
      return `Operation ${op} is not a research cycle (KTRDR HTTP 404 not_research): cancel_operation cancels it by its own route.`;
    case "strategy_not_found":
      return `KTRDR has no such strategy (HTTP ${status}): ${message.split(". ")[0]}. get_available_strategies lists them; nothing was started.`;
    case "record_unserialisable":
      return s.operationId
        ? `KTRDR cannot serialise this operation's record (HTTP ${status} PydanticSerializationError, a v2025 bug once a training ` +
            `completes; it will not go away by retrying), and no other endpoint could answer for it${ref}. ` +
            "Call list_operations to see its status."
        : `KTRDR cannot serialise its answer (HTTP ${status} PydanticSerializationError)${ref}; retrying will not help. ` +
            "The backend operator should check KTRDR's logs.";
    case "workers_busy":
      return (
        `KTRDR has no free ${cause.worker_type ? `${cause.worker_type} ` : ""}worker (HTTP 503): its only one is busy, ` +
        `or still being released after its last operation.${s.startsOperation ? " Nothing was started; call" : " Call"} ` +
        "list_operations(active_only=true) to see what runs."
      );
    case "resume_no_worker":
      return (
        "KTRDR has no free training worker to resume on (HTTP 503): its one worker is busy, or still being released " +
        "after its last operation. Nothing was resumed; call resume_operation again with wait_seconds 15."
      );
    case "no_checkpoint":
      return (
        `KTRDR has no checkpoint of ${op || "this operation"} to resume from (HTTP 404), and may now report it failed. ` +
        "Call resume_operation with from=beginning to start it again."
      );
    case "not_resumable":
      return resumeRefusedMessage(op, cause.status);
    case "invalid_request":
      return `KTRDR rejected the request (HTTP ${status}): ${message}. Fix the arguments and call ${s.tool} again.`;
    case "other":
      break;
  }
  if (status === 404) return `KTRDR backend: not found (HTTP 404): ${message}. Check the names with the get_available_* tools.`;
  if (status === 503 || status === 502 || status === 504)
    return `KTRDR backend is temporarily unable to serve this (HTTP ${status}): ${message}. Retry in a minute.`;
  if (status >= 500)
    return (
      `KTRDR backend failed with an internal error (HTTP ${status}): ${message}${ref}. This is not known to be transient: ` +
      "retry once, and if it fails again the backend operator should check KTRDR's logs for this request id."
    );
  return `KTRDR backend refused the request (HTTP ${status}): ${message}.`;
}

/** KTRDR's 409 to a resume, for the operation's status (L26/463 completed; L26/469 cancelled in the API, not in its database). */
export function resumeRefusedMessage(op: string, status: string): string {
  if (status === "completed")
    return `KTRDR refuses to resume ${op}: it is already completed (HTTP 409). Read its outcome with get_operation_results.`;
  return (
    `KTRDR refuses to resume ${op} from status ${status} (HTTP 409): its own database no longer records it as cancelled or failed ` +
    "(a cancel that did not reach its worker, which ran on). Call resume_operation with from=beginning to start it again."
  );
}

export function notFinishedMessage(op: string, status: string): string {
  return (
    `Operation ${op} is still ${status}; results exist once it has completed or failed. ` +
    "Check again later with get_operation_status (or wait_seconds)."
  );
}

export function alreadyFinishedMessage(op: string, status: string, backendSaid?: string): string {
  const said = backendSaid ? ` (KTRDR reports it as ${backendSaid})` : "";
  const next = status === "completed" || status === "failed" ? " Read its outcome with get_operation_results." : "";
  return `Operation ${op} is already ${status}${said}; there is nothing to cancel.${next}`;
}
