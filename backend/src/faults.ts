// Fault injection for tests (only with --faults / KTRDR_FAULT_INJECTION=1): admin-set rules that
// make matching requests answer like a broken tunnel, proxy or backend.
import type { Reply } from "./wire.ts";
import { json } from "./wire.ts";

export const FAULT_KINDS = [
  "html",
  "html_403",
  "500_envelope",
  "500_detail",
  "502",
  "503_envelope",
  "524",
  "malformed_json",
  "truncated_json",
  "slow",
  "drop",
  "404_detail",
  "404_envelope",
  "400_detail",
  "400_envelope",
  "422_v2025",
  "422_envelope",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  method: string; // "*" or an HTTP method
  path: string; // glob: `*` matches any characters (including `/`)
  fault: FaultKind;
  times: number | null; // remaining matches; null = unlimited
  delay_ms: number; // waited before the fault (the whole point of `slow`)
  status: number | null; // override the status of html faults
  hits: number;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

export class FaultInjector {
  private rules: FaultRule[] = [];

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
  }

  /** Parse and add rules; returns an error message for a bad request. */
  add(body: unknown): string | null {
    const rules = (body as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(rules) || rules.length === 0)
      return 'body must be {"rules": [ {method?, path, fault, times?, delay_ms?, status?}, ... ]}';
    const parsed: FaultRule[] = [];
    for (const r of rules as Record<string, unknown>[]) {
      if (typeof r !== "object" || r === null) return "each rule must be an object";
      if (typeof r.path !== "string" || !r.path.startsWith("/")) return "rule.path must be a path glob starting with /";
      if (typeof r.fault !== "string" || !(FAULT_KINDS as readonly string[]).includes(r.fault))
        return `rule.fault must be one of: ${FAULT_KINDS.join(", ")}`;
      if (r.times !== undefined && r.times !== null && (typeof r.times !== "number" || !Number.isInteger(r.times) || r.times < 1))
        return "rule.times must be a positive integer";
      if (r.delay_ms !== undefined && (typeof r.delay_ms !== "number" || r.delay_ms < 0 || r.delay_ms > 600_000))
        return "rule.delay_ms must be 0..600000";
      if (r.status !== undefined && (typeof r.status !== "number" || r.status < 100 || r.status > 599))
        return "rule.status must be an HTTP status";
      parsed.push({
        method: typeof r.method === "string" ? r.method.toUpperCase() : "*",
        path: r.path,
        fault: r.fault as FaultKind,
        times: typeof r.times === "number" ? r.times : null,
        delay_ms: typeof r.delay_ms === "number" ? r.delay_ms : r.fault === "slow" ? 3000 : 0,
        status: typeof r.status === "number" ? r.status : null,
        hits: 0,
      });
    }
    this.rules.push(...parsed);
    return null;
  }

  /** The first live rule matching this request (consumes one of its `times`). */
  match(method: string, path: string): FaultRule | null {
    for (const r of this.rules) {
      if (r.method !== "*" && r.method !== method) continue;
      if (!globToRegExp(r.path).test(path)) continue;
      r.hits++;
      if (r.times !== null) {
        r.times--;
        if (r.times <= 0) this.rules = this.rules.filter((x) => x !== r);
      }
      return { ...r };
    }
    return null;
  }
}

const html = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "content-type": "text/html; charset=UTF-8", ...headers },
  body,
});

function accessLoginPage(): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in ・ Cloudflare Access</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="stylesheet" href="/cdn-cgi/access/static/login.css"></head>
<body><div class="AuthBox"><div class="AuthBox-header"><h1>Sign in to <strong>ktrdr-backend</strong></h1></div>
<div class="AuthBox-body"><p>Send a one-time PIN to your email:</p>
<form method="POST" action="/cdn-cgi/access/login"><input type="email" name="email" placeholder="you@example.com">
<button type="submit">Send me a code</button></form></div>
<div class="AuthBox-footer">Powered by <a href="https://www.cloudflare.com/teams/access/">Cloudflare Access</a></div></div></body></html>`;
}

function accessForbiddenPage(): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Forbidden ・ Cloudflare Access</title></head>
<body><div class="AuthBox"><h1>Forbidden</h1><p>You don't have permission to view this application.</p>
<p>Ray ID: 8c1f2e3d4a5b6c7d</p><div class="AuthBox-footer">Powered by Cloudflare Access</div></div></body></html>`;
}

function cloudflareErrorPage(code: number, title: string, text: string): string {
  return `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US"><head><title>ktrdr.example.com | ${code}: ${title}</title>
<meta charset="UTF-8" /><meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" /></head>
<body><div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<div class="cf-wrapper cf-header cf-error-overview"><h1><span class="cf-error-type">${title}</span>
<span class="code-label">Error code ${code}</span></h1></div>
<div class="cf-section cf-wrapper"><div class="cf-columns two"><div class="cf-column"><h2>What happened?</h2><p>${text}</p></div>
<div class="cf-column"><h2>What can I do?</h2><p>Please try again in a few minutes.</p></div></div></div>
<div class="cf-error-footer cf-wrapper"><p><span>Cloudflare Ray ID: <strong>8c1f2e3d4a5b6c7d</strong></span> &bull;
<span>Performance &amp; security by <a href="https://www.cloudflare.com/5xx-error-landing">Cloudflare</a></span></p></div>
</div></div></body></html>`;
}

/** The reply a fault produces; null = answer normally (slow, truncated_json handled by caller). */
export function faultReply(rule: FaultRule): Reply | null {
  const cf = { server: "cloudflare", "cf-ray": "8c1f2e3d4a5b6c7d-AMS" };
  switch (rule.fault) {
    case "html":
      return html(rule.status ?? 200, accessLoginPage(), cf);
    case "html_403":
      return html(rule.status ?? 403, accessForbiddenPage(), cf);
    case "502":
      return html(502, cloudflareErrorPage(502, "Bad gateway", "The web server reported a bad gateway error."), cf);
    case "524":
      return html(524, cloudflareErrorPage(524, "A timeout occurred", "The origin web server timed out responding to this request."), cf);
    case "500_envelope":
      return json(500, { success: false, error: { code: "INTERNAL_SERVER_ERROR", message: "An unexpected error occurred", details: {} } });
    case "500_detail":
      return json(500, { detail: "Internal server error" });
    case "503_envelope":
      return json(503, {
        success: false,
        error: { code: "CONNECTION-Error", message: "Service unavailable: IB Gateway not connected", details: {} },
      });
    case "404_detail":
      return json(404, { detail: "Not Found" });
    case "404_envelope":
      return json(404, { success: false, error: { code: "DATA-NotFound", message: "Requested resource not found", details: {} } });
    case "400_detail":
      return json(400, { detail: "Bad request (injected fault)" });
    case "400_envelope":
      return json(400, { success: false, error: { code: "DATA-InvalidSymbol", message: "Invalid request (injected fault)", details: {} } });
    case "422_v2025":
      return json(422, { detail: [{ type: "missing", loc: ["query", "injected"], msg: "Field required", input: null }] });
    case "422_envelope":
      return json(422, {
        success: false,
        error: {
          code: "VALIDATION_ERROR",
          message: "Request validation failed",
          details: [{ field: "query -> injected", message: "Field required", type: "missing" }],
        },
      });
    case "malformed_json":
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: '{"success": true, "data": {"operation_id": "op_x", status: running,, }',
      };
    case "drop":
      return { status: 0, body: "", drop: true };
    case "slow":
    case "truncated_json":
      return null;
  }
}
