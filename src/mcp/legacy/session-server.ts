/**
 * The 1.x SDK's `Server` with every request handler — this server's and the ones the SDK installs
 * itself (tasks/get, tasks/result, tasks/list, tasks/cancel, ping, initialize) — registered behind
 * the session's scope gate, a check that answers a request its schema refuses with -32602 and one
 * sentence (`invalidParamsMessage`), where the SDK would answer -32603 with the schema's issue
 * dump, and the mapping of a neutral fault to the SDK's error (`convert.ts`).
 *
 * How, with the SDK's public API only: `setRequestHandler` (public, and overridden by the SDK's
 * own `Server` the same way) is given, instead of the method's schema, an object schema with the
 * same method literal whose check runs the method's schema and throws the -32602 `McpError` when
 * it refuses the request — the SDK sends a thrown `McpError` as it is. A valid request reaches the
 * handler as the method's schema parsed it.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { invalidParamsMessage } from "../invalid-params";
import { mappingFaults, PlainMcpError } from "./convert";

type AnySchema = Parameters<Server["setRequestHandler"]>[0];

function methodOf(schema: AnySchema): string {
  const shape = (schema as { shape?: { method?: { value?: unknown } } }).shape;
  const method = shape?.method?.value;
  if (typeof method !== "string") throw new Error("a request schema without a method literal");
  return method;
}

/** The method's schema as a check that throws -32602 with one sentence, keeping the method literal the SDK routes on. */
function readable(schema: AnySchema): AnySchema {
  const method = methodOf(schema);
  return z.looseObject({ method: z.literal(method) }).overwrite((request) => {
    const parsed = z.safeParse(schema as unknown as z.ZodType, request);
    if (!parsed.success) throw new PlainMcpError(ErrorCode.InvalidParams, invalidParamsMessage(method, parsed.error.issues, request));
    return parsed.data as typeof request;
  }) as unknown as AnySchema;
}

export class SessionServer extends Server {
  /**
   * Runs before every handler with the method actually called (set once the session knows its
   * caller): the session's scope gate, so a refusal names that method, whichever handler serves it.
   */
  gate?: (method: string) => void;

  override setRequestHandler(...args: Parameters<Server["setRequestHandler"]>): void {
    const [schema, handler] = args;
    const method = methodOf(schema);
    super.setRequestHandler(readable(schema), (request, extra) =>
      mappingFaults(async () => {
        this.gate?.(method);
        return handler(request, extra);
      }),
    );
  }
}
