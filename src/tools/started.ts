/**
 * The one result shape of every start tool, whichever backend version answered:
 * `operation_id`, `operation_type`, `status: "started"` and a message at the top level.
 */
import { z } from "zod";
import type { StartedOperation } from "../ktrdr/ktrdr.api";

export const startedOutput = {
  success: z.boolean(),
  operation_id: z.string(),
  operation_type: z.string(),
  status: z.string().describe('"started"'),
  message: z.string(),
  estimated_duration_minutes: z.number().optional(),
};

export function started(op: StartedOperation, what: string) {
  return {
    success: true,
    operation_id: op.operation_id,
    operation_type: op.operation_type,
    status: "started",
    message: `${what} Check progress later with get_operation_status("${op.operation_id}").`,
    ...(op.estimated_duration_minutes !== undefined ? { estimated_duration_minutes: op.estimated_duration_minutes } : {}),
  };
}
