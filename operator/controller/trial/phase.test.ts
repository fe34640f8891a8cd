import type { V1ContainerState, V1Job, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { trimJob, trimPod } from '../trim.js';
import { METRICS_GRACE_MS, observeTrial, type PhaseInput } from './phase.js';

const T0 = new Date('2026-05-01T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const JOB_UID = 'job-uid-1';

function job(
  opts: { backoffLimit?: number; failed?: number; conditions?: Array<Partial<V1PodCondition>> } = {},
): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'quick-3', namespace: 'team-a', uid: JOB_UID },
    spec: { backoffLimit: opts.backoffLimit ?? 2, template: {} },
    status: {
      ...(opts.failed !== undefined ? { failed: opts.failed } : {}),
      ...(opts.conditions
        ? { conditions: opts.conditions.map((c) => ({ status: 'True', type: '', ...c })) }
        : {}),
    },
  };
}

interface PodOpts {
  name: string;
  created?: number;
  phase?: string;
  trainer?: V1ContainerState;
  agent?: V1ContainerState;
  conditions?: V1PodCondition[];
  deleting?: boolean;
  reason?: string;
  message?: string;
  owner?: string;
  init?: Array<{ name: string; state: V1ContainerState }>;
}
/** A pod as the Job controller and kubelet leave it: trainer + the agent sidecar. */
function pod(o: PodOpts): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: 'team-a',
      uid: `uid-${o.name}`,
      creationTimestamp: at(o.created ?? 0),
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'quick-3', uid: o.owner ?? JOB_UID, controller: true },
      ],
      ...(o.deleting ? { deletionTimestamp: at(100) } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      initContainers: [{ name: 'ultron-agent', restartPolicy: 'Always' }],
      containers: [{ name: 'logger' }, { name: 'trainer' }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.message ? { message: o.message } : {}),
      conditions: o.conditions ?? [{ type: 'PodScheduled', status: 'True' }],
      initContainerStatuses: [
        ...(o.init ?? []).map((i) => cs(i.name, i.state)),
        cs('ultron-agent', o.agent ?? { running: { startedAt: at(1) } }),
      ],
      ...(o.trainer
        ? { containerStatuses: [cs('logger', { running: { startedAt: at(2) } }), cs('trainer', o.trainer)] }
        : {}),
    },
  };
}
const cs = (name: string, state: V1ContainerState) => ({
  name,
  state,
  image: 'img',
  imageID: '',
  ready: state.running !== undefined,
  restartCount: 0,
});
const running = (s = 2): V1ContainerState => ({ running: { startedAt: at(s) } });
const exited = (
  exitCode: number,
  reason = exitCode === 0 ? 'Completed' : 'Error',
  end = 60,
): V1ContainerState => ({
  terminated: { exitCode, reason, startedAt: at(2), finishedAt: at(end) },
});
const disrupted = (reason: string, message = ''): V1PodCondition => ({
  type: 'DisruptionTarget',
  status: 'True',
  reason,
  message,
});

const none = { endedPods: new Set<string>() };
/**
 * Every case also runs on the objects as the caches keep them (trim.ts): the trims must keep whatever
 * the phase is derived from.
 */
function observe(over: Partial<PhaseInput>) {
  // One clock for both looks: a disruption without a time falls back to `now` (else Date.now(), which
  // moved 1 ms between the two calls now and then).
  const input: PhaseInput = { job: job(), pods: [], metrics: none, now: Date.now(), ...over };
  const result = observeTrial(input);
  const trimmed = structuredClone(input);
  if (trimmed.job) trimJob(trimmed.job);
  trimmed.pods.forEach(trimPod);
  expect(observeTrial(trimmed)).toEqual(result);
  return result;
}

describe('observeTrial', () => {
  it('is Pending without a Job, keeping the counts seen before', () => {
    const o = observeTrial({ pods: [], metrics: none, previous: { restarts: 1, preemptedPods: ['a'] } });
    expect(o).toMatchObject({ phase: 'Pending', reason: 'JobNotCreated', restarts: 1, preemptions: 1 });
  });

  it('is Pending with a Job and no pod yet', () => {
    expect(observe({})).toMatchObject({ phase: 'Pending', restarts: 0, preemptions: 0 });
  });

  it('is Pending with the scheduler’s message when the pod cannot be scheduled', () => {
    const msg = '0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are available';
    const p = pod({
      name: 'quick-3-abcde',
      phase: 'Pending',
      agent: { waiting: { reason: 'PodInitializing' } },
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg }],
    });
    const o = observe({ pods: [p] });
    expect(o).toMatchObject({ phase: 'Pending', reason: 'Unschedulable' });
    expect(o.message).toContain(msg);
    expect(o.startTime).toBeUndefined();
  });

  it('is Pending with the waiting container’s reason, preferring a problem over routine progress', () => {
    const p = pod({
      name: 'quick-3-abcde',
      phase: 'Pending',
      trainer: { waiting: { reason: 'ErrImagePull', message: 'pull access denied for my/trainer' } },
      agent: { waiting: { reason: 'PodInitializing' } },
    });
    const o = observe({ pods: [p] });
    expect(o).toMatchObject({ phase: 'Pending', reason: 'ErrImagePull' });
    expect(o.message).toContain('container trainer is waiting: ErrImagePull: pull access denied');
  });

  it('is Running once the trainer container runs, from its start', () => {
    const o = observe({ pods: [pod({ name: 'p1', trainer: running(3) })] });
    expect(o).toMatchObject({ phase: 'Running', reason: 'PodRunning', startTime: at(3).toISOString() });
    expect(o.message).toBeUndefined();
  });

  it('is Succeeded as soon as the trainer exited 0 and the agent’s end arrived (no Complete yet)', () => {
    const p = pod({ name: 'p1', trainer: exited(0, 'Completed', 42) }); // the pod still runs its agent
    const o = observe({ pods: [p], metrics: { endedPods: new Set(['uid-p1']) } });
    expect(o).toMatchObject({ phase: 'Succeeded', completionTime: at(42).toISOString(), restarts: 0 });
  });

  it('waits for the last metrics after a trainer exited 0, unless the pod itself has finished', () => {
    const p = pod({ name: 'p1', trainer: exited(0) });
    expect(observe({ pods: [p] })).toMatchObject({ phase: 'Running', reason: 'AwaitingMetrics' });
    const done = pod({ name: 'p1', phase: 'Succeeded', trainer: exited(0), agent: exited(0) });
    expect(observe({ pods: [done] }).phase).toBe('Succeeded');
    // Another pod's end (an earlier, failed attempt) says nothing of this one.
    const other = { endedPods: new Set(['uid-p0']) };
    expect(observe({ pods: [p], metrics: other }).phase).toBe('Running');
  });

  it('gives a finished pod whose agent’s end is missing METRICS_GRACE_MS to deliver it (the feed may lag)', () => {
    const done = pod({
      name: 'p1',
      phase: 'Succeeded',
      trainer: exited(0, 'Completed', 60),
      agent: exited(0),
    });
    const ended = at(60).getTime();
    const early = observe({ pods: [done], now: ended + 3_000 });
    expect(early).toMatchObject({
      phase: 'Running',
      reason: 'AwaitingMetrics',
      recheckInMs: METRICS_GRACE_MS - 3_000,
    });
    // The Job's Complete condition does not cut the wait short either.
    const complete = job({ conditions: [{ type: 'Complete', lastTransitionTime: at(61) }] });
    expect(observe({ job: complete, pods: [done], now: ended + 3_000 }).phase).toBe('Running');
    // The end arrives: Succeeded at once; or it never does: Succeeded with what arrived, after the wait.
    const withEnd = observe({
      pods: [done],
      now: ended + 3_000,
      metrics: { endedPods: new Set(['uid-p1']) },
    });
    expect(withEnd.phase).toBe('Succeeded');
    expect(withEnd.recheckInMs).toBeUndefined();
    expect(observe({ pods: [done], now: ended + METRICS_GRACE_MS }).phase).toBe('Succeeded');
  });

  it('is Succeeded when the Job is Complete', () => {
    const j = job({ conditions: [{ type: 'Complete', lastTransitionTime: at(70) }] });
    j.status!.completionTime = at(65);
    const o = observe({ job: j });
    expect(o).toMatchObject({ phase: 'Succeeded', completionTime: at(65).toISOString() });
  });

  it('counts an OOMKilled attempt and says where to look, then runs the retry', () => {
    const oom = pod({ name: 'p1', phase: 'Failed', trainer: exited(137, 'OOMKilled', 30), agent: exited(0) });
    const waiting = observe({ pods: [oom] });
    expect(waiting).toMatchObject({ phase: 'Pending', reason: 'Retrying', restarts: 1, preemptions: 0 });
    expect(waiting.message).toContain('container trainer exited with code 137 (OOMKilled) in pod p1');
    expect(waiting.message).toContain('kubectl logs -n team-a p1 -c trainer');
    const retry = observe({ pods: [oom, pod({ name: 'p2', created: 40, trainer: running(45) })] });
    expect(retry).toMatchObject({ phase: 'Running', restarts: 1, startTime: at(2).toISOString() });
    expect(retry.message).toContain('retry 1 of 2');
  });

  it('counts a trainer that exited non-zero before its pod reaches Failed', () => {
    const p = pod({ name: 'p1', trainer: exited(1) }); // the agent is still flushing
    expect(observe({ pods: [p] })).toMatchObject({ phase: 'Pending', restarts: 1 });
  });

  it('does not count an evicted pod (DisruptionTarget) as a failure, and remembers it once deleted', () => {
    const evicted = pod({
      name: 'p1',
      phase: 'Failed',
      trainer: exited(143, 'Error'),
      conditions: [disrupted('EvictionByEvictionAPI', 'Eviction API: evicting')],
      deleting: true,
    });
    const o = observe({ pods: [evicted] });
    expect(o).toMatchObject({ phase: 'Pending', reason: 'Evicted', restarts: 0, preemptions: 1 });
    expect(o.preemptedPods).toEqual(['uid-p1']);
    expect(o.message).toContain('preemptions do not count as failures');
    // The Job controller released the evicted pod and it is gone; a new pod runs.
    const later = observe({ pods: [pod({ name: 'p2', trainer: running() })], previous: o });
    expect(later).toMatchObject({ phase: 'Running', restarts: 0, preemptions: 1 });
  });

  it('reports each newly pre-empted pod once, with when it was disrupted and when its trainer ran', () => {
    const evicted = pod({
      name: 'p1',
      phase: 'Failed',
      trainer: exited(143, 'Error', 40),
      conditions: [{ ...disrupted('EvictionByEvictionAPI'), lastTransitionTime: at(39) }],
      deleting: true,
    });
    const o = observe({ pods: [evicted] });
    expect(o.newlyPreempted).toEqual([
      {
        pod: 'p1',
        uid: 'uid-p1',
        reason: 'EvictionByEvictionAPI',
        at: at(39).getTime(),
        startedAt: at(2).getTime(),
        endedAt: at(40).getTime(),
      },
    ]);
    // Seen again (the cache keeps a deleted disrupted pod): nothing new.
    expect(observe({ pods: [evicted], previous: o }).newlyPreempted).toEqual([]);
  });

  it('counts an eviction at once but records it when the pod’s end is known: trainer and agent done, or the pod gone', () => {
    const conditions = [{ ...disrupted('EvictionByEvictionAPI'), lastTransitionTime: at(39) }];
    const terminating = pod({ name: 'p1', trainer: running(), conditions, deleting: true });
    const first = observe({ pods: [terminating] });
    expect(first).toMatchObject({ preemptions: 1, newlyPreempted: [] });
    // The trainer exited on SIGTERM; its agent is still flushing: the record still waits for its `end`.
    // (The Trial's status has no record of it yet, only the count: the caller passes the recorded uids.)
    const previous = { preemptions: first.preemptions, preemptedPods: [] };
    const exitedPod = pod({ name: 'p1', trainer: exited(143, 'Error', 40), conditions, deleting: true });
    expect(observe({ pods: [exitedPod], previous })).toMatchObject({
      preemptions: 1,
      newlyPreempted: [],
    });
    const done = observe({ pods: [exitedPod], previous, metrics: { endedPods: new Set(['uid-p1']) } });
    expect(done.newlyPreempted.map((p) => [p.uid, p.endedAt])).toEqual([['uid-p1', at(40).getTime()]]);
    // A pod that is gone (a lost node's, whose trainer never reports its end) is recorded as it is.
    const lost = observe({ pods: [terminating], previous, gone: new Set(['uid-p1']) });
    expect(lost.newlyPreempted.map((p) => [p.uid, p.endedAt])).toEqual([['uid-p1', undefined]]);
  });

  it('never lets the counts go down below the status’s', () => {
    const o = observe({
      pods: [pod({ name: 'p2', trainer: running() })],
      previous: { restarts: 2, preemptions: 3 },
    });
    expect(o).toMatchObject({ phase: 'Running', restarts: 2, preemptions: 3 });
  });

  it('counts a pod on a lost node as a preemption while its deletion is pending', () => {
    const lost = pod({
      name: 'p1',
      trainer: running(), // stale: the kubelet is gone and never reports the end
      deleting: true,
      conditions: [disrupted('DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint')],
    });
    expect(observe({ pods: [lost] })).toMatchObject({
      phase: 'Pending',
      reason: 'NodeLost',
      preemptions: 1,
      restarts: 0,
    });
  });

  it('counts a node-pressure eviction by the kubelet as a preemption', () => {
    const p = pod({
      name: 'p1',
      phase: 'Failed',
      reason: 'Evicted',
      message: 'The node was low on resource: memory.',
      trainer: exited(137, 'Error'),
      conditions: [disrupted('TerminationByKubelet')],
    });
    expect(observe({ pods: [p] })).toMatchObject({ reason: 'Evicted', preemptions: 1, restarts: 0 });
  });

  it('is Failed with the Job’s reason when the Job failed (backoff exceeded)', () => {
    const pods = [1, 2, 3].map((i) =>
      pod({
        name: `p${i}`,
        created: i * 10,
        phase: 'Failed',
        trainer: exited(2, 'Error', i * 10 + 5),
        agent: exited(0),
      }),
    );
    const j = job({
      failed: 3,
      conditions: [
        {
          type: 'FailureTarget',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
        {
          type: 'Failed',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastTransitionTime: at(40),
        },
      ],
    });
    const o = observe({ job: j, pods });
    expect(o).toMatchObject({ phase: 'Failed', reason: 'BackoffLimitExceeded', restarts: 3 });
    expect(o.completionTime).toBe(at(40).toISOString());
    expect(o.message).toContain('BackoffLimitExceeded: Job has reached the specified backoff limit');
    expect(o.message).toContain(
      'container trainer exited with code 2 in pod p3; see kubectl logs -n team-a p3 -c trainer',
    );
  });

  it('is Failed once failed attempts exceed backoffLimit, before the Job says so', () => {
    const pods = [1, 2].map((i) =>
      pod({ name: `p${i}`, created: i, phase: 'Failed', trainer: exited(1, 'Error', 50 + i) }),
    );
    const o = observe({ job: job({ backoffLimit: 1 }), pods });
    expect(o).toMatchObject({ phase: 'Failed', reason: 'BackoffLimitExceeded', restarts: 2 });
    expect(o.completionTime).toBe(at(52).toISOString());
  });

  it('takes restarts from the Job when failed pods are gone', () => {
    expect(observe({ job: job({ failed: 2 }) }).restarts).toBe(2);
  });

  it('ignores pods of another Job with the same name', () => {
    const stale = pod({ name: 'old', phase: 'Failed', trainer: exited(1), owner: 'older-job' });
    expect(observe({ pods: [stale] })).toMatchObject({ phase: 'Pending', restarts: 0 });
  });

  it('names a failed init container when the trainer never ran', () => {
    const p = pod({
      name: 'p1',
      phase: 'Failed',
      init: [{ name: 'fetch-data', state: exited(3, 'Error') }],
      trainer: { waiting: { reason: 'PodInitializing' } },
    });
    const o = observe({ pods: [p] });
    expect(o.restarts).toBe(1);
    expect(o.message).toContain(
      'init container fetch-data exited with code 3 in pod p1; see kubectl logs -n team-a p1 -c fetch-data',
    );
  });

  it('reads date-times given as strings', () => {
    const p = pod({ name: 'p1', trainer: running() });
    (p.status!.containerStatuses![1]!.state!.running as { startedAt: unknown }).startedAt =
      '2026-05-01T10:00:09Z';
    expect(observe({ pods: [p] }).startTime).toBe('2026-05-01T10:00:09.000Z');
  });

  it('picks the first container as the trainer when none is named trainer', () => {
    const p = pod({ name: 'p1' });
    p.spec!.containers = [{ name: 'main' }];
    p.status!.containerStatuses = [cs('main', running())];
    expect(observe({ pods: [p] }).phase).toBe('Running');
  });
});
