#!/usr/bin/env node
// Mints a key for ktrdr-mcp and prints it ONCE, with the configuration entry to add.
//   npm run mint-key -- --name ci-bot --scopes ktrdr:read
//   npm run mint-key -- --name alice --scopes ktrdr:read,ktrdr:operate --access   (OAuth consent access key)
// Only the SHA-256 hash goes into configuration (secret API_KEYS or OAUTH_ACCESS_KEYS):
//   [{"name":"ci-bot","sha256":"<hex>","scopes":["ktrdr:read"]}]
import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

const SCOPES = ["ktrdr:read", "ktrdr:operate"];

function fail(message) {
  console.error(`mint-key: ${message}`);
  console.error("usage: npm run mint-key -- --name <name> [--scopes ktrdr:read,ktrdr:operate] [--access]");
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      name: { type: "string" },
      scopes: { type: "string", default: SCOPES.join(",") },
      access: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  }));
} catch (err) {
  fail(err.message);
}

const name = values.name ?? "";
if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) fail("--name is required: 1-64 characters of A-Z a-z 0-9 . _ -");
const scopes = [
  ...new Set(
    values.scopes
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];
if (scopes.length === 0) fail("--scopes needs at least one scope");
for (const s of scopes) if (!SCOPES.includes(s)) fail(`unknown scope '${s}' (known: ${SCOPES.join(", ")})`);
const ordered = SCOPES.filter((s) => scopes.includes(s));

const key = `ktrdr_${randomBytes(32).toString("base64url")}`;
const entry = { name, sha256: createHash("sha256").update(key).digest("hex"), scopes: ordered };
const secret = values.access ? "OAUTH_ACCESS_KEYS" : "API_KEYS";

if (values.json) {
  // Machine-readable (tests, scripts): the key and its entry.
  console.log(JSON.stringify({ key, entry, secret }));
} else {
  console.log(`
${values.access ? "OAuth access key (typed on the consent page)" : "API key (send as Authorization: Bearer <key>)"} for '${name}', scopes ${ordered.join(" ")}:

  ${key}

This is shown once; store it now (a password manager or your agent's secret store).

Add this entry to the ${secret} secret (a JSON array; keep the entries already there):

  ${JSON.stringify(entry)}

e.g. for a single key:

  echo '${JSON.stringify([entry])}' | npx wrangler secret put ${secret}

Locally, put ${secret}='[…]' in .dev.vars instead.
`);
}
