// Route table and matching (with FastAPI's 405 and trailing-slash redirect behaviour).
import type { Reply } from "./wire.ts";
import type { JsonObject } from "./util.ts";

export interface Req {
  method: string;
  path: string; // path under /api/v1, e.g. "/operations/op_x"
  query: URLSearchParams;
  rawBody: string;
  /** Parsed JSON body: undefined when empty, JsonParseError when not JSON. */
  body: unknown;
  requestId: string | null;
}

export class JsonParseError {
  readonly position: number;
  readonly message: string;
  constructor(position: number, message: string) {
    this.position = position;
    this.message = message;
  }
}

export type Handler = (req: Req, params: Record<string, string>) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: string; // "/operations/{operation_id}/results"
  handler: Handler;
}

export type Match =
  | { kind: "route"; route: Route; params: Record<string, string> }
  | { kind: "method_not_allowed" }
  | { kind: "redirect"; location: string }
  | { kind: "not_found" };

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.split("/");
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const val = s[i]!;
    if (seg.startsWith("{") && seg.endsWith("}")) {
      if (val === "") return null;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(val);
      } catch {
        return null;
      }
    } else if (seg !== val) return null;
  }
  return params;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, pattern, handler });
  }

  private find(method: string, path: string): Match {
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchPattern(r.pattern, path);
      if (!params) continue;
      if (r.method === method || (method === "HEAD" && r.method === "GET")) return { kind: "route", route: r, params };
      pathMatched = true;
    }
    return pathMatched ? { kind: "method_not_allowed" } : { kind: "not_found" };
  }

  match(method: string, path: string, prefix: string): Match {
    const m = this.find(method, path);
    if (m.kind !== "not_found") return m;
    // Starlette's redirect_slashes: try the path with/without a trailing slash.
    const alt = path.endsWith("/") ? path.slice(0, -1) : `${path}/`;
    if (alt && this.find(method, alt).kind === "route") return { kind: "redirect", location: `${prefix}${alt}` };
    return m;
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
