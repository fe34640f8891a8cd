/**
 * ASHA, asynchronous successive halving, stopping variant (Li et al. 2020, "A System for Massively
 * Parallel Hyperparameter Tuning").
 *
 * Rungs sit at steps r·η^(s+k), k = 0, 1, … below R (r = minResource, η = reductionFactor,
 * s = minEarlyStoppingRate, R = maxResource). A trial's value at a rung is its first report at or after
 * the rung's step. A running trial whose highest reached rung has n recorded values continues only if
 * its rank there (best first, ties by trial index) is within the top max(1, ⌊n/η⌋); otherwise it is
 * stopped. The rule is applied while the trial sits between that rung and the next, so a trial that
 * passed a rung early can still be stopped there when better trials arrive — stateless, and never
 * later than Optuna's promote-once rule. A trial that reached R is never stopped.
 *
 * Settings (defaults):
 * - minResource: 1              r, the first rung's step
 * - maxResource: none           R; no rung at or beyond it (without it, rungs go on forever)
 * - reductionFactor: 3          η
 * - minEarlyStoppingRate: 0     s
 * - gracePeriod: minResource    no trial is stopped before this step
 */
import type { Direction, JsonObject } from '../../api/types.js';
import { InvalidSettings } from '../errors.js';
import { readNumber, rejectUnknownSettings } from '../samplers/settings.js';
import { bestFirst, fmt, valueReaching } from './common.js';
import type { SchedulerFactory, SchedulerInput, StopDecision, TrialReports } from './types.js';

export interface AshaSettings {
  minResource: number;
  maxResource: number | undefined;
  reductionFactor: number;
  minEarlyStoppingRate: number;
  gracePeriod: number;
}

export const ASHA_KEYS = [
  'minResource',
  'maxResource',
  'reductionFactor',
  'minEarlyStoppingRate',
  'gracePeriod',
];

export function readAshaSettings(settings: JsonObject, owner = 'earlyStopping asha'): AshaSettings {
  rejectUnknownSettings(owner, settings, ASHA_KEYS);
  const minResource = readNumber(settings, 'minResource', 1, { above: 0 });
  const maxResource = readNumber(settings, 'maxResource', undefined, { above: 0 });
  if (maxResource !== undefined && maxResource < minResource) {
    throw new InvalidSettings(`maxResource: must be ≥ minResource (${minResource}), got ${maxResource}`);
  }
  return {
    minResource,
    maxResource,
    reductionFactor: readNumber(settings, 'reductionFactor', 3, { min: 2 }),
    minEarlyStoppingRate: readNumber(settings, 'minEarlyStoppingRate', 0, { min: 0, integer: true }),
    gracePeriod: readNumber(settings, 'gracePeriod', minResource, { min: 0 }),
  };
}

/** The step of rung k. */
export function rungStep(s: AshaSettings, k: number): number {
  return s.minResource * s.reductionFactor ** (s.minEarlyStoppingRate + k);
}

/** Highest rung index whose step ≤ step (and < maxResource), or -1. */
function highestRung(s: AshaSettings, step: number): number {
  let k = -1;
  while (true) {
    const next = rungStep(s, k + 1);
    if (next > step || (s.maxResource !== undefined && next >= s.maxResource)) return k;
    k++;
  }
}

/** ASHA's stop decisions among `trials` (hyperband calls it per bracket). */
export function ashaDecide(
  trials: readonly TrialReports[],
  direction: Direction,
  s: AshaSettings,
  label = '',
): StopDecision[] {
  const stops: StopDecision[] = [];
  const order = bestFirst(direction);
  for (const trial of trials) {
    if (trial.state !== 'running' || trial.reports.length === 0) continue;
    const step = trial.reports[trial.reports.length - 1]!.step;
    if (step < s.gracePeriod || (s.maxResource !== undefined && step >= s.maxResource)) continue;
    const k = highestRung(s, step);
    if (k < 0) continue;
    const rung = rungStep(s, k);
    const atRung = trials
      .filter((t) => t.state !== 'failed')
      .map((t) => ({ index: t.index, value: valueReaching(t.reports, rung) }))
      .filter((e): e is { index: number; value: number } => e.value !== undefined && Number.isFinite(e.value))
      .sort((a, b) => order(a.value, b.value) || a.index - b.index);
    const keep = Math.max(1, Math.floor(atRung.length / s.reductionFactor));
    const rank = atRung.findIndex((e) => e.index === trial.index);
    if (rank >= keep) {
      stops.push({
        index: trial.index,
        reason: `${label}rung ${k} (step ${fmt(rung)}): ranked ${rank + 1} of ${atRung.length}, only the top ${keep} continue`,
      });
    }
  }
  return stops;
}

export const ashaSchedulerFactory: SchedulerFactory = {
  name: 'asha',
  validateSettings: (settings: JsonObject) => void readAshaSettings(settings),
  create: () => ({
    name: 'asha',
    decide: (input: SchedulerInput) =>
      ashaDecide(input.trials, input.direction, readAshaSettings(input.settings)),
  }),
};
