/**
 * The one operation-id rule (`OPERATION_ID_PATTERN` in `src/ktrdr/model.ts`): every id KTRDR
 * made in the recordings passes, the tools' input check says the same, and the adapter's path
 * guard (`segment()`) accepts every id it accepts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { segment } from "../../src/ktrdr/http";
import { isOperationId, OPERATION_ID_MAX, OPERATION_ID_PATTERN } from "../../src/ktrdr/model";
import { operationId } from "../../src/tools/inputs";
import { type Exchange, folder } from "./replay";

function recordedIds(): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 12 || !v || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v)) {
      if (/operation_id$/.test(k) && typeof x === "string") out.add(x);
      else visit(x, depth + 1);
    }
  };
  const all: Exchange[] = (["v2025", "v2026", "v2025-focus", "v2026-focus"] as const).flatMap((f) => folder(f));
  for (const e of all) visit(e.body, 0);
  return [...out];
}

/** Strings near the rule's edges: of its own characters only (dots included), or with some it refuses. */
const candidate = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."aZ09_.:-"), maxLength: OPERATION_ID_MAX + 3 }),
  fc.string({ unit: fc.constantFrom(..."aZ09_.:-/ %^=\u202e\u0000"), maxLength: OPERATION_ID_MAX + 3 }),
);

describe("the operation-id rule", () => {
  it("accepts every id KTRDR made in the recordings", () => {
    const ids = recordedIds();
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(isOperationId(id), id).toBe(true);
  });

  it("refuses what is not an id", () => {
    for (const s of ["", "op", "..", "op..x", "op/x", "op x", "-op", "_op", "op%2F", "op\u202e", "^GSPC", "a".repeat(OPERATION_ID_MAX + 1)])
      expect(isOperationId(s), s).toBe(false);
    expect(isOperationId("a".repeat(OPERATION_ID_MAX))).toBe(true);
    expect(isOperationId(42)).toBe(false);
  });

  it("is what the tools accept as an operation_id", () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(candidate, (s) => {
        const ok = isOperationId(s);
        seen[ok ? "accepted" : "refused"] += 1;
        expect(operationId.safeParse(s).success).toBe(ok);
      }),
      { numRuns: 2000 },
    );
    // Both sides of the rule were exercised.
    expect(seen.accepted).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(50);
  });

  it("the adapter's path guard accepts every id the rule accepts (it is broader: symbols)", () => {
    fc.assert(
      fc.property(
        candidate.filter((s) => OPERATION_ID_PATTERN.test(s)),
        (s) => {
          expect(() => segment(s)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
    expect(segment("^GSPC")).toBe("%5EGSPC");
  });
});
