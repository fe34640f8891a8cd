import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { applyDefaults, type HPOJob, type Trial } from '../../api/index.js';
import { completeDeletion, type CompletionDeps } from './completion.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');
const job: HPOJob = {
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'HPOJob',
  metadata: { name: 'j', namespace: 'team-a', uid: 'job-uid', deletionTimestamp: new Date(T0).toISOString() },
  spec: {
    objective: { metric: 'loss', direction: 'minimize' },
    parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
    trialTemplate: { template: { spec: { containers: [{ name: 'trainer' }] } } },
  },
};
const spec = applyDefaults(job.spec, 1);
const trial = (i: number): Trial => ({
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'Trial',
  metadata: { name: `j-${i}`, namespace: 'team-a', uid: `t-${i}` },
  spec: { hpoJob: 'j', index: i, params: { x: 0.5 }, seed: i },
});

/** A cluster where deleting a worker Job makes its pods go after `podsGoAfterLooks` looks. */
function world(podsGoAfterLooks: number) {
  const calls: string[] = [];
  let looks = 0;
  const jobs = new Set(['team-a/j-0', 'team-a/j-1']);
  const deps: CompletionDeps = {
    cache: {
      trialsOf: () => [trial(0), trial(1), trial(2)],
      workerJob: (k) => (jobs.has(k) ? ({} as V1Job) : undefined),
      podsOf: (k) => (jobs.has(k) || looks <= podsGoAfterLooks ? [{} as V1Pod] : []),
    },
    kube: {
      deleteJob: async (ns, name) => {
        calls.push(`delete ${ns}/${name}`);
        jobs.delete(`${ns}/${name}`);
      },
      createJob: async (j) => (calls.push(`create ${j.metadata?.name}`), 'created'),
    },
    quota: { release: async (tenant, uid) => void calls.push(`release ${tenant} ${uid}`) },
    purgeJob: async (uid) => void calls.push(`purge ${uid}`),
    cleanupJobFor: () => ({ metadata: { name: 'j-ckpt-cleanup' } }),
    log: { warn: () => undefined, info: () => undefined } as unknown as CompletionDeps['log'],
    now: T0 + 1_000,
  };
  return { deps, calls, look: () => looks++ };
}

describe('the completion manager (a deleted HPOJob)', () => {
  it('stops the trainers, waits for their pods, then releases quota, purges NATS and deletes checkpoints', async () => {
    const w = world(1);
    w.look();
    const first = await completeDeletion(job, spec, w.deps);
    expect(first).toEqual({ done: false, recheckInMs: 1_000, pods: 3 });
    expect(w.calls).toEqual(['delete team-a/j-0', 'delete team-a/j-1']);
    w.look();
    w.look();
    const second = await completeDeletion(job, spec, { ...w.deps, now: T0 + 5_000 });
    expect(second).toEqual({ done: true, timedOut: false });
    expect(w.calls.slice(2)).toEqual([
      'release team-a t-0',
      'release team-a t-1',
      'release team-a t-2',
      'purge job-uid',
      'create j-ckpt-cleanup',
    ]);
  });

  it('gives up waiting at the flush timeout, counted from the deletion (a new leader waits no longer)', async () => {
    const w = world(1_000);
    const r = await completeDeletion(job, spec, { ...w.deps, now: T0 + 59_500, flushTimeoutMs: 60_000 });
    expect(r).toEqual({ done: false, recheckInMs: 500, pods: 3 });
    const late = await completeDeletion(job, spec, { ...w.deps, now: T0 + 60_000, flushTimeoutMs: 60_000 });
    expect(late).toEqual({ done: true, timedOut: true });
    expect(w.calls).toContain('purge job-uid');
  });

  it('goes on when quota or NATS fail (their own reconciles catch up) and creates no clean-up when not asked', async () => {
    const w = world(-1);
    const r = await completeDeletion(job, spec, {
      ...w.deps,
      quota: { release: async () => Promise.reject(new Error('redis down')) },
      purgeJob: async () => Promise.reject(new Error('nats down')),
      cleanupJobFor: () => undefined,
    });
    expect(r).toEqual({ done: true, timedOut: false });
    expect(w.calls.filter((c) => c.startsWith('create'))).toEqual([]);
  });
});
