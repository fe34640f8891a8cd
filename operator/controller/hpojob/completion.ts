/**
 * The completion manager: what the HPOJob finalizer does before a deleted job may go (ARCHITECTURE §8,
 * issue 9 scope 5). In order: its worker Jobs are deleted so every trainer gets SIGTERM and every agent
 * flushes its last checkpoint; the job waits (bounded by `flushTimeoutMs` from the deletion, so a new
 * leader waits no longer) until their pods are gone; its trials' quota is released; its NATS data is
 * purged (it has no durable consumers of its own: the operator reads with ordered consumers); and with
 * `checkpoint.deleteOnFinish` a one-off Job in its namespace deletes its checkpoints. Only then is the
 * finalizer removed (the caller), and Kubernetes deletes its Trials by owner.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { HPOJob, ResolvedHPOJobSpec } from '../../api/index.js';
import { keyOf, type ClusterCache } from '../cache.js';
import type { KubeApi } from '../kube.js';
import { tenantOf } from '../quota/tenant.js';
import type { Logger } from '../runtime/index.js';

export const DEFAULT_FLUSH_TIMEOUT_MS = 60_000;

export interface CompletionDeps {
  cache: Pick<ClusterCache, 'trialsOf' | 'workerJob' | 'podsOf'>;
  kube: Pick<KubeApi, 'deleteJob' | 'createJob'>;
  quota?: { release(tenant: string, uid: string): Promise<void> };
  purgeJob(uid: string): Promise<void>;
  /** The checkpoint clean-up Job for this job, or undefined when there is nothing to delete. */
  cleanupJobFor?(job: HPOJob, spec: ResolvedHPOJobSpec): V1Job | undefined;
  log: Logger;
  now: number;
  flushTimeoutMs?: number;
}

export type Completion =
  { done: true; timedOut: boolean } | { done: false; recheckInMs: number; pods: number };

export async function completeDeletion(
  job: HPOJob,
  spec: ResolvedHPOJobSpec,
  d: CompletionDeps,
): Promise<Completion> {
  const ns = job.metadata.namespace ?? 'default';
  const trials = d.cache.trialsOf(keyOf(ns, job.metadata.name));
  // 1. Stop every trainer: their agents flush what is complete as their pods end.
  for (const t of trials)
    if (d.cache.workerJob(keyOf(ns, t.metadata.name))) await d.kube.deleteJob(ns, t.metadata.name);
  // 2. Wait for the pods to be gone, up to the bound.
  const pods = trials.reduce((n, t) => n + d.cache.podsOf(keyOf(ns, t.metadata.name)).length, 0);
  const since = Date.parse(String(job.metadata.deletionTimestamp ?? new Date(d.now).toISOString()));
  const left = since + (d.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS) - d.now;
  if (pods > 0 && left > 0) return { done: false, recheckInMs: Math.min(1_000, left), pods };
  if (pods > 0)
    d.log.warn(
      { pods },
      'pods still stopping after the flush timeout; the job goes without waiting for them',
    );
  // 3. Quota back (idempotent; the periodic reconcile would find these holders too, later).
  if (d.quota)
    for (const t of trials)
      if (t.metadata.uid)
        await d.quota
          .release(tenantOf(job), t.metadata.uid)
          .catch((e: unknown) =>
            d.log.warn({ err: String(e), trial: t.metadata.name }, 'quota release failed'),
          );
  // 4. The job's data on NATS.
  await d
    .purgeJob(job.metadata.uid ?? '')
    .catch((e: unknown) => d.log.warn({ err: String(e) }, 'purging NATS data failed'));
  // 5. Its checkpoints, when it asked for that.
  const cleanup = d.cleanupJobFor?.(job, spec);
  if (cleanup) {
    const r = await d.kube.createJob(cleanup).catch((e: unknown) => {
      d.log.warn({ err: String(e) }, 'could not create the checkpoint clean-up Job; the checkpoints stay');
      return undefined;
    });
    if (r) d.log.info({ job: cleanup.metadata?.name }, 'checkpoint clean-up Job created');
  }
  return { done: true, timedOut: pods > 0 };
}
