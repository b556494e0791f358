// Named upstream quirks: behaviours recorded from the real KTRDR backends (test/fixtures/real-ktrdr)
// that a clean implementation would not have. Each can be switched on and off; by default every
// quirk of the chosen wire is on (the stand-in is faithful by default).
import type { WireVersion } from "./wire.ts";

export interface QuirkInfo {
  wire: readonly WireVersion[];
  summary: string;
  recordings: string;
}

export const QUIRKS = {
  "v2025-tensor-500": {
    wire: ["v2025"],
    summary:
      "A completed training's GET /operations/{id} and /results answer 500 INTERNAL_SERVER_ERROR (PydanticSerializationError) for good; the list row still says completed, 100 %; /trainings/{id}/performance answers 200",
    recordings: "v2025/030-031, v2025-focus/001-006",
  },
  "v2025-no-metrics-route": {
    wire: ["v2025"],
    summary: 'GET /operations/{id}/metrics does not exist: 404 {"detail":"Not Found"}',
    recordings: "v2025-focus/007",
  },
  "v2025-cancel-fails-training": {
    wire: ["v2025"],
    summary:
      'Shortly after a DELETE of a running training it turns failed, error_message "Training operation cancelled" (reason lost), completed_at rewritten, progress kept; /results then 200 failed with results {}',
    recordings: "v2025/036-041, v2025-focus/010-030",
  },
  "dummy-cancel-completes": {
    wire: ["v2025", "v2026"],
    summary:
      'A cancelled dummy operation turns completed at the end of its current iteration (~1 s later) with result_summary {status:"cancelled", iterations_completed, message}; error_message keeps the reason; /results then 200',
    recordings: "v2025/023-028, v2026/022-027",
  },
  "enum-status-text": {
    wire: ["v2025", "v2026"],
    summary:
      'Cancelling a finished operation: 400 "Operation <id> cannot be cancelled (status: OperationStatus.COMPLETED)" (the Python enum name)',
    recordings: "v2025/028, 041, 059; v2026/027, 043, 069, 074",
  },
  "v2026-list-cache": {
    wire: ["v2026"],
    summary:
      "Worker operations (training, backtesting) are missing from GET /operations (and active_count) until read by id; backend-local ones are listed at once. POST /__restart empties the list. The record read by id is the start-time one (metadata dates null, live metrics) unless it is first read ≥ 2 s after the start, after it completed, after a cancel or after a restart (then the database row: dates as strings, metrics null)",
    recordings: "v2026-focus/001-012, 022-027; v2026/029, 035, 039, 047, 060, 068, 079, 082",
  },
  "v2026-one-worker": {
    wire: ["v2026"],
    summary:
      'One training and one backtesting worker: a start while that worker is busy (including until the next health check after its operation ended) gets 503 with an object detail "No training workers available"',
    recordings: "v2026/031-034, 044-046, 052-059, 062-067, 075-078; v2026-focus/005, 028-032, 035-036",
  },
  "v2026-no-local-mode": {
    wire: ["v2026"],
    summary:
      "POST /data/acquire/download with mode local: 500 \"Data acquisition failed: Invalid mode: local. Must be 'tail', 'backfill', or 'full'\"",
    recordings: "v2026/011",
  },
  "v2026-backtest-needs-model-path": {
    wire: ["v2026"],
    summary:
      'POST /backtests/start without model_path starts (200), then the operation fails "model_path is required for backtesting"; with a model_path an unknown strategy_name still completes',
    recordings: "v2026/051, 075-080",
  },
  "v2026-cancel-resets-progress": {
    wire: ["v2026"],
    summary:
      "A cancelled operation shows progress 0 %, step counters 0, current_step null, metrics null; /operations/{id}/metrics then gives [[],0]",
    recordings: "v2026/023, 039, 041; v2026-focus/018-021",
  },
  "v2026-metrics-nesting": {
    wire: ["v2026"],
    summary:
      "/operations/{id}/metrics answers data.metrics = [<list>, <cursor>] where the list alternates epoch arrays and counts and repeats history on each refresh; the record's metrics.epochs holds the same list",
    recordings: "v2026-focus/009, 013, 014, 016; v2026/029, 035",
  },
  "v2026-empty-strategy-list": {
    wire: ["v2026"],
    summary:
      "GET /strategies/ answers strategies [] and GET /strategies/{name} 404 \"Strategy '<name>' not found\"; training by name still works",
    recordings: "v2026/002, v2026-focus/033-034",
  },
  "range-point-count-hours": {
    wire: ["v2025", "v2026"],
    summary: "POST /data/range's point_count counts calendar periods (hours for 1h) between the first and the last bar, not cached bars",
    recordings: "FACTS.md (17,502 vs 3,654)",
  },
} as const satisfies Record<string, QuirkInfo>;

export type QuirkName = keyof typeof QUIRKS;
export const QUIRK_NAMES = Object.keys(QUIRKS) as QuirkName[];

export function isQuirkName(s: string): s is QuirkName {
  return Object.hasOwn(QUIRKS, s);
}

/** Every quirk that applies to this wire. */
export function quirksFor(wire: WireVersion): QuirkName[] {
  return QUIRK_NAMES.filter((q) => (QUIRKS[q].wire as readonly string[]).includes(wire));
}

/**
 * Parse a quirk selection: undefined/"" or "all" = every quirk of the wire (the default), "none" = no
 * quirk, otherwise a comma list of names; "-name" removes one ("all,-v2025-tensor-500"). Names of the
 * other wire are accepted and ignored (so one list can serve both wires). Unknown names are an error.
 */
export function parseQuirks(
  spec: string | readonly string[] | undefined | null,
  wire: WireVersion,
): { quirks: QuirkName[] } | { error: string } {
  const tokens = (Array.isArray(spec) ? spec : String(spec ?? "").split(",")).map((t) => String(t).trim()).filter((t) => t !== "");
  if (tokens.length === 0) return { quirks: quirksFor(wire) };
  const applicable = new Set<string>(quirksFor(wire));
  const on = new Set<QuirkName>();
  for (const t of tokens) {
    if (t === "all") for (const q of quirksFor(wire)) on.add(q);
    else if (t === "none") on.clear();
    else {
      const remove = t.startsWith("-");
      const name = remove || t.startsWith("+") ? t.slice(1) : t;
      if (!isQuirkName(name)) return { error: `unknown quirk '${name}' (known: all, none, ${QUIRK_NAMES.join(", ")})` };
      if (!applicable.has(name)) continue;
      if (remove) on.delete(name);
      else on.add(name);
    }
  }
  return { quirks: QUIRK_NAMES.filter((q) => on.has(q)) };
}

/** The active quirks of a running backend (changeable at run time through POST /__quirks). */
export class QuirkSet {
  readonly wire: WireVersion;
  private readonly on: Set<QuirkName>;

  constructor(wire: WireVersion, quirks: readonly QuirkName[]) {
    this.wire = wire;
    this.on = new Set(quirks.filter((q) => (QUIRKS[q].wire as readonly string[]).includes(wire)));
  }

  has(q: QuirkName): boolean {
    return this.on.has(q);
  }

  list(): QuirkName[] {
    return QUIRK_NAMES.filter((q) => this.on.has(q));
  }

  /** Apply {"enable": [...], "disable": [...]}; returns an error message for a bad request. */
  change(enable: unknown, disable: unknown): string | null {
    const lists: [unknown, boolean][] = [
      [enable, true],
      [disable, false],
    ];
    const todo: [QuirkName, boolean][] = [];
    for (const [list, value] of lists) {
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) return "enable and disable must be lists of quirk names";
      for (const n of list) {
        if (n === "all") {
          for (const q of quirksFor(this.wire)) todo.push([q, value]);
          continue;
        }
        if (typeof n !== "string" || !isQuirkName(n)) return `unknown quirk '${String(n)}' (known: ${QUIRK_NAMES.join(", ")})`;
        if (!(QUIRKS[n].wire as readonly string[]).includes(this.wire))
          return `quirk '${n}' applies to ${QUIRKS[n].wire.join(", ")} only, not ${this.wire}`;
        todo.push([n, value]);
      }
    }
    for (const [q, value] of todo) {
      if (value) this.on.add(q);
      else this.on.delete(q);
    }
    return null;
  }

  describe(): {
    wire: WireVersion;
    active: QuirkName[];
    available: { name: QuirkName; active: boolean; summary: string; recordings: string }[];
  } {
    return {
      wire: this.wire,
      active: this.list(),
      available: quirksFor(this.wire).map((q) => ({
        name: q,
        active: this.on.has(q),
        summary: QUIRKS[q].summary,
        recordings: QUIRKS[q].recordings,
      })),
    };
  }
}
