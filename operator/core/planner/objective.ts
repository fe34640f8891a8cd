/** A trial's objective value and the best trial of a job. */
import type { BestTrial, Direction, ObjectiveStrategy } from '../../api/types.js';
import type { TrialSnapshot } from './types.js';

/**
 * The objective of a trial: `latest` → its last report, `best` → its best report for the direction.
 * Undefined when it never reported the objective metric. Failed trials have none.
 */
export function trialObjective(
  trial: Pick<TrialSnapshot, 'reports' | 'phase'>,
  objective: { direction: Direction; strategy: ObjectiveStrategy },
): number | undefined {
  if (trial.phase === 'Failed') return undefined;
  const values = trial.reports.map((r) => r.value).filter((v) => Number.isFinite(v));
  if (values.length === 0) return undefined;
  if (objective.strategy === 'latest') {
    const last = trial.reports[trial.reports.length - 1]!.value;
    return Number.isFinite(last) ? last : undefined;
  }
  return objective.direction === 'minimize' ? Math.min(...values) : Math.max(...values);
}

/** The step at which the trial's objective was reported. */
export function objectiveStep(trial: Pick<TrialSnapshot, 'reports'>, value: number): number | undefined {
  for (let i = trial.reports.length - 1; i >= 0; i--)
    if (trial.reports[i]!.value === value) return trial.reports[i]!.step;
  return undefined;
}

export interface BestOf {
  trial: TrialSnapshot;
  objective: number;
}

/**
 * The best trial among those that finished with an objective (Succeeded, EarlyStopped, Stopped); ties go
 * to the lower index. Early-stopped trials are eligible: their objective is what they reached.
 */
export function bestTrial(
  trials: readonly TrialSnapshot[],
  objective: { direction: Direction; strategy: ObjectiveStrategy },
): BestOf | undefined {
  let best: BestOf | undefined;
  for (const trial of trials) {
    if (trial.phase !== 'Succeeded' && trial.phase !== 'EarlyStopped' && trial.phase !== 'Stopped') continue;
    const value = trialObjective(trial, objective);
    if (value === undefined) continue;
    const improves =
      !best ||
      (objective.direction === 'minimize' ? value < best.objective : value > best.objective) ||
      (value === best.objective && trial.index < best.trial.index);
    if (improves) best = { trial, objective: value };
  }
  return best;
}

/** The best trial as a job's status shows it (name, index, params, objective, step). */
export function bestTrialSummary(
  trials: readonly TrialSnapshot[],
  objective: { direction: Direction; strategy: ObjectiveStrategy },
): BestTrial | undefined {
  const best = bestTrial(trials, objective);
  if (!best) return undefined;
  const step = objectiveStep(best.trial, best.objective);
  return {
    trial: best.trial.name,
    index: best.trial.index,
    params: best.trial.params,
    objective: best.objective,
    ...(step !== undefined ? { step } : {}),
  };
}
