/**
 * Test fixtures for the MCP conformance suite's tasks scenarios (2026-07-28): `greet`,
 * `slow_compute`, `failing_job` and `protocol_error_job`. Offered only when the Worker runs with
 * MCP_TEST_FIXTURES=true, which the configuration accepts only together with AUTH_MODE=local
 * (loopback only), so no deployed environment can offer them.
 *
 * Like every task of this server they keep no state in the Worker: a fixture task's id carries
 * what its status derives from (kind, creation time, duration), and `slow_compute`'s long work is
 * KTRDR's own dummy operation, which the backend keeps and cancels.
 */
import { type CallToolResult, ProtocolError, ProtocolErrorCode, type ServerContext } from "@modelcontextprotocol/server";
import type { ListedTool, ObjectSchema } from "../../tools/listing";
import { parseTime } from "../../ktrdr/time";
import { echo } from "../../tools/echo";
import { backendApi, type TaskDeps, taskStatus } from "../tasks";
import { toTaskCallResult } from "./convert";
import { missingExtension, TASKS_EXTENSION } from "./extensions";

const PREFIX = "fx-";
/** Failing fixtures finish this long after they start. */
const SHORT_MS = 1000;
const POLL_MS = 200;

const LISTING: ListedTool[] = [
  fixture("greet", "Test fixture: says hello.", { name: { type: "string" } }, ["name"]),
  fixture(
    "slow_compute",
    "Test fixture: works for `seconds`, as a task when the client supports tasks.",
    { seconds: { type: "number", minimum: 0, maximum: 600 }, label: { type: "string" } },
    ["seconds"],
  ),
  fixture("failing_job", "Test fixture: a task that ends with a tool error (needs the tasks extension).", {}, []),
  fixture("protocol_error_job", "Test fixture: a task that fails with a protocol error.", {}, []),
];

function fixture(name: string, description: string, properties: ObjectSchema["properties"], required: string[]): ListedTool {
  return {
    name,
    title: name,
    description,
    inputSchema: { type: "object", properties, ...(required.length ? { required } : {}) },
    outputSchema: { type: "object" },
    annotations: { readOnlyHint: true, openWorldHint: false },
  };
}

type Kind = "slow" | "failing" | "protoerr";

interface FixtureTask {
  kind: Kind;
  created: number;
  ms: number;
  operationId?: string;
}

function encode(t: FixtureTask): string {
  const nonce = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  return `${PREFIX}${t.kind}.${t.created}.${t.ms}.${nonce}${t.operationId ? `.${t.operationId}` : ""}`;
}

function decode(id: string): FixtureTask | undefined {
  const m = /^fx-(slow|failing|protoerr)\.(\d{1,15})\.(\d{1,9})\.[0-9a-f]{12}(?:\.([A-Za-z0-9_]{1,100}))?$/.exec(id);
  if (!m) return undefined;
  return { kind: m[1] as Kind, created: Number(m[2]), ms: Number(m[3]), operationId: m[4] };
}

const text = (t: string, isError = false): CallToolResult => ({
  content: [{ type: "text", text: t }],
  ...(isError ? { isError: true } : {}),
});

export class Fixtures {
  constructor(private readonly deps: TaskDeps) {}

  listing(): ListedTool[] {
    return LISTING;
  }

  has(name: string): boolean {
    return LISTING.some((t) => t.name === name);
  }

  owns(taskId: string): boolean {
    return taskId.startsWith(PREFIX);
  }

  async call(name: string, args: Record<string, unknown>, tasks: boolean, ctx: ServerContext): Promise<CallToolResult> {
    const now = Date.now();
    switch (name) {
      case "greet":
        return text(`Hello, ${String(args.name ?? "")}!`);
      case "slow_compute": {
        const seconds = Math.max(0, Math.min(600, Number(args.seconds ?? 0) || 0));
        if (!tasks || seconds === 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(r, Math.min(seconds, 25) * 1000);
            ctx.mcpReq.signal.addEventListener(
              "abort",
              () => {
                clearTimeout(t);
                r();
              },
              { once: true },
            );
          });
          return text(`Computed for ${seconds} s${args.label ? ` (${String(args.label)})` : ""}.`);
        }
        const started = await backendApi(this.deps).startDummy();
        return this.created({ kind: "slow", created: now, ms: seconds * 1000, operationId: started.operation_id });
      }
      case "failing_job":
        if (!tasks) throw missingExtension(TASKS_EXTENSION, "failing_job");
        return this.created({ kind: "failing", created: now, ms: SHORT_MS });
      case "protocol_error_job":
        if (!tasks)
          throw new ProtocolError(ProtocolErrorCode.InternalError, "protocol_error_job failed (a test fixture's protocol error).");
        return this.created({ kind: "protoerr", created: now, ms: SHORT_MS });
    }
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool ${echo(name)}`);
  }

  private created(t: FixtureTask): CallToolResult {
    const at = new Date(t.created).toISOString();
    return toTaskCallResult({ taskId: encode(t), status: "working", createdAt: at, lastUpdatedAt: at, pollIntervalMs: POLL_MS });
  }

  async get(taskId: string): Promise<Record<string, unknown>> {
    const t = decode(taskId);
    if (!t) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${echo(taskId)}`);
    const createdAt = new Date(t.created).toISOString();
    const due = t.created + t.ms;
    const base = { taskId, createdAt, ttlMs: null };
    if (t.kind === "slow" && t.operationId) {
      // Cancelled before its time was up: cancelled for good (the dummy operation keeps that fact).
      const op = await backendApi(this.deps).getOperation(t.operationId);
      const endedAt = parseTime(op.completed_at);
      if (taskStatus(op.status) === "cancelled" && !(endedAt !== undefined && endedAt >= due))
        return { ...base, status: "cancelled", lastUpdatedAt: new Date(endedAt ?? Date.now()).toISOString() };
    }
    if (Date.now() < due) return { ...base, status: "working", lastUpdatedAt: createdAt, pollIntervalMs: POLL_MS };
    const doneAt = new Date(due).toISOString();
    if (t.kind === "slow")
      return {
        ...base,
        status: "completed",
        lastUpdatedAt: doneAt,
        result: { resultType: "complete", ...text(`Computed for ${t.ms / 1000} s.`) },
      };
    if (t.kind === "failing")
      return {
        ...base,
        status: "completed",
        lastUpdatedAt: doneAt,
        result: { resultType: "complete", ...text("failing_job failed (a test fixture's tool error).", true) },
      };
    return {
      ...base,
      status: "failed",
      lastUpdatedAt: doneAt,
      statusMessage: "protocol_error_job failed",
      error: { code: ProtocolErrorCode.InternalError, message: "protocol_error_job failed (a test fixture's protocol error)." },
    };
  }

  async cancel(taskId: string): Promise<Record<string, unknown>> {
    const t = decode(taskId);
    if (!t) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${echo(taskId)}`);
    if (t.kind === "slow" && t.operationId)
      await backendApi(this.deps).cancelOperation(t.operationId, "Cancelled through MCP tasks/cancel");
    return {};
  }
}
