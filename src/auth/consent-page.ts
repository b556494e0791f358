/**
 * The consent page: server-rendered HTML, no external assets, everything escaped (client names
 * and URIs are attacker-chosen), one inline stylesheet allowed by a per-response nonce, and a CSP
 * that lets the form post only to this page and redirect only to the client's redirect origin.
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { SCOPE_DESCRIPTIONS, type Scope } from "./context";

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ConsentView {
  details: ConsentDescription;
  /** The scopes offered (each a checkbox, ticked). */
  offered: Scope[];
  /** The one-time handle binding the form to this browser (CSRF protection). */
  handle: string;
  collectsKey: boolean;
  /** A message after a refused submission (e.g. a wrong key). */
  error?: string;
}

export function consentHtml(view: ConsentView, nonce: string): string {
  const d = view.details;
  const name = escapeHtml(d.clientName);
  const origin = d.clientDomain
    ? `Published by <strong>${escapeHtml(d.clientDomain)}</strong>.`
    : "This app registered itself; its name is not verified.";
  const scopes = view.offered
    .map(
      (s) => `<li><label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked>
        <code>${escapeHtml(s)}</code> — ${escapeHtml(SCOPE_DESCRIPTIONS[s])}</label></li>`,
    )
    .join("\n");
  const loopback = d.redirectIsLoopback
    ? `<p class="warn" id="loopback-warning"><strong>This sends access to an app on your computer.</strong> Continue only if you just started connecting from it.</p>`
    : "";
  const error = view.error ? `<p class="error" id="error" role="alert">${escapeHtml(view.error)}</p>` : "";
  const keyField = view.collectsKey
    ? `<p><label for="access_key">Your access key</label><br>
      <input id="access_key" name="access_key" type="password" autocomplete="off" spellcheck="false" size="50" placeholder="ktrdr_…" required></p>
      <p class="hint">The operator of this server gave you this key. It proves who you are and limits what you can grant.</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Allow ${name} to use KTRDR?</title>
<style nonce="${nonce}">
body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}.box{border:1px solid #ccc;border-radius:8px;padding:1rem 1.25rem}
ul{list-style:none;padding:0}li{margin:.4rem 0}code{background:#f2f2f2;padding:0 .25rem;border-radius:3px}
.warn{background:#fff4d6;padding:.5rem .75rem;border-radius:6px}.error{background:#fde2e2;color:#8a1111;padding:.5rem .75rem;border-radius:6px}
.hint{color:#555;font-size:.9rem}input[type=password]{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}
button{font:inherit;padding:.45rem 1.2rem;border-radius:6px;border:1px solid #888;margin-right:.5rem;cursor:pointer}
button.allow{background:#1f5fbf;color:#fff;border-color:#1f5fbf}
</style>
</head><body>
<main class="box">
<h1>Allow <span id="client-name">${name}</span> to use this KTRDR MCP server?</h1>
<p>${origin} Access will be sent to <strong id="redirect-host">${escapeHtml(d.redirectHost)}</strong>.</p>
${loopback}
${error}
<form method="post">
<input type="hidden" name="handle" value="${escapeHtml(view.handle)}">
<p>It asks for:</p>
<ul id="scopes">
${scopes}
</ul>
${keyField}
<p><button class="allow" type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button></p>
</form>
</main>
</body></html>`;
}

export function messageHtml(title: string, message: string, nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p></body></html>`;
}

/** Headers for every authorize-page response; `redirectOrigin` is where the form may lead. */
export function pageHeaders(nonce: string, redirectOrigin: string | undefined, base?: Headers): Headers {
  const headers = new Headers(base);
  const formAction = ["'self'", ...(redirectOrigin ? [redirectOrigin] : [])].join(" ");
  headers.set(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'none'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  headers.set("X-Frame-Options", "DENY");
  headers.set("X-Content-Type-Options", "nosniff");
  // same-origin, not no-referrer: with no-referrer Chromium posts the form with `Origin: null`.
  headers.set("Referrer-Policy", "same-origin");
  headers.set("Cache-Control", "no-store");
  headers.set("Content-Type", "text/html; charset=utf-8");
  return headers;
}

export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "");
}
