/**
 * The early-stopping scheduler contract (ARCHITECTURE §4).
 *
 * Call order: after each batch of new intermediate reports, the shell calls `decide(input)` once with the
 * full report history of every trial of the job. The scheduler returns the running trials to stop now;
 * trials it does not name continue. It keeps no state between calls (everything is derived from the
 * reports), is pure and deterministic, and never reads a clock or global randomness.
 *
 * `step` in reports is the scheduler's resource (epochs, iterations…); `value` is the objective metric
 * in its own units — the scheduler uses `direction` to compare.
 */
import type { Direction, JsonObject } from '../../api/types.js';
import type { IntermediateValue } from '../samplers/types.js';

export type ScheduledTrialState = 'running' | 'complete' | 'failed' | 'pruned';

export interface TrialReports {
  index: number;
  state: ScheduledTrialState;
  /** Ascending by step; one value per step (the latest report at that step wins). */
  reports: readonly IntermediateValue[];
}

export interface SchedulerInput {
  direction: Direction;
  settings: JsonObject;
  seed: number;
  trials: readonly TrialReports[];
}

export interface StopDecision {
  index: number;
  /** A sentence for the user, e.g. "step 9: 0.41 is worse than the median 0.33 of 6 trials". */
  reason: string;
}

export interface Scheduler {
  readonly name: string;
  decide(input: SchedulerInput): StopDecision[];
}

export interface SchedulerFactory {
  readonly name: string;
  /** Throws InvalidSettings naming the setting. */
  validateSettings(settings: JsonObject): void;
  create(): Scheduler;
}
