/** Every tool the server offers, in the order clients list them. */
import { DATA_TOOLS } from "./data.tools";
import { DISCOVERY_TOOLS } from "./discovery.tools";
import { OPERATION_TOOLS } from "./operations.tools";
import type { ToolDefinition } from "./tool";
import { TRAINING_TOOLS } from "./training.tools";

// The catalogue mixes tools whose input/output shapes differ; the registry only needs the common surface.
export const TOOLS: ReadonlyArray<ToolDefinition> = [
  ...DATA_TOOLS,
  ...TRAINING_TOOLS,
  ...OPERATION_TOOLS,
  ...DISCOVERY_TOOLS,
] as unknown as ReadonlyArray<ToolDefinition>;
