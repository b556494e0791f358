/**
 * The official MCP conformance suite (issue 6, item 5): @modelcontextprotocol/conformance in
 * server mode, the 2025-11-25 requirement set (active and pending scenarios), against the shared
 * local stack's /mcp — loopback only, no internet. Only the scenarios in
 * test/conformance/expected-failures.yml (they need the suite's fixture tools, resources and
 * prompts) may fail; every other one must pass, and an expected failure that passes is an error
 * too (the list must be kept exact). `npm run conformance` runs the same on its own stack.
 */
import { describe, expect, inject, it } from "vitest";
import { formatConformance, runConformance } from "../../scripts/conformance.mjs";

const stacks = inject("stacks");

describe("MCP conformance suite (2025-11-25)", () => {
  it("passes every scenario except those needing fixtures this server does not have", async () => {
    const report = await runConformance({ url: stacks.v2025.mcpUrl });
    console.log(formatConformance(report));
    expect(report.scenarios.length).toBeGreaterThan(20);
    const details = report.unexpectedFailures.map((s) => `${s}: ${report.results[s]?.problems.join("; ")}`).join("\n");
    expect(report.unexpectedFailures, details).toEqual([]);
    expect(report.stale, "expected failures that now pass: remove them from test/conformance/expected-failures.yml").toEqual([]);
    // The core of the protocol is among the passes, whatever the list says.
    expect(report.passed).toEqual(expect.arrayContaining(["server-initialize", "ping", "tools-list", "dns-rebinding-protection"]));
  });
});
