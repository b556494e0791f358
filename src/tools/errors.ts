/**
 * Turns anything a tool throws into the one-line message an agent sees: the cause first, then
 * the next step. Never a stack trace, never a header or a secret, never the backend URL's path
 * beyond its host.
 */
import { BackendError } from "../ktrdr/errors";
import { ToolError } from "./tool";

export interface ErrorSubject {
  tool: string;
  operationId?: string;
  backendHost?: string;
}

export function describeError(err: unknown, s: ErrorSubject): string {
  if (err instanceof ToolError) return err.message;
  if (err instanceof BackendError) return describeBackendError(err, s);
  return `Internal error in ${s.tool}. Retry once; if it happens again, report it to the server operator.`;
}

function describeBackendError(err: BackendError, s: ErrorSubject): string {
  const f = err.failure;
  const where = s.backendHost ? ` at ${s.backendHost}` : "";
  const ref = ` (request ${err.requestId})`;
  switch (f.kind) {
    case "unreachable":
      return `KTRDR backend unreachable${where}: connection failed. Check that the backend (and its Cloudflare Tunnel) is running, then retry; check_backend_health tells when it is back.`;
    case "timeout":
      return `KTRDR backend did not answer within ${Math.round(f.afterMs / 1000)} s${where}. It may be overloaded or the tunnel slow: retry in a minute${
        s.tool.startsWith("start_") || s.tool === "trigger_data_loading" ? ", but first call list_operations(active_only=true) — the start may have gone through" : ""
      }.`;
    case "aborted":
      return `The request was cancelled before KTRDR answered.`;
    case "not_json":
      if (f.hint === "access_login")
        return `KTRDR backend answered with a login page instead of JSON (HTTP ${f.status}): Cloudflare Access rejected the Worker's service token. The operator must set valid CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET secrets; retrying will not help.`;
      if (f.hint === "tunnel")
        return `Cloudflare tunnel error ${f.status}${where}: the backend behind the tunnel did not answer in time or is down. Retry in a minute; if it persists, the operator should check cloudflared and the backend.`;
      return `KTRDR backend answered HTTP ${f.status} with a non-JSON page${where}: KTRDR_API_URL may point at the wrong service or path (it must end in /api/v1). Ask the operator to check it.`;
    case "bad_json":
      return `KTRDR backend sent malformed or truncated JSON (HTTP ${f.status})${ref}. Retry; if it persists, the backend or tunnel is faulty.`;
    case "bad_shape":
      return `KTRDR backend's answer did not have the expected shape (at '${f.where}')${ref}. The backend version may be unsupported; check_backend_health shows its version.`;
    case "http":
      return describeHttp(f.status, f.message, s, ref);
    case "bad_input":
      return `Invalid id or name ${JSON.stringify(cleanId(f.value))}: ids are like op_training_20251004_143530_b5c6d7e8 and names like AAPL (letters, digits, _ . : -). Nothing was sent to KTRDR; fix it and call ${s.tool} again.`;
  }
}

function describeHttp(status: number, message: string, s: ErrorSubject, ref: string): string {
  const op = s.operationId;
  if (status === 404 && op && /operation not found|not found:/i.test(message)) {
    return `Operation ${op} not found. It may never have existed, or was lost when the backend restarted (v2025 backends keep operations in memory). Call list_operations to see the operations the backend knows now.`;
  }
  if (status === 404 && /^not found$/i.test(message)) {
    return `KTRDR backend has no such endpoint (HTTP 404 for ${s.tool}): KTRDR_API_URL must end in /api/v1, or the backend is a KTRDR version without it (check_backend_health shows the version).`;
  }
  if (status === 400 && /cannot be cancelled \(status: (\w+)\)/i.test(message)) {
    const st = /status: (\w+)/i.exec(message)?.[1] ?? "finished";
    return `Operation ${op ?? ""} is already ${st}; there is nothing to cancel.${st === "completed" || st === "failed" ? " Read its outcome with get_operation_results." : ""}`.replace("  ", " ");
  }
  if (status === 400 && /not finished \(status: (\w+)\)/i.test(message)) {
    const st = /status: (\w+)/i.exec(message)?.[1] ?? "unknown";
    return notFinishedMessage(op ?? "", st);
  }
  if (status === 422 || status === 400) {
    return `KTRDR rejected the request (HTTP ${status}): ${message}. Fix the arguments and call ${s.tool} again.`;
  }
  if (status === 404) return `KTRDR backend: not found (HTTP 404): ${message}. Check the names with the get_available_* tools.`;
  if (status === 503) return `KTRDR backend is temporarily unable to serve this (HTTP 503): ${message}. Retry in a minute.`;
  if (status >= 500) return `KTRDR backend failed (HTTP ${status}): ${message}${ref}. Retry later; if it persists the backend operator should check its logs.`;
  return `KTRDR backend refused the request (HTTP ${status}): ${message}.`;
}

function cleanId(v: string): string {
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u001f\u007f]/g, "?");
}

export function notFinishedMessage(op: string, status: string): string {
  if (status === "cancelled")
    return `Operation ${op} was cancelled, so it has no results. get_operation_status shows how far it got; start a new operation to get results.`;
  return `Operation ${op} is still ${status}; results exist only once it has completed or failed. Check again later with get_operation_status.`;
}
