// The admin API (only with --faults), outside /api/v1: fault injection, reset and restart, pace,
// quirks, workers (interval, kill, start), jobs, the database, the orphan detector, the IB Gateway.
// It lets tests drive what the recordings show — a restart, a lost worker — deterministically.
import type { Ctx } from "./context.ts";
import { paced, workerReleaseMs } from "./context.ts";
import type { FaultInjector } from "./faults.ts";
import { isActiveStatus } from "./operations.ts";
import { restartBackend } from "./restart.ts";
import { isObject, JsonParseError } from "./router.ts";
import { isoMicros } from "./util.ts";
import type { Json, JsonObject } from "./util.ts";
import { json, methodNotAllowed } from "./wire.ts";
import type { Reply } from "./wire.ts";
import { WORKER_TYPES } from "./workers.ts";
import type { WorkerType } from "./workers.ts";

type Body = JsonObject | JsonParseError | undefined;

/** A non-negative number, null (back to the default), or undefined when absent; NaN when invalid. */
function msSetting(body: JsonObject, key: string): number | null | undefined {
  if (!(key in body)) return undefined;
  const v = body[key];
  if (v === null) return null;
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : Number.NaN;
}

const bad = (error: string): Reply => json(400, { error });

function ts(micros: number | null): string | null {
  return micros === null ? null : isoMicros(micros);
}

/** A database row as an admin read shows it (timestamps as ISO strings). */
function dbRow(ctx: Ctx, id: string): JsonObject | null {
  const r = ctx.db.get(id);
  if (!r) return null;
  return {
    operation_id: r.operation_id,
    operation_type: r.operation_type,
    status: r.status,
    created_at: ts(r.created_at),
    started_at: ts(r.started_at),
    completed_at: ts(r.completed_at),
    progress_percent: r.progress_percent,
    error_message: r.error_message,
    parent_operation_id: r.parent_operation_id,
    is_backend_local: r.is_backend_local,
    metadata: r.metadata as unknown as JsonObject,
  };
}

export function adminRoute(
  ctx: Ctx,
  faults: FaultInjector,
  method: string,
  path: string,
  raw: string,
  parse: (raw: string) => unknown,
): Reply | null {
  const opts = ctx.opts;
  const body = (): Body => {
    const b = parse(raw);
    return b instanceof JsonParseError || b === undefined || isObject(b) ? (b as Body) : new JsonParseError(0, "not an object");
  };
  const obj = (): JsonObject | null => {
    const b = body();
    return b === undefined ? {} : b instanceof JsonParseError ? null : b;
  };

  if (path === "/__faults") {
    if (method === "GET") return json(200, { rules: faults.list() });
    if (method === "DELETE") {
      faults.clear();
      return json(200, { cleared: true });
    }
    if (method === "POST") {
      const b = parse(raw);
      const err = faults.add(b instanceof JsonParseError ? null : b);
      return err ? bad(err) : json(200, { rules: faults.list() });
    }
    return methodNotAllowed();
  }
  if (path === "/__reset") {
    if (method !== "POST") return methodNotAllowed();
    const forgotten = ctx.ops.all().length;
    ctx.ops.clear();
    return json(200, { reset: true, operations_forgotten: forgotten });
  }
  if (path === "/__restart") {
    if (method !== "POST") return methodNotAllowed();
    const b = obj();
    const after = b ? msSetting(b, "workers_after_ms") : Number.NaN;
    if (after !== undefined && after !== null && Number.isNaN(after)) return bad('body must be {} or {"workers_after_ms": number >= 0}');
    return json(200, restartBackend(ctx, after));
  }
  if (path === "/__quirks") {
    if (method === "GET") return json(200, ctx.quirks.describe());
    if (method !== "POST") return methodNotAllowed();
    const b = parse(raw) as { enable?: unknown; disable?: unknown } | JsonParseError | undefined;
    if (b instanceof JsonParseError || typeof b !== "object" || b === null || Array.isArray(b)) {
      return bad('body must be {"enable": [names], "disable": [names]}');
    }
    const err = ctx.quirks.change(b.enable, b.disable);
    return err ? bad(err) : json(200, ctx.quirks.describe());
  }
  if (path === "/__workers") {
    // v2026 workers: the health-check interval (how long a worker stays busy after its operation ended).
    const describe = () => ({
      release_ms: workerReleaseMs(opts),
      workers: opts.wire === "v2026" ? ctx.workers.list() : [],
      processes: opts.wire === "v2026" ? ctx.workers.describeProcesses() : [],
    });
    if (method === "GET") return json(200, describe());
    if (method !== "POST") return methodNotAllowed();
    const b = obj();
    const ms = b ? msSetting(b, "release_ms") : Number.NaN;
    if (ms === undefined || (ms !== null && Number.isNaN(ms))) return bad('body must be {"release_ms": number >= 0 | null}');
    opts.workerReleaseMs = ms;
    ctx.workers.intervalChanged();
    return json(200, { release_ms: workerReleaseMs(opts) });
  }
  const worker = /^\/__workers\/([a-z]+)\/(kill|start)$/.exec(path);
  if (worker) {
    if (method !== "POST") return methodNotAllowed();
    if (opts.wire !== "v2026") return bad("workers exist on the v2026 wire only");
    const type = worker[1] as WorkerType;
    if (!WORKER_TYPES.includes(type)) return json(404, { error: `no worker type '${worker[1]}' (training, backtesting)` });
    if (worker[2] === "kill") {
      const p = ctx.workers.kill(type);
      if (!p) return json(409, { error: `no live ${type} worker to kill` });
      return json(200, { killed: p.id, operation_id: p.job?.opId ?? p.claim });
    }
    if (ctx.workers.process(type)) return json(409, { error: `a ${type} worker is running; kill it first` });
    // v2026-worker-claims-dead-op: the fresh worker reports the dead one's operation as its own.
    const dead = ctx.workers.lastDead(type);
    const deadOp = dead?.job?.opId ?? dead?.claim ?? null;
    const claim =
      ctx.quirks.has("v2026-worker-claims-dead-op") && deadOp !== null && ctx.db.get(deadOp)?.status === "running" ? deadOp : null;
    const p = ctx.workers.start(type, claim);
    return json(200, { started: p.id, claims: claim });
  }
  const job = /^\/__jobs\/([^/]+)\/finish$/.exec(path);
  if (job) {
    // The training completes after its current epoch, as if it had reached its last one (real work,
    // a real model) — for tests that cannot wait for 1,500 epochs.
    if (method !== "POST") return methodNotAllowed();
    const id = decodeURIComponent(job[1]!);
    const record = ctx.workers.jobOf(id)?.job?.record ?? ctx.ops.peek(id);
    if (!record || !isActiveStatus(record.status) || record.type !== "training") return json(404, { error: `no running training ${id}` });
    record.finishNow = true;
    return json(200, { finishing: id });
  }
  if (path === "/__db/operations") {
    if (method !== "GET") return methodNotAllowed();
    return json(200, { rows: ctx.db.all().map((r) => dbRow(ctx, r.operation_id)) as Json[] });
  }
  const row = /^\/__db\/operations\/([^/]+)$/.exec(path);
  if (row) {
    if (method !== "GET") return methodNotAllowed();
    const r = dbRow(ctx, decodeURIComponent(row[1]!));
    return r ? json(200, r) : json(404, { error: "no such row" });
  }
  if (path === "/__db/checkpoints") {
    if (method !== "GET") return methodNotAllowed();
    return json(200, {
      rows: ctx.db.allCheckpoints().map((c) => ({
        operation_id: c.operation_id,
        checkpoint_type: c.checkpoint_type,
        created_at: ts(c.created_at),
        epoch: c.state.epoch ?? null,
      })),
    });
  }
  if (path === "/__orphans") {
    const describe = () => ({ timeout_ms: ctx.orphans.timeoutMs(), interval_ms: ctx.orphans.intervalMs(), ...ctx.orphans.status() });
    if (method === "GET") return json(200, describe());
    if (method !== "POST") return methodNotAllowed();
    const b = obj();
    const timeout = b ? msSetting(b, "timeout_ms") : Number.NaN;
    const interval = b ? msSetting(b, "interval_ms") : Number.NaN;
    if (Number.isNaN(timeout) || Number.isNaN(interval))
      return bad('body must be {"timeout_ms"?: number >= 0 | null, "interval_ms"?: number >= 0 | null}');
    if (timeout !== undefined) opts.orphanTimeoutMs = timeout;
    if (interval !== undefined) opts.orphanIntervalMs = interval;
    ctx.orphans.start();
    return json(200, describe());
  }
  if (path === "/__clocks") {
    // Every v2026 clock at once (ms; null = the default × pace). Tests set them to drive restart,
    // worker loss and research cycles fast and deterministically.
    const describe = () => ({
      release_ms: workerReleaseMs(opts),
      reregister_ms: paced(opts.reregisterMs, 4000, opts.pace),
      orphan_timeout_ms: ctx.orphans.timeoutMs(),
      orphan_interval_ms: ctx.orphans.intervalMs(),
      research_poll_ms: paced(opts.researchPollMs, 5000, opts.pace),
      first_read_db_after_ms: opts.firstReadDbAfterMs ?? 2000,
    });
    if (method === "GET") return json(200, describe());
    if (method !== "POST") return methodNotAllowed();
    const b = obj();
    if (!b) return bad("body must be a JSON object");
    const keys = {
      release_ms: "workerReleaseMs",
      reregister_ms: "reregisterMs",
      orphan_timeout_ms: "orphanTimeoutMs",
      orphan_interval_ms: "orphanIntervalMs",
      research_poll_ms: "researchPollMs",
      first_read_db_after_ms: "firstReadDbAfterMs",
    } as const;
    for (const k of Object.keys(b)) if (!(k in keys)) return bad(`unknown clock '${k}' (known: ${Object.keys(keys).join(", ")})`);
    for (const [k, field] of Object.entries(keys)) {
      const v = msSetting(b, k);
      if (v === undefined) continue;
      if (v !== null && Number.isNaN(v)) return bad(`${k} must be a number >= 0 or null`);
      opts[field] = v;
    }
    if ("release_ms" in b) ctx.workers.intervalChanged();
    ctx.orphans.start();
    return json(200, describe());
  }
  if (path === "/__ib") {
    if (method === "GET") return json(200, { connected: ctx.ib.connected });
    if (method !== "POST") return methodNotAllowed();
    const b = obj();
    if (!b || typeof b.connected !== "boolean") return bad('body must be {"connected": boolean}');
    ctx.ib.connected = b.connected;
    return json(200, { connected: ctx.ib.connected });
  }
  if (path === "/__pace") {
    // Tests slow the backend down for one scenario (e.g. to cancel a running training) and back.
    if (method === "GET") return json(200, { pace: opts.pace });
    if (method !== "POST") return methodNotAllowed();
    const b = obj();
    const pace = b ? Number(b.pace) : Number.NaN;
    if (!Number.isFinite(pace) || pace < 0) return bad('body must be {"pace": number >= 0}');
    opts.pace = pace;
    return json(200, { pace });
  }
  return null;
}
