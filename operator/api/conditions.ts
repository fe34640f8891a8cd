/**
 * Status condition types and reasons, as named constants grouped by condition (Kueue style).
 * Types are states; reasons say why. `setCondition` reports whether anything changed, so status is
 * written only on change.
 */
import type { StatusCondition } from './types.js';

export const HPOJobConditions = {
  SpecValid: 'SpecValid',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  SamplerHealthy: 'SamplerHealthy',
} as const;

export const HPOJobReasons = {
  // SpecValid
  InvalidSpec: 'InvalidSpec',
  SpecAccepted: 'SpecAccepted',
  // Running
  TrialsRunning: 'TrialsRunning',
  // Succeeded / Failed: the finish reasons
  MaxTrialsReached: 'MaxTrialsReached',
  GoalReached: 'GoalReached',
  DeadlineExceeded: 'DeadlineExceeded',
  BudgetExhausted: 'BudgetExhausted',
  SpaceExhausted: 'SpaceExhausted',
  TooManyFailedTrials: 'TooManyFailedTrials',
  Deleted: 'Deleted',
  // SamplerHealthy
  InvalidSuggestion: 'InvalidSuggestion',
  SamplerError: 'SamplerError',
  SamplerAnswering: 'SamplerAnswering',
} as const;

export const TrialConditions = {
  Admitted: 'Admitted',
  Running: 'Running',
  Preempted: 'Preempted',
  EarlyStopped: 'EarlyStopped',
  Completed: 'Completed',
  Failed: 'Failed',
  MetricsHealthy: 'MetricsHealthy',
} as const;

export const TrialReasons = {
  QuotaExceeded: 'QuotaExceeded',
  QuotaReserved: 'QuotaReserved',
  PodRunning: 'PodRunning',
  Evicted: 'Evicted',
  NodeLost: 'NodeLost',
  SchedulerDecision: 'SchedulerDecision',
  JobFinished: 'JobFinished',
  TrainerExited: 'TrainerExited',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  MalformedMetrics: 'MalformedMetrics',
} as const;

/**
 * Sets or replaces the condition of `next.type`. lastTransitionTime changes only when the status does;
 * `changed` is false when nothing a reader could see changed.
 */
export function setCondition(
  conditions: readonly StatusCondition[] | undefined,
  next: Omit<StatusCondition, 'lastTransitionTime'>,
  now: string,
): { conditions: StatusCondition[]; changed: boolean } {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const merged: StatusCondition = {
    ...next,
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now,
  };
  const changed =
    !prev ||
    prev.status !== merged.status ||
    prev.reason !== merged.reason ||
    prev.message !== merged.message ||
    prev.observedGeneration !== merged.observedGeneration;
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return { conditions: list, changed };
}
