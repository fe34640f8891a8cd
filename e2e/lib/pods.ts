/** Pod helpers: eviction through the Eviction API, logs, listing a Job's pods. */
import { coreApi, kubectl, kubectlJson } from './bed.js';

export interface PodInfo {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: Array<{
      name: string;
      state: { terminated?: { exitCode: number; reason?: string } };
    }>;
    initContainerStatuses?: Array<{
      name: string;
      state: { terminated?: { exitCode: number; reason?: string } };
    }>;
  };
}

export async function jobPods(namespace: string, job: string): Promise<PodInfo[]> {
  const list = await kubectlJson<{ items: PodInfo[] }>([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    `job-name=${job}`,
  ]);
  return list.items;
}

/** Evicts a pod through policy/v1 Eviction, as a node drain or a preemption does. */
export async function evict(namespace: string, pod: string): Promise<void> {
  await coreApi().createNamespacedPodEviction({
    name: pod,
    namespace,
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } },
  });
}

export async function logs(namespace: string, pod: string, container: string): Promise<string> {
  return kubectl(['-n', namespace, 'logs', pod, '-c', container]);
}
