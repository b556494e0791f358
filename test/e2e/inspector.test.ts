/**
 * The MCP Inspector CLI (2.12) on the tool catalogue, in both protocol eras (issue 6, item 5;
 * issue 12, item 5): `mcp-inspector --cli <url> --transport http [--protocol-era modern]
 * --method tools/list --strict --format json` against both shared local stacks. `--strict` lints
 * every tool's inputSchema and outputSchema for portability across MCP clients (errors exit 6,
 * warnings are listed); the catalogue is lean enough that there must be no finding at all, in
 * either era. Without the flag the CLI speaks the 2025 era (its default for a URL): every tool;
 * `--protocol-era modern` speaks 2026-07-28 statelessly: the same plus the 4 conformance
 * fixtures the e2e stacks offer. A read tool is called in each era too. Besides, every schema
 * compiles under ajv in strict mode (the validator the MCP SDK uses), and the structured results
 * of the argument-free read tools validate against their outputSchema.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, inject, it } from "vitest";
import { ROOT, tempDir } from "../../scripts/stack.mjs";
import { TOOLS } from "../../src/tools/catalogue";
import { openSession } from "./mcp-client";

const stacks = inject("stacks");
const INSPECTOR = join(ROOT, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");

interface Finding {
  rule: string;
  severity: "error" | "warning";
  schema: string;
  path: string;
  issue: string;
}
interface Tool {
  name: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

function inspect(url: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const home = tempDir("inspector-home");
  const res = spawnSync(process.execPath, [INSPECTOR, "--cli", url, "--transport", "http", ...args, "--format", "json"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0", MCP_CATALOG_PATH: join(home, "mcp.json") },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const ERAS = [
  // No flag: the CLI's default era for a URL, legacy (2025-11-25 sessions).
  { era: "legacy (no flag)", flag: [] as string[], tools: TOOLS.length },
  { era: "modern", flag: ["--protocol-era", "modern"], tools: TOOLS.length + 4 },
];

describe.each(ERAS)("MCP Inspector CLI, protocol era $era", ({ era, flag, tools }) => {
  it.each(["v2025", "v2026"] as const)("tools/list --strict on the %s stack: every tool, no schema finding at all", (wire) => {
    const run = inspect(stacks[wire].mcpUrl, [...flag, "--method", "tools/list", "--strict"]);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { result: { tools: Tool[] }; schemaFindings?: Array<{ toolName: string; findings: Finding[] }> };
    expect(out.result.tools.length).toBe(tools);
    const findings = (out.schemaFindings ?? []).flatMap((t) => t.findings.map((f) => ({ tool: t.toolName, ...f })));
    console.log(
      `inspector ${era} --strict on ${wire}: ${out.result.tools.length} tools, ${findings.length} findings` +
        findings.map((f) => `\n  ${f.severity} ${f.tool} ${f.schema}.${f.path}: ${f.rule} — ${f.issue}`).join(""),
    );
    expect(findings.map((f) => `${f.severity} ${f.tool} ${f.schema}.${f.path}: ${f.rule}`)).toEqual([]);
    // Without --strict the CLI would summarise findings on stderr; with it, none are reported there either.
    expect(run.stderr).not.toMatch(/Schema portability/);
  });

  it("tools/call of a read tool", () => {
    const run = inspect(stacks.v2026.mcpUrl, [...flag, "--method", "tools/call", "--tool-name", "check_backend_health"]);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      result: { isError?: boolean; resultType?: string; structuredContent?: Record<string, unknown> };
    };
    expect(out.result.isError).toBeFalsy();
    expect(out.result.structuredContent).toMatchObject({ healthy: true, status: "ok" });
    // 2026-07-28 results say what they are; 2025 ones do not.
    if (flag.length) expect(out.result.resultType).toBe("complete");
    else expect(out.result).not.toHaveProperty("resultType");
  });
});

describe("tool schemas under ajv", () => {
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
      for (const name of [
        "check_backend_health",
        "get_available_symbols",
        "get_available_indicators",
        "get_available_strategies",
        "list_operations",
      ]) {
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
