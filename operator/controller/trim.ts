/**
 * What the caches keep of each object. A 2,000-trial job leaves 2,000 Jobs and Pods behind (kept for
 * `kubectl logs`), and each arrives with its managedFields and, for a Job, a full copy of the pod
 * template: most of the operator's heap at scale (bench/operator/kwok: 319 MB for 2,000 trials, over the
 * 300 MB target). The trims run in place, on the object the informer stores, before any listener sees it.
 *
 * Keep in step with the readers: trial/phase.ts reads a Pod's container names, metadata and status, and a
 * Job's backoffLimit and status. Widen a trim before reading another field from the cache.
 */
import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Every object: managedFields and kubectl's copy of the applied manifest are never read. */
export function trimMeta(obj: KubernetesObject): void {
  const meta = obj.metadata;
  if (!meta) return;
  delete meta.managedFields;
  if (meta.annotations?.[LAST_APPLIED] !== undefined) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
}

/** A Pod: its metadata and status, and of its spec only the containers' names and the node. */
export function trimPod(pod: V1Pod): void {
  trimMeta(pod);
  const spec = pod.spec;
  if (!spec) return;
  pod.spec = {
    containers: spec.containers.map((c) => ({ name: c.name })),
    ...(spec.initContainers
      ? {
          initContainers: spec.initContainers.map((c) => ({
            name: c.name,
            ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
          })),
        }
      : {}),
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
  };
}

/** A worker Job: its metadata and status, and of its spec the retry limit (the template is ours). */
export function trimJob(job: V1Job): void {
  trimMeta(job);
  const spec = job.spec;
  if (!spec) return;
  job.spec = {
    // The type requires a template; an empty one says it was trimmed.
    template: {},
    ...(spec.backoffLimit !== undefined ? { backoffLimit: spec.backoffLimit } : {}),
  };
}
