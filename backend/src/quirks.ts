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
  "v2026-dummy-early-cancel-fails": {
    wire: ["v2026"],
    summary:
      "A dummy cancelled before its first iteration ends does not turn completed (dummy-cancel-completes) but failed, error_message null, progress 0, started_at and completed_at rewritten 1.6 ms apart: the database row when the iteration ends, the API's record an iteration later (reads right after the cancel still say cancelled). Inferred from one recording",
    recordings: "lifecycle-v2026/470-473, 487, 509; psql_notes.txt [resume] all ops",
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
  "v2026-resume-untracked": {
    wire: ["v2026"],
    summary:
      "A resumed training (POST /operations/{id}/resume) goes on from its checkpoint on the worker, but over the API it stays resuming at 0 % with null metrics (/metrics [[],0]; the list row says resuming, active_count leaves it out); the database says running; /workers shows the worker available until its next health check; only GET /checkpoints/{id} shows the progress. Off: the resumed training reports progress as a new one does",
    recordings: "lifecycle-v2026/019-047",
  },
  "v2026-undelivered-cancel": {
    wire: ["v2026"],
    summary:
      "DELETE of an operation the API lost track of (a resumed training, or one running when the backend restarted) answers 200 cancelled with remote_cancelled false; the worker goes on training (busy in /workers, periodic checkpoints advancing) until it completes; the database row then says completed, 100 %, with the cancel reason in error_message, while GET /operations/{id} keeps answering cancelled and /results 400. Off: the cancel reaches the worker (a cancellation checkpoint, the worker freed)",
    recordings:
      "lifecycle-v2026/048-458, 611-1017 (samples_resume_resumed_cancel_sample.json, samples_restart_restart_cancel_sample.json, psql_notes.txt [post])",
  },
  "v2026-restart-loses-progress": {
    wire: ["v2026"],
    summary:
      "After a backend restart (POST /__restart) an operation that was running reads running at 0 %, current_step null, metrics null (its database row) for good, while its worker trains on at a later epoch; a cancel then does not reach the worker (see v2026-undelivered-cancel). Off: the restarted backend finds the worker's job and follows its progress again",
    recordings: "lifecycle-v2026/600-611, 1017 (restart), psql_notes.txt [restart]",
  },
  "v2026-worker-claims-dead-op": {
    wire: ["v2026"],
    summary:
      "A fresh worker started on a killed worker's endpoint (POST /__workers/{type}/start) reports itself busy with the dead worker's operation at its first health check, without running it: the operation stays running at 0 % and the orphan detector never fails it, until someone cancels it (which frees the worker at once). Off: the fresh worker starts idle and the orphan detector fails the dead operation",
    recordings: "lifecycle-v2026/1018-1248 (samples_restart_crash_sample.json), 1255-1272",
  },
  "v2026-unlinked-children": {
    wire: ["v2026"],
    summary:
      "A research cycle's training and backtest operations carry parent_operation_id null and GET /operations/{research}/children stays empty; the link is only in the cycle's metadata.parameters (training_op_id, backtest_op_id) and in /agent/status (child_operation_id). Off: the children name their cycle and are listed under /children",
    recordings: "lifecycle-v2026/517-562, 1249-1252",
  },
  "retry-ghost": {
    wire: ["v2025", "v2026"],
    summary:
      "POST /operations/{id}/retry (failed operations only) answers a new pending op_retry_<type>_… record that no worker ever runs: it stays pending at 0 %, is listed and counted in active_count (v2026: it is not in the database, and after a DELETE a read answers 404). Off: the retry runs the same work again",
    recordings: "lifecycle-v2025/033-070, lifecycle-v2026/477-512",
  },
  "v2026-resume-without-checkpoint-fails": {
    wire: ["v2026"],
    summary:
      'Resuming a cancelled or failed operation whose checkpoint is gone answers 404 "No checkpoint available for operation <id>" and turns the operation failed (started_at and completed_at rewritten, error_message null). Off: the 404 leaves the operation as it was',
    recordings: "lifecycle-v2026/1278-1288 (ckdel)",
  },
  "models-never-found": {
    wire: ["v2025", "v2026"],
    summary:
      'GET /models lists every saved model with model_id, model_name and description empty and accuracies 0.0; POST /models/{name}/load answers 404 "Model \'<name>\' not found" even for a model that exists, so POST /models/predict always answers 400 "Model \'<name>\' is not loaded. Load it first."; POST /models/save 400 "Trained model file not found". Off: names and accuracies, load by strategy name or path, predictions from the model',
    recordings: "lifecycle-v2025/071-076, lifecycle-v2026/572-578",
  },
  "gap-analysis-tz-500": {
    wire: ["v2025", "v2026"],
    summary:
      'Gap analysis of a symbol with cached data fails: /gap-analysis/data/{s}/{tf}/summary 500 "Internal server error", /gaps 500 "Internal server error during gap analysis", the batch 200 with results {} and "Cannot localize tz-aware Timestamp, use tz_convert for conversions" per symbol; an unknown symbol gets 200 with zero gaps. Off: the gaps between the cached bars and the market calendar',
    recordings: "lifecycle-v2025/084-087, 092-093; lifecycle-v2026/589-595, 1275-1276",
  },
  "v2026-indicator-ids-unknown": {
    wire: ["v2026"],
    summary:
      'POST /indicators/calculate knows no indicator id (RSIIndicator, rsi, …): 400 {detail: {error: {code: CONFIG-UnknownIndicator}}} — after a data check that answers 500 "Insufficient data: N points available, M required" for a short range. Off: computed as on v2025',
    recordings: "lifecycle-v2026/597-599, 1273-1274, 1277",
  },
  "data-info-python-reprs": {
    wire: ["v2025", "v2026"],
    summary:
      "GET /data/info lists available_symbols and timeframes_available as Python dict reprs in strings (\"{'symbol': 'AAPL', 'name': 'AAPL', 'type': 'unknown', …}\"), every symbol's type unknown. Off: JSON objects with the catalogue's names and types",
    recordings: "lifecycle-v2025/088, lifecycle-v2026/596",
  },
  "v2026-patch-status-drops-message": {
    wire: ["v2026"],
    summary:
      "PATCH /operations/{id}/status {status, error_message} sets the status (and completed_at) but not the error_message it was given. Off: the message is stored",
    recordings: "lifecycle-v2026/568-569",
  },
  "v2025-backtest-route-any-op": {
    wire: ["v2025"],
    summary:
      "GET /backtests/{id} answers any operation id, e.g. a training's, with that operation's fields (no type check). Off: 404 for an operation that is not a backtest",
    recordings: "lifecycle-v2025/019",
  },
  "v2025-strategy-versions-empty": {
    wire: ["v2025"],
    summary:
      "GET /strategies/ and /strategies/{name} say a trained strategy is training_status trained but list available_versions [] and latest_version, latest_training_date, latest_metrics null. Off: the saved model versions and the newest one's metrics",
    recordings: "lifecycle-v2025/077-078",
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
