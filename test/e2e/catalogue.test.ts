/**
 * The tool catalogue is a public API: names, titles, descriptions, input and output schemas
 * and annotations, as a client sees them over MCP. It is compared with the committed snapshot
 * `test/tool-catalogue.json`, so every change is deliberate and reviewed. After an intended
 * change: `npm run catalogue:update`, then review the diff.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { countTokens } from "../../scripts/tokens.mjs";
import { readmeWithReference } from "../../scripts/tool-reference.mjs";
import { toolNamed } from "../../src/tools/catalogue";
import { openSession } from "./mcp-client";
import { connectClient } from "./modern-client";

/** What an agent pays for the whole catalogue before its first call (o200k_base), and how many tools it weighs. */
const CATALOGUE_MAX_TOKENS = 5_000;
const CATALOGUE_MAX_TOOLS = 20;

const stacks = inject("stacks");

describe("tool catalogue", () => {
  it("matches the committed snapshot", async () => {
    const s = await openSession(stacks.v2025.mcpUrl);
    const { tools } = await s.client.listTools();
    const info = s.client.getServerVersion();
    const instructions = s.client.getInstructions();
    await s.close();
    const catalogue = {
      server: { name: info?.name, version: info?.version, instructions },
      tools: [...tools].sort((a, b) => a.name.localeCompare(b.name)),
    };
    await expect(`${JSON.stringify(catalogue, null, 2)}\n`).toMatchFileSnapshot("../tool-catalogue.json");
  });

  it("describes every tool completely", async () => {
    const s = await openSession(stacks.v2025.mcpUrl);
    const { tools } = await s.client.listTools();
    await s.close();
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description?.length, t.name).toBeGreaterThan(60);
      expect(t.outputSchema, t.name).toBeTruthy();
      expect(t.annotations?.readOnlyHint, t.name).toBeTypeOf("boolean");
      // Read-only exactly when the read scope is all the tool needs (two declarations that must agree).
      const def = toolNamed(t.name);
      expect(def, t.name).toBeDefined();
      expect(t.annotations?.readOnlyHint, t.name).toBe(def?.scope === "ktrdr:read");
    }
    expect(tools.find((t) => t.name === "cancel_operation")?.annotations?.destructiveHint).toBe(true);
  });

  it("is what the README's tool reference shows (npm run docs:tools)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const catalogue = JSON.parse(readFileSync(new URL("../tool-catalogue.json", import.meta.url), "utf8"));
    expect(readme).toBe(readmeWithReference(readme, catalogue));
  });

  it(`fits an agent's budget in both eras: at most ${CATALOGUE_MAX_TOOLS} tools and ${CATALOGUE_MAX_TOKENS} tokens`, async () => {
    const legacy = await openSession(stacks.v2025.mcpUrl);
    const old = (await legacy.client.listTools()).tools;
    await legacy.close();
    const modern = await connectClient(stacks.v2025.mcpUrl, "pin");
    // The e2e stacks also serve the conformance fixtures (MCP_TEST_FIXTURES): not the product's catalogue.
    const now = (await modern.client.listTools()).tools.filter((t) => toolNamed(t.name));
    await modern.close();
    for (const [era, tools] of [
      ["2025", old],
      ["2026-07-28", now],
    ] as const) {
      const tokens = countTokens(tools);
      console.log(`[catalogue] ${era}: ${tools.length} tools, ${tokens} o200k tokens`);
      expect(tools.length, era).toBeLessThanOrEqual(CATALOGUE_MAX_TOOLS);
      expect(tokens, era).toBeLessThanOrEqual(CATALOGUE_MAX_TOKENS);
    }
    expect(now.map((t) => t.name).sort()).toEqual(old.map((t) => t.name).sort());
  });
});
