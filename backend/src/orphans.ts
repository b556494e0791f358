// v2026's orphan detector: every `interval`, each operation the database says is `running` that no
// worker in the registry claims is noted; one still unclaimed `timeout` after it was first noted is
// marked failed ("Operation was RUNNING but no worker claimed it"). Research cycles (backend-local)
// are skipped; so are operations whose task runs in this process (the stand-in's data loads and
// dummies — upstream's detector would fail those too, nothing recorded says so). Defaults are upstream's
// 60 s / 15 s, scaled by pace; with an interval of 0 it checks on every read instead of on a timer.
import type { Ctx } from "./context.ts";
import { isoMicros } from "./util.ts";
import type { JsonObject } from "./util.ts";

export const ORPHAN_MESSAGE = "Operation was RUNNING but no worker claimed it";

export class OrphanDetector {
  private readonly ctx: Ctx;
  private readonly seen = new Map<string, number>();
  private lastCheck: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(ctx: Ctx) {
    this.ctx = ctx;
  }

  timeoutMs(): number {
    const o = this.ctx.opts.orphanTimeoutMs;
    return o === undefined || o === null ? 60_000 * this.ctx.opts.pace : Math.max(0, o);
  }

  intervalMs(): number {
    const o = this.ctx.opts.orphanIntervalMs;
    return o === undefined || o === null ? 15_000 * this.ctx.opts.pace : Math.max(0, o);
  }

  /** (Re)start: a check now, then one every interval (or on reads when the interval is 0). */
  start(): void {
    this.stop();
    this.seen.clear();
    this.check();
    const every = this.intervalMs();
    if (every > 0) {
      this.timer = setInterval(() => this.check(), every);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called on reads: without a timer, a check runs now. */
  tick(): void {
    if (this.ctx.opts.wire === "v2026" && this.timer === null) this.check();
  }

  private liveLocalTask(id: string): boolean {
    const op = this.ctx.ops.peek(id);
    return op?.hasTask === true && !op.remote && !op.killed;
  }

  check(): void {
    const ctx = this.ctx;
    if (ctx.opts.wire !== "v2026") return;
    const now = Date.now();
    this.lastCheck = now;
    const claimed = ctx.workers.claimed();
    const running = ctx.db
      .all()
      .filter(
        (r) =>
          r.status === "running" && !r.is_backend_local && r.operation_type !== "agent_design" && r.operation_type !== "agent_assessment",
      );
    const ids = new Set<string>();
    for (const row of running) {
      const id = row.operation_id;
      ids.add(id);
      if (claimed.has(id) || this.liveLocalTask(id)) {
        this.seen.delete(id);
        continue;
      }
      const first = this.seen.get(id);
      if (first === undefined) {
        this.seen.set(id, now);
        continue;
      }
      if (now - first >= this.timeoutMs()) {
        this.seen.delete(id);
        const op = ctx.ops.get(id);
        if (op && ctx.ops.isActive(op)) ctx.ops.fail(op, ORPHAN_MESSAGE);
        else ctx.db.update(id, { status: "failed", completed_at: now * 1000, error_message: ORPHAN_MESSAGE, progress_percent: 0 });
      }
    }
    for (const id of [...this.seen.keys()]) if (!ids.has(id)) this.seen.delete(id);
  }

  /** `/health`'s `orphan_detector`. */
  status(): JsonObject {
    this.tick();
    return {
      running: true,
      potential_orphans_count: this.seen.size,
      last_check: this.lastCheck === null ? null : isoMicros(this.lastCheck * 1000 + 684, "+00:00"),
      orphan_timeout_seconds: Math.round(this.timeoutMs() / 1000),
      check_interval_seconds: Math.round(this.intervalMs() / 1000),
    };
  }
}
