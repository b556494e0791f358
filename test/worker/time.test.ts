/**
 * Backend timestamps (`src/ktrdr/time.ts`): one rule reads every form KTRDR sends, the model
 * holds one form, and what the views show of a recorded time is what they showed before.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { operationFromRecord, resultsFrom, rowFromSummary } from "../../src/ktrdr/normalise";
import { parseTime, utcTime } from "../../src/ktrdr/time";
import type { OperationInfo } from "../../src/ktrdr/wire";
import { type Exchange, folder } from "./replay";

/** Every string under a time-like key in the recorded answers (market-data `dates` included: they have no zone). */
function recordedTimes(): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, key: string, depth: number): void => {
    if (depth > 12) return;
    if (typeof v === "string") {
      if (/(^|_)(at|timestamp|timestamps|dates)$/.test(key)) out.add(v);
    } else if (Array.isArray(v)) for (const x of v) visit(x, key, depth + 1);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, k, depth + 1);
  };
  const all: Exchange[] = (["v2025", "v2026", "v2025-focus", "v2026-focus"] as const).flatMap((f) => folder(f));
  for (const e of all) visit(e.body, "", 0);
  return [...out];
}

/** What `tools/views.ts` read timestamps with before there was one rule: a missing zone is UTC, then `Date.parse`. */
function formerParse(s: string): number | undefined {
  const t = Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(t) ? undefined : t;
}

describe("backend timestamps", () => {
  it("reads KTRDR's three forms (Z, +00:00, no zone: all UTC) as the same instant", () => {
    const ms = Date.UTC(2025, 9, 4, 18, 46, 36, 7);
    expect(parseTime("2025-10-04T18:46:36.007940Z")).toBe(ms);
    expect(parseTime("2025-10-04T18:46:36.007940+00:00")).toBe(ms);
    expect(parseTime("2025-10-04T18:46:36.007940")).toBe(ms);
    expect(parseTime("2025-10-04 18:46:36.007940")).toBe(ms);
    expect(parseTime("2025-10-04T20:46:36.007940+02:00")).toBe(ms);
    expect(parseTime("2025-10-04T13:46:36.007940-0500")).toBe(ms);
  });

  it("writes the model's one form: UTC with Z, microseconds kept, fixed width", () => {
    expect(utcTime("2025-10-04T18:46:36.007940Z")).toBe("2025-10-04T18:46:36.007940Z");
    expect(utcTime("2025-10-04T18:46:36.007940+00:00")).toBe("2025-10-04T18:46:36.007940Z");
    expect(utcTime("2025-10-04T18:46:36.007940")).toBe("2025-10-04T18:46:36.007940Z");
    expect(utcTime("2024-01-02 14:00:00")).toBe("2024-01-02T14:00:00.000000Z");
    expect(utcTime("2025-10-04T18:46:36Z")).toBe("2025-10-04T18:46:36.000000Z");
    expect(utcTime("2025-10-04T18:46Z")).toBe("2025-10-04T18:46:00.000000Z");
    expect(utcTime("2025-10-04T18:46:36.5Z")).toBe("2025-10-04T18:46:36.500000Z");
    expect(utcTime("2025-10-04T18:46:36.007940123Z")).toBe("2025-10-04T18:46:36.007940Z");
    // An offset moves the date, not the fraction.
    expect(utcTime("2025-10-05T01:16:36.007940+06:30")).toBe("2025-10-04T18:46:36.007940Z");
    expect(utcTime("2025-12-31T23:30:00.000001-01:00")).toBe("2026-01-01T00:30:00.000001Z");
  });

  it("anything else is no time at all, never a guess", () => {
    for (const s of [
      "",
      "N/A",
      "2025-10-04",
      "2025-02-30T00:00:00Z",
      "2025-10-04T24:00:00Z",
      "2025-10-04T18:60:00Z",
      "2025-10-04T18:46:36+24:00",
      "2025-10-04T18:46:36 UTC",
      "1759603596",
      "Sat, 04 Oct 2025 18:46:36 GMT",
      "9999-12-31T23:30:00-01:00",
      " 2025-10-04T18:46:36Z",
    ]) {
      expect(parseTime(s), s).toBeUndefined();
      expect(utcTime(s), s).toBeUndefined();
    }
    expect(parseTime(null)).toBeUndefined();
    expect(parseTime(undefined)).toBeUndefined();
    // Years below 100 stay where they are (Date.UTC would move them into the 1900s).
    expect(utcTime("0050-01-01T00:00:00Z")).toBe("0050-01-01T00:00:00.000000Z");
  });

  it("every time in the recordings reads as before, and its model form reads the same", () => {
    const times = recordedTimes();
    expect(times.length).toBeGreaterThan(100);
    const forms = new Set(times.map((s) => s.replace(/\d/g, "9")));
    // The three forms FACTS.md names are all there.
    expect([...forms]).toEqual(
      expect.arrayContaining([
        "9999-99-99T99:99:99.999999Z",
        "9999-99-99T99:99:99.999999+99:99",
        "9999-99-99T99:99:99Z",
        "9999-99-99T99:99:99",
      ]),
    );
    for (const s of times) {
      expect(parseTime(s), s).toBe(formerParse(s));
      expect(parseTime(utcTime(s)), s).toBe(formerParse(s));
    }
  });

  it("model times compare as strings in time order (the list sorts newest first by them)", () => {
    const instant = fc.record({
      ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
      micros: fc.integer({ min: 0, max: 999 }),
      zone: fc.constantFrom("Z", "+00:00", "", "+05:30", "-08:00"),
    });
    const write = ({ ms, micros, zone }: { ms: number; micros: number; zone: string }) => {
      const offset =
        zone === "" || zone === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
      const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
      return `${local}${String(micros).padStart(3, "0")}${zone}`;
    };
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        const [x, y] = [utcTime(write(a)), utcTime(write(b))];
        expect(x).toBeDefined();
        expect(y).toBeDefined();
        const byTime = Math.sign(a.ms * 1000 + a.micros - (b.ms * 1000 + b.micros));
        expect(Math.sign((x as string).localeCompare(y as string))).toBe(byTime);
      }),
      { numRuns: 300 },
    );
  });
});

describe("timestamps normalised once, in the model", () => {
  const record = (times: Partial<OperationInfo>): OperationInfo => ({
    operation_id: "op_training_1",
    operation_type: "training",
    status: "completed",
    result_summary: {},
    ...times,
  });

  it("an operation's created, started and completed times are UTC with Z, whichever form KTRDR sent", () => {
    const op = operationFromRecord(
      record({
        created_at: "2026-12-06T00:08:49.081001",
        started_at: "2026-12-06T00:08:52.209996+00:00",
        completed_at: "2026-12-06T00:08:53.736617Z",
      }),
    );
    expect(op).toMatchObject({
      created_at: "2026-12-06T00:08:49.081001Z",
      started_at: "2026-12-06T00:08:52.209996Z",
      completed_at: "2026-12-06T00:08:53.736617Z",
    });
    expect(op.unknown ?? []).not.toContain("started_at");
  });

  it("a time that is not one is unknown and said, never passed on as sent", () => {
    const op = operationFromRecord(record({ created_at: "2026-12-06T00:08:49Z", started_at: "yesterday", completed_at: null }));
    expect(op.created_at).toBe("2026-12-06T00:08:49.000000Z");
    expect(op).not.toHaveProperty("started_at", expect.anything());
    expect(op).not.toHaveProperty("completed_at", expect.anything());
    expect(op.unknown).toContain("started_at");
    expect(op.unknown).not.toContain("completed_at");
    expect(op.notes).toContain("KTRDR sent a started_at that is not a timestamp.");
    expect(JSON.stringify({ ...op, raw: undefined })).not.toContain("yesterday");
  });

  it("a list row's created_at too", () => {
    const row = rowFromSummary({
      operation_id: "op_x",
      operation_type: "dummy",
      status: "running",
      created_at: "2025-10-04T14:35:30.123456+00:00",
    });
    expect(row.created_at).toBe("2025-10-04T14:35:30.123456Z");
    expect(
      rowFromSummary({ operation_id: "op_x", operation_type: "dummy", status: "running", created_at: "N/A" }).created_at,
    ).toBeUndefined();
  });

  it("an equity curve's point times too; a point time that is no timestamp stays the text KTRDR sent", () => {
    const r = resultsFrom("backtesting", {
      equity_curve: { timestamps: ["2024-01-10T15:00:00.000000Z", "2024-01-10T16:00:00+00:00", "2024-01-11"], values: [1, 2, 3] },
    });
    expect(r.backtest?.equity_curve?.map((p) => p[0])).toEqual([
      "2024-01-10T15:00:00.000000Z",
      "2024-01-10T16:00:00.000000Z",
      "2024-01-11",
    ]);
  });
});
