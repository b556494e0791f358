/**
 * An MCP error answer, SDK-free: what the shared code (tasks, tool calls) throws when a request
 * must fail with a JSON-RPC error. Each front end maps it to its SDK's error in one place
 * (`legacy/convert.ts` → SDK 1.x `McpError`, `modern/convert.ts` → SDK 2.x `ProtocolError`).
 * The message is the agent-facing sentence, as it is sent.
 */

/** The JSON-RPC error codes the shared code answers with (the same numbers in every SDK generation). */
export const FaultCode = {
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;
export type FaultCode = (typeof FaultCode)[keyof typeof FaultCode];

export class McpFault extends Error {
  constructor(
    readonly code: FaultCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "McpFault";
  }
}

/** Runs `fn`, throwing a fault it throws as `toError` makes it (each front end's mapper); anything else as it is. */
export async function answeringFaults<T>(fn: () => Promise<T>, toError: (fault: McpFault) => Error): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof McpFault ? toError(err) : err;
  }
}
