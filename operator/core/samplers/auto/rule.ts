/**
 * Which sampler `auto` runs for a job: a pure function of the space and the trial budget, so every
 * request of a job (any replica, any restart, any replay) picks the same one while those stay the same.
 *
 * gp when the space has at most 10 parameters, none conditional and no categorical of more than 8
 * values, and the budget is at most 200 trials; tpe otherwise. The thresholds were chosen on the tuning
 * set only (BBOB instances 1–5, seeds 5000+, bench/quality/tune.ts); docs/samplers.md has the figures,
 * AUTO_THRESHOLDS below the short version.
 */
import { DEFAULTS } from '../../../api/defaults.js';
import type { Space } from '../../space/space.js';

/** The samplers auto chooses between. */
export const AUTO_DELEGATES = ['gp', 'tpe'] as const;
export type AutoDelegate = (typeof AUTO_DELEGATES)[number];

/** What the rule looks at in a space. */
export interface SpaceProfile {
  /** All parameters. */
  dimension: number;
  /** Categorical parameters, conditional or not. */
  categorical: number;
  /** Parameters with a `when` condition, of any type. */
  conditional: number;
  /** The most values any categorical parameter has (0 without categoricals). */
  maxValues: number;
}

export function profileSpace(space: Space): SpaceProfile {
  const categoricals = space.params.filter((p) => p.type === 'categorical');
  return {
    dimension: space.dimension,
    categorical: categoricals.length,
    conditional: space.params.filter((p) => p.when !== undefined).length,
    maxValues: Math.max(0, ...categoricals.map((p) => p.values.length)),
  };
}

/**
 * gp inside the envelope where it was measured ahead of tpe on the tuning set, tpe (the sampler with
 * the longest record here) outside it. Categorical parameters are no reason for tpe by themselves: on
 * BBOB with 20–100 % of the coordinates made categorical (4 or 8 values) gp was ahead in every setting.
 */
export const AUTO_THRESHOLDS = {
  /**
   * gp up to this many trials: measured ahead of tpe at 50, 100 and 200 evaluations; a suggestion
   * costs ~40 ms at 200 finished trials and ~0.4 s at 500, where tpe's stays near 1 ms.
   */
  gpMaxTrials: 200,
  /** gp up to this many parameters: the largest BBOB dimension it was measured on. */
  gpMaxDimension: 10,
  /** gp while no categorical has more values than this: the most it was measured with. */
  gpMaxValues: 8,
} as const;

export interface AutoChoice {
  delegate: AutoDelegate;
  /** Why, in words a user can check against their spec. */
  reason: string;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * The delegate for a space and budget. `maxTrials` undefined (a request from a client that does not
 * send it) is read as the API's default budget, the budget of a job that sets none.
 */
export function chooseDelegate(profile: SpaceProfile, maxTrials: number | undefined): AutoChoice {
  const t = AUTO_THRESHOLDS;
  const budget = maxTrials ?? DEFAULTS.maxTrials;
  const tpe = (reason: string): AutoChoice => ({ delegate: 'tpe', reason });
  if (profile.conditional > 0)
    return tpe(
      `${plural(profile.conditional, 'conditional parameter')} (tpe models them where they are active)`,
    );
  if (profile.dimension > t.gpMaxDimension)
    return tpe(`${plural(profile.dimension, 'parameter')}, more than gp's ${t.gpMaxDimension}`);
  if (profile.maxValues > t.gpMaxValues)
    return tpe(`a categorical parameter with ${profile.maxValues} values, more than gp's ${t.gpMaxValues}`);
  if (budget > t.gpMaxTrials)
    return tpe(`a budget of ${plural(budget, 'trial')}, more than gp's ${t.gpMaxTrials}`);
  return {
    delegate: 'gp',
    reason: `${plural(profile.dimension, 'parameter')} (${profile.categorical} categorical), none conditional, a budget of ${plural(budget, 'trial')}`,
  };
}
