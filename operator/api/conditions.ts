/**
 * Status condition types and reasons, as named constants grouped by condition (Kueue style).
 * Types are states; reasons say why. `setCondition` reports whether anything changed, so status is
 * written only on change.
 */
import type { FinishReason, StatusCondition } from './types.js';

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
  /** No answer within the suggestion timeout: no sampler serves ultron.suggest.<name>. */
  SamplerUnavailable: 'SamplerUnavailable',
} as const;

export const TrialConditions = {
  Admitted: 'Admitted',
  Running: 'Running',
  Preempted: 'Preempted',
  EarlyStopped: 'EarlyStopped',
  Completed: 'Completed',
  Failed: 'Failed',
  MetricsHealthy: 'MetricsHealthy',
  /** The job wants checkpoints: whether the trial's pods can store them. */
  CheckpointsHealthy: 'CheckpointsHealthy',
} as const;

export const TrialReasons = {
  // Admitted
  QuotaReserved: 'QuotaReserved',
  QuotaExceeded: 'QuotaExceeded',
  /** Redis unreachable, or not yet reconciled with the running trials after a start: nothing is admitted. */
  QuotaUnavailable: 'QuotaUnavailable',
  // Running
  PodRunning: 'PodRunning',
  // Preempted (never counted as a failure)
  Evicted: 'Evicted',
  NodeLost: 'NodeLost',
  // EarlyStopped
  SchedulerDecision: 'SchedulerDecision',
  StopRequested: 'StopRequested',
  JobFinished: 'JobFinished',
  // Completed / Failed
  TrainerExited: 'TrainerExited',
  /** The score cache had this configuration's result: the trial did not run. */
  Cached: 'Cached',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  // MetricsHealthy
  MalformedMetrics: 'MalformedMetrics',
  // CheckpointsHealthy
  CheckpointStored: 'CheckpointStored',
  /** The namespace has no checkpoint Secret: the trial runs, but nothing is stored. */
  NoCheckpointStore: 'NoCheckpointStore',
  InvalidCheckpointSettings: 'InvalidCheckpointSettings',
} as const;

export type HPOJobConditionType = (typeof HPOJobConditions)[keyof typeof HPOJobConditions];
export type HPOJobReason = (typeof HPOJobReasons)[keyof typeof HPOJobReasons];
export type TrialConditionType = (typeof TrialConditions)[keyof typeof TrialConditions];
export type TrialReason = (typeof TrialReasons)[keyof typeof TrialReasons];

// Every finish reason is a job reason: adding one to FINISH_REASONS without a constant here fails to compile.
const finishReasonsCovered: { [R in FinishReason]: R } = HPOJobReasons;
void finishReasonsCovered;

/** The condition of `type`, if set. */
export function findCondition(
  conditions: readonly StatusCondition[] | undefined,
  type: string,
): StatusCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly StatusCondition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

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
