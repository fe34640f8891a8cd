/**
 * What a sampler sees of a job's trials: finished trials as observations, the others as pending
 * (constant liar). Pure, so the local runner (from its processes) and the operator (from Trial
 * resources, when it is built) give samplers the same view.
 */
import { TERMINAL_TRIAL_PHASES, type Direction, type ObjectiveStrategy } from '../../api/types.js';
import type { Observation, PendingTrial } from '../samplers/types.js';
import { trialObjective } from './objective.js';
import type { TrialSnapshot } from './types.js';

export interface SamplerView {
  observations: Observation[];
  pending: PendingTrial[];
}

/**
 * Succeeded with an objective → complete; Succeeded without one (it never reported the metric) and
 * Failed → failed (samplers leave them out); EarlyStopped and Stopped → pruned, with what they reported.
 */
export function samplerView(
  trials: readonly Pick<TrialSnapshot, 'index' | 'params' | 'phase' | 'reports'>[],
  objective: { direction: Direction; strategy: ObjectiveStrategy },
): SamplerView {
  const observations: Observation[] = [];
  const pending: PendingTrial[] = [];
  for (const t of trials) {
    const { index, params } = t;
    if (!TERMINAL_TRIAL_PHASES.includes(t.phase)) {
      pending.push({ index, params });
    } else if (t.phase === 'Succeeded') {
      const value = trialObjective(t, objective);
      observations.push(
        value === undefined
          ? { index, params, state: 'failed' }
          : { index, params, state: 'complete', value, intermediate: [...t.reports] },
      );
    } else if (t.phase === 'Failed') {
      observations.push({ index, params, state: 'failed' });
    } else {
      observations.push({ index, params, state: 'pruned', intermediate: [...t.reports] });
    }
  }
  return { observations, pending };
}
