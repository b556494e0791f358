/**
 * KTRDR v2026 research cycles: a cycle trains a strategy (an existing one, or one KTRDR designs
 * from a brief), backtests it and has it assessed, each step a child operation. Started here;
 * followed with get_operation_status (phase, children, budget) and stopped with cancel_operation.
 */
import { z } from "zod";
import { BackendError } from "../ktrdr/errors";
import type { AgentStatus } from "../ktrdr/model";
import type { ResearchRequest } from "../ktrdr/ktrdr.api";
import { agentWorkerNote, missingAgentWorkers } from "../ktrdr/research";
import { echo } from "./echo";
import * as input from "./inputs";
import * as names from "./names";
import { startInput, startOperation, startedOutput } from "./started";
import { defineTool, STARTER, ToolError } from "./tool";

/** How much of a brief is repeated back in a message (never the whole of it). */
const BRIEF_ECHO = 60;

export const startResearch = defineTool({
  name: names.START_RESEARCH,
  title: "Start a research cycle",
  description:
    "Start a KTRDR v2026 research cycle (training, backtest, assessment as child operations) on a strategy or a brief; " +
    "returns its operation_id. Follow with get_operation_status; cancel_operation stops it.",
  ...STARTER,
  input: {
    strategy: input.strategyName.optional().describe("Existing strategy (or brief)"),
    brief: z.string().min(1).max(4000).optional().describe("Or what KTRDR should design a strategy for"),
    model: z
      .string()
      .max(64)
      // Checked here, not published in the schema (KTRDR's 422 lists the valid names).
      .refine((m) => /^[A-Za-z0-9._-]+$/.test(m), "must be a model name like sonnet or claude-sonnet-4-5-20250929")
      .optional()
      .describe("LLM model (default: KTRDR's)"),
    bypass_gates: z.boolean().default(false).describe("Skip KTRDR's quality gates"),
    ...startInput,
  },
  output: startedOutput,
  async run(args, ctx) {
    if ((args.strategy === undefined) === (args.brief === undefined))
      throw new ToolError("Give either strategy (an existing one, see get_available_strategies) or brief, not both or neither.");
    const strategy = args.strategy === undefined ? undefined : input.strategyFromPath(args.strategy);
    const r: ResearchRequest = { strategy, brief: args.brief, model: args.model, bypass_gates: args.bypass_gates };
    await ctx.api.requireResearch();
    let status: AgentStatus | undefined;
    let chosen: string | undefined;
    const on = strategy ?? `the brief "${echo(args.brief, BRIEF_ECHO)}"`;
    let result: Awaited<ReturnType<typeof startOperation>>;
    try {
      result = await startOperation(ctx, {
        args,
        type: "agent_research",
        matches: () => false,
        findTwin: async () => {
          status = await ctx.api.agentStatus();
          const op = status && (await ctx.api.researchTwin(r, status));
          return op ? { op, match: true } : undefined;
        },
        what: () => `Research cycle started on ${on} with ${chosen ?? "KTRDR's default model"}.`,
        start: async () => {
          const s = await ctx.api.startResearch(r);
          chosen = s.model;
          return s;
        },
      });
    } catch (err) {
      if (err instanceof BackendError && err.is("strategy_not_found"))
        throw new ToolError(`KTRDR has no strategy '${strategy}' (HTTP 422). get_available_strategies lists them; nothing was started.`);
      throw err;
    }
    if (result.status !== "started") return result;
    // KTRDR accepts a cycle it cannot finish: say where it will fail, from the same /agent/status.
    status ??= await ctx.api.agentStatus().catch(() => undefined);
    const missing = missingAgentWorkers(status, strategy === undefined);
    if (missing.length > 0) {
      const note = agentWorkerNote(missing, !result.finished);
      result.note = result.note ? `${note} ${result.note}` : note;
    }
    return result;
  },
});

export const RESEARCH_TOOLS = [startResearch];
