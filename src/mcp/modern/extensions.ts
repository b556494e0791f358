/**
 * The MCP extensions this server speaks, by id, and how a 2026-07-28 request declares them
 * (per request, in its client capabilities).
 */
import { CLIENT_CAPABILITIES_META_KEY, ProtocolError, ProtocolErrorCode, type ServerContext } from "@modelcontextprotocol/server";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** Whether this request's client declared an extension (opt-in is per request in 2026-07-28). */
export function declares(ctx: ServerContext, extension: string): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const caps = envelope?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Record<string, unknown> } | undefined;
  return Boolean(caps?.extensions && extension in caps.extensions);
}

/** -32021: the request needs an extension its client did not declare. */
export function missingExtension(extension: string, what: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.MissingRequiredClientCapability,
    `${what} needs the ${extension} extension: declare it in the request's client capabilities.`,
    {
      requiredCapabilities: { extensions: { [extension]: {} } },
    },
  );
}
