/**
 * The TaskStore the 1.x SDK's Protocol answers tasks/get, tasks/result, tasks/list and
 * tasks/cancel from (spec 2025-11-25; experimental in SDK 1.32): the shared task logic
 * (`../tasks.ts`), converted for the SDK. One per session, holding no task state. The session's
 * gate has checked the method's scope before any of these run.
 *
 * Faults are mapped here, not by the session's handler wrapper: the SDK's own tasks/cancel
 * handler turns any error that is not an McpError into "Failed to cancel task".
 */
import type { CreateTaskOptions, TaskStore } from "@modelcontextprotocol/sdk/experimental/tasks/interfaces.js";
import { ErrorCode, type Request, type RequestId, type Result, type Task } from "@modelcontextprotocol/sdk/types.js";
import { cancelTask, listTasks, notATaskTool, readTask, type TaskDeps, taskResult } from "../tasks";
import { mappingFaults, PlainMcpError, toCallToolResult, toMcpError, toTask } from "./convert";

/** What the session advertises (spec: `capabilities.tasks`). */
export const TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } } as const;

export class BackendTaskStore implements TaskStore {
  constructor(private readonly deps: TaskDeps) {}

  /** Tasks are created by starting an operation (see `startAsTask`), never by the SDK's generic path. */
  async createTask(_params: CreateTaskOptions, _requestId: RequestId, request: Request): Promise<Task> {
    throw toMcpError(notATaskTool(request.method));
  }

  async getTask(taskId: string): Promise<Task> {
    return mappingFaults(async () => toTask(await readTask(taskId, this.deps, "tasks/get", "legacy")));
  }

  /** The start tool's result once its operation has finished (see `taskResult`). */
  async getTaskResult(taskId: string): Promise<Result> {
    return mappingFaults(async () => toCallToolResult(await taskResult(taskId, this.deps)));
  }

  async storeTaskResult(): Promise<void> {
    throw new Error("Task results are kept by the KTRDR backend, not stored by this server.");
  }

  /** Only cancellation changes a task from outside; it cancels the backend operation. */
  async updateTaskStatus(taskId: string, status: Task["status"]): Promise<void> {
    if (status !== "cancelled") {
      throw new PlainMcpError(
        ErrorCode.InvalidParams,
        `Task ${taskId}: only cancellation is possible (status ${status} is set by the backend).`,
      );
    }
    const { alreadyFinished } = await mappingFaults(() => cancelTask(taskId, this.deps));
    // The 2025-11-25 spec: cancelling a task in a terminal status is an invalid-params error.
    if (alreadyFinished)
      throw new PlainMcpError(ErrorCode.InvalidParams, `Task ${taskId} has already finished; there is nothing to cancel.`);
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    return mappingFaults(async () => {
      const page = await listTasks(cursor, this.deps);
      return { tasks: page.tasks.map(toTask), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
    });
  }
}
