/**
 * The two witnesses of KTRDR v2026 (design-18 §1, §2, §8.3 items 1–14, 19, 20), replayed from the
 * lifecycle recordings (test/fixtures/real-ktrdr/lifecycle-v2026, FACTS-lifecycle.md): what the
 * agent is told when KTRDR's record says one thing and its workers or a checkpoint another. Each
 * scenario combines exchanges of one recorded moment, and the clock is that moment's wall time
 * (`timeline.json`). A witness the recordings lack at that moment is answered with the recorded
 * route-missing 404, and the test asserts the "could not read" wording, never a belief.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOCAL_CONTEXT } from "../../src/auth/context";
import type { WireVersionSetting } from "../../src/config";
import { runTool, type ToolOutcome } from "../../src/tools/run";
import { FakeBackend } from "./fake-backend";
import { config, expectErr, expectOk, freshBase, quietConsole, tool } from "./helpers";
import { countTokens } from "../../scripts/tokens.mjs";
import { KtrdrApi } from "../../src/ktrdr/ktrdr.api";
import { listTasks, readTask, TASKS_PAGE_SIZE, type TaskDeps, taskFromSummary } from "../../src/mcp/tasks";
import { conciseStatus } from "../../src/tools/views";
import { type Exchange, type Folder, pick, Replay } from "./replay";

quietConsole();

const L26: Folder = "lifecycle-v2026";
const L25: Folder = "lifecycle-v2025";
const l26 = (...p: string[]) => pick(L26, ...p);

const timelines = import.meta.glob<{ default: Record<string, { wall: string }> }>("../fixtures/real-ktrdr/lifecycle-*/timeline.json", {
  eager: true,
});
const samples = import.meta.glob<{ default: Array<{ i: number; wall: string }> }>("../fixtures/real-ktrdr/lifecycle-v2026/samples_*.json", {
  eager: true,
});

/** The wall time (ms) of a recorded exchange, from its folder's timeline (all on 2026-12-06). */
function wallTime(f: Folder, prefix: string): number {
  const t = Object.entries(timelines).find(([p]) => p.includes(`/${f}/`))?.[1].default;
  const entry = t && Object.entries(t).find(([file]) => file.startsWith(`${prefix}_`));
  if (!entry) throw new Error(`no timeline entry ${f}/${prefix}`);
  return Date.parse(`2026-12-06T${entry[1].wall}`);
}

/** The wall time of sample `i` of a sampled series (`samples_<series>_sample.json`). */
function sampleTime(series: string, i: number): number {
  const s = Object.entries(samples).find(([p]) => p.endsWith(`samples_${series}_sample.json`))?.[1].default;
  const row = s?.find((x) => x.i === i);
  if (!row) throw new Error(`no sample ${series}#${i}`);
  return Date.parse(`2026-12-06T${row.wall}`);
}

/** An empty v2026 list (v2026-focus/004, `GET /operations`): the duplicate guard's lists where they were not recorded. */
const EMPTY_LIST = pick("v2026-focus", "004")[0]!;

/** FastAPI's recorded answer for a route KTRDR does not serve, at a path these recordings did not read. */
function unread(method: string, path: string): Exchange {
  const e = pick("v2026", "013")[0]!;
  return { ...e, file: `${e.file} (as ${method} ${path})`, request: { method, path, body: null } };
}

interface Run {
  replay: Replay;
  run: (name: string, args?: Record<string, unknown>) => Promise<ToolOutcome>;
}

function recorded(exchanges: Exchange[], now: number, wireVersion: WireVersionSetting = "v2026"): Run {
  // The research link (/agent/status) was not recorded at these moments: said, not guessed (s3's withResearch).
  const replay = new Replay([...exchanges, unread("GET", "/agent/status")]);
  const cfg = config({ baseUrl: replay.base, wireVersion });
  const run = async (name: string, args: Record<string, unknown> = {}) => {
    const def = tool(name);
    const parsed = z.object(def.input).parse(args) as Record<string, unknown>;
    const outcome = await runTool(def, parsed, {
      auth: LOCAL_CONTEXT,
      backend: cfg,
      signal: new AbortController().signal,
      requestId: "witness-replay",
      fetch: replay.fetch,
      now: () => now,
    });
    if (replay.unmatched.length > 0) throw new Error(`${name} asked for unrecorded exchanges: ${JSON.stringify(replay.unmatched)}`);
    if (outcome.ok) {
      const check = z.object(def.output).safeParse(outcome.value);
      if (!check.success) throw new Error(`${name} output does not match its outputSchema: ${check.error.message}`);
    }
    return outcome;
  };
  return { replay, run };
}

const RESUMED = "op_training_20261206_000619_04fd49dc"; // resume scenario: cancelled, resumed, cancel undelivered, completed
const RESTARTED = "op_training_20261206_001046_92cd7a04"; // restart scenario: running through a backend restart
const CRASHED = "op_training_20261206_001247_e3f421c2"; // crash scenario: its worker killed, a newcomer claims it

const status = (r: Run, id: string) => r.run("get_operation_status", { operation_id: id });

describe("a running training after a backend restart (L26/607–613)", () => {
  it("1. record 0 %, worker unchecked: progress is unknown, not 0 %, and no anomaly is claimed", async () => {
    const r = recorded([...l26("609", "610"), unread("GET", `/checkpoints/${RESTARTED}`)], wallTime(L26, "610"));
    const v = expectOk(await status(r, RESTARTED));
    expect(v.status).toBe("running");
    expect(v.progress_percentage).toBeUndefined();
    expect(v.unknown).toContain("progress");
    expect(v.anomaly).toBeUndefined();
    expect(v.backend_status).toBeUndefined();
    expect(v.worker).toMatchObject({ id: "training-worker-a90d14eb", state: "unchecked" });
    expect(v.note).toMatch(/has not checked training-worker-a90d14eb since it registered; progress is unknown/);
    // The checkpoint was not recorded at that moment: said, not guessed.
    expect(v.note).toMatch(/KTRDR's checkpoint could not be read/);
    expect(JSON.stringify(v)).not.toMatch(/"progress_percentage":0\b/);
  });

  it("5. a cancel KTRDR could not deliver after the restart: not a success; the worker has not been checked since", async () => {
    const r = recorded(l26("609", "611", "613"), wallTime(L26, "613"));
    const v = expectOk(await r.run("cancel_operation", { operation_id: RESTARTED }));
    expect(v).toMatchObject({
      success: false,
      status: "running",
      backend_status: "cancelled",
      anomaly: "cancel_not_delivered",
      remote_cancelled: false,
    });
    expect(v.worker).toMatchObject({ id: "training-worker-a90d14eb", state: "unchecked" });
    expect(v.note).toMatch(/^KTRDR could not reach its worker, not checked since it registered/);
    expect(v.note).toMatch(/refuses a second cancel/);
  });

  it("7. the unchecked window after that cancel: not a clean cancelled, and the worker is not called free", async () => {
    const r = recorded([...l26("612", "613"), unread("GET", `/checkpoints/${RESTARTED}`)], wallTime(L26, "613"));
    const v = expectOk(await status(r, RESTARTED));
    expect(v.status).toBe("cancelled");
    expect(v.anomaly).toBe("cancel_unconfirmed");
    expect(v.worker).toMatchObject({ state: "unchecked" });
    expect(v.note).toMatch(/whether it stopped is not known yet/);
    expect(v.note).toMatch(/KTRDR's checkpoint could not be read/);
  });
});

describe("a resumed training (L26/015–050)", () => {
  it("2. KTRDR says resuming at 0 %; the worker runs it and its checkpoint is newer: running, epoch 214", async () => {
    const r = recorded(l26("045", "046", "050"), wallTime(L26, "050"));
    const v = expectOk(await status(r, RESUMED));
    expect(v).toMatchObject({ status: "running", backend_status: "resuming", anomaly: "resuming_at_zero" });
    expect(v.checkpoint).toMatchObject({ epoch: 214, type: "periodic" });
    expect(v.worker).toMatchObject({ id: "training-worker-a90d14eb", state: "running_it" });
    expect(v.progress_percentage).toBeUndefined();
    expect(v.note).toBe(
      "KTRDR shows a resumed training as 'resuming' at 0 % until it ends; its worker and its checkpoint show it training.",
    );
  });

  it("3. resuming, nothing fresh yet (worker checked before the resume, checkpoint older): resuming, progress unknown", async () => {
    const r = recorded(l26("022", "024", "017"), wallTime(L26, "024"));
    const v = expectOk(await status(r, RESUMED));
    expect(v.status).toBe("resuming");
    expect(v.backend_status).toBeUndefined();
    expect(v.anomaly).toBe("resuming_at_zero");
    expect(v.progress_percentage).toBeUndefined();
    // The epoch 43 cancellation checkpoint is older than the resume: no epoch is claimed from it.
    expect(v.checkpoint).toBeUndefined();
    expect(v.unknown).toContain("progress");
    expect(v.note).toMatch(/no worker check or checkpoint since the resume shows it training yet/);
  });

  it("4. cancel of the resumed training: KTRDR could not reach the worker, which ran it at its last check", async () => {
    const r = recorded(l26("045", "048", "050"), wallTime(L26, "050"));
    const v = expectOk(await r.run("cancel_operation", { operation_id: RESUMED }));
    expect(v).toMatchObject({
      success: false,
      status: "running",
      backend_status: "cancelled",
      anomaly: "cancel_not_delivered",
      remote_cancelled: false,
    });
    expect(v.worker).toMatchObject({ id: "training-worker-a90d14eb", state: "running_it" });
    expect(v.note).toMatch(/could not reach its worker, which ran it at its last check: it likely trains to the end/);
  });

  it("6. 90 s after that cancel the worker still checkpoints: running/cancelled, epoch 1084", async () => {
    const r = recorded(l26("454", "456", "410"), wallTime(L26, "456"));
    const v = expectOk(await status(r, RESUMED));
    expect(v).toMatchObject({ status: "running", backend_status: "cancelled", anomaly: "cancel_not_delivered" });
    expect(v.checkpoint).toMatchObject({ epoch: 1084 });
    expect(v.progress_percentage).toBeUndefined();
    expect(v.note).toMatch(/^KTRDR marked it cancelled at 00:06:43Z, but its worker still runs it/);
    expect(v.note).toMatch(/checkpoints keep coming\); its results will not be readable/);
  });

  it("6b. waiting on it: not finished, since the work goes on", async () => {
    const r = recorded(l26("454", "456", "410"), wallTime(L26, "456"));
    const v = expectOk(await r.run("get_operation_status", { operation_id: RESUMED, wait_seconds: 1, until: "finished" }));
    expect(v.status).toBe("running");
    expect(v.finished).toBe(false);
  });

  it("8. after the worker finished: KTRDR keeps saying cancelled, no checkpoint, no worker on it: outcome unknown", async () => {
    const r = recorded(l26("468", "467", "477"), wallTime(L26, "477"));
    const v = expectOk(await status(r, RESUMED));
    expect(v).toMatchObject({ status: "cancelled", anomaly: "outcome_unknown" });
    expect(v.unknown).toContain("outcome");
    expect(v.note).toMatch(/^KTRDR keeps no checkpoint of this cancelled training/);
  });

  it("9. a delivered cancel: clean cancelled, no anomaly, the cancellation checkpoint at epoch 43 is resumable", async () => {
    const r = recorded(l26("016", "017", "018"), wallTime(L26, "018"));
    const v = expectOk(await status(r, RESUMED));
    expect(v.status).toBe("cancelled");
    expect(v.anomaly).toBeUndefined();
    expect(v.backend_status).toBeUndefined();
    expect(v.checkpoint).toMatchObject({ epoch: 43, type: "cancellation", resumable: true });
    // The record's reset progress gives way to the checkpoint: nothing is called unknown that it says.
    expect(v.note).toBeUndefined();
  });
  it("9b. the same cancellation checkpoint written just after the cancel time (as the stand-in orders them): still a clean cancel", async () => {
    // Upstream wrote it 10 ms before the record's completed_at (L26/017, 016); the order is not a fact to rely on.
    const [ck] = l26("017");
    const body = structuredClone(ck!.body) as { data: { created_at: string } };
    body.data.created_at = "2026-12-06T00:06:24.761223Z";
    const r = recorded([...l26("016"), { ...ck!, body }, ...l26("018")], wallTime(L26, "018"));
    const v = expectOk(await status(r, RESUMED));
    expect(v.status).toBe("cancelled");
    expect(v.anomaly).toBeUndefined();
    expect(v.checkpoint).toMatchObject({ type: "cancellation", resumable: true });
  });
});

describe("a training whose worker was killed (L26/1021–1262)", () => {
  it("10. its worker fails its checks and no other claims it: worker_lost, with KTRDR's orphan detector", async () => {
    const now = sampleTime("restart_crash", 6);
    const r = recorded([...l26("1021", "1036", "1248"), unread("GET", `/checkpoints/${CRASHED}`)], now);
    const v = expectOk(await status(r, CRASHED));
    expect(v).toMatchObject({ status: "running", anomaly: "worker_lost" });
    expect(v.worker).toMatchObject({ id: "training-worker-a90d14eb", state: "failing" });
    expect(v.note).toMatch(
      /^KTRDR has not heard from its worker since 00:12:47Z \(\d+ s ago\); the progress shown is the last it reported/,
    );
    expect(v.note).toMatch(/fails such operations after 60 s \(checks every 15 s\) unless a worker claims them/);
    expect(v.progress_percentage).toBeCloseTo(3.408, 2);
  });

  it("11. the dead worker is gone and a newcomer not checked yet: worker_lost, the newcomer named", async () => {
    const r = recorded([...l26("1037", "1038", "1248"), unread("GET", `/checkpoints/${CRASHED}`)], wallTime(L26, "1038"));
    const v = expectOk(await status(r, CRASHED));
    expect(v).toMatchObject({ status: "running", anomaly: "worker_lost" });
    expect(v.worker).toMatchObject({ state: "gone" });
    expect(v.note).toMatch(
      /^training-worker-a90d14eb, which ran it, is no longer registered; training-worker-21c05aad registered since and has not been checked yet/,
    );
  });

  it("12. the newcomer claims it and shows no progress: worker_replaced, cancel it", async () => {
    const r = recorded([...l26("1066", "1067"), unread("GET", `/checkpoints/${CRASHED}`)], wallTime(L26, "1067"));
    const v = expectOk(await status(r, CRASHED));
    expect(v).toMatchObject({ status: "running", anomaly: "worker_replaced" });
    expect(v.worker).toMatchObject({ id: "training-worker-21c05aad", state: "running_it", replaces: "training-worker-a90d14eb" });
    expect(v.progress_percentage).toBeUndefined();
    expect(v.note).toMatch(/^KTRDR gave it to training-worker-a90d14eb, which is gone; training-worker-21c05aad claims it/);
    expect(v.note).toMatch(/it is probably not training.*Cancel it/);
  });

  it("13. the cancel of the claimed operation reaches the newcomer: a clean cancel (no false alarm)", async () => {
    const r = recorded(l26("1246", "1256"), wallTime(L26, "1256"));
    const v = expectOk(await r.run("cancel_operation", { operation_id: CRASHED }));
    expect(v).toMatchObject({ success: true, status: "cancelled", remote_cancelled: true });
    expect(v.anomaly).toBeUndefined();
    expect(v.note).toBeUndefined();
    // Delivered: neither the record nor the workers are read (nothing to explain).
    expect(r.replay.served.map((s) => `${s.method} ${s.path}`)).toEqual([`DELETE /operations/${CRASHED}`]);
  });
});

describe("14. a start refused with 503: what occupies the worker, as KTRDR last checked it", () => {
  const training = { strategy_name: "mcp_smoke_fast", symbols: ["EURUSD"], start_date: "2024-01-01", end_date: "2024-06-30" };

  it("its last operation ended after KTRDR last checked the worker: frees at the next check, no '10 s' promise (L26/016+018)", async () => {
    // The 503's shape from v2026-focus/030; the registry and the operation at one moment of the lifecycle set.
    const r = recorded([...pick("v2026-focus", "030"), ...l26("018", "016", "017"), EMPTY_LIST], wallTime(L26, "018"));
    const msg = expectErr(await r.run("start_training", training));
    expect(msg).toMatch(
      new RegExp(`Its last operation ${RESUMED} ended \\d+ s ago \\(cancelled\\), after KTRDR last checked the worker \\(\\d+ s ago\\)`),
    );
    expect(msg).toMatch(/KTRDR frees it at its next health check/);
    expect(msg).not.toMatch(/10 s/);
  });
});

describe("19. retry ghosts: flagged, never running, ignored by the duplicate guard", () => {
  const ghost = "op_retry_data_load_20261206_000901_ad9be121";

  it("v2026: the ghost's record is pending, flagged retry_ghost, with the note", async () => {
    const r = recorded(l26("486"), wallTime(L26, "486"));
    const v = expectOk(await status(r, ghost));
    expect(v).toMatchObject({ status: "pending", anomaly: "retry_ghost" });
    expect(v.note).toMatch(/Made by KTRDR's retry, which no worker runs: it stays pending/);
  });

  it("v2026: listed active by KTRDR, flagged in the list", async () => {
    const r = recorded(
      [...l26("489"), unread("GET", "/workers"), unread("GET", "/agent/status"), unread("GET", "/checkpoints")],
      wallTime(L26, "489"),
    );
    const v = expectOk(await r.run("list_operations", { active_only: true }));
    const rows = v.data as Array<Record<string, unknown>>;
    expect(rows.map((x) => [x.status, x.anomaly])).toEqual([
      ["pending", "retry_ghost"],
      ["pending", "retry_ghost"],
    ]);
  });

  it("v2025: the ghost in the list is flagged too", async () => {
    const r = recorded(pick(L25, "047"), wallTime(L25, "047"), "v2025");
    const v = expectOk(await r.run("list_operations", { active_only: true }));
    const rows = v.data as Array<Record<string, unknown>>;
    const ghosts = rows.filter((x) => String(x.operation_id).startsWith("op_retry_"));
    expect(ghosts.length).toBe(2);
    for (const g of ghosts) expect(g).toMatchObject({ status: "pending", anomaly: "retry_ghost" });
    expect(v.total_count).toBeTypeOf("number");
  });

  it("v2026: the duplicate guard ignores the ghosts, and the data load starts (L26/489 → 478)", async () => {
    const r = recorded(
      [...l26("489", "478"), EMPTY_LIST, unread("GET", "/workers"), unread("GET", "/agent/status"), unread("GET", "/checkpoints")],
      wallTime(L26, "478"),
    );
    const v = expectOk(await r.run("trigger_data_loading", { symbol: "EURUSD", timeframe: "1h", mode: "tail" }));
    expect(v.status).toBe("started");
    expect(r.replay.served.some((s) => s.method === "POST")).toBe(true);
  });
});

describe("20. lists that say what they cannot see", () => {
  it("v2026 after a restart: the cache note, total_at_least, no total_count or active_count; unread witnesses said", async () => {
    const r = recorded([...l26("606", "605"), unread("GET", "/agent/status"), unread("GET", "/checkpoints")], wallTime(L26, "606"));
    const v = expectOk(await r.run("list_operations", {}));
    expect(v).not.toHaveProperty("total_count");
    expect(v).not.toHaveProperty("active_count");
    expect(v.total_at_least).toBeTypeOf("number");
    expect(v.note).toMatch(
      /KTRDR v2026 lists only operations read since it started \(a cache\): others may be missing, and any id can still be read/,
    );
    expect(v.note).toMatch(/research cycles \(\/agent\/status\) could not be read/);
    expect(v.note).toMatch(/checkpoints could not be read/);
  });

  it("v2025 keeps KTRDR's counts (its list is complete since the process started)", async () => {
    const r = recorded(pick(L25, "047"), wallTime(L25, "047"), "v2025");
    const v = expectOk(await r.run("list_operations", { active_only: true }));
    expect(v.total_count).toBeTypeOf("number");
    expect(v).not.toHaveProperty("total_at_least");
    expect(String(v.note ?? "")).not.toMatch(/cache/);
  });
});

describe("token budgets (o200k_base): the witnesses cost a plain view nothing, an anomaly view at most 160", () => {
  it("a plain running v2026 training, its worker checked and running it (L26/1021+1022): the view of the record alone, token for token", async () => {
    // The 100-token budget of a running training is asserted end to end (agent-economy); here: the witnesses add nothing.
    const now = wallTime(L26, "1022");
    const r = recorded(l26("1021", "1022"), now);
    const v = expectOk(await status(r, CRASHED));
    expect(v).toMatchObject({ status: "running", current_step: "Epoch 52/1500 · Batch 10/80" });
    for (const k of ["anomaly", "backend_status", "worker", "checkpoint", "note"]) expect(v).not.toHaveProperty(k);
    const alone = new Replay(l26("1021"));
    const record = await new KtrdrApi(config({ baseUrl: alone.base, wireVersion: "v2026" }), { fetch: alone.fetch }).getOperation(CRASHED);
    expect(v).toEqual(conciseStatus(record, now));
    expect(countTokens(v)).toBe(countTokens(conciseStatus(record, now)));
  });

  it("each anomaly view fits in 160 tokens", async () => {
    const views: Array<[string, Record<string, unknown>]> = [];
    const add = async (label: string, r: Run, name: string, args: Record<string, unknown>) => {
      views.push([label, expectOk(await r.run(name, args))]);
    };
    await add("resuming_at_zero", recorded(l26("045", "046", "050"), wallTime(L26, "050")), "get_operation_status", {
      operation_id: RESUMED,
    });
    await add("cancel result, undelivered", recorded(l26("045", "048", "050"), wallTime(L26, "050")), "cancel_operation", {
      operation_id: RESUMED,
    });
    await add("cancel result, unchecked", recorded(l26("609", "611", "613"), wallTime(L26, "613")), "cancel_operation", {
      operation_id: RESTARTED,
    });
    await add("cancel_not_delivered", recorded(l26("454", "456", "410"), wallTime(L26, "456")), "get_operation_status", {
      operation_id: RESUMED,
    });
    await add("outcome_unknown", recorded(l26("468", "467", "477"), wallTime(L26, "477")), "get_operation_status", {
      operation_id: RESUMED,
    });
    await add(
      "worker_lost",
      recorded([...l26("1021", "1036", "1248"), unread("GET", `/checkpoints/${CRASHED}`)], sampleTime("restart_crash", 6)),
      "get_operation_status",
      { operation_id: CRASHED },
    );
    await add(
      "worker_lost, gone",
      recorded([...l26("1037", "1038", "1248"), unread("GET", `/checkpoints/${CRASHED}`)], wallTime(L26, "1038")),
      "get_operation_status",
      { operation_id: CRASHED },
    );
    await add(
      "worker_replaced",
      recorded([...l26("1066", "1067"), unread("GET", `/checkpoints/${CRASHED}`)], wallTime(L26, "1067")),
      "get_operation_status",
      { operation_id: CRASHED },
    );
    await add("retry_ghost", recorded(l26("486"), wallTime(L26, "486")), "get_operation_status", {
      operation_id: "op_retry_data_load_20261206_000901_ad9be121",
    });
    const over = views.filter(([, v]) => countTokens(v) > 160).map(([label, v]) => `${label} ${countTokens(v)} ${JSON.stringify(v)}`);
    expect(over).toEqual([]);
  });
});

describe("MCP tasks: a terminal state KTRDR reported is final; the anomaly goes in statusMessage", () => {
  const deps = (exchanges: Exchange[], now: number): TaskDeps => {
    const replay = new Replay(exchanges);
    return {
      auth: () => LOCAL_CONTEXT,
      backend: () => config({ baseUrl: replay.base, wireVersion: "v2026" }),
      fetch: replay.fetch,
      now: () => now,
    };
  };

  it("an undelivered cancel (L26/454+456+410): the task stays cancelled, its message says the worker still runs it", async () => {
    const task = await readTask(RESUMED, deps(l26("454", "456", "410"), wallTime(L26, "456")), "tasks/get", "modern");
    expect(task.status).toBe("cancelled");
    expect(task.statusMessage).toMatch(/cancel_not_delivered: KTRDR marked it cancelled at 00:06:43Z, but its worker still runs it/);
  });

  it("a resumed training KTRDR shows resuming at 0 % (L26/045+046+050): working, the anomaly said", async () => {
    const task = await readTask(RESUMED, deps(l26("045", "046", "050"), wallTime(L26, "050")), "tasks/get", "legacy");
    expect(task.status).toBe("working");
    expect(task.statusMessage).toMatch(/resuming_at_zero: KTRDR shows a resumed training as 'resuming'/);
  });

  it("a retry ghost's row (L26/489): working, with the ghost's note", async () => {
    const d = deps(
      [...l26("489"), unread("GET", "/workers"), unread("GET", "/agent/status"), unread("GET", "/checkpoints")],
      wallTime(L26, "489"),
    );
    const api = new KtrdrApi(d.backend(), { fetch: d.fetch });
    const page = await api.listOperations({ active_only: true }, wallTime(L26, "489"));
    const task = taskFromSummary(page.rows[0]!, wallTime(L26, "489"));
    expect(task.status).toBe("working");
    expect(task.statusMessage).toMatch(/retry_ghost: Made by KTRDR's retry, which no worker runs/);
  });

  it("tasks/list on v2026 pages while KTRDR returns full pages, without its count", async () => {
    const base = freshBase();
    const backend = new FakeBackend({ version: "v2026", base });
    const seed = backend.operations.find((o) => o.status === "completed")!;
    while (backend.operations.length < TASKS_PAGE_SIZE + 5)
      backend.operations.push({
        ...structuredClone(seed),
        operation_id: `op_dummy_20251004_1200${String(backend.operations.length).padStart(2, "0")}_0000abcd`,
      });
    const d: TaskDeps = { auth: () => LOCAL_CONTEXT, backend: () => config({ baseUrl: base, wireVersion: "v2026" }), fetch: backend.fetch };
    const page1 = await listTasks(undefined, d);
    expect(page1.nextCursor).toBe(String(TASKS_PAGE_SIZE));
    const page2 = await listTasks(page1.nextCursor, d);
    expect(page2.nextCursor).toBeUndefined();
    const ids = [...page1.tasks, ...page2.tasks].map((t) => t.taskId);
    for (const o of backend.operations) expect(ids).toContain(o.operation_id);
  });
});
