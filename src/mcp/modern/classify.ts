/** Which era SDK 2.x reads a request as: its own classifier, the one the 2026 front end serves with. */
import { isLegacyRequest } from "@modelcontextprotocol/server";

/** Whether the SDK would serve this request (its body already parsed) as 2025 traffic. */
export function isLegacy(request: Request, message: unknown): Promise<boolean> {
  return isLegacyRequest(request, message);
}
