/**
 * Replays traffic recorded from the real KTRDR backends (test/fixtures/real-ktrdr, one JSON file
 * per HTTP exchange) to the Worker's adapter and tools: a `fetch` that answers each request with
 * the recorded exchange it matches. Tests pick the exchanges of a scenario by file name, run a
 * tool, and assert what the agent is told.
 *
 * Matching: same method and path; every query parameter of the recording has the same value in
 * the request (the adapter may add others, e.g. an explicit limit). Among matches, the exchanges
 * are served in file order, one per request, and the last one repeats (polling a final state).
 * A request that matches nothing fails the test, unless the scenario says what an unrecorded route
 * answers (`unrecorded: "fastapi-404"`, FastAPI's answer for a route that does not exist).
 */

export type Folder = "v2025" | "v2026" | "v2025-focus" | "v2026-focus" | "lifecycle-v2025" | "lifecycle-v2026";

export interface Exchange {
  file: string;
  folder: Folder;
  request: { method: string; path: string; body: unknown };
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const modules = import.meta.glob<{ default: Omit<Exchange, "file" | "folder"> }>("../fixtures/real-ktrdr/*/*.json", { eager: true });

const ALL: Exchange[] = Object.entries(modules)
  .map(([path, mod]) => {
    // Numbered exchanges only (the lifecycle sets go past 999: four digits); not openapi.json, timelines or samples.
    const m = /real-ktrdr\/([^/]+)\/(\d{3,4}_[^/]+)\.json$/.exec(path);
    if (!m) return undefined;
    return { ...mod.default, folder: m[1] as Folder, file: m[2]! };
  })
  .filter((e): e is Exchange => e !== undefined && typeof e.status === "number" && Boolean(e.request))
  .sort((a, b) => (a.folder === b.folder ? fileNumber(a.file) - fileNumber(b.file) : a.folder.localeCompare(b.folder)));

function fileNumber(file: string): number {
  return Number(/^\d+/.exec(file)?.[0] ?? 0);
}

/** Every recorded exchange of a folder (numbered files only: not openapi.json or timelines). */
export function folder(f: Folder): Exchange[] {
  return ALL.filter((e) => e.folder === f);
}

/** Exchanges by number prefix, e.g. `pick("v2025-focus", "004", "003")`. Throws on an unknown one. */
export function pick(f: Folder, ...prefixes: string[]): Exchange[] {
  return prefixes.map((p) => {
    const e = ALL.find((x) => x.folder === f && x.file.startsWith(`${p}_`));
    if (!e) throw new Error(`no recording ${f}/${p}_*`);
    return e;
  });
}

export function body<T = Record<string, unknown>>(e: Exchange): T {
  return e.body as T;
}

export interface ReplayOptions {
  base?: string;
  unrecorded?: "fail" | "fastapi-404";
}

export interface Served {
  method: string;
  path: string;
  file?: string;
}

export class Replay {
  readonly base: string;
  /** Every request the adapter made, with the recording that answered it. */
  readonly served: Served[] = [];
  readonly unmatched: Served[] = [];
  private readonly used = new Set<Exchange>();
  private readonly lastServed = new Map<string, Exchange>();

  constructor(
    private readonly exchanges: Exchange[],
    private readonly opts: ReplayOptions = {},
  ) {
    this.base = opts.base ?? `http://replay-${Math.random().toString(36).slice(2, 10)}.test:8000/api/v1`;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? "GET").toUpperCase();
    const path = url.pathname.slice(new URL(this.base).pathname.length);
    const e = this.match(method, path, url.searchParams);
    const shown = `${path}${url.search}`;
    if (!e) {
      this.unmatched.push({ method, path: shown });
      if (this.opts.unrecorded === "fastapi-404") {
        this.served.push({ method, path: shown });
        return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404, headers: { "content-type": "application/json" } });
      }
      throw new Error(`replay: no recorded exchange for ${method} ${shown}`);
    }
    this.served.push({ method, path: shown, file: `${e.folder}/${e.file}` });
    const headers = new Headers(e.headers);
    if (e.status === 307) headers.set("location", `${this.base}${e.request.path}/`);
    return new Response(e.body === null || e.body === undefined ? null : JSON.stringify(e.body), { status: e.status, headers });
  };

  private match(method: string, path: string, query: URLSearchParams): Exchange | undefined {
    const candidates = this.exchanges.filter((e) => {
      if (e.request.method !== method) return false;
      const rec = new URL(`http://x${e.request.path}`);
      if (rec.pathname !== path) return false;
      for (const [k, v] of rec.searchParams) if (query.get(k) !== v) return false;
      return true;
    });
    if (candidates.length === 0) return undefined;
    // Prefer the recordings whose parameters say the most about this request.
    const score = (e: Exchange) => [...new URL(`http://x${e.request.path}`).searchParams].length;
    const best = Math.max(...candidates.map(score));
    const top = candidates.filter((e) => score(e) === best);
    const key = `${method} ${top.map((e) => e.file).join(",")}`;
    const next = top.find((e) => !this.used.has(e));
    const e = next ?? this.lastServed.get(key) ?? top[top.length - 1]!;
    this.used.add(e);
    this.lastServed.set(key, e);
    return e;
  }
}

/** A clock near the recordings (the seeded fake's NOW is 2025; the recordings are 2026-12-01). */
export const RECORDED_NOW = Date.parse("2026-12-01T19:40:00Z");
