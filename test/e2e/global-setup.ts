/**
 * Starts one local stack per backend wire version — the KTRDR stand-in (full speed, fault
 * injection on) and the Worker under `wrangler dev` pointing at it — shared by every e2e test.
 */
import type { TestProject } from "vitest/node";
import { startBackend, startWorker, tempDir } from "../../scripts/stack.mjs";

export interface Stack {
  wire: "v2025" | "v2026";
  backendUrl: string;
  /** Origin of the backend (admin endpoints /__faults, /__reset, /__pace live there). */
  backendOrigin: string;
  mcpUrl: string;
  workerOrigin: string;
  workerLog: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    stacks: Record<"v2025" | "v2026", Stack>;
  }
}

type Stoppable = { stop: () => Promise<void> };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running: Stoppable[] = [];
  const stacks = {} as Record<"v2025" | "v2026", Stack>;
  try {
    await Promise.all(
      (["v2025", "v2026"] as const).map(async (wire) => {
        const dir = tempDir(`e2e-${wire}`);
        // The stand-in with every quirk of real KTRDR (its default); v2026's one worker is free as soon as
        // its operation ends (real KTRDR waits for a health check, ~10 s), so tests need not wait for it.
        const backend = await startBackend({
          wire,
          pace: 0,
          faults: true,
          quiet: true,
          dataDir: `${dir}/data`,
          logFile: `${dir}/backend.log`,
          workerReleaseMs: 0,
        });
        running.push(backend);
        const workerLog = `${dir}/worker.log`;
        // MCP_TEST_FIXTURES: the conformance suite's tasks fixtures (2026 era only; local mode only).
        const worker = await startWorker({
          vars: { KTRDR_API_URL: backend.url, AUTH_MODE: "local", KTRDR_API_TIMEOUT_MS: "5000", MCP_TEST_FIXTURES: "true" },
          persistTo: `${dir}/state`,
          logFile: workerLog,
        });
        running.push(worker);
        stacks[wire] = {
          wire,
          backendUrl: backend.url,
          backendOrigin: new URL(backend.url).origin,
          mcpUrl: worker.mcpUrl,
          workerOrigin: worker.origin,
          workerLog,
        };
      }),
    );
  } catch (err) {
    await Promise.all(running.map((r) => r.stop()));
    throw err;
  }
  project.provide("stacks", stacks);
  return async () => {
    await Promise.all(running.map((r) => r.stop()));
  };
}
