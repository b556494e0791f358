/**
 * The backend adapter: everything the tools can ask KTRDR, answered in the normalised model
 * (`model.ts`) whichever version answers. This class is the one door the tools use; each
 * concern lives in its own module, all sharing one `KtrdrHttp` (one deadline, one call count):
 *
 * - `record.ts` one operation (v2025 cannot serialise a completed training's record: it is
 *   answered from its list row and `/trainings/{id}/performance`);
 * - `listing.ts` listings reconciled with what else KTRDR says (v2026 misses the operations its
 *   workers run until they are read; quirky rows checked against their record, `status-checks.ts`),
 *   and the active operations the duplicate guard compares; `rows.ts` the list as KTRDR sends it;
 * - `cancel.ts`, `results.ts` (results and metrics; a backtest's lists in `details.ts`), `starts.ts`,
 *   `workers.ts`, `discovery.ts` (also strategy validation and gap analysis).
 * - `research.ts` v2026 research cycles: start, follow (phase, children, budget), a child's cycle.
 * - `checkpoints.ts` and `resume.ts`: what a cancelled or failed operation can go on from, and how.
 */
import type { BackendConfig } from "../config";
import { type CancelOptions, cancelOperation } from "./cancel";
import { deleteCheckpoint, readCheckpoint, withResumeCheckpoint } from "./checkpoints";
import {
  listIndicators,
  listStrategies,
  listSymbols,
  readDataRange,
  readGapSummary,
  readHealth,
  readMarketData,
  readModelPerformance,
  validateStrategy,
} from "./discovery";
import { type HttpOptions, KtrdrHttp, type WireVersion } from "./http";
import { activeOperations, listOperations } from "./listing";
import type { AgentStatus, Checkpoint, GapSummary, Operation, OperationPage, Started, StrategyValidation, Worker } from "./model";
import { readOperation } from "./record";
import { type RestartPlan, type Resumed, restartPlan, resumeOperation } from "./resume";
import { type ResultsOptions, readMetrics, readResults } from "./results";
import { readAgentStatus, requireResearch, type ResearchRequest, researchTwin, startResearch, withResearch } from "./research";
import type { ListQuery } from "./rows";
import {
  type BacktestRequest,
  type DataLoadRequest,
  startBacktest,
  startDataLoad,
  startDummy,
  startTraining,
  type TrainingRequest,
} from "./starts";
import { type BusyWorker, busyWith, witnessed } from "./witness";
import { readWorkers, wireVersion } from "./workers";

export type { CancelBelief, CancelOutcome } from "./cancel";
export type { MarketData, Strategy } from "./discovery";
export type { WireVersion } from "./http";
export type { BacktestList } from "./details";
export type { MetricsOutcome, ResultsOptions, ResultsOutcome } from "./results";
export type { ResearchRequest } from "./research";
export type { RestartPlan, RestartType, Resumed } from "./resume";
export type { ListQuery } from "./rows";
export type { BacktestRequest, DataLoadRequest, TrainingRequest } from "./starts";
export type { BusyWorker } from "./witness";

export class KtrdrApi {
  private readonly http: KtrdrHttp;

  constructor(cfg: BackendConfig, opts: HttpOptions = {}, http?: KtrdrHttp) {
    this.http = http ?? new KtrdrHttp(cfg, opts);
  }

  /** The same adapter, but no backend call (or retry) runs past `deadline` (epoch ms). */
  withDeadline(deadline: number): KtrdrApi {
    return new KtrdrApi(this.http.cfg, {}, this.http.withDeadline(deadline));
  }

  /** Backend calls made so far through this adapter (Workers bound subrequests per request). */
  get callCount(): number {
    return this.http.callCount;
  }

  get backendHost(): string {
    return this.http.backendHost;
  }

  /** The wire version, asking the backend once when neither configured nor learned (`GET /workers` exists only on v2026). */
  version(): Promise<WireVersion | undefined> {
    return wireVersion(this.http);
  }

  // ---- operations ---------------------------------------------------------------------------

  /**
   * One operation; from its list row (saying what is missing) when the backend cannot serve its
   * record. `witness`: on v2026, also what its workers and checkpoint say, and the server's belief
   * (`witness.ts`): for a final read, never inside wait polling.
   */
  async getOperation(id: string, opts: { witness?: boolean; now?: number } = {}): Promise<Operation> {
    const op = await readOperation(this.http, id);
    return opts.witness ? witnessed(this.http, op, opts.now ?? Date.now()) : op;
  }

  /** The belief about an operation already read (v2026 witnesses; unchanged on v2025). */
  witness(op: Operation, now: number = Date.now()): Promise<Operation> {
    return witnessed(this.http, op, now);
  }

  /** A page of operations, newest first, each row's status as the server knows it (`listing.ts`). */
  listOperations(q: ListQuery, now: number = Date.now()): Promise<OperationPage> {
    return listOperations(this.http, q, now);
  }

  /** Active operations of one type, read in full (the start tools' duplicate guard). */
  activeOperations(operationType: string, maxReads = 10): Promise<Operation[]> {
    return activeOperations(this.http, operationType, maxReads);
  }

  /** v2026 workers (undefined on a backend without workers, i.e. v2025). */
  workers(): Promise<Worker[] | undefined> {
    return readWorkers(this.http);
  }

  /** v2026: an operation's training checkpoint; `null` when KTRDR has none. */
  checkpoint(id: string): Promise<Checkpoint | null> {
    return readCheckpoint(this.http, id);
  }

  /** v2026: deletes an operation's checkpoint; false when KTRDR had none. Never retried. */
  deleteCheckpoint(id: string): Promise<boolean> {
    return deleteCheckpoint(this.http, id);
  }

  /** A cancelled or failed v2026 training with the checkpoint a resume would continue from (`witnesses.checkpoint`). */
  withResumeCheckpoint(op: Operation): Promise<Operation> {
    return withResumeCheckpoint(this.http, op);
  }

  /** v2026: resumes a cancelled or failed training from its checkpoint, under the same id. Never retried. */
  resume(id: string): Promise<Resumed> {
    return resumeOperation(this.http, id);
  }

  /** What KTRDR recorded of a finished operation's start request, and what it did not (`resume.ts`). */
  restartPlan(op: Operation): Promise<RestartPlan> {
    return restartPlan(this.http, op);
  }

  /** What occupies the workers of a type, as KTRDR's registry and the operation it names say (after a v2026 503). */
  busyWith(workerType: string, now: number = Date.now()): Promise<BusyWorker | undefined> {
    return busyWith(this.http, workerType, now);
  }

  cancelOperation(id: string, reason?: string, opts: CancelOptions = {}) {
    return cancelOperation(this.http, id, reason, opts);
  }

  /**
   * Results of a finished operation, with what is known about the operation itself (`results.ts`);
   * with `lists`, a completed backtest's trades and equity curve where KTRDR keeps them (`details.ts`).
   */
  getResults(id: string, opts: ResultsOptions = {}) {
    return readResults(this.http, id, opts);
  }

  /** Per-epoch metrics; without the `/metrics` endpoint (v2025), what the operation record holds. */
  getMetrics(id: string) {
    return readMetrics(this.http, id);
  }

  // ---- starts (never retried) ---------------------------------------------------------------

  startDataLoad(r: DataLoadRequest): Promise<Started> {
    return startDataLoad(this.http, r);
  }

  startTraining(r: TrainingRequest): Promise<Started> {
    return startTraining(this.http, r);
  }

  startBacktest(r: BacktestRequest): Promise<Started> {
    return startBacktest(this.http, r);
  }

  /** KTRDR's test operation (100 slow iterations, both versions): backs the conformance fixtures' long task. */
  startDummy(): Promise<Started> {
    return startDummy(this.http);
  }

  // ---- research cycles (v2026) ---------------------------------------------------------------

  /** Refuses (Unsupported) on v2025 before anything is sent. */
  requireResearch(): Promise<void> {
    return requireResearch(this.http);
  }

  /** `GET /agent/status`: active cycles, agent worker counts, budget; undefined without research routes. */
  agentStatus(): Promise<AgentStatus | undefined> {
    return readAgentStatus(this.http);
  }

  /** An active cycle doing what `r` asks (KTRDR accepts a second identical trigger): the duplicate guard. */
  researchTwin(r: ResearchRequest, status: AgentStatus): Promise<Operation | undefined> {
    return researchTwin(this.http, r, status);
  }

  /** `POST /agent/trigger` (never retried). */
  startResearch(r: ResearchRequest): Promise<Started> {
    return startResearch(this.http, r);
  }

  /** The operation with its research facts (a cycle) or the cycle it belongs to (a child); unchanged otherwise. */
  withResearch(op: Operation): Promise<Operation> {
    return withResearch(this.http, op);
  }

  // ---- data and discovery --------------------------------------------------------------------

  getMarketData(symbol: string, timeframe: string, q: { start_date?: string; end_date?: string; trading_hours_only?: boolean }) {
    return readMarketData(this.http, symbol, timeframe, q);
  }

  health() {
    return readHealth(this.http);
  }

  symbols() {
    return listSymbols(this.http);
  }

  indicators() {
    return listIndicators(this.http);
  }

  /** Strategies, and whether the list may be incomplete (v2026 drops the v3 files it fails to validate). */
  strategies() {
    return listStrategies(this.http);
  }

  /** KTRDR's check of one strategy file by name (both versions); `null` when there is no such file. */
  validateStrategy(name: string): Promise<StrategyValidation | null> {
    return validateStrategy(this.http, name);
  }

  /** KTRDR's gap analysis of the cached bars of a symbol between two times (both versions; often a 500, see `discovery.ts`). */
  gapSummary(symbol: string, timeframe: string, start: string, end: string): Promise<GapSummary> {
    return readGapSummary(this.http, symbol, timeframe, start, end);
  }

  /** First and last cached bar (KTRDR's `point_count` counts calendar hours, so it is not passed on). */
  dataRange(symbol: string, timeframe: string) {
    return readDataRange(this.http, symbol, timeframe);
  }

  modelPerformance(taskId: string) {
    return readModelPerformance(this.http, taskId);
  }
}
