// The v2026 worker registry (GET /workers): one training and one backtesting worker. Health checks
// run every `releaseMs` after registration; a worker whose operation ended (or was cancelled) stays
// busy until the next health check, as observed upstream. Everything is computed lazily from clocks.
import { randomBytes } from "node:crypto";
import { isoMicros } from "./util.ts";
import type { JsonObject } from "./util.ts";

export type WorkerType = "training" | "backtesting";

interface WorkerState {
  id: string;
  type: WorkerType;
  endpoint: string;
  capabilities: JsonObject;
  /** The operation the worker runs or last ran (null once released). */
  opId: string | null;
  /** When that operation ended (ms), null while it runs. */
  endedAt: number | null;
}

export class WorkerRegistry {
  private readonly workers: WorkerState[];
  private registeredAt = Date.now();
  private readonly releaseMs: () => number;

  constructor(releaseMs: () => number) {
    this.releaseMs = releaseMs;
    const hex = () => randomBytes(4).toString("hex");
    this.workers = [
      {
        id: `backtesting-worker-${hex()}`,
        type: "backtesting",
        endpoint: "http://127.0.0.1:18103",
        capabilities: {},
        opId: null,
        endedAt: null,
      },
      {
        id: `training-worker-${hex()}`,
        type: "training",
        endpoint: "http://127.0.0.1:18102",
        capabilities: { gpu: false },
        opId: null,
        endedAt: null,
      },
    ];
  }

  private worker(type: WorkerType): WorkerState {
    return this.workers.find((w) => w.type === type)!;
  }

  /** Time of the last health check (ms), or null when none ran since registration. */
  private lastCheck(now: number): number | null {
    const every = this.releaseMs();
    if (every <= 0) return now;
    const k = Math.floor((now - this.registeredAt) / every);
    return k >= 1 ? this.registeredAt + k * every : null;
  }

  private busy(w: WorkerState, now: number): boolean {
    if (w.opId === null) return false;
    if (w.endedAt === null) return true;
    const every = this.releaseMs();
    if (every <= 0) return false;
    // Released by the first health check after the operation ended.
    const k = Math.floor((w.endedAt - this.registeredAt) / every) + 1;
    return now < this.registeredAt + k * every;
  }

  isBusy(type: WorkerType): boolean {
    return this.busy(this.worker(type), Date.now());
  }

  /** Give the worker an operation; returns its worker id. */
  assign(type: WorkerType, opId: string): string {
    const w = this.worker(type);
    w.opId = opId;
    w.endedAt = null;
    return w.id;
  }

  /** The operation ended (completed, failed or cancelled). */
  ended(opId: string): void {
    for (const w of this.workers) if (w.opId === opId && w.endedAt === null) w.endedAt = Date.now();
  }

  /** A backend restart: workers re-register; one still running an operation stays busy. */
  restart(stillActive: (opId: string) => boolean): void {
    this.registeredAt = Date.now();
    for (const w of this.workers) {
      if (w.opId !== null && !(w.endedAt === null && stillActive(w.opId))) {
        w.opId = null;
        w.endedAt = null;
      }
    }
  }

  list(): JsonObject[] {
    const now = Date.now();
    const check = this.lastCheck(now);
    return this.workers.map((w) => {
      const busy = this.busy(w, now);
      return {
        worker_id: w.id,
        worker_type: w.type,
        endpoint_url: w.endpoint,
        status: busy ? "busy" : "available",
        current_operation_id: busy ? w.opId : null,
        capabilities: { ...w.capabilities },
        last_health_check: check === null ? null : isoMicros(check * 1000 + 106, "+00:00"),
        last_healthy_at: isoMicros((check ?? this.registeredAt) * 1000 + 108, "+00:00"),
        health_check_failures: 0,
        metadata: {},
      };
    });
  }
}
