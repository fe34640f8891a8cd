/**
 * Stopping trials (the plan's stop actions): the Trial's status says why (EarlyStopped or Stopped), then
 * its worker Job goes with its pods. The status write carries the Trial's resourceVersion, so a trial
 * that finished meanwhile keeps its own ending.
 */
import {
  isFinishedPhase,
  TrialConditions,
  TrialReasons,
  setCondition,
  type Trial,
  type TrialStatus,
} from '../../api/index.js';
import type { StopAction } from '../../core/planner/index.js';
import { apiErrorCode, type KubeApi } from '../kube.js';
import type { Logger } from '../runtime/index.js';

export async function stopTrial(
  trial: Trial,
  phase: 'EarlyStopped' | 'Stopped',
  reason: string,
  kube: KubeApi,
  now: string,
  /** What the trial reached (objective, metrics, step), from the metrics store. */
  reached: Partial<TrialStatus> = {},
): Promise<void> {
  const ns = trial.metadata.namespace ?? 'default';
  if (!isFinishedPhase(trial.status?.phase ?? 'Pending')) {
    const why =
      phase === 'EarlyStopped'
        ? TrialReasons.SchedulerDecision
        : trial.spec.stop
          ? TrialReasons.StopRequested
          : TrialReasons.JobFinished;
    const { conditions } = setCondition(
      trial.status?.conditions,
      { type: TrialConditions.EarlyStopped, status: 'True', reason: why, message: reason },
      now,
    );
    try {
      await kube.patchTrialStatus(ns, trial.metadata.name, trial.metadata.resourceVersion, {
        ...reached,
        phase,
        message: reason,
        completionTime: trial.status?.completionTime ?? now,
        conditions,
      });
    } catch (e) {
      // 409: the trial changed (it may have finished by itself); its reconcile decides again.
      if (apiErrorCode(e) === 409) return;
      if (apiErrorCode(e) !== 404) throw e;
    }
  }
  await kube.deleteJob(ns, trial.metadata.name);
}

export async function applyStops(
  stops: readonly StopAction[],
  trials: readonly Trial[],
  kube: KubeApi,
  now: string,
  log: Logger,
  reached: (trial: Trial, phase: 'EarlyStopped' | 'Stopped') => Partial<TrialStatus>,
): Promise<void> {
  const byIndex = new Map(trials.map((t) => [t.spec.index, t]));
  await Promise.all(
    stops.map(async (s) => {
      const t = byIndex.get(s.index);
      if (!t) return;
      log.info({ trial: t.metadata.name, phase: s.phase, reason: s.reason }, 'stopping trial');
      await stopTrial(t, s.phase, s.reason, kube, now, reached(t, s.phase));
    }),
  );
}
