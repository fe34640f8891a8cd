/** Whose quota a trial uses and how much, pure. */
import type * as k8s from '@kubernetes/client-node';
import type { HPOJob, ResolvedHPOJobSpec, Trial } from '../../api/index.js';
import { podDemand, type Resources } from '../../quota/index.js';
import { keyOf } from '../cache.js';
import type { Holder } from './gate.js';

/** The tenant of a trial's job: `spec.queue`, else its namespace. */
export const tenantOf = (job: HPOJob): string => job.spec.queue ?? job.metadata.namespace ?? 'default';

/**
 * A trial as the gate sees it: tenant, demand, its job (fair share), priority and age. The one place that
 * builds it, for the trial asking and for the trials it is ordered against alike (two builders once
 * disagreed on priority, and every trial of a prioritised job waited for the others forever).
 */
export function trialHolder(trial: Trial, job: HPOJob, demand: Resources): Holder {
  return {
    tenant: tenantOf(job),
    uid: trial.metadata.uid ?? '',
    demand,
    job: keyOf(trial.metadata.namespace, job.metadata.name),
    createdAt: Date.parse(String(trial.metadata.creationTimestamp ?? '')) || 0,
    priority: job.spec.priority ?? 0,
  };
}

/** What a trial's worker pod asks for, in quota units. */
export function trialDemand(
  trial: Trial,
  job: HPOJob,
  spec: ResolvedHPOJobSpec,
  workerJob: (t: Trial, j: HPOJob, s: ResolvedHPOJobSpec) => k8s.V1Job,
): Resources {
  const pod = workerJob(trial, job, spec).spec?.template.spec;
  return pod ? podDemand(pod as Parameters<typeof podDemand>[0]) : {};
}

/**
 * Whether a trial's pods still hold what they asked for: a pod counts until it has ended (Succeeded or
 * Failed) or is gone. A finished trial's pod may run on for a moment (its agent sidecar flushing), and a
 * deleted one until its grace period ends: its quota is released only then, so that the pods running in
 * a tenant never exceed its limit.
 */
export const podsHoldResources = (pods: readonly k8s.V1Pod[]): boolean =>
  pods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
