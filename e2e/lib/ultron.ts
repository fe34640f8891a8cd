/** Ultron installed on the bed the way a user installs it: `kubectl apply -k manifests/overlays/testbed`. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectl, kubectlJson } from './bed.js';
import { eventually } from './eventually.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SYSTEM_NS = 'ultron-system';

interface Deployment {
  metadata: { name: string; generation: number };
  spec: { replicas: number };
  status?: { readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

/**
 * Applies the testbed overlay, replaces running operator and samplerd pods (the image tag is `latest`,
 * so a rebuilt image needs new pods) and waits until every replica is ready.
 */
export async function installUltron(): Promise<void> {
  await kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    '-k',
    join(REPO, 'manifests/overlays/testbed'),
  ]);
  await kubectl([
    'wait',
    '--for=condition=Established',
    'crd/hpojobs.ultron.dev',
    'crd/trials.ultron.dev',
    '--timeout=60s',
  ]);
  await kubectl([
    '-n',
    SYSTEM_NS,
    'rollout',
    'restart',
    'deployment/ultron-operator',
    'deployment/ultron-samplerd',
  ]);
  await waitReady();
}

export async function waitReady(timeoutMs = 120_000): Promise<void> {
  for (const name of ['ultron-operator', 'ultron-samplerd'])
    await kubectl([
      '-n',
      SYSTEM_NS,
      'rollout',
      'status',
      `deployment/${name}`,
      `--timeout=${Math.round(timeoutMs / 1000)}s`,
    ]);
  await eventually(async () => {
    const d = await kubectlJson<Deployment>(['-n', SYSTEM_NS, 'get', 'deployment', 'ultron-operator']);
    if ((d.status?.readyReplicas ?? 0) < 1) throw new Error('no operator replica is ready');
  }, timeoutMs);
}

export interface HPOJobView {
  metadata: { name: string; namespace: string; generation: number; uid: string };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    progress?: string;
    trials?: Record<string, number>;
    best?: { trial: string; index: number; objective: number; params: Record<string, unknown> };
    usage?: { gpuSeconds: number; wastedGpuSeconds: number };
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  };
}

export interface TrialView {
  metadata: { name: string; creationTimestamp?: string };
  spec: { index: number; params: Record<string, unknown> };
  status?: {
    phase?: string;
    objective?: number;
    paramsSummary?: string;
    restarts?: number;
    preemptions?: number;
    preemptedPods?: Array<{ pod: string; reason: string; ranSeconds: number; lostSeconds: number }>;
    message?: string;
    step?: number;
    metrics?: Record<string, number>;
    checkpoint?: { step: number; uri: string; at: string };
    cachedFrom?: string;
    usage?: { gpuSeconds: number; wastedGpuSeconds: number };
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export const getJob = (ns: string, name: string): Promise<HPOJobView> =>
  kubectlJson<HPOJobView>(['-n', ns, 'get', 'hpojob', name]);

export async function trialsOf(ns: string, job: string): Promise<TrialView[]> {
  const list = await kubectlJson<{ items: TrialView[] }>([
    '-n',
    ns,
    'get',
    'trials',
    '-l',
    `ultron.dev/hpojob=${job}`,
  ]);
  return list.items.sort((a, b) => a.spec.index - b.spec.index);
}

/** Waits until at least `n` of the job's trials have Succeeded. */
export async function waitSucceeded(ns: string, job: string, n: number, timeoutMs = 240_000): Promise<void> {
  await eventually(
    async () => {
      const done = (await trialsOf(ns, job)).filter((t) => t.status?.phase === 'Succeeded').length;
      if (done < n) throw new Error(`${done} of ${n} trials of ${job} done`);
    },
    timeoutMs,
    250,
  );
}

/** Waits until the job reaches a finished phase; fails early with its conditions if it fails. */
export async function waitFinished(ns: string, name: string, timeoutMs: number): Promise<HPOJobView> {
  return eventually(
    async () => {
      const job = await getJob(ns, name);
      const phase = job.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed')
        throw new Error(
          `${name} is ${phase ?? 'new'} (${job.status?.progress ?? ''}): ${JSON.stringify(job.status?.conditions ?? [])}`,
        );
      return job;
    },
    timeoutMs,
    500,
  );
}

/** The operator replica that holds the leader Lease (its pod's name). */
export async function operatorLeader(): Promise<string> {
  const lease = await kubectlJson<{ spec: { holderIdentity?: string } }>([
    '-n',
    SYSTEM_NS,
    'get',
    'lease',
    'ultron-operator',
  ]);
  if (!lease.spec.holderIdentity) throw new Error('no leader');
  return lease.spec.holderIdentity;
}
