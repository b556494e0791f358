// `npm start`: the whole local stack in the foreground — the KTRDR stand-in backend on
// 127.0.0.1:8000 and the MCP Worker on 127.0.0.1:8787 (local mode: no credentials, loopback
// only). Ctrl-C stops both. Options: --wire v2026, --pace N (0 = full speed).
import { parseArgs } from "node:util";
import { startBackend, startWorker } from "./stack.mjs";

const { values } = parseArgs({
  options: {
    wire: { type: "string", default: process.env.KTRDR_WIRE_VERSION ?? "v2025" },
    pace: { type: "string" },
    "backend-port": { type: "string", default: "8000" },
    port: { type: "string", default: "8787" },
  },
});

if (values.wire !== "v2025" && values.wire !== "v2026") {
  console.error("--wire must be v2025 or v2026");
  process.exit(2);
}

const backend = await startBackend({
  port: Number(values["backend-port"]),
  wire: values.wire,
  pace: values.pace === undefined ? undefined : Number(values.pace),
  echo: true,
});
let worker;
try {
  worker = await startWorker({
    port: Number(values.port),
    vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local" },
    persistTo: ".wrangler/state",
    echo: true,
  });
} catch (err) {
  console.error(String(err));
  await backend.stop();
  process.exit(1);
}

console.log(`
  KTRDR local backend (${values.wire}, a stand-in for KTRDR): ${backend.url}
  MCP endpoint (streamable HTTP):             http://localhost:${worker.port}/mcp
  Auth: local mode — no credentials, answers only on localhost.
  Try:  npx @modelcontextprotocol/inspector   (connect to the URL above)   ·   Ctrl-C stops both.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.all([worker.stop(), backend.stop()]);
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of [backend.child, worker.child]) child.on("exit", () => void stop());
