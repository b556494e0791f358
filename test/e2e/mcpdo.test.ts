/**
 * The MCP Inspector's `mcpdo` (2.12) driving a start tool as a task, in both eras (issue 12,
 * item 5), on the v2025 stack: connection A runs start_training (mcp_smoke_slow: tens of seconds)
 * — on the 2026 era it just calls the tool and the server decides to answer with a task; on the
 * 2025 era it asks for one (`tools/call --task`) — and blocks while it polls the task. Connection
 * B, a second named connection to the same URL, finds the task id (it is the operation id, so
 * list_operations shows it), reads it with tasks/get and cancels it with tasks/cancel; A's call
 * then ends as cancelled.
 *
 * mcpdo keeps its state in a daemon: here a private one (`mcpdo private`, token-gated, its own
 * directory), a file secret store, a temporary HOME (the writable catalog's home) and a read-only
 * config file naming the connections (`--config`); the daemon is stopped and its
 * files removed at the end. Every training is cancelled before its test ends; every wait is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROOT, tempDir } from "../../scripts/stack.mjs";
import { cancelAtBackend, ensureAapl2024, RANGE_2024 as RANGE } from "./mcp-client";
import { until, within } from "./poll";

const stacks = inject("stacks");
const stack = stacks.v2025;
const MCPDO = join(ROOT, "node_modules", "@modelcontextprotocol", "inspector", "clients", "mcpdo", "build", "mcp-bin.js");
const SLOW_TRAINING = { strategy_name: "mcp_smoke_slow", symbols: ["AAPL"], ...RANGE, allow_duplicate: true };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const home = tempDir("mcpdo-home");
const config = join(home, "mcp.json");
const env: Record<string, string | undefined> = {
  ...process.env,
  HOME: home,
  MCP_INSPECTOR_SECRET_STORE: "file",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};
let daemonDir: string | undefined;

/** Starts one mcpdo command (bounded: killed after `timeoutMs`). */
function start(args: string[], timeoutMs = 60_000): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [MCPDO, "--config", config, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

async function mcpdo(args: string[], timeoutMs?: number): Promise<Run> {
  return start(args, timeoutMs).done;
}

/** An mcpdo command with `--format json` that must succeed; its parsed output. */
async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await mcpdo([...args, "--format", "json"]);
  expect(r.code, `mcpdo ${args.join(" ")}: ${r.stdout} ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** The active trainings connection `conn` sees (list_operations: the task id is the operation id). */
async function activeTrainings(conn: string): Promise<string[]> {
  const r = await json<{ structuredContent?: { data?: Array<{ operation_id: string }> } }>([
    `@${conn}`,
    "tools/call",
    "list_operations",
    JSON.stringify({ operation_type: "training", active_only: true }),
  ]);
  return (r.structuredContent?.data ?? []).map((o) => o.operation_id);
}

interface TaskOut {
  task: { taskId: string; status: string; statusMessage?: string };
}

beforeAll(async () => {
  // The training below needs AAPL 1h bars for 2024.
  await ensureAapl2024(stack.mcpUrl);
  // A private, token-gated daemon for this file only.
  const priv = await mcpdo(["private"]);
  expect(priv.code, priv.stderr).toBe(0);
  for (const m of priv.stdout.matchAll(/export (MCP_INSPECTOR_[A-Z_]+)='([^']*)'/g)) env[m[1]!] = m[2]!;
  daemonDir = env.MCP_INSPECTOR_DAEMON_DIR;
  expect(daemonDir, priv.stdout).toBeTruthy();
  expect(env.MCP_INSPECTOR_DAEMON_TOKEN).toBeTruthy();
  const entry = (era: string) => ({ type: "streamable-http", url: stack.mcpUrl, protocolEra: era });
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: { modernA: entry("modern"), modernB: entry("modern"), legacyA: entry("legacy"), legacyB: entry("legacy") },
    }),
  );
});

afterAll(async () => {
  try {
    if (daemonDir) {
      const stop = await mcpdo(["daemon", "stop"], 30_000);
      expect(stop.code, stop.stderr).toBe(0);
    }
  } finally {
    if (daemonDir) rmSync(daemonDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
});

const ERAS = [
  { era: "modern", a: "modernA", b: "modernB", version: "2026-07-28", taskFlag: [] as string[] },
  { era: "legacy", a: "legacyA", b: "legacyB", version: "2025-11-25", taskFlag: ["--task"] },
];

describe.each(ERAS)(
  "mcpdo, $era era: start_training as a task, read and cancelled from a second connection",
  ({ era, a, b, version, taskFlag }) => {
    it("connects two named connections in this era", async () => {
      for (const conn of [a, b]) {
        const c = await mcpdo(["connect", conn], 45_000);
        expect(c.code, `${c.stdout} ${c.stderr}`).toBe(0);
        const show = await json<{
          protocolEra: string;
          protocolVersion: string;
          serverInfo: { name: string };
          capabilities: { tasks?: unknown; extensions?: Record<string, unknown> };
        }>([`@${conn}`, "connections/show"]);
        expect(show).toMatchObject({ protocolEra: era, protocolVersion: version, serverInfo: { name: "ktrdr-mcp" } });
        if (era === "modern") expect(show.capabilities.extensions?.["io.modelcontextprotocol/tasks"]).toEqual({});
        else expect(show.capabilities.tasks).toBeTruthy();
      }
    });

    it("tools/call start_training runs as a task; tasks/get reads it and tasks/cancel cancels it", async () => {
      const before = new Set(await activeTrainings(b));
      const call = start([`@${a}`, "tools/call", ...taskFlag, "start_training", JSON.stringify(SLOW_TRAINING), "--format", "json"], 90_000);
      let taskId: string | undefined;
      let cancelled = false;
      try {
        // A blocks while it polls its task; B finds it: the task id is the operation id.
        const ids = await until(
          () => activeTrainings(b),
          (l) => l.some((id) => !before.has(id)),
          30_000,
          "the new training",
        );
        taskId = ids.find((id) => !before.has(id))!;
        expect(taskId).toMatch(/^op_training_/);

        const got = await json<TaskOut>([`@${b}`, "tasks/get", taskId]);
        expect(got.task).toMatchObject({ taskId, status: "working" });
        if (era === "legacy") {
          // 2025-11-25 has a server-side task inventory: B lists A's task.
          const listed = await json<{ tasks: Array<{ taskId: string; status: string }> }>([`@${b}`, "tasks/list"]);
          expect(listed.tasks.find((t) => t.taskId === taskId)).toMatchObject({ status: "working" });
        }

        const cancel = await mcpdo([`@${b}`, "tasks/cancel", taskId, "--format", "json"]);
        expect(cancel.code, `${cancel.stdout} ${cancel.stderr}`).toBe(0);
        const after = await until(
          () => json<TaskOut>([`@${b}`, "tasks/get", taskId!]),
          (t) => t.task.status !== "working",
          20_000,
          "tasks/get after tasks/cancel",
        );
        expect(after.task).toMatchObject({ taskId, status: "cancelled" });
        cancelled = true;

        // A's blocking call sees the cancellation at its next poll (the server suggests 5 s).
        const res = await within(call.done, 30_000, "A's tools/call after the cancel");
        expect(res.code).not.toBe(0);
        // The error comes as one JSON line on stderr (besides mcpdo's own notices).
        const line = `${res.stdout}\n${res.stderr}`.split("\n").find((l) => l.startsWith('{"error"'));
        expect(line, res.stdout + res.stderr).toBeTruthy();
        expect((JSON.parse(line!) as { error: { message: string } }).error.message).toMatch(/^Tool call "start_training" was cancelled/);
      } finally {
        if (call.child.exitCode === null) call.child.kill("SIGKILL");
        if (taskId && !cancelled) {
          await cancelAtBackend(stack.backendUrl, taskId);
        }
      }
    }, 120_000);
  },
);
