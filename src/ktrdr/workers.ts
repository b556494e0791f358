/**
 * v2026's workers (`GET /workers`): which worker runs which operation, as of KTRDR's last check
 * of each (`witness.ts` weighs that against the record). A v2025 backend has no
 * workers; asking one is also how an `auto` adapter learns which version it talks to.
 */
import { BackendError } from "./errors";
import type { KtrdrHttp, WireVersion } from "./http";
import type { Worker } from "./model";
import { workerFrom } from "./normalise";
import * as wire from "./wire";

/** The registered workers; undefined on a backend without workers (v2025). */
export async function readWorkers(http: KtrdrHttp): Promise<Worker[] | undefined> {
  if (http.version === "v2025") return undefined;
  try {
    const list = await http.call("GET", "/workers", wire.workersSchema, { idempotent: true });
    http.learnVersion("v2026");
    return list.map(workerFrom);
  } catch (err) {
    if (err instanceof BackendError && err.is("route_missing")) {
      http.learnVersion("v2025");
      return undefined;
    }
    throw err;
  }
}

/** The wire version, asking the backend once when neither configured nor learned (`GET /workers` exists only on v2026). */
export async function wireVersion(http: KtrdrHttp): Promise<WireVersion | undefined> {
  if (http.version) return http.version;
  await readWorkers(http).catch(() => undefined);
  return http.version;
}
