/**
 * The one-off Job that deletes a deleted HPOJob's checkpoints (`checkpoint.deleteOnFinish: true`),
 * pure. It runs in the job's namespace because the store's credentials are that namespace's Secret,
 * which the operator itself never reads. It has no owner (its HPOJob is going away) and removes
 * itself ten minutes after it finished.
 */
import type { V1Job, V1PodSpec } from '@kubernetes/client-node';
import { AGENT_RESOURCES, storeEnv, type CheckpointStoreOptions, type WorkloadOptions } from './job.js';

export const CLEANUP_LABEL = 'ultron.dev/checkpoint-cleanup';

export function checkpointCleanupJob(
  hpoJob: { name: string; namespace: string; uid: string },
  store: CheckpointStoreOptions,
  options: Pick<WorkloadOptions, 'agentImage' | 'imagePullPolicy'>,
): V1Job {
  // Names are at most 63 characters; the uid's head keeps two generations of one job apart.
  const name = `${hpoJob.name.slice(0, 40)}-ckpt-cleanup-${hpoJob.uid.slice(0, 8)}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: hpoJob.namespace, labels: { [CLEANUP_LABEL]: hpoJob.name } },
    spec: {
      backoffLimit: 4,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: { [CLEANUP_LABEL]: hpoJob.name } },
        // Ultron's own types for pods are looser than client-node's (quantities may be numbers).
        spec: {
          restartPolicy: 'OnFailure',
          containers: [
            {
              name: 'cleanup',
              image: options.agentImage,
              ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
              args: ['checkpoints', 'delete'],
              env: storeEnv(hpoJob, store),
              resources: AGENT_RESOURCES,
            },
          ],
        } as unknown as V1PodSpec,
      },
    },
  };
}
