/**
 * Step 1 of an HPOJob reconcile, pure: the informer caches and the metrics store → the planner's input
 * (ARCHITECTURE §4). Nothing here lists from the API server.
 */
import type { HPOJob, ResolvedHPOJobSpec, SamplerStatus, Trial } from '../../api/index.js';
import type { PlanInput, TrialSnapshot } from '../../core/planner/index.js';
import type { MetricsStore } from '../metrics-store.js';
import { isFinishedPhase } from '../../api/index.js';
import { outstandingIndices } from './ledger.js';

const ms = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));

/** GPUs the trial's pod holds: the trainer template's nvidia.com/gpu limits (requests if no limit). */
export function gpusOf(spec: ResolvedHPOJobSpec): number {
  let total = 0;
  for (const c of spec.trialTemplate.template.spec.containers) {
    const v = c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'];
    if (v !== undefined && Number.isFinite(Number(v))) total += Number(v);
  }
  return total;
}

export function trialSnapshot(
  trial: Trial,
  spec: ResolvedHPOJobSpec,
  jobUid: string,
  metrics: MetricsStore,
): TrialSnapshot {
  const status = trial.status ?? {};
  let reports = metrics.reports(jobUid, trial.spec.index, spec.objective.metric);
  // The metrics stream keeps reports for days; after that a finished trial's status still has its result.
  if (reports.length === 0 && status.objective !== undefined)
    reports = [{ step: status.step ?? 0, value: status.objective }];
  const startTime = ms(status.startTime);
  const completionTime = ms(status.completionTime);
  const gpus = gpusOf(spec);
  return {
    index: trial.spec.index,
    name: trial.metadata.name,
    params: trial.spec.params,
    phase: status.phase ?? 'Pending',
    reports,
    metrics: metrics.get(jobUid, trial.spec.index)?.latest ?? status.metrics ?? {},
    stopRequested: trial.spec.stop === true,
    ...(startTime !== undefined ? { startTime } : {}),
    ...(completionTime !== undefined ? { completionTime } : {}),
    ...(gpus ? { gpus } : {}),
    // A running trial's usage counts only ended pods: the planner meters it by wall time instead.
    ...(status.usage && isFinishedPhase(status.phase ?? '') ? { gpuSeconds: status.usage.gpuSeconds } : {}),
    ...(status.usage ? { wastedGpuSeconds: status.usage.wastedGpuSeconds } : {}),
  };
}

/**
 * Trial snapshots kept from one reconcile to the next: a job's reconcile runs on every event of any of
 * its trials, and rebuilding all n snapshots each time made it O(n) in allocations (at 300 trials, the
 * largest part of the operator's CPU time after the watches). A snapshot is reused while its Trial is the
 * same object (informer caches replace an object when it changes), its job's generation is the same
 * (the spec it was built with) and its metrics have not moved.
 */
export class SnapshotMemo {
  private readonly memo = new WeakMap<Trial, { spec: string; revision: number; snapshot: TrialSnapshot }>();

  snapshot(
    trial: Trial,
    spec: ResolvedHPOJobSpec,
    specKey: string,
    jobUid: string,
    metrics: MetricsStore,
  ): TrialSnapshot {
    const revision = metrics.get(jobUid, trial.spec.index)?.revision ?? -1;
    const kept = this.memo.get(trial);
    if (kept && kept.spec === specKey && kept.revision === revision) return kept.snapshot;
    const snapshot = trialSnapshot(trial, spec, jobUid, metrics);
    this.memo.set(trial, { spec: specKey, revision, snapshot });
    return snapshot;
  }
}

export function planInput(args: {
  job: HPOJob;
  spec: ResolvedHPOJobSpec;
  trials: readonly Trial[];
  ledger: SamplerStatus;
  metrics: MetricsStore;
  now: number;
  memo?: SnapshotMemo;
}): PlanInput {
  const { job, spec, trials, ledger } = args;
  const uid = job.metadata.uid ?? '';
  const indices = new Set(trials.map((t) => t.spec.index));
  const specKey = `${uid}/${job.metadata.generation ?? 0}`;
  const snap = (t: Trial): TrialSnapshot =>
    args.memo
      ? args.memo.snapshot(t, spec, specKey, uid, args.metrics)
      : trialSnapshot(t, spec, uid, args.metrics);
  return {
    spec,
    trials: [...trials].sort((a, b) => a.spec.index - b.spec.index).map(snap),
    now: args.now,
    startTime: ms(job.status?.startTime) ?? ms(job.metadata.creationTimestamp) ?? args.now,
    // No quota yet (the next issue): the planner's parallelism is the only limit.
    capacity: spec.parallelism,
    spaceExhausted: ledger.spaceExhausted === true,
    outstandingRequests: outstandingIndices(ledger, indices).length,
  };
}
