/**
 * What can go wrong talking to the KTRDR backend, as data. The adapter raises these; the tool
 * layer turns them into one-line, actionable messages for agents (see `describeBackendError`).
 * Messages never contain headers, secrets or stack traces; the backend's own error text is
 * truncated and stripped of control characters before it is kept.
 */
export type BackendFailure =
  | { kind: "unreachable" }
  | { kind: "timeout"; afterMs: number }
  | { kind: "aborted" }
  /** The backend (or the tunnel in front of it) answered HTML or other non-JSON. */
  | { kind: "not_json"; status: number; hint: "access_login" | "tunnel" | "other" }
  /** The body claimed to be JSON but could not be parsed (malformed or truncated). */
  | { kind: "bad_json"; status: number }
  /** JSON that does not have the shape the contract promises. */
  | { kind: "bad_shape"; status: number; where: string }
  /** An HTTP error with a JSON body in either of KTRDR's error shapes. */
  | { kind: "http"; status: number; message: string; code?: string }
  /** A value that cannot be a path segment; refused before any request. */
  | { kind: "bad_input"; value: string };

export class BackendError extends Error {
  readonly failure: BackendFailure;
  readonly requestId: string;
  readonly route: string;
  constructor(failure: BackendFailure, route: string, requestId: string) {
    super(`${failure.kind} on ${route}`);
    this.name = "BackendError";
    this.failure = failure;
    this.route = route;
    this.requestId = requestId;
  }
  get status(): number | undefined {
    return "status" in this.failure ? this.failure.status : undefined;
  }
  /** FastAPI's answer for a route that does not exist (as opposed to a missing entity). */
  get isRouteMissing(): boolean {
    const f = this.failure;
    return f.kind === "http" && f.status === 404 && /^not found$/i.test(f.message.trim());
  }
}

const MAX_MESSAGE = 300;

/** Backend-provided text, made safe to show: single line, no control characters, bounded. */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE - 1)}…` : oneLine;
}

/**
 * Reads either error shape: FastAPI's `{"detail": str | [{loc,msg}] | object}` or the envelope
 * `{"success": false, "error": {"code", "message", "details"}}`.
 */
export function readErrorBody(body: unknown): { message: string; code?: string } | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  if (b.error && typeof b.error === "object") {
    const e = b.error as Record<string, unknown>;
    const code = typeof e.code === "string" ? e.code : undefined;
    let message = typeof e.message === "string" ? e.message : "";
    if (Array.isArray(e.details) && e.details.length > 0) {
      const parts = e.details
        .map((d) => (d && typeof d === "object" ? formatFieldError(d as Record<string, unknown>) : ""))
        .filter(Boolean);
      if (parts.length) message = `${message}${message ? ": " : ""}${parts.join("; ")}`;
    }
    return { message: cleanText(message || code || "error"), code };
  }
  if ("detail" in b) {
    const d = b.detail;
    if (typeof d === "string") return { message: cleanText(d) };
    if (Array.isArray(d)) {
      const parts = d
        .map((x) => (x && typeof x === "object" ? formatFieldError(x as Record<string, unknown>) : String(x)))
        .filter(Boolean);
      return { message: cleanText(parts.join("; ") || "validation error"), code: "VALIDATION_ERROR" };
    }
    if (d && typeof d === "object") {
      const o = d as Record<string, unknown>;
      const msg = typeof o.message === "string" ? o.message : JSON.stringify(o);
      return { message: cleanText(msg), code: typeof o.code === "string" ? o.code : undefined };
    }
  }
  return undefined;
}

function formatFieldError(d: Record<string, unknown>): string {
  const where = Array.isArray(d.loc)
    ? d.loc.filter((p) => p !== "body" && p !== "query").join(".")
    : typeof d.field === "string"
      ? d.field.replace(/^(query|body) -> /, "")
      : "";
  const msg = typeof d.msg === "string" ? d.msg : typeof d.message === "string" ? d.message : "";
  return where ? `${where}: ${msg}` : msg;
}
