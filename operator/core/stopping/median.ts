/**
 * Median stopping rule (Golovin et al. 2017, "Google Vizier", §3.2.2).
 *
 * A running trial at step s is stopped when its best value up to s is strictly worse than the median,
 * over the other trials that reached s, of their running averages up to s.
 *
 * Settings (defaults):
 * - minTrials: 5      other trials that must have reached step s before the rule applies
 * - gracePeriod: 1    no trial is stopped before this step
 * - interval: 1       the rule is checked at steps gracePeriod, gracePeriod + interval, …
 */
import type { JsonObject } from '../../api/types.js';
import type { IntermediateValue } from '../samplers/types.js';
import { readNumber, rejectUnknownSettings } from '../samplers/settings.js';
import { better, fmt, median } from './common.js';
import type { SchedulerFactory, SchedulerInput, StopDecision } from './types.js';

interface MedianSettings {
  minTrials: number;
  gracePeriod: number;
  interval: number;
}

function readSettings(settings: JsonObject): MedianSettings {
  rejectUnknownSettings('earlyStopping median', settings, ['minTrials', 'gracePeriod', 'interval']);
  return {
    minTrials: readNumber(settings, 'minTrials', 5, { min: 1, integer: true }),
    gracePeriod: readNumber(settings, 'gracePeriod', 1, { min: 0 }),
    interval: readNumber(settings, 'interval', 1, { above: 0 }),
  };
}

function runningAverage(reports: readonly IntermediateValue[], step: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (const r of reports) {
    if (r.step > step) break;
    sum += r.value;
    n++;
  }
  return n ? sum / n : undefined;
}

function decide(input: SchedulerInput): StopDecision[] {
  const s = readSettings(input.settings);
  const stops: StopDecision[] = [];
  for (const trial of input.trials) {
    if (trial.state !== 'running' || trial.reports.length === 0) continue;
    const step = trial.reports[trial.reports.length - 1]!.step;
    if (step < s.gracePeriod) continue;
    const k = (step - s.gracePeriod) / s.interval;
    if (Math.abs(k - Math.round(k)) > 1e-9) continue;
    const averages: number[] = [];
    for (const other of input.trials) {
      if (other.index === trial.index || other.state === 'failed') continue;
      const reached = other.reports.length && other.reports[other.reports.length - 1]!.step >= step;
      const avg = reached ? runningAverage(other.reports, step) : undefined;
      if (avg !== undefined) averages.push(avg);
    }
    if (averages.length < s.minTrials) continue;
    let best = trial.reports[0]!.value;
    for (const r of trial.reports) if (better(input.direction, r.value, best)) best = r.value;
    const m = median(averages);
    if (better(input.direction, m, best)) {
      stops.push({
        index: trial.index,
        reason: `step ${fmt(step)}: best ${fmt(best)} is worse than the median ${fmt(m)} of ${averages.length} trials' running averages`,
      });
    }
  }
  return stops;
}

export const medianSchedulerFactory: SchedulerFactory = {
  name: 'median',
  validateSettings: (settings: JsonObject) => void readSettings(settings),
  create: () => ({ name: 'median', decide }),
};
