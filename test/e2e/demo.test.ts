/**
 * `npm run demo` as CI runs it (reduced pace): the scripted agent session over real MCP runs the
 * whole fire-and-forget loop against its own local stack and exits 0.
 */
import { expect, it } from "vitest";
import { runScript as run } from "./run-script";

it("npm run demo -- --pace 0.2 runs the whole loop and exits 0", { timeout: 200_000 }, async () => {
  const r = await run(["scripts/demo.mjs", "--pace", "0.2", "--no-color"], 180_000);
  const transcript = r.stdout;
  expect(r.code, `${transcript}\n${r.stderr}`).toBe(0);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes is the point
  expect(transcript).not.toMatch(/\x1b\[/); // --no-color
  const steps = [
    "check_backend_health",
    "get_available_strategies",
    "trigger_data_loading",
    "start_training",
    "get_operation_status",
    "get_operation_results",
    "list_operations(active_only: true)",
    "cancel_operation",
  ];
  let from = 0;
  for (const step of steps) {
    const at = transcript.indexOf(step, from);
    expect(at, `transcript lacks ${step} after offset ${from}`).toBeGreaterThanOrEqual(0);
    from = at;
  }
  expect(transcript).toContain("Session 2");
  expect(transcript).toMatch(/"status": "cancelled"/);
  expect(transcript).toMatch(/"cancellation_reason": "User changed plans/);
  expect(transcript).toMatch(/get_operation_results[\s\S]*"success": false,[\s\S]*"status": "cancelled"/);
  expect(transcript).toMatch(/progress +\d+%/); // progress notifications, as lines (not a TTY)
  expect(transcript).toMatch(/\d+ tool calls in 2 MCP sessions/);
  expect(transcript).toMatch(/[\d,]+ tokens in total/);
  expect(transcript).toMatch(/elapsed [\d.]+ s/);
});
