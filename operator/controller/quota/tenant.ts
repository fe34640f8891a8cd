/** Whose quota a trial uses and how much, pure. */
import type * as k8s from '@kubernetes/client-node';
import type { HPOJob, ResolvedHPOJobSpec, Trial } from '../../api/index.js';
import { podDemand, type Resources } from '../../quota/index.js';

/** The tenant of a trial's job: `spec.queue`, else its namespace. */
export const tenantOf = (job: HPOJob): string => job.spec.queue ?? job.metadata.namespace ?? 'default';

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
