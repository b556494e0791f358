/**
 * The one scrubber every text from KTRDR passes before an agent can read it: error messages,
 * an operation's error, cancel reason and current step, start messages, and every string inside
 * the records and result summaries shown under `detail: "full"`.
 *
 * - Absolute paths become their file name: POSIX (`/srv/ktrdr/strategies/a.yaml` → `a.yaml`),
 *   home-relative (`~/x/a.yaml`), Windows (`C:\ktrdr\a.yaml`, `C:/ktrdr/a.yaml`, UNC
 *   `\\host\share\a.yaml`) and `file://` URLs. They say how the backend's host is laid out,
 *   which is no business of an agent, and KTRDR quotes whole directory listings
 *   ("Strategy file not found: x.yaml (searched: /srv/…/a.yaml, …)").
 *   Relative paths (`models/mlp_basic/1h_v3`) are facts agents act on and stay.
 * - Control, bidi and zero-width characters go (a single line an agent reads as it is shown). Inside
 *   records, a multi-line value (v2026's `strategy_yaml`) keeps its line breaks: they are content.
 * - Length is bounded (300 characters for a text).
 * - Configured secrets are replaced before anything else, so no scrubbing can split one.
 *
 * Path facts an agent must pass back to KTRDR (`model_path`, which `start_backtest` takes) are
 * kept as sent inside records: only cleaned of control characters and bounded, never shortened
 * to a name that KTRDR could not resolve.
 */

/** At most this many characters of one backend text. */
export const MAX_TEXT = 300;
/** At most this many characters of a path fact kept as sent (`model_path`). */
export const MAX_PATH_FACT = 1024;
/** Keys whose string value is a path an agent passes back to KTRDR: kept usable. */
export const PATH_FACT_KEYS: ReadonlySet<string> = new Set(["model_path"]);
/** Deeper nesting than this in a backend record is not shown. */
const MAX_DEPTH = 32;

// C0 and C1 controls, DEL, zero-width and bidi formatting characters, line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

/**
 * Characters of one path segment: not a separator, space, quote, bracket, list punctuation, `:`
 * or `=` (so that `/a/x.py:12` ends at the colon and `key=/a/b` starts after the `=`).
 */
const SEG = String.raw`[^\s/\\"'<>()\[\]{}|,;*?\`:=]`;
/**
 * Where an absolute path may start: the start of the text, or after a character that cannot be
 * part of a path segment (space, quote, bracket, `<>|*?`, list punctuation) or after `=` or `:`.
 * After a segment character it is the middle of a relative path (`models/x/1h_v3`), which stays.
 */
const BEFORE = String.raw`(^|[\s"'<>()\[\]{}|,;*?\`=:])`;

/** A `file:` URL up to the first character that cannot be in a path (its drive letter's colon included). */
const FILE_URL = /(?<![\w.+-])file:(?:\/\/)?(?:\/?[A-Za-z]:)?[^\s"'<>()[\]{}|,;*?`:=]*/gi;
const WINDOWS = new RegExp(String.raw`${BEFORE}((?:[A-Za-z]:|\\\\${SEG}+)(?:[\\/]${SEG}*)+)`, "g");
const BACKSLASHED = new RegExp(String.raw`${BEFORE}(${SEG}+(?:\\${SEG}*)+)`, "g");
const POSIX = new RegExp(`${BEFORE}(~?(?:/${SEG}+)+/?)`, "g");

/** The last named segment of a path (what is left of it for an agent). */
function fileName(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== "" && !/^[A-Za-z]:$/.test(p) && p !== "~");
  return parts.at(-1) ?? "";
}

/** Replaces every absolute path in `text` by its file name. */
export function stripPaths(text: string): string {
  return text
    .replace(FILE_URL, (url) => fileName(url.replace(/^file:(?:\/\/)?/i, "")))
    .replace(WINDOWS, (_m, before: string, path: string) => before + fileName(path))
    .replace(BACKSLASHED, (_m, before: string, path: string) => before + fileName(path))
    .replace(POSIX, (_m, before: string, path: string) => before + fileName(path));
}

/** Replaces each configured secret (4 characters or more) with `[redacted]`. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  return out;
}

function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in two.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

// The same, but line feeds stay (multi-line values inside records).
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const INVISIBLE_KEEP_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

/** Something the rules below may change; most strings of a record (ids, timestamps, names) have none. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const WORK = /[\s/\\\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|file:/i;

/** Backend text, made safe to show: secrets out, single line, no invisible characters, no absolute path, bounded. */
export function scrubText(
  text: string,
  opts: { max?: number; secrets?: ReadonlyArray<string | undefined>; keepLines?: boolean } = {},
): string {
  const max = opts.max ?? MAX_TEXT;
  if (text.length <= max && !WORK.test(text) && !opts.secrets?.some((s) => s && s.length >= 4)) return text;
  const redacted = redact(text, opts.secrets);
  const out = opts.keepLines
    ? stripPaths(redacted.replace(INVISIBLE_KEEP_LINES, " "))
        .split("\n")
        .map((line) => line.replace(/\s+/g, " ").trimEnd())
        .join("\n")
        .trim()
    : stripPaths(redacted.replace(INVISIBLE, " ")).replace(/\s+/g, " ").trim();
  return bound(out, max);
}

/** `scrubText` for an optional value: absent or null (KTRDR's none) stays undefined, so a missing fact is never an empty one. */
export function scrubOptional(text: string | null | undefined): string | undefined {
  if (text === undefined || text === null) return undefined;
  const out = scrubText(text);
  return out === "" ? undefined : out;
}

/** A path fact (`model_path`) as sent, only cleaned of invisible characters and bounded. */
export function cleanPathFact(text: string): string {
  return bound(text.replace(INVISIBLE, "").trim(), MAX_PATH_FACT);
}

/**
 * A backend record or result summary with every string scrubbed (path facts kept usable, see
 * `PATH_FACT_KEYS`); numbers, booleans and the shape stay as they are.
 */
export function scrubValue<T>(value: T): T {
  return scrubAt(value, undefined, 0) as T;
}

function scrubAt(value: unknown, key: string | undefined, depth: number): unknown {
  if (typeof value === "string") {
    return key !== undefined && PATH_FACT_KEYS.has(key) ? cleanPathFact(value) : scrubText(value, { keepLines: true });
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "… (nested too deep to show)";
  if (Array.isArray(value)) return value.map((v) => scrubAt(v, undefined, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubAt(v, k, depth + 1);
  return out;
}
