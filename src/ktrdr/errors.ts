/**
 * What can go wrong talking to the KTRDR backend, as data. The adapter raises these; the tool
 * layer turns them into one-line, actionable messages for agents (`tools/errors.ts`).
 *
 * HTTP errors are classified here, once, into causes (`HttpCause`): the backend's English texts
 * ("Operation not found: …", "cannot be cancelled (status: OperationStatus.COMPLETED)", …) are
 * read in this file and nowhere else. Messages never contain headers, secrets or stack traces;
 * the backend's own text passes the scrubber (`scrub.ts`: no secret, no absolute path, no
 * control character, bounded) before it is kept.
 */
import { scrubText } from "./scrub";

/** Why an HTTP error happened, when the server recognises it. */
export type HttpCause =
  | { is: "operation_not_found" }
  /** FastAPI's answer for a route that does not exist (as opposed to a missing entity). */
  /** v2026: the operation has no checkpoint (never written, deleted on completion, or discarded). */
  | { is: "checkpoint_not_found" }
  /** `POST /strategies/validate/{name}` of a name with no strategy file (404 "Strategy file not found: x.yaml", both versions). */
  | { is: "strategy_not_found" }
  | { is: "route_missing" }
  /** `/results` of an operation that is not completed or failed. */
  | { is: "not_finished"; status: string }
  /** DELETE of an operation that is already finished. */
  | { is: "not_cancellable"; status: string }
  /** v2025: the record of a completed training cannot be serialised (PydanticSerializationError), for good. */
  | { is: "record_unserialisable" }
  /** v2026 `DELETE /agent/cancel/{id}` of an operation that is not a research cycle (L26/536). */
  | { is: "not_research" }
  /** v2026 `POST /agent/trigger` naming a strategy KTRDR has no file for (422, L26/538). */
  | { is: "strategy_not_found" }
  /** v2026: the one worker of this type is busy (or not yet released after its last operation). */
  | { is: "workers_busy"; worker_type?: string }
  /**
   * v2026 `POST /operations/{id}/resume`: no training worker free (503, a plain string detail, unlike a
   * start's object; L26/019, 020). Nothing was resumed, so asking again is safe.
   */
  | { is: "resume_no_worker" }
  /** v2026 resume of an operation without a checkpoint (404 "No checkpoint available…", L26/473, 1286). */
  | { is: "no_checkpoint" }
  /**
   * v2026 resume refused for the operation's status (409): "already completed" (L26/463), or "Cannot
   * resume … from status cancelled" when KTRDR's database no longer says cancelled/failed (L26/469).
   */
  | { is: "not_resumable"; status: string }
  /** The backend refused an argument (422, 400, or v2026's 500 "Invalid mode"). Permanent. */
  | { is: "invalid_request" }
  | { is: "other" };

export type BackendFailure =
  | { kind: "unreachable" }
  | { kind: "timeout"; afterMs: number }
  | { kind: "aborted" }
  /** The backend (or the tunnel in front of it) answered HTML or other non-JSON. */
  | { kind: "not_json"; status: number; hint: "access_login" | "tunnel" | "other" }
  /** The body claimed to be JSON but could not be parsed (malformed or truncated). */
  | { kind: "bad_json"; status: number }
  /** JSON that lacks a fact the server relies on (never filled in with a default). */
  | { kind: "bad_shape"; status: number; where: string }
  /** An HTTP error with a JSON body in either of KTRDR's error shapes. */
  | { kind: "http"; status: number; message: string; code?: string; cause: HttpCause }
  /** A value that cannot be a path segment; refused before any request. */
  | { kind: "bad_input"; value: string }
  /** An answer larger than the call allows (`maxBytes`): not read further. */
  | { kind: "too_large"; status: number; limit: number };

/** Statuses of gateways and tunnels that usually clear up by themselves. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([502, 503, 504, 520, 521, 522, 523, 524, 530]);

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
  /** The recognised cause of an HTTP error (`other` for anything else). */
  get httpCause(): HttpCause {
    return this.failure.kind === "http" ? this.failure.cause : { is: "other" };
  }
  is<K extends HttpCause["is"]>(k: K): boolean {
    return this.httpCause.is === k;
  }
  /** Whether the same request may well succeed in a moment. */
  get transient(): boolean {
    return isTransient(this.failure);
  }
}

export function isTransient(f: BackendFailure): boolean {
  switch (f.kind) {
    case "unreachable":
    case "timeout":
    case "bad_json":
      return true;
    case "not_json":
      return f.hint === "tunnel";
    case "http":
      return f.cause.is === "other" && TRANSIENT_STATUSES.has(f.status);
    default:
      return false;
  }
}

/**
 * KTRDR quotes Python enum members in some texts ("status: OperationStatus.COMPLETED"); the
 * status itself is the lower-case member name.
 */
export function statusFromText(s: string): string {
  return s.replace(/^OperationStatus\./i, "").toLowerCase();
}

interface ErrorBody {
  message: string;
  code?: string;
  /** `error.details.type` of the envelope, e.g. PydanticSerializationError. */
  detailType?: string;
  /** The object of an object-valued `detail` (v2026 503s). */
  detailObject?: Record<string, unknown>;
  /** v2026 research routes' `{success: false, reason, message}` (L26/534–536): KTRDR's reason code. */
  reason?: string;
}

/**
 * Reads KTRDR's error shapes: FastAPI's `{"detail": str | [{loc,msg}] | object}`, the envelope
 * `{"success": false, "error": {"code", "message", "details"}}`, and the research routes'
 * `{"success": false, "reason", "message"}` (L26/534–536). The message is scrubbed, with
 * `secrets` (the service token: a backend or proxy may quote request headers back) redacted.
 */
export function readErrorBody(body: unknown, secrets: ReadonlyArray<string | undefined> = []): ErrorBody | undefined {
  if (!body || typeof body !== "object") return undefined;
  const cleanText = (text: string, o: { max?: number } = {}) => scrubText(text, { secrets, ...o });
  const b = body as Record<string, unknown>;
  if (typeof b.reason === "string" && typeof b.message === "string" && !("detail" in b) && !("error" in b)) {
    return { message: cleanText(b.message), reason: cleanText(b.reason, { max: 64 }) };
  }
  if (b.error && typeof b.error === "object") {
    const e = b.error as Record<string, unknown>;
    const code = typeof e.code === "string" ? e.code : undefined;
    let message = typeof e.message === "string" ? e.message : "";
    let detailType: string | undefined;
    if (Array.isArray(e.details) && e.details.length > 0) {
      const parts = e.details
        .map((d) => (d && typeof d === "object" ? formatFieldError(d as Record<string, unknown>) : ""))
        .filter(Boolean);
      if (parts.length) message = `${message}${message ? ": " : ""}${parts.join("; ")}`;
    } else if (e.details && typeof e.details === "object") {
      const t = (e.details as Record<string, unknown>).type;
      if (typeof t === "string") detailType = t;
    }
    return { message: cleanText(message || code || "error"), code, detailType };
  }
  if ("detail" in b) {
    const d = b.detail;
    if (typeof d === "string") return { message: cleanText(d) };
    if (Array.isArray(d)) {
      const parts = d.map((x) => (x && typeof x === "object" ? formatFieldError(x as Record<string, unknown>) : String(x))).filter(Boolean);
      return { message: cleanText(parts.join("; ") || "validation error"), code: "VALIDATION_ERROR" };
    }
    if (d && typeof d === "object") {
      const o = d as Record<string, unknown>;
      const text = typeof o.message === "string" ? o.message : typeof o.error === "string" ? o.error : JSON.stringify(o);
      return { message: cleanText(text), code: typeof o.code === "string" ? o.code : undefined, detailObject: o };
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

/** The cause of an HTTP error, from its status and body: the one place KTRDR's error texts are read. */
export function classifyHttp(status: number, e: ErrorBody | undefined): HttpCause {
  const msg = e?.message ?? "";
  // v2026 research routes name their reason (L26/534–536).
  if (e?.reason === "not_found" && status === 404) return { is: "operation_not_found" };
  if (e?.reason === "not_research" && status === 404) return { is: "not_research" };
  if (e?.reason === "not_cancellable") {
    // "Cannot cancel failed operation" (L26/534, 552).
    const word = /cannot cancel (\w+) operation/i.exec(msg)?.[1];
    return { is: "not_cancellable", status: word ? statusFromText(word) : "finished" };
  }
  if (status === 422 && /^strategy not found: /i.test(msg)) return { is: "strategy_not_found" };
  if (status === 404 && /^not found$/i.test(msg.trim())) return { is: "route_missing" };
  if (status === 404 && /^operation not found\b/i.test(msg)) return { is: "operation_not_found" };
  // v2026 `GET`/`DELETE /checkpoints/{id}` of an operation without one (L26/005, 462, 1284).
  if (status === 404 && /^checkpoint not found\b/i.test(msg)) return { is: "checkpoint_not_found" };
  if (status === 404 && /^strategy file not found\b/i.test(msg)) return { is: "strategy_not_found" };
  const notFinished = /not finished \(status: ([\w.]+)\)/i.exec(msg);
  if (status === 400 && notFinished?.[1]) return { is: "not_finished", status: statusFromText(notFinished[1]) };
  const notCancellable = /cannot be cancelled \(status: ([\w.]+)\)/i.exec(msg);
  if (status === 400 && notCancellable?.[1]) return { is: "not_cancellable", status: statusFromText(notCancellable[1]) };
  if (status >= 500 && e?.detailType === "PydanticSerializationError") return { is: "record_unserialisable" };
  if (status === 503 && !e?.detailObject && /^no \w+ worker available to resume/i.test(msg)) return { is: "resume_no_worker" };
  if (status === 404 && /^no checkpoint available\b/i.test(msg)) return { is: "no_checkpoint" };
  const notResumable = /is already (\w+)\s*$|cannot resume operation \S+ from status ([\w.]+)/i.exec(msg);
  if (status === 409 && notResumable) return { is: "not_resumable", status: statusFromText(notResumable[1] ?? notResumable[2] ?? "") };
  if (status === 503 && e?.detailObject && /no \w+ workers available/i.test(msg)) {
    const t = e.detailObject.worker_type;
    return { is: "workers_busy", worker_type: typeof t === "string" ? t : undefined };
  }
  if (status === 422 || status === 400) return { is: "invalid_request" };
  // v2026 wraps a refused data-load mode in a 500; it is permanent, not a server fault.
  if (status === 500 && /invalid mode: /i.test(msg)) return { is: "invalid_request" };
  return { is: "other" };
}

/** Something the backend's version cannot do; refused before any request is sent. */
export class Unsupported extends Error {
  constructor(
    readonly version: "v2025" | "v2026",
    /** `resume` and `checkpoints`: v2025 keeps no checkpoints, so it can neither resume nor discard one. */
    readonly feature: "local_mode" | "backtest_without_model_path" | "research" | "resume" | "checkpoints",
  ) {
    super(`${feature} is not supported by KTRDR ${version}`);
    this.name = "Unsupported";
  }
}
