/**
 * The 2026-07-28 front end's seam with SDK 2.x (`@modelcontextprotocol/server`): the one converter
 * of this server's neutral results and tasks to the SDK's types and the tasks extension's wire
 * fields, and the one mapper of its neutral errors (`McpFault`) to the SDK's `ProtocolError`.
 */
import { type CallToolResult, ProtocolError } from "@modelcontextprotocol/server";
import type { ToolResult } from "../calls";
import { answeringFaults, type McpFault } from "../fault";
import type { TaskView } from "../tasks";

export function toProtocolError(fault: McpFault): ProtocolError {
  return new ProtocolError(fault.code, fault.message, fault.data);
}

/** Runs `fn`, answering a neutral fault as the SDK's error (the SDK sends a thrown ProtocolError as it is). */
export function mappingFaults<T>(fn: () => Promise<T>): Promise<T> {
  return answeringFaults(fn, toProtocolError);
}

/** The SDK's CallToolResult is the neutral one, field for field: the compiler checks it here. */
export function toCallToolResult(r: ToolResult): CallToolResult {
  return r;
}

/** A task in the extension's wire fields (`ttlMs`, `pollIntervalMs`; this server keeps no ttl). */
export interface ModernTask {
  [key: string]: unknown;
  taskId: string;
  status: TaskView["status"];
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: null;
  pollIntervalMs?: number;
}

export function toModernTask(t: TaskView): ModernTask {
  return {
    taskId: t.taskId,
    status: t.status,
    ...(t.statusMessage !== undefined ? { statusMessage: t.statusMessage } : {}),
    createdAt: t.createdAt,
    lastUpdatedAt: t.lastUpdatedAt,
    ttlMs: null,
    ...(t.pollIntervalMs !== undefined ? { pollIntervalMs: t.pollIntervalMs } : {}),
  };
}

/**
 * A tools/call answered with a task (the extension's server-directed tasks). SDK 2.x models no
 * such result, but it answers any contentless tool result with `content: []` added: written here,
 * the result is the CallToolResult the SDK sends either way.
 */
export function toTaskCallResult(t: TaskView): CallToolResult {
  return { resultType: "task", ...toModernTask(t), content: [] };
}
