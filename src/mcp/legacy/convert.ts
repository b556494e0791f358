/**
 * The 2025 front end's seam with SDK 1.x (`@modelcontextprotocol/sdk`): the one converter of
 * this server's neutral results and tasks to the SDK's types, and the one mapper of its neutral
 * errors (`McpFault`) to the SDK's `McpError`.
 */
import { type CallToolResult, type CreateTaskResult, McpError, type Task } from "@modelcontextprotocol/sdk/types.js";
import type { ToolResult } from "../calls";
import { answeringFaults, type McpFault } from "../fault";
import type { TaskView } from "../tasks";

/** Shown to the model by hosts that support it, while the task runs (2025-11-25). */
const IMMEDIATE_RESPONSE_META = "io.modelcontextprotocol/model-immediate-response";

/** An McpError whose message is just the text (the SDK's McpError prefixes "MCP error <code>: "). */
export class PlainMcpError extends McpError {
  constructor(code: number, message: string, data?: unknown) {
    super(code, message, data);
    this.message = message;
  }
}

export function toMcpError(fault: McpFault): McpError {
  return new PlainMcpError(fault.code, fault.message, fault.data);
}

/** Runs `fn`, answering a neutral fault as the SDK's error (the SDK sends a thrown McpError as it is). */
export function mappingFaults<T>(fn: () => Promise<T>): Promise<T> {
  return answeringFaults(fn, toMcpError);
}

/** The SDK's CallToolResult is the neutral one, field for field: the compiler checks it here. */
export function toCallToolResult(r: ToolResult): CallToolResult {
  return r;
}

/** A task in 2025 wire fields (`ttl`, `pollInterval`; this server keeps no ttl). */
export function toTask(t: TaskView): Task {
  return {
    taskId: t.taskId,
    status: t.status,
    ttl: null,
    createdAt: t.createdAt,
    lastUpdatedAt: t.lastUpdatedAt,
    ...(t.pollIntervalMs !== undefined ? { pollInterval: t.pollIntervalMs } : {}),
    ...(t.statusMessage !== undefined ? { statusMessage: t.statusMessage } : {}),
  };
}

/** The answer to a task-augmented call: the task, and what hosts show the model meanwhile. */
export function toCreateTaskResult(task: TaskView, immediate: string): CreateTaskResult {
  return { task: toTask(task), _meta: { [IMMEDIATE_RESPONSE_META]: immediate } };
}
