/**
 * What every settings reader shares: the one configuration error, the string-valued settings of an
 * env (bindings are not settings) and the backend URL used when none is set. Kept apart from
 * `config.ts` so that `auth/config.ts` and `config.ts` do not import each other.
 */

/** A setting is missing or wrong. The message names the setting and what to do; never a value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The string-valued entries of a Worker env. */
export function stringSettings(env: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The backend `npm start` runs, used when KTRDR_API_URL is not set. */
export const DEFAULT_API_URL = "http://127.0.0.1:8000/api/v1";
