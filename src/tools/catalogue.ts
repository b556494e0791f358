/** Every tool the server offers, in the order clients list them. */
import { DATA_TOOLS } from "./data.tools";
import { DISCOVERY_TOOLS } from "./discovery.tools";
import { OPERATION_TOOLS } from "./operations.tools";
import { RESEARCH_TOOLS } from "./research.tools";
import { RESUME_TOOLS } from "./resume.tools";
import type { ToolDefinition } from "./tool";
import { TRAINING_TOOLS } from "./training.tools";

// The catalogue mixes tools whose input/output shapes differ; the registry only needs the common surface.
export const TOOLS: ReadonlyArray<ToolDefinition> = [
  ...DATA_TOOLS,
  ...TRAINING_TOOLS,
  ...RESEARCH_TOOLS,
  ...OPERATION_TOOLS,
  ...RESUME_TOOLS,
  ...DISCOVERY_TOOLS,
] as unknown as ReadonlyArray<ToolDefinition>;

const BY_NAME: ReadonlyMap<string, ToolDefinition> = new Map(TOOLS.map((d) => [d.name, d]));

/** The tool called `name`, or undefined for a name the catalogue does not have. */
export function toolNamed(name: string): ToolDefinition | undefined {
  return BY_NAME.get(name);
}

/** The tools that start a backend operation (the ones that can run as MCP tasks), in catalogue order. */
export const START_TOOLS: ReadonlyArray<ToolDefinition> = TOOLS.filter((d) => d.startsOperation);
