/**
 * The sampler contract (ARCHITECTURE §4).
 *
 * Call order: the shell (operator or local runner) builds one `SampleRequest` whenever it needs new
 * configurations and calls `sample(request)` once; the sampler returns exactly one configuration per
 * entry of `request.indices`, in the same order. There is no other call: a sampler keeps no state
 * between calls — everything it may use is in the request, so any replica can serve any request.
 *
 * A sampler must:
 * - be pure and deterministic: the same request gives the same answer. Randomness for index `i` comes
 *   from `Rng.derive(request.seed, <sampler name>, i)`, so with one index per request the configuration of
 *   a trial depends only on the seed, the index and the observations/pending visible at that time;
 * - return only valid configurations: every active parameter set, inside its range/step/values, and
 *   inactive conditional parameters absent (`Space.validate` returns no errors);
 * - throw `SpaceExhausted` when it cannot give a new configuration for an index (grid), and
 *   `InvalidSettings` for bad settings;
 * - never read a clock, global randomness, the network or the file system.
 */
import type { Direction, JsonObject, ParamConfig } from '../../api/types.js';
import type { Space } from '../space/space.js';

export type ObservationState = 'complete' | 'failed' | 'pruned';

/** One intermediate report of a trial's objective metric. */
export interface IntermediateValue {
  step: number;
  value: number;
}

export interface Observation {
  index: number;
  params: ParamConfig;
  state: ObservationState;
  /** The trial's objective in the metric's own units (not sign-flipped); absent if it never reported. */
  value?: number;
  /** Intermediate objective reports, ascending by step (pruned trials: what was seen before the stop). */
  intermediate?: IntermediateValue[];
}

export interface PendingTrial {
  index: number;
  params: ParamConfig;
}

export interface SampleRequest {
  space: Space;
  settings: JsonObject;
  direction: Direction;
  seed: number;
  /** Finished trials, in index order. */
  observations: readonly Observation[];
  /** Trials created but not finished: TPE's constant liar uses them. */
  pending: readonly PendingTrial[];
  /** Trial indices to fill, ascending. */
  indices: readonly number[];
  /**
   * The job's trial budget (`spec.budget.maxTrials`) as the shell knows it at this request, so that a
   * sampler can choose its strategy from it (auto). A hint, never a limit: the shell stops asking when
   * the budget is spent, and a request without it (a custom client, a test) must still be answered.
   */
  maxTrials?: number;
}

export interface Sampler {
  readonly name: string;
  sample(request: SampleRequest): ParamConfig[];
}

/** Checks settings once, before any request (fail fast at validation time). Throws InvalidSettings. */
export type SettingsValidator = (settings: JsonObject) => void;

export interface SamplerFactory {
  readonly name: string;
  readonly validateSettings: SettingsValidator;
  /** Checks that the sampler can serve this space (e.g. grid needs steps on floats). Throws InvalidSettings. */
  readonly validateSpace?: (space: Space) => void;
  /**
   * One line for users on what the sampler will do for this job, when that depends on the job (auto
   * names the sampler it runs and why). Pure; the shells show it (`ultron run`, the SamplerHealthy
   * condition). `maxTrials` as in SampleRequest.
   */
  readonly describe?: (space: Space, maxTrials: number | undefined) => string;
  create(): Sampler;
}
