/**
 * The facts KTRDR v2026's other witnesses give, read from the lifecycle recordings
 * (test/fixtures/real-ktrdr/lifecycle-v2026, FACTS-lifecycle.md): a training's checkpoint (how far
 * it really got, what a resume continues from, what it was started with), the workers as KTRDR
 * last checked them, and the epochs a training plans, read once from KTRDR's record.
 */
import { describe, expect, it } from "vitest";
import { KtrdrApi } from "../../src/ktrdr/ktrdr.api";
import { config } from "./helpers";
import { type Folder, pick, Replay } from "./replay";

function api(f: Folder, ...files: string[]): KtrdrApi {
  const replay = new Replay(pick(f, ...files));
  return new KtrdrApi(config({ baseUrl: replay.base, wireVersion: "v2026" }), { fetch: replay.fetch });
}
const L26 = "lifecycle-v2026";
const OP = "op_training_20261206_000619_04fd49dc";

describe("checkpoints (v2026)", () => {
  it("a periodic checkpoint: its epoch, metrics, history numbered up to that epoch, and the request it was started with", async () => {
    const c = await api(L26, "008").checkpoint(OP);
    expect(c).toMatchObject({ operation_id: OP, type: "periodic", created_at: "2026-12-06T00:06:22.358767Z", epoch: 10 });
    expect(c?.latest).toMatchObject({ epoch: 10, val_loss: expect.closeTo(1.2338, 4), train_accuracy: expect.closeTo(0.7782, 4) });
    // Eleven entries for epochs 0…10, the last one the checkpoint's own.
    expect(c?.history?.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(c?.history?.at(-1)?.val_loss).toBe(c?.latest?.val_loss);
    // The strategy is named by its file, never by the backend's absolute path.
    expect(c?.request).toEqual({
      strategy_name: "mcp_smoke_slow",
      symbols: ["EURUSD"],
      timeframes: ["1h"],
      start_date: "2023-01-01",
      end_date: "2024-12-31",
    });
    expect(JSON.stringify(c)).not.toContain("/srv/");
  });

  it("the checkpoint a delivered cancel leaves: cancellation, at the epoch reached", async () => {
    const c = await api(L26, "017").checkpoint(OP);
    expect(c).toMatchObject({ type: "cancellation", epoch: 43, created_at: "2026-12-06T00:06:24.741572Z" });
  });

  it("a resumed run's checkpoint: its later epoch", async () => {
    const c = await api(L26, "046").checkpoint(OP);
    expect(c).toMatchObject({ type: "periodic", epoch: 214 });
  });

  it("no checkpoint is null, not an error (404 'Checkpoint not found')", async () => {
    expect(await api(L26, "005").checkpoint("op_unknown_123")).toBeNull();
  });
});

describe("workers as KTRDR last checked them (v2026)", () => {
  it("a checked worker carries when it was checked; after a restart, unchecked workers carry no check time", async () => {
    const before = await api(L26, "002").workers();
    const training = before?.find((w) => w.worker_type === "training");
    expect(training).toMatchObject({
      worker_id: "training-worker-a90d14eb",
      status: "available",
      last_health_check: "2026-12-06T00:06:10.500937Z",
      health_check_failures: 0,
    });
    const after = await api(L26, "610").workers();
    const unchecked = after?.find((w) => w.worker_type === "training");
    expect(unchecked?.status).toBe("available");
    expect(unchecked).not.toHaveProperty("last_health_check");
    expect(unchecked?.last_healthy_at).toBe("2026-12-06T00:10:57.597281Z");
  });
});

describe("epochs a training plans, read once from KTRDR's record", () => {
  it("v2026: from its step 'Epoch 47/1500 · Batch 30/80'", async () => {
    const op = await api(L26, "601").getOperation("op_training_20261206_001046_92cd7a04");
    expect(op.progress?.epochs_planned).toBe(1500);
  });

  it("not for a record without a step (KTRDR lost it in a restart)", async () => {
    const op = await api(L26, "607").getOperation("op_training_20261206_001046_92cd7a04");
    expect(op.progress?.epochs_planned).toBeUndefined();
  });
});
