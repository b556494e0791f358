// Shared helpers for backend tests: a backend on an ephemeral port with a temp data dir, HTTP calls, polling.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackend } from "../src/server.ts";
import type { BackendOptions } from "../src/context.ts";

export interface TestBackend {
  url: string;
  root: string; // http://127.0.0.1:port
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestBackend(opts: Partial<BackendOptions> = {}): Promise<TestBackend> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "ktrdr-backend-test-"));
  const b = await startBackend({ port: 0, pace: 0, quiet: true, ...opts, dataDir });
  return {
    url: b.url,
    root: b.url.replace(/\/api\/v1$/, ""),
    dataDir,
    close: async () => {
      await b.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { ...headers }, redirect: "manual" };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitForOp(
  base: string,
  id: string,
  pred: (op: any) => boolean = (op) => !["pending", "running", "resuming"].includes(op.status),
  timeoutMs = 30_000,
): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const r = await call(base, "GET", `/operations/${id}`);
    if (r.status !== 200) throw new Error(`GET /operations/${id} → ${r.status} ${r.text}`);
    if (pred(r.body.data)) return r.body.data;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${id}: ${JSON.stringify(r.body.data.status)}`);
    await sleep(20);
  }
}

/** Load data (v2025 /data/load or v2026 /data/acquire/download) and wait for completion. */
export async function loadData(base: string, wire: "v2025" | "v2026", body: Record<string, unknown>): Promise<any> {
  const r = wire === "v2025" ? await call(base, "POST", "/data/load", body) : await call(base, "POST", "/data/acquire/download", body);
  if (r.status !== 200) throw new Error(`load failed: ${r.status} ${r.text}`);
  const id = wire === "v2025" ? r.body.data.operation_id : r.body.operation_id;
  return waitForOp(base, id);
}

export const OPERATION_INFO_KEYS_V2025 = [
  "operation_id",
  "operation_type",
  "status",
  "created_at",
  "started_at",
  "completed_at",
  "progress",
  "metadata",
  "error_message",
  "warnings",
  "errors",
  "result_summary",
].sort();
export const OPERATION_INFO_KEYS_V2026 = [...OPERATION_INFO_KEYS_V2025, "metrics", "parent_operation_id", "is_backend_local"].sort();
export const SUMMARY_KEYS = [
  "operation_id",
  "operation_type",
  "status",
  "created_at",
  "progress_percentage",
  "current_step",
  "symbol",
  "duration_seconds",
].sort();
export const PROGRESS_KEYS = [
  "percentage",
  "current_step",
  "steps_completed",
  "steps_total",
  "items_processed",
  "items_total",
  "current_item",
  "context",
].sort();
export const ISO_MICRO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const OP_ID = (type: string) => new RegExp(`^op_${type}_\\d{8}_\\d{6}_[0-9a-f]{8}$`);

/** An admin call (outside /api/v1; the backend must run with `faults: true`). */
export async function admin(b: TestBackend, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return call(b.root, method, path, body);
}

/** The database row of an operation (admin read), or null. */
export async function dbRow(b: TestBackend, id: string): Promise<any> {
  const r = await admin(b, "GET", `/__db/operations/${id}`);
  return r.status === 200 ? r.body : null;
}

/** Poll until `pred` returns a truthy value (returned), or fail with `what`. */
export async function until<T>(
  what: string,
  pred: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 25,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
