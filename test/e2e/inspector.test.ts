/**
 * The MCP Inspector CLI's strict schema check on the tool catalogue (issue 6, item 5):
 * `mcp-inspector --cli <url> --transport http --method tools/list --strict` against the shared
 * local stack. `--strict` lints every tool's inputSchema and outputSchema for portability across
 * MCP clients and exits 6 on any error-severity finding; its warnings are printed and must all be
 * of the one known kind (free-form records, `additionalProperties: {}`), so a new kind is noticed.
 * Besides, every schema compiles under ajv in strict mode (the validator the MCP SDK uses), and
 * the structured results of the argument-free read tools validate against their outputSchema.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, inject, it } from "vitest";
import { ROOT, tempDir } from "../../scripts/stack.mjs";
import { openSession } from "./mcp-client";

const stacks = inject("stacks");
const INSPECTOR = join(ROOT, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");

interface Finding { rule: string; severity: "error" | "warning"; schema: string; path: string; issue: string }
interface Tool { name: string; inputSchema: Record<string, unknown>; outputSchema?: Record<string, unknown> }

function inspect(url: string): { status: number | null; stdout: string; stderr: string } {
  const home = tempDir("inspector-home");
  const res = spawnSync(
    process.execPath,
    [INSPECTOR, "--cli", url, "--transport", "http", "--method", "tools/list", "--strict", "--format", "json"],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0", MCP_CATALOG_PATH: join(home, "mcp.json") },
    },
  );
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("MCP Inspector CLI --strict on the tool catalogue", () => {
  it("lists the tools and finds no schema error", () => {
    const run = inspect(stacks.v2025.mcpUrl);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { result: { tools: Tool[] }; schemaFindings?: Array<{ toolName: string; findings: Finding[] }> };
    expect(out.result.tools.length).toBe(15);
    const findings = (out.schemaFindings ?? []).flatMap((t) => t.findings.map((f) => ({ tool: t.toolName, ...f })));
    console.log(
      `inspector --strict: ${out.result.tools.length} tools, ${findings.filter((f) => f.severity === "error").length} errors, ${findings.length} findings` +
        findings.map((f) => `\n  ${f.severity} ${f.tool} ${f.schema}.${f.path}: ${f.rule}`).join(""),
    );
    expect(findings.filter((f) => f.severity === "error")).toEqual([]);
    for (const f of findings) {
      expect(`${f.tool} ${f.schema}.${f.path}: ${f.rule}`).toMatch(/\.additionalProperties: untyped-schema$/);
    }
  });

  it("every inputSchema and outputSchema compiles under ajv strict mode; read results validate", async () => {
    const s = await openSession(stacks.v2025.mcpUrl);
    try {
      const { tools } = await s.client.listTools();
      const ajv = new Ajv({ strict: true, allErrors: true });
      const validators = new Map<string, ReturnType<typeof ajv.compile>>();
      for (const t of tools) {
        expect(t.inputSchema.type, t.name).toBe("object");
        expect(() => ajv.compile(t.inputSchema), `${t.name} inputSchema`).not.toThrow();
        expect(t.outputSchema, t.name).toBeTruthy();
        validators.set(t.name, ajv.compile(t.outputSchema as object));
      }
      for (const name of ["check_backend_health", "get_available_symbols", "get_available_indicators", "get_available_strategies", "list_operations"]) {
        const res = await s.client.callTool({ name, arguments: {} });
        expect(res.isError, name).toBeFalsy();
        const validate = validators.get(name)!;
        expect(validate(res.structuredContent), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    } finally {
      await s.close();
    }
  });
});
