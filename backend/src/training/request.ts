// What a training is asked to do (the route's validated request), shared by every phase.
import type { StrategyFile } from "../strategies.ts";

export interface TrainingRequest {
  strategy: StrategyFile;
  symbols: string[];
  timeframes: string[];
  startDate: string | null;
  endDate: string | null;
}

/** Upstream answers a fixed guess (30 minutes, even for a two-second training). */
export function estimatedMinutes(): number {
  return 30;
}
