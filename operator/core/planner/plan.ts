/**
 * The job planner: `plan(input) → actions` (ARCHITECTURE §4). The operator and the local runner call it
 * after every change they see and execute what it returns. Pure: time comes in as `input.now`.
 *
 * Decisions, in order:
 * 1. Count trials by phase. `Stopped` trials (stopped because the job ended) count as finished but in
 *    none of succeeded/failed/earlyStopped. Every created trial, failed ones too, counts toward maxTrials.
 * 2. Finish, first reason that applies wins:
 *    GoalReached          a finished trial's objective, or a running trial's latest report, reaches goal
 *    TooManyFailedTrials  more failed trials than maxFailedTrials
 *    DeadlineExceeded     now − startTime ≥ maxDuration
 *    BudgetExhausted      GPU-hours used ≥ maxGpuHours
 *    MaxTrialsReached     maxTrials trials finished (waits for running trials: they are not killed)
 *    SpaceExhausted       the sampler has nothing left and no trial is running or queued
 *    The first four stop every running or queued trial (phase Stopped). The job Succeeded when it has a
 *    best trial (or reached its goal), otherwise Failed; TooManyFailedTrials always fails it.
 * 3. Otherwise early stopping: the scheduler's decisions for running trials (phase EarlyStopped).
 * 4. Request min(capacity, parallelism − active − outstanding, maxTrials − created − outstanding) new
 *    configurations; none once the space is exhausted.
 */
import { isFinishedPhase, type FinishReason, type TrialCounts } from '../../api/types.js';
import { getSchedulerFactory } from '../stopping/registry.js';
import type { TrialReports } from '../stopping/types.js';
import { bestTrialSummary, trialObjective } from './objective.js';
import type { FinishAction, PlanActions, PlanInput, StopAction, TrialSnapshot } from './types.js';

const ACTIVE = new Set(['Pending', 'Queued', 'Running']);

export function countTrials(trials: readonly TrialSnapshot[]): TrialCounts {
  const counts: TrialCounts = {
    created: trials.length,
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    earlyStopped: 0,
  };
  for (const t of trials) {
    if (t.phase === 'Pending' || t.phase === 'Queued') counts.queued++;
    else if (t.phase === 'Running') counts.running++;
    else if (t.phase === 'Succeeded') counts.succeeded++;
    else if (t.phase === 'Failed') counts.failed++;
    else if (t.phase === 'EarlyStopped') counts.earlyStopped++;
  }
  return counts;
}

/** GPU-seconds a trial used: the shell's meter if it has one, else wall time × GPUs. */
export function gpuSecondsOf(trial: TrialSnapshot, now: number): number {
  if (trial.gpuSeconds !== undefined) return trial.gpuSeconds;
  if (!trial.gpus || trial.startTime === undefined) return 0;
  return (((trial.completionTime ?? now) - trial.startTime) / 1000) * trial.gpus;
}

function goalReached(input: PlanInput): TrialSnapshot | undefined {
  const { goal, direction, strategy } = input.spec.objective;
  if (goal === undefined) return undefined;
  const reaches = (v: number | undefined): boolean =>
    v !== undefined && (direction === 'minimize' ? v <= goal : v >= goal);
  return input.trials.find((t) => {
    if (t.phase === 'Running') return reaches(t.reports.at(-1)?.value);
    return isFinishedPhase(t.phase) && reaches(trialObjective(t, { direction, strategy }));
  });
}

function finishReason(
  input: PlanInput,
  counts: TrialCounts,
  finished: number,
  gpuSeconds: number,
): [FinishReason, string] | undefined {
  const { budget } = input.spec;
  const active = counts.queued + counts.running;
  const goalTrial = goalReached(input);
  if (goalTrial)
    return ['GoalReached', `trial ${goalTrial.name} reached the goal ${input.spec.objective.goal}`];
  if (counts.failed > budget.maxFailedTrials) {
    return [
      'TooManyFailedTrials',
      `${counts.failed} trials failed, more than maxFailedTrials ${budget.maxFailedTrials}; check the failed trials' logs`,
    ];
  }
  if (budget.maxDurationMs !== undefined && input.now - input.startTime >= budget.maxDurationMs) {
    return ['DeadlineExceeded', `the job ran for its maxDuration ${budget.maxDuration}`];
  }
  if (budget.maxGpuHours !== undefined && gpuSeconds / 3600 >= budget.maxGpuHours) {
    return [
      'BudgetExhausted',
      `the trials used ${(gpuSeconds / 3600).toFixed(2)} GPU-hours of maxGpuHours ${budget.maxGpuHours}`,
    ];
  }
  if (finished >= budget.maxTrials && active === 0)
    return ['MaxTrialsReached', `${finished} of maxTrials ${budget.maxTrials} trials finished`];
  if (input.spaceExhausted && active === 0 && (input.outstandingRequests ?? 0) === 0) {
    return ['SpaceExhausted', `the sampler has no new configuration left after ${counts.created} trials`];
  }
  return undefined;
}

function earlyStops(input: PlanInput): StopAction[] {
  const { earlyStopping, objective } = input.spec;
  const factory = getSchedulerFactory(earlyStopping.name);
  if (!factory || earlyStopping.name === 'none') return [];
  const trials: TrialReports[] = input.trials
    .filter(
      (t) =>
        t.phase === 'Running' ||
        t.phase === 'Succeeded' ||
        t.phase === 'EarlyStopped' ||
        t.phase === 'Failed',
    )
    .map((t) => ({
      index: t.index,
      state:
        t.phase === 'Running'
          ? t.stopRequested
            ? 'pruned'
            : 'running'
          : t.phase === 'Succeeded'
            ? 'complete'
            : t.phase === 'Failed'
              ? 'failed'
              : 'pruned',
      reports: t.reports,
    }));
  return factory
    .create()
    .decide({
      direction: objective.direction,
      settings: earlyStopping.settings,
      seed: input.spec.seed,
      trials,
    })
    .map((d) => ({ index: d.index, phase: 'EarlyStopped' as const, reason: d.reason }));
}

export function plan(input: PlanInput): PlanActions {
  const { spec, trials, now } = input;
  const counts = countTrials(trials);
  const finished = trials.filter((t) => isFinishedPhase(t.phase)).length;
  const gpuSeconds = trials.reduce((s, t) => s + gpuSecondsOf(t, now), 0);
  const wastedGpuSeconds = trials.reduce((s, t) => s + (t.wastedGpuSeconds ?? 0), 0);
  const best = bestTrialSummary(trials, spec.objective);
  const actions: PlanActions = {
    request: 0,
    stop: [],
    summary: {
      trials: counts,
      progress: `${finished}/${spec.budget.maxTrials}`,
      gpuSeconds,
      wastedGpuSeconds,
    },
  };
  if (best) actions.best = best;

  const reason = finishReason(input, counts, finished, gpuSeconds);
  if (reason) {
    const [why, message] = reason;
    const failed = why === 'TooManyFailedTrials' || (!best && why !== 'GoalReached');
    const finish: FinishAction = { reason: why, message, phase: failed ? 'Failed' : 'Succeeded' };
    actions.finish = finish;
    actions.stop = trials
      .filter((t) => ACTIVE.has(t.phase) && !t.stopRequested)
      .map((t) => ({ index: t.index, phase: 'Stopped' as const, reason: `the job finished: ${why}` }));
    return actions;
  }

  actions.stop = earlyStops(input).filter((s) => !trials.find((t) => t.index === s.index)?.stopRequested);
  if (!input.spaceExhausted) {
    const outstanding = input.outstandingRequests ?? 0;
    const active = counts.queued + counts.running;
    actions.request = Math.max(
      0,
      Math.min(
        input.capacity,
        spec.parallelism - active - outstanding,
        spec.budget.maxTrials - counts.created - outstanding,
      ),
    );
  }
  return actions;
}
