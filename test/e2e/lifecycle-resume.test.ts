/**
 * Resume and start again end to end (design-18 §8.4 items 3, 9, 10): real MCP clients (SDK 1.x in
 * the 2025 era, the 2.x client with ext-tasks in the 2026-07-28 era) → the Worker under
 * `wrangler dev` → the KTRDR stand-in over HTTP, its upstream quirks on (a resumed training stays
 * `resuming` at 0 % over the API; only its checkpoint shows it training on).
 *
 * The v2026 stand-in has one training worker, shared by every test here: each training is ended
 * (cancelled, or its job finished through `/__jobs/{id}/finish`) before the next starts; every wait
 * is bounded.
 */
import { CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  admin,
  backendJson,
  cancelAtBackend,
  ensureAapl2024,
  openSession,
  RANGE_2024 as RANGE,
  type Session,
  type ToolReply,
} from "./mcp-client";
import { connectClient, taskSession } from "./modern-client";
import { until, within } from "./poll";

const stacks = inject("stacks");

/** ~1,500 epochs of ≥ 40 ms: long enough to read, cancel and resume at any pace. */
const SLOW = { strategy_name: "mcp_smoke_slow", symbols: ["AAPL"], timeframes: ["1h"], ...RANGE };

/** Every operation a test started, so a failing test still frees the single training worker. */
const started = new Set<string>();

function ok(r: ToolReply, what: string): Record<string, unknown> {
  expect(r.isError, `${what}: ${r.text}`).toBe(false);
  return r.data;
}

async function status(s: Session, id: string): Promise<Record<string, unknown>> {
  return ok(await s.call("get_operation_status", { operation_id: id }), "get_operation_status");
}

interface WorkersAdmin {
  workers: Array<{ worker_type: string; status: string }>;
  processes: Array<{ worker_type: string; job: unknown }>;
}

/**
 * The one training worker is free: its process runs no job (a resumed training runs on while KTRDR's
 * `/workers` calls the worker available, `v2026-resume-untracked`) and KTRDR's registry says so too.
 */
async function trainingWorkerFree(backendUrl: string): Promise<void> {
  const origin = new URL(backendUrl).origin;
  await until(
    async () => ({
      admin: await backendJson<Partial<WorkersAdmin>>(origin, "/__workers"),
      registry: await backendJson<{ data?: Array<{ worker_type: string; status: string }> }>(backendUrl, "/workers"),
    }),
    ({ admin: a, registry }) =>
      (a.processes ?? []).filter((p) => p.worker_type === "training").every((p) => !p.job) &&
      (registry.data ?? []).filter((x) => x.worker_type === "training").every((x) => x.status === "available"),
    60_000,
    "free training worker",
  );
}

/** The epoch a running training's status shows (its last epoch's metrics, else its step text "Epoch N/…"). */
function epochOf(v: Record<string, unknown>): number {
  const e = (v.epoch_metrics as { epoch?: number } | undefined)?.epoch;
  if (typeof e === "number") return e;
  return Number(/Epoch (\d+)/i.exec(String(v.current_step ?? ""))?.[1] ?? 0);
}

/** A slow training started, trained past its first periodic checkpoint, and cancelled (a delivered cancel). */
async function cancelledTraining(s: Session, backendUrl: string, beforeCancel?: () => Promise<void>): Promise<string> {
  await trainingWorkerFree(backendUrl);
  const id = String(ok(await s.call("start_training", { ...SLOW, allow_duplicate: true }), "start_training").operation_id);
  started.add(id);
  await until(
    () => status(s, id),
    (v) => epochOf(v) >= 12,
    60_000,
    "training past epoch 12",
  );
  await beforeCancel?.();
  const c = ok(await s.call("cancel_operation", { operation_id: id, reason: "resume e2e" }), "cancel_operation");
  expect(c.status).toBe("cancelled");
  await until(
    () => status(s, id),
    (v) => v.status === "cancelled",
    15_000,
    "cancelled",
  );
  return id;
}

/** Ends a resumed training (whose cancel KTRDR does not deliver) at the worker, and waits for the worker. */
async function endResumed(origin: string, backendUrl: string, id: string): Promise<void> {
  await fetch(`${origin}/__jobs/${id}/finish`, { method: "POST" }).catch(() => {});
  await trainingWorkerFree(backendUrl);
}

/** The checkpoint epoch status shows for a resumed training, read until it has risen past `after`. */
async function risingCheckpoint(s: Session, id: string, after: number): Promise<number> {
  const v = await until(
    () => status(s, id),
    (x) => Number((x.checkpoint as { epoch?: number } | undefined)?.epoch ?? -1) > after,
    30_000,
    `checkpoint epoch past ${after}`,
  );
  expect(["resuming", "running"]).toContain(v.status);
  return Number((v.checkpoint as { epoch: number }).epoch);
}

describe("v2026: resume from the checkpoint (§8.4 item 3)", () => {
  const stack = stacks.v2026;
  let s: Session;
  beforeAll(async () => {
    await ensureAapl2024(stack.mcpUrl);
    s = await openSession(stack.mcpUrl);
  }, 60_000);
  afterAll(async () => {
    for (const id of started) {
      await cancelAtBackend(stack.backendUrl, id);
      await fetch(`${stack.backendOrigin}/__jobs/${id}/finish`, { method: "POST" }).catch(() => {});
    }
    await s?.close();
  });

  it("a plain call: status says resumable from epoch e; resumed under the same id; its checkpoint rises while KTRDR says 'resuming'", async () => {
    const id = await cancelledTraining(s, stack.backendUrl);
    const before = await status(s, id);
    expect(before).toMatchObject({ status: "cancelled", checkpoint: { resumable: true } });
    const epoch = Number((before.checkpoint as { epoch: number }).epoch);
    expect(epoch).toBeGreaterThanOrEqual(10);

    const r = ok(await s.call("resume_operation", { operation_id: id }), "resume_operation");
    expect(r).toMatchObject({ success: true, operation_id: id, operation_type: "training", status: "resumed" });
    expect(String(r.message)).toMatch(new RegExp(`^Resumed ${id} from its cancellation checkpoint at epoch ${epoch}\\.`));

    const first = await risingCheckpoint(s, id, epoch);
    const second = await risingCheckpoint(s, id, first);
    expect(second).toBeGreaterThan(first);
    // Resumable only while it is not running again.
    expect((await status(s, id)).checkpoint).not.toHaveProperty("resumable");
    // A second resume while it runs is refused without asking KTRDR.
    const again = await s.call("resume_operation", { operation_id: id });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/still (resuming|running): there is nothing to resume/);
    await endResumed(stack.backendOrigin, stack.backendUrl, id);
  }, 180_000);

  it("2025 era, task-augmented: the task is the same operation id, working while it trains on", async () => {
    const id = await cancelledTraining(s, stack.backendUrl);
    const created = await s.client.request(
      { method: "tools/call", params: { name: "resume_operation", arguments: { operation_id: id } } },
      CreateTaskResultSchema,
      { task: { ttl: 3_600_000 } },
    );
    expect(created.task.taskId).toBe(id);
    expect(created.task.status).toBe("working");
    const t = await s.client.experimental.tasks.getTask(id);
    expect(t).toMatchObject({ taskId: id, status: "working" });
    const epoch = Number(((await status(s, id)).checkpoint as { epoch?: number } | undefined)?.epoch ?? 0);
    await risingCheckpoint(s, id, epoch);
    await endResumed(stack.backendOrigin, stack.backendUrl, id);
  }, 180_000);

  it("2026-07-28 era, server-directed: resume_operation comes back as a task under the same operation id", async () => {
    const id = await cancelledTraining(s, stack.backendUrl);
    const c = await connectClient(stack.mcpUrl, "pin");
    const session = taskSession(stack.mcpUrl, c);
    try {
      const exec = await within(session.callTool("resume_operation", { operation_id: id }), 30_000, "resume_operation");
      expect(exec.kind).toBe("task");
      if (exec.kind !== "task") return;
      expect(exec.handle.taskId).toBe(id);
      const snap = await within(session.task(exec.handle.taskId).snapshot(), 15_000, "tasks/get");
      expect(snap).toMatchObject({ taskId: id, status: "working" });
      const epoch = Number(((await status(s, id)).checkpoint as { epoch?: number } | undefined)?.epoch ?? 0);
      await risingCheckpoint(s, id, epoch);
    } finally {
      await endResumed(stack.backendOrigin, stack.backendUrl, id);
      await session.close();
      await c.close();
    }
  }, 180_000);

  it("a 503 while KTRDR releases its worker: with wait_seconds the resume waits for the worker's next check", async () => {
    // The worker stays busy until KTRDR's next health check after the cancel (real KTRDR: every ~10 s);
    // set once the training runs, so its start does not meet the previous one's release.
    try {
      const id = await cancelledTraining(s, stack.backendUrl, () => admin(stack.backendOrigin, "/__workers", { release_ms: 8000 }));
      const r = ok(await s.call("resume_operation", { operation_id: id, wait_seconds: 15 }), "resume_operation");
      expect(r).toMatchObject({ operation_id: id, status: "resumed" });
      // Whether the 503 came depends on when the check fell; when it did, the answer says what was awaited.
      if (r.note !== undefined)
        expect(String(r.note)).toMatch(/^Waited \d+ s for KTRDR's next health check to free its training worker\.$/);
      await endResumed(stack.backendOrigin, stack.backendUrl, id);
    } finally {
      await admin(stack.backendOrigin, "/__workers", { release_ms: null });
    }
  }, 180_000);
});

/** The JSON arguments of the ready-made call a refusal names, e.g. `start_backtest({...})`. */
function preparedCall(message: string, tool: string): Record<string, unknown> {
  const m = new RegExp(`${tool}\\((\\{.*?\\})\\)`).exec(message);
  if (!m) throw new Error(`no prepared ${tool} call in: ${message}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** Waits until the operation has finished and returns its status. */
async function finished(s: Session, id: string, ms = 60_000): Promise<Record<string, unknown>> {
  return until(
    () => status(s, id),
    (v) => !["pending", "running", "resuming"].includes(String(v.status)),
    ms,
    `${id} finished`,
  );
}

/** Starts something with the backend slowed down (so it can be cancelled while it runs), then cancels it. */
async function cancelledWhileSlow(s: Session, origin: string, tool: string, args: Record<string, unknown>): Promise<string> {
  await admin(origin, "/__pace", { pace: 50 });
  let id: string | undefined;
  try {
    id = String(ok(await s.call(tool, { ...args, allow_duplicate: true }), tool).operation_id);
    started.add(id);
    ok(await s.call("cancel_operation", { operation_id: id, reason: "start-again e2e" }), "cancel_operation");
  } finally {
    await admin(origin, "/__pace", { pace: 0 });
  }
  const v = await finished(s, id);
  expect(["cancelled", "failed"]).toContain(v.status);
  return id;
}

/** A data load that fails (the simulated IB Gateway unplugged; KTRDR fails its symbol check). */
async function failedLoad(s: Session, origin: string, args: Record<string, unknown>): Promise<string> {
  await admin(origin, "/__ib", { connected: false });
  let id: string;
  try {
    id = String(ok(await s.call("trigger_data_loading", { ...args, allow_duplicate: true }), "trigger_data_loading").operation_id);
    expect((await finished(s, id)).status).toBe("failed");
  } finally {
    await admin(origin, "/__ib", { connected: true });
  }
  return id;
}

/**
 * A completed quick training's model, for the backtests: its path on v2026 (which needs it); v2025 finds the
 * strategy's model itself (and cannot read a completed training's record, so it has no path to give).
 */
async function trainedModel(s: Session, backendUrl: string, wire: "v2025" | "v2026"): Promise<string | undefined> {
  await trainingWorkerFree(backendUrl);
  const r = ok(
    await s.call("start_training", { strategy_name: "mcp_smoke_fast", symbols: ["AAPL"], timeframes: ["1h"], ...RANGE, wait_seconds: 40 }),
    "start_training",
  );
  const id = String(r.operation_id);
  expect((await finished(s, id)).status).toBe("completed");
  if (wire === "v2025") return undefined;
  const res = ok(await s.call("get_operation_results", { operation_id: id }), "get_operation_results");
  const path = (res.results as { model_path?: string } | undefined)?.model_path;
  expect(path, JSON.stringify(res)).toBeTypeOf("string");
  return path!;
}

describe.each(["v2025", "v2026"] as const)("start again from the recorded parameters on %s (§8.4 item 9)", (wire) => {
  const stack = stacks[wire];
  let s: Session;
  beforeAll(async () => {
    await ensureAapl2024(stack.mcpUrl);
    s = await openSession(stack.mcpUrl);
  }, 60_000);
  afterAll(async () => {
    await admin(stack.backendOrigin, "/__pace", { pace: 0 }).catch(() => {});
    await admin(stack.backendOrigin, "/__ib", { connected: true }).catch(() => {});
    for (const id of started) await cancelAtBackend(stack.backendUrl, id);
    await s?.close();
  });

  it("a cancelled training: a new operation with the same strategy, symbols, timeframes and dates", async () => {
    const id = await cancelledTraining(s, stack.backendUrl);
    const r = ok(await s.call("resume_operation", { operation_id: id, from: "beginning" }), "resume_operation");
    expect(r).toMatchObject({ success: true, operation_type: "training", status: "started" });
    const again = String(r.operation_id);
    started.add(again);
    expect(again).not.toBe(id);
    expect(String(r.message)).toMatch(new RegExp(`^${id} was started again as ${again} with its recorded parameters\\.`));
    const full = ok(await s.call("get_operation_status", { operation_id: again, detail: "full" }), "status full");
    expect(JSON.stringify(full)).toContain("mcp_smoke_slow");
    ok(await s.call("cancel_operation", { operation_id: again }), "cancel_operation");
    await finished(s, again);
  }, 180_000);

  it("a failed data load", async () => {
    const id = await failedLoad(s, stack.backendOrigin, { symbol: "MSFT", timeframe: "1d", mode: "tail" });
    const r = await s.call("resume_operation", { operation_id: id, from: "beginning" });
    if (wire === "v2026") {
      // v2026 records symbol, timeframe, mode and the dates (none given): started again as it was.
      expect(ok(r, "resume_operation")).toMatchObject({ operation_type: "data_load", status: "started" });
      started.add(String(r.data.operation_id));
      expect((await finished(s, String(r.data.operation_id))).status).toBe("completed");
      return;
    }
    // v2025 never records a load's dates: refused, with the call that would do it.
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(new RegExp(`^KTRDR did not record start_date and end_date for ${id}, so it was not started again\\.`));
    const args = preparedCall(r.text, "trigger_data_loading");
    expect(args).toEqual({ symbol: "MSFT", timeframe: "1d", mode: "tail" });
    // The original had no dates: the prepared call as it stands works.
    const load = ok(await s.call("trigger_data_loading", { ...args, allow_duplicate: true }), "trigger_data_loading");
    expect(load.status).toBe("started");
    expect((await finished(s, String(load.operation_id))).status).toBe("completed");
  }, 120_000);

  it("a cancelled backtest: refused, naming what KTRDR did not record; the prepared call then works", async () => {
    const modelPath = await trainedModel(s, stack.backendUrl, wire);
    const original = {
      strategy_name: "mcp_smoke_fast",
      symbol: "AAPL",
      timeframe: "1h",
      ...RANGE,
      initial_capital: 50_000,
      commission: 0.002,
      slippage: 0.001,
      ...(modelPath ? { model_path: modelPath } : {}),
    };
    const id = await cancelledWhileSlow(s, stack.backendOrigin, "start_backtest", original);
    const r = await s.call("resume_operation", { operation_id: id, from: "beginning" });
    expect(r.isError).toBe(true);
    const missing = wire === "v2026" ? "model_path" : "commission and slippage";
    expect(r.text).toMatch(new RegExp(`^KTRDR did not record ${missing} for ${id}, so it was not started again\\. Call start_backtest\\(`));
    const args = preparedCall(r.text, "start_backtest");
    expect(args).toMatchObject({ strategy_name: "mcp_smoke_fast", symbol: "AAPL", timeframe: "1h", ...RANGE, initial_capital: 50_000 });
    const added = wire === "v2026" ? { model_path: modelPath } : { commission: 0.002, slippage: 0.001 };
    const bt = ok(await s.call("start_backtest", { ...args, ...added, allow_duplicate: true }), "start_backtest");
    expect(bt.status).toBe("started");
    expect((await finished(s, String(bt.operation_id))).status).toBe("completed");
  }, 180_000);
});

describe("discarding a checkpoint (§8.4 item 10)", () => {
  it("v2026: cancel_operation(discard_checkpoint) deletes it; status no longer offers a resume; resume refuses without failing it", async () => {
    const stack = stacks.v2026;
    await ensureAapl2024(stack.mcpUrl);
    const s = await openSession(stack.mcpUrl);
    try {
      await trainingWorkerFree(stack.backendUrl);
      const id = String(ok(await s.call("start_training", { ...SLOW, allow_duplicate: true }), "start_training").operation_id);
      started.add(id);
      await until(
        () => status(s, id),
        (v) => epochOf(v) >= 2,
        60_000,
        "training running",
      );
      const c = ok(await s.call("cancel_operation", { operation_id: id, discard_checkpoint: true }), "cancel_operation");
      expect(c).toMatchObject({ success: true, status: "cancelled" });
      // KTRDR writes the cancellation checkpoint as the worker stops: deleted if it was there, else said so.
      expect(typeof c.checkpoint_discarded).toBe("boolean");
      await until(
        () => status(s, id),
        (v) => v.status === "cancelled",
        15_000,
        "cancelled",
      );
      // Whatever was written by then is discarded now (a second discard of an already cancelled one).
      const d = ok(await s.call("cancel_operation", { operation_id: id, discard_checkpoint: true }), "discard again");
      expect(d.note).toMatch(/It was already cancelled, so nothing was cancelled\./);
      expect(await status(s, id)).not.toHaveProperty("checkpoint");
      const r = await s.call("resume_operation", { operation_id: id });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(new RegExp(`^KTRDR keeps no checkpoint of ${id} .*nothing was sent`));
      // KTRDR was not asked (it would have turned the operation failed).
      expect((await status(s, id)).status).toBe("cancelled");
      const db = await backendJson<{ status?: string }>(stack.backendOrigin, `/__db/operations/${id}`);
      expect(db.status).toBe("cancelled");
    } finally {
      await s.close();
    }
  }, 120_000);

  it("v2025: discard and resume from the checkpoint are refused before anything is sent", async () => {
    const stack = stacks.v2025;
    await ensureAapl2024(stack.mcpUrl);
    const s = await openSession(stack.mcpUrl);
    let id: string | undefined;
    try {
      await admin(stack.backendOrigin, "/__pace", { pace: 1 });
      id = String(ok(await s.call("start_training", { ...SLOW, allow_duplicate: true }), "start_training").operation_id);
      started.add(id);
      const d = await s.call("cancel_operation", { operation_id: id, discard_checkpoint: true });
      expect(d.isError).toBe(true);
      expect(d.text).toMatch(/^KTRDR v2025 keeps no checkpoints: there is none to discard\..*Nothing was sent to KTRDR\.$/);
      const r = await s.call("resume_operation", { operation_id: id });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^KTRDR v2025 keeps no checkpoints, so it cannot resume an operation\./);
      // The refused discard did not cancel it.
      expect(["pending", "running"]).toContain((await status(s, id)).status);
    } finally {
      await admin(stack.backendOrigin, "/__pace", { pace: 0 }).catch(() => {});
      if (id) await cancelAtBackend(stack.backendUrl, id);
      await s.close();
    }
  }, 60_000);
});
