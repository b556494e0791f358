/**
 * Local mode: no credentials, for `npm start` and `wrangler dev`. Accepted only when the request
 * is addressed to a loopback host, so a Worker deployed by mistake in this mode serves no one.
 * There is one local credential: every local caller is the same.
 */
import { type CallerContext, LOCAL_CONTEXT } from "./context";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export function localAuth(request: Request): CallerContext | undefined {
  return isLoopbackHost(new URL(request.url).hostname) ? LOCAL_CONTEXT : undefined;
}
