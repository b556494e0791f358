// Request validation that reports problems the way FastAPI/pydantic does (type, loc, msg, input).
import type { ValidationIssue } from "./wire.ts";
import type { Json, JsonObject } from "./util.ts";
import { parseDate } from "./util.ts";

function quoteList(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}` : q.join("");
}

export function enumIssue(
  loc: (string | number)[],
  allowed: readonly string[],
  input: Json,
  type: "enum" | "literal_error" = "enum",
): ValidationIssue {
  const expected = quoteList(allowed);
  return { type, loc, msg: `Input should be ${expected}`, input, ctx: { expected } };
}

export const missing = (loc: (string | number)[], input: Json): ValidationIssue => ({ type: "missing", loc, msg: "Field required", input });

/** Query parameter checks. */
export class QueryCheck {
  readonly issues: ValidationIssue[] = [];
  private readonly q: URLSearchParams;
  constructor(q: URLSearchParams) {
    this.q = q;
  }

  enumOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.q.get(name);
    if (v === null) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      this.issues.push(enumIssue(["query", name], allowed, v));
      return undefined;
    }
    return v as T;
  }

  int(name: string, def: number | undefined, min: number, max: number): number | undefined {
    const v = this.q.get(name);
    if (v === null) return def;
    if (!/^[+-]?\d+$/.test(v.trim())) {
      this.issues.push({
        type: "int_parsing",
        loc: ["query", name],
        msg: "Input should be a valid integer, unable to parse string as an integer",
        input: v,
      });
      return def;
    }
    const n = Number(v);
    if (n < min) {
      this.issues.push({
        type: "greater_than_equal",
        loc: ["query", name],
        msg: `Input should be greater than or equal to ${min}`,
        input: v,
        ctx: { ge: min },
      });
      return def;
    }
    if (n > max) {
      this.issues.push({
        type: "less_than_equal",
        loc: ["query", name],
        msg: `Input should be less than or equal to ${max}`,
        input: v,
        ctx: { le: max },
      });
      return def;
    }
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const v = this.q.get(name);
    if (v === null) return def;
    const s = v.toLowerCase();
    if (["true", "1", "yes", "on", "t", "y"].includes(s)) return true;
    if (["false", "0", "no", "off", "f", "n"].includes(s)) return false;
    this.issues.push({
      type: "bool_parsing",
      loc: ["query", name],
      msg: "Input should be a valid boolean, unable to interpret input",
      input: v,
    });
    return def;
  }

  str(name: string): string | undefined {
    return this.q.get(name) ?? undefined;
  }
}

/** JSON body field checks (the body must already be a parsed object). */
export class BodyCheck {
  readonly issues: ValidationIssue[] = [];
  readonly body: JsonObject;
  constructor(body: JsonObject) {
    this.body = body;
  }

  private has(name: string): boolean {
    return this.body[name] !== undefined;
  }

  str(name: string, required: boolean): string | null {
    if (!this.has(name) || this.body[name] === null) {
      if (required) this.issues.push(missing(["body", name], this.body));
      return null;
    }
    const v = this.body[name];
    if (typeof v !== "string") {
      this.issues.push({ type: "string_type", loc: ["body", name], msg: "Input should be a valid string", input: v ?? null });
      return null;
    }
    return v;
  }

  /** A string enum (pydantic `Enum` → type "enum"; `Literal[...]` → type "literal_error"). */
  enumOf<T extends string>(name: string, allowed: readonly T[], def: T | null, required = false, literal = false): T | null {
    if (!this.has(name) || this.body[name] === null) {
      if (required) this.issues.push(missing(["body", name], this.body));
      return def;
    }
    const v = this.body[name];
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.issues.push(enumIssue(["body", name], allowed, v ?? null, literal ? "literal_error" : "enum"));
      return def;
    }
    return v as T;
  }

  strList(name: string, required: boolean, nonEmpty: boolean): string[] | null {
    if (!this.has(name) || this.body[name] === null) {
      if (required) this.issues.push(missing(["body", name], this.body));
      return null;
    }
    const v = this.body[name];
    if (!Array.isArray(v)) {
      this.issues.push({ type: "list_type", loc: ["body", name], msg: "Input should be a valid list", input: v ?? null });
      return null;
    }
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x !== "string")
        this.issues.push({ type: "string_type", loc: ["body", name, i], msg: "Input should be a valid string", input: x });
      else out.push(x);
    });
    if (nonEmpty && v.length === 0) {
      this.issues.push({
        type: "too_short",
        loc: ["body", name],
        msg: "List should have at least 1 item after validation, not 0",
        input: v,
        ctx: { field_type: "List", min_length: 1, actual_length: 0 },
      });
      return null;
    }
    return out;
  }

  num(name: string, def: number, min?: number): number {
    if (!this.has(name) || this.body[name] === null) return def;
    const v = this.body[name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      this.issues.push({ type: "float_type", loc: ["body", name], msg: "Input should be a valid number", input: v ?? null });
      return def;
    }
    if (min !== undefined && v < min) {
      this.issues.push({
        type: "greater_than_equal",
        loc: ["body", name],
        msg: `Input should be greater than or equal to ${min}`,
        input: v,
        ctx: { ge: min },
      });
      return def;
    }
    return v;
  }

  bool(name: string, def: boolean): boolean {
    if (!this.has(name) || this.body[name] === null) return def;
    const v = this.body[name];
    if (typeof v !== "boolean") {
      this.issues.push({ type: "bool_type", loc: ["body", name], msg: "Input should be a valid boolean", input: v ?? null });
      return def;
    }
    return v;
  }

  /** A datetime field (ISO or YYYY-MM-DD); returns [original string, epoch ms]. */
  date(name: string): [string, number] | null {
    const s = this.str(name, false);
    if (s === null) return null;
    const ms = parseDate(s);
    if (ms === null) {
      this.issues.push({
        type: "datetime_from_date_parsing",
        loc: ["body", name],
        msg: "Input should be a valid datetime or date, invalid character in year",
        input: s,
      });
      return null;
    }
    return [s, ms];
  }

  object(name: string): JsonObject | null {
    if (!this.has(name) || this.body[name] === null) return null;
    const v = this.body[name];
    if (typeof v !== "object" || Array.isArray(v)) {
      this.issues.push({
        type: "model_type",
        loc: ["body", name],
        msg: "Input should be a valid dictionary or instance of the model",
        input: v ?? null,
      });
      return null;
    }
    return v as JsonObject;
  }
}

import { validationError } from "./wire.ts";
import type { Reply, WireVersion } from "./wire.ts";
import { JsonParseError, isObject } from "./router.ts";
import type { Req } from "./router.ts";

/** The request's JSON object body, or the 422 FastAPI would send. `optional` bodies may be empty. */
export function bodyObject(req: Req, version: WireVersion, optional = false): JsonObject | Reply {
  if (req.body === undefined) {
    if (optional) return {};
    return validationError(version, [missing(["body"], null)]);
  }
  if (req.body instanceof JsonParseError) {
    return validationError(version, [
      { type: "json_invalid", loc: ["body", req.body.position], msg: "JSON decode error", input: {}, ctx: { error: req.body.message } },
    ]);
  }
  if (!isObject(req.body)) {
    return validationError(version, [
      {
        type: "model_attributes_type",
        loc: ["body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: req.body as Json,
      },
    ]);
  }
  return req.body;
}

export function isReply(v: unknown): v is Reply {
  return isObject(v) && typeof (v as { status?: unknown }).status === "number" && typeof (v as { body?: unknown }).body === "string";
}
