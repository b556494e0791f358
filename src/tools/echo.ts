/**
 * The one rule for repeating a caller's value (a task id, a tool name, a URI, a protocol version)
 * back in an error: at most `max` characters, and no control, bidirectional-override, zero-width
 * or line-separator characters — an agent reads these messages, and a value that reorders or
 * hides text (`\u202e`, `\u0007`, …) must not reach it as sent. Each such character becomes `?`
 * (so the echo does not look like a different, valid value), and a cut is marked with `…`.
 *
 * Well-formed ids (`isOperationId` in src/ktrdr/model.ts) pass through unchanged. Used by the tools' errors
 * and by both MCP front ends.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** Default bound of an echoed value, in characters. */
export const ECHO_MAX = 80;

/** `value` as it may be repeated in an error message (non-strings are shown as their JSON type). */
export function echo(value: unknown, max = ECHO_MAX): string {
  if (typeof value !== "string") return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
  // Code points, not UTF-16 units, so a cut never splits a character (at most 2 units each).
  const chars = Array.from(value.length > 2 * max ? value.slice(0, 2 * max + 1) : value);
  const cut = chars.length > max ? `${chars.slice(0, max).join("")}…` : value;
  return cut.replace(UNSAFE, "?");
}

/** Whole messages built by others (an SDK's ladder errors repeat headers and body values): the same rule, a wider bound. */
export function cleanMessage(message: string, max = 400): string {
  return echo(message, max);
}
