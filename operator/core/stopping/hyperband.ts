/**
 * Hyperband over ASHA (Li et al. 2018, "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
 * Optimization"; asynchronous brackets as in Li et al. 2020).
 *
 * With s_max = ⌊log_η(R/r)⌋ there are s_max + 1 brackets; bracket b runs ASHA with its first rung at
 * r·η^b, so bracket 0 stops most aggressively and bracket s_max never stops. A trial's bracket is drawn
 * from Rng.derive(seed, 'hyperband', index) with probability proportional to the number of
 * configurations Hyperband gives that bracket, ⌈(s_max+1)/(s+1) · η^s⌉ with s = s_max − b. Trials are
 * compared only within their bracket.
 *
 * Settings: those of ASHA; maxResource is required.
 */
import type { JsonObject } from '../../api/types.js';
import { InvalidSettings } from '../errors.js';
import { Rng } from '../rng.js';
import { ashaDecide, readAshaSettings, type AshaSettings } from './asha.js';
import type { SchedulerFactory, SchedulerInput, StopDecision } from './types.js';

function readSettings(settings: JsonObject): AshaSettings & { maxResource: number } {
  const s = readAshaSettings(settings, 'earlyStopping hyperband');
  if (s.maxResource === undefined) throw new InvalidSettings('maxResource: required by hyperband');
  return { ...s, maxResource: s.maxResource };
}

export function bracketCount(s: AshaSettings & { maxResource: number }): number {
  return Math.floor(Math.log(s.maxResource / s.minResource) / Math.log(s.reductionFactor) + 1e-9) + 1;
}

/** Relative sizes of the brackets, bracket 0 (most aggressive) first. */
export function bracketWeights(s: AshaSettings & { maxResource: number }): number[] {
  const n = bracketCount(s);
  const sMax = n - 1;
  return Array.from({ length: n }, (_, b) =>
    Math.ceil(((sMax + 1) / (sMax - b + 1)) * s.reductionFactor ** (sMax - b)),
  );
}

export function bracketOf(seed: number, index: number, weights: readonly number[]): number {
  return Rng.derive(seed, 'hyperband', index).choiceWeighted(weights);
}

function decide(input: SchedulerInput): StopDecision[] {
  const s = readSettings(input.settings);
  const weights = bracketWeights(s);
  const stops: StopDecision[] = [];
  for (let b = 0; b < weights.length; b++) {
    const members = input.trials.filter((t) => bracketOf(input.seed, t.index, weights) === b);
    const bracket: AshaSettings = {
      ...s,
      minResource: s.minResource * s.reductionFactor ** b,
      gracePeriod: Math.max(s.gracePeriod, s.minResource * s.reductionFactor ** b),
    };
    stops.push(...ashaDecide(members, input.direction, bracket, `bracket ${b}, `));
  }
  return stops.sort((a, b) => a.index - b.index);
}

export const hyperbandSchedulerFactory: SchedulerFactory = {
  name: 'hyperband',
  validateSettings: (settings: JsonObject) => void readSettings(settings),
  create: () => ({ name: 'hyperband', decide }),
};
