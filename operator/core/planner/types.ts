/**
 * The job planner's input and output (ARCHITECTURE §4): `plan(input) → PlanActions`.
 *
 * The planner is pure: the shell passes `now` and everything it knows, and executes the returned actions
 * (request suggestions, stop trials, finish the job, write the status). It never reads a clock.
 */
import type {
  BestTrial,
  FinishReason,
  ParamConfig,
  ResolvedHPOJobSpec,
  TrialCounts,
  TrialPhase,
} from '../../api/index.js';
import type { IntermediateValue } from '../samplers/types.js';

/** What the shell knows about one trial. Times are epoch milliseconds. */
export interface TrialSnapshot {
  index: number;
  name: string;
  params: ParamConfig;
  phase: TrialPhase;
  /** Intermediate reports of the objective metric, ascending by step. */
  reports: readonly IntermediateValue[];
  /** Latest value of every metric the trial reported. */
  metrics?: Record<string, number>;
  /** True once the trial asked to stop (spec.stop) or the planner already decided to stop it. */
  stopRequested?: boolean;
  startTime?: number;
  completionTime?: number;
  /** GPUs the trial holds while running (from its pod template); for maxGpuHours. */
  gpus?: number;
  /** GPU-seconds used so far, when the shell meters them; otherwise derived from times × gpus. */
  gpuSeconds?: number;
  /** GPU-seconds whose work was lost to pre-emptions (done again after a restore). */
  wastedGpuSeconds?: number;
}

export interface PlanInput {
  spec: ResolvedHPOJobSpec;
  trials: readonly TrialSnapshot[];
  /** Epoch milliseconds. */
  now: number;
  /** When the job started (epoch ms), for maxDuration. */
  startTime: number;
  /** How many more trials the shell can run now (parallelism left after quota/slots), ≥ 0. */
  capacity: number;
  /** The sampler said SpaceExhausted: no new configuration will come. */
  spaceExhausted?: boolean;
  /** Indices already requested from the sampler and not yet turned into trials. */
  outstandingRequests?: number;
}

export interface StopAction {
  index: number;
  /** EarlyStopped (the scheduler) or Stopped (the job finished and running trials are stopped). */
  phase: 'EarlyStopped' | 'Stopped';
  reason: string;
}

export interface FinishAction {
  reason: FinishReason;
  message: string;
  /** Whether the job counts as succeeded (has a best trial, or ended by goal/budget) or failed. */
  phase: 'Succeeded' | 'Failed';
}

export interface PlanActions {
  /** How many new configurations to request now (the next indices are the shell's to assign). */
  request: number;
  stop: StopAction[];
  finish?: FinishAction;
  best?: BestTrial;
  summary: {
    trials: TrialCounts;
    /** "completed/maxTrials", e.g. "37/100". */
    progress: string;
    gpuSeconds: number;
    wastedGpuSeconds: number;
  };
}
