import { applyDefaults, type HPOJobSpec, type Trial } from '../../api/index.js';
import type { PreemptedPod } from './phase.js';
import { MetricsStore } from '../metrics-store.js';
import {
  newlyFalse,
  observationOf,
  preemptionRecord,
  reachedStatus,
  trialStatus,
  trialStatusChanged,
  trialUsage,
  withinPhase,
} from './status.js';
import { canonicalJson } from '../canonical.js';

const NOW = '2026-12-01T00:00:00.000Z';
const spec = applyDefaults(
  {
    objective: { metric: 'loss', direction: 'minimize', strategy: 'best' },
    parameters: [
      { name: 'lr', type: 'float', min: 0.001, max: 1, log: true },
      { name: 'batch', type: 'int', min: 1, max: 8 },
    ],
    trialTemplate: { template: { spec: { containers: [{ name: 'trainer' }] } } },
  } satisfies HPOJobSpec,
  1,
);
// The API server returns params with sorted keys.
const trial: Trial = {
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'Trial',
  metadata: { name: 'j-2', namespace: 'ns' },
  spec: { hpoJob: 'j', index: 2, params: { batch: 4, lr: 0.01 }, seed: 9 },
};
const observed = {
  restarts: 1,
  preemptions: 0,
  startTime: NOW,
  newlyPreempted: [] as PreemptedPod[],
  runSeconds: 0,
};

function metrics(...losses: number[]) {
  const store = new MetricsStore();
  losses.forEach((loss, i) =>
    store.apply('u', 2, { v: 1, kind: 'report', pod: 'p', line: i + 1, step: i + 1, values: { loss } }),
  );
  return store.get('u', 2);
}

describe('Trial status', () => {
  it('sees no change in a status as the API server returns it (keys sorted), so writes nothing again', () => {
    const m = new MetricsStore();
    m.apply('u', 2, { v: 1, kind: 'report', pod: 'p', line: 1, step: 1, values: { loss: 0.4, acc: 0.9 } });
    const running = { ...observed, phase: 'Running' as const };
    const first = trialStatus(trial, spec, running, m.get('u', 2), NOW);
    // The API server sorts a custom resource's keys (the Running condition, metrics, the status itself).
    const stored = JSON.parse(canonicalJson(first)) as typeof first;
    const next = trialStatus({ ...trial, status: stored }, spec, running, m.get('u', 2), NOW);
    expect(trialStatusChanged(stored, next)).toBe(false);
    m.apply('u', 2, { v: 1, kind: 'report', pod: 'p', line: 2, step: 2, values: { loss: 0.3, acc: 0.9 } });
    const moved = trialStatus({ ...trial, status: stored }, spec, running, m.get('u', 2), NOW);
    expect(trialStatusChanged(stored, moved)).toBe(true);
  });

  it('summarises params in the spec order and takes the objective by the strategy', () => {
    const s = trialStatus(
      trial,
      spec,
      { ...observed, phase: 'Succeeded', completionTime: NOW },
      metrics(0.5, 0.2, 0.3),
      NOW,
    );
    expect(s).toMatchObject({
      phase: 'Succeeded',
      paramsSummary: 'lr=0.01000 batch=4',
      objective: 0.2,
      step: 3,
      restarts: 1,
    });
    expect(s.conditions?.find((c) => c.type === 'Completed')?.status).toBe('True');
  });

  it('says what to do when a succeeded trainer never reported the objective', () => {
    const s = trialStatus(trial, spec, { ...observed, phase: 'Succeeded' }, undefined, NOW);
    expect(s.objective).toBeUndefined();
    expect(s.message).toMatch(/never reported the objective metric 'loss'.*ULTRON_METRICS_FILE/);
    expect(observationOf({ ...trial, status: s }, spec, undefined)).toMatchObject({
      state: 'failed',
      index: 2,
    });
  });

  it('clears a message that no longer holds (a merge patch would keep the old one)', () => {
    const waiting = { ...trial, status: { phase: 'Pending' as const, message: 'waiting: PodInitializing' } };
    const s = trialStatus(waiting, spec, { ...observed, phase: 'Running' }, undefined, NOW);
    expect(s.message).toBe('');
    expect(
      trialStatus(trial, spec, { ...observed, phase: 'Running' }, undefined, NOW).message,
    ).toBeUndefined();
  });

  it('publishes finished trials as the samplers see them', () => {
    const m = metrics(0.5, 0.2);
    expect(observationOf({ ...trial, status: { phase: 'Succeeded' } }, spec, m)).toEqual({
      v: 1,
      kind: 'observation',
      index: 2,
      params: { batch: 4, lr: 0.01 },
      state: 'complete',
      value: 0.2,
      intermediate: [
        { step: 1, value: 0.5 },
        { step: 2, value: 0.2 },
      ],
    });
    expect(observationOf({ ...trial, status: { phase: 'EarlyStopped' } }, spec, m).state).toBe('pruned');
    expect(observationOf({ ...trial, status: { phase: 'Failed' } }, spec, m).state).toBe('failed');
  });

  it('records what a stopped trial reached, and tells changes within a phase from a new phase', () => {
    expect(reachedStatus(trial, 'EarlyStopped', spec, metrics(0.5, 0.4))).toMatchObject({
      objective: 0.4,
      step: 2,
    });
    const a = trialStatus(trial, spec, { ...observed, phase: 'Running' }, metrics(0.5), NOW);
    const b = trialStatus(trial, spec, { ...observed, phase: 'Running' }, metrics(0.5, 0.4), NOW);
    expect(withinPhase(a, b)).toBe(true);
    expect(withinPhase(a, { ...b, restarts: 2, message: 'running again' })).toBe(true);
    expect(withinPhase(a, { ...b, phase: 'Succeeded' })).toBe(false);
    expect(withinPhase(undefined, b)).toBe(false);
    expect(withinPhase({}, { phase: 'Pending' })).toBe(false);
  });
});

describe('what a pre-emption cost', () => {
  const t = (s: number) => Date.parse('2026-12-02T10:00:00Z') + s * 1000;
  const pod = { pod: 'j-0-abc', uid: 'u1', reason: 'EvictionByEvictionAPI', startedAt: t(0), at: t(30) };

  it('loses the time since the last checkpoint the pod completed, or all of its run without one', () => {
    expect(preemptionRecord({ ...pod, endedAt: t(31) }, [t(-50), t(10), t(25), t(40)])).toEqual({
      pod: 'j-0-abc',
      uid: 'u1',
      at: new Date(t(30)).toISOString(),
      reason: 'EvictionByEvictionAPI',
      ranSeconds: 31,
      lostSeconds: 6, // 25 s → 31 s; the checkpoint at 40 s is a later pod's
    });
    // Only a previous pod's checkpoint (the one it restored): everything since the start is lost.
    expect(preemptionRecord(pod, [t(-50)])).toMatchObject({ ranSeconds: 30, lostSeconds: 30 });
    // Lost with its node: no end time, the disruption's is used.
    expect(preemptionRecord({ ...pod, startedAt: undefined }, [])).toMatchObject({
      ranSeconds: 0,
      lostSeconds: 0,
    });
  });

  it('a pod lost with its node ends at its agent’s last message, not when the control plane gave it up', () => {
    // Checkpoints at 10 s and 18 s, last message at 19 s, the node declared lost (the pod failed) at 30 s.
    // (The start, reported in whole seconds, is taken mid-second against an end to the millisecond.)
    expect(preemptionRecord(pod, [t(10), t(18)], t(19))).toMatchObject({ ranSeconds: 18.5, lostSeconds: 1 });
    expect(preemptionRecord(pod, [t(10), t(18)])).toMatchObject({ ranSeconds: 30, lostSeconds: 12 });
    // A trainer that did end says when; a message stored later (its agent flushing) does not move that.
    expect(preemptionRecord({ ...pod, endedAt: t(20) }, [t(18)], t(25))).toMatchObject({ lostSeconds: 2 });
  });

  it('an evicted trainer’s end is its agent’s stop when that falls in the second the kubelet reported', () => {
    // Reported 20 s (whole seconds, cut down); the trainer really ended at 20.7 s, its agent stopped at 20.8 s.
    const evicted = { ...pod, endedAt: t(20) };
    expect(preemptionRecord(evicted, [t(19.5), t(20.5)], t(21), t(20.8))).toMatchObject({
      ranSeconds: 20.3, // from the middle of the second the kubelet reported as the start
      lostSeconds: 0.3, // from 20.5 s, which the whole-second end would have left out (1.5 s from 19.5 s)
    });
    expect(preemptionRecord(evicted, [t(19.5), t(20.5)])).toMatchObject({ lostSeconds: 0.5 });
    // Both ends in whole seconds: their errors cancel out, the start is taken as reported.
    expect(preemptionRecord(evicted, [t(19.5)])).toMatchObject({ ranSeconds: 20 });
    // A pod that ran for less than half a second after its reported start ran for zero, lost nothing more.
    expect(preemptionRecord(pod, [t(0.2)], t(0.3))).toMatchObject({ ranSeconds: 0, lostSeconds: 0 });
    // A stop far from the reported end (a clock that is off) is not trusted.
    expect(preemptionRecord(evicted, [t(19.5)], undefined, t(25))).toMatchObject({ lostSeconds: 0.5 });
  });

  it('meters GPU-seconds from pre-empted and ended pods, and never goes down', () => {
    const records = [preemptionRecord(pod, [t(20)])];
    expect(trialUsage(records, 12, 2)).toEqual({ gpuSeconds: 84, wastedGpuSeconds: 20 });
    expect(trialUsage([], 0, 2, { gpuSeconds: 84, wastedGpuSeconds: 20 })).toEqual({
      gpuSeconds: 84,
      wastedGpuSeconds: 20,
    });
  });

  it('records each pre-empted pod once, keeps the count, and shows usage only for GPU trials', () => {
    const running = { ...observed, phase: 'Running' as const, preemptions: 1 };
    const first = trialStatus(
      trial,
      spec,
      { ...running, newlyPreempted: [{ ...pod, endedAt: t(30) }], runSeconds: 0 },
      undefined,
      NOW,
      1,
    );
    expect(first.preemptions).toBe(1);
    expect(first.preemptedPods?.map((p) => p.uid)).toEqual(['u1']);
    expect(first.usage).toEqual({ gpuSeconds: 30, wastedGpuSeconds: 30 });
    // The pod is gone from the API; the next look has nothing new, and the record stays.
    const next = trialStatus(
      { ...trial, status: first },
      spec,
      { ...running, preemptions: 0 },
      undefined,
      NOW,
      1,
    );
    expect(next.preemptions).toBe(1);
    expect(next.preemptedPods).toEqual(first.preemptedPods);
    expect(trialStatus(trial, spec, running, undefined, NOW).usage).toBeUndefined();
  });
});

describe('checkpoint and metrics health', () => {
  const running = { ...observed, phase: 'Running' as const };
  const store = () => new MetricsStore();
  const condition = (s: ReturnType<typeof trialStatus>) =>
    s.conditions?.find((c) => c.type === 'CheckpointsHealthy');

  it('says a trial stores no checkpoints, with the agent’s reason, and that it does once one is stored', () => {
    const m = store();
    m.apply('u', 2, {
      v: 1,
      kind: 'checkpoints-off',
      pod: 'p1',
      reason: 'NoCheckpointStore',
      message: 'namespace ns has no Secret ultron-checkpoints',
    });
    const off = trialStatus(trial, spec, running, m.get('u', 2), NOW);
    expect(condition(off)).toMatchObject({
      status: 'False',
      reason: 'NoCheckpointStore',
      message: 'namespace ns has no Secret ultron-checkpoints',
    });
    expect(newlyFalse(trial.status?.conditions, off.conditions).map((c) => c.reason)).toEqual([
      'NoCheckpointStore',
    ]);
    // Written once: the next status with the same condition tells nobody again.
    const again = trialStatus({ ...trial, status: off }, spec, running, m.get('u', 2), NOW);
    expect(newlyFalse(off.conditions, again.conditions)).toEqual([]);
    m.apply('u', 2, { v: 1, kind: 'checkpoint', pod: 'p2', step: 3, uri: 's3://b/3/', at: NOW });
    const on = trialStatus({ ...trial, status: off }, spec, running, m.get('u', 2), NOW);
    expect(condition(on)).toMatchObject({ status: 'True', reason: 'CheckpointStored' });
    expect(condition(trialStatus(trial, spec, running, undefined, NOW))).toBeUndefined();
  });

  it('tells of malformed metric lines when they first appear, not at every new count', () => {
    const m = store();
    m.apply('u', 2, { v: 1, kind: 'malformed', pod: 'p', line: 1, reason: 'x', text: 'step=' });
    const first = trialStatus(trial, spec, running, m.get('u', 2), NOW);
    expect(newlyFalse(undefined, first.conditions)).toMatchObject([
      { type: 'MetricsHealthy', reason: 'MalformedMetrics' },
    ]);
    m.apply('u', 2, { v: 1, kind: 'malformed', pod: 'p', line: 2, reason: 'x', text: 'step=' });
    const second = trialStatus({ ...trial, status: first }, spec, running, m.get('u', 2), NOW);
    expect(second.conditions?.find((c) => c.type === 'MetricsHealthy')?.message).toMatch(/^2 metric/);
    expect(newlyFalse(first.conditions, second.conditions)).toEqual([]);
  });
});
