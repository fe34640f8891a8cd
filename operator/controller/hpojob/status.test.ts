import type { HPOJob } from '../../api/index.js';
import type { PlanActions } from '../../core/planner/index.js';
import { emptyLedger } from './ledger.js';
import { canonicalJson } from '../canonical.js';
import { isFinished, nextStatus, onlyDeferrableChanged, statusChanged } from './status.js';

/** A value as the API server returns it: keys sorted at every depth. */
const asStored = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const healthy = { healthy: true, reason: 'SamplerAnswering', message: "sampler 'tpe' is answering" };

const NOW = '2026-12-01T00:00:00.000Z';
const job: HPOJob = {
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'HPOJob',
  metadata: { name: 'j', namespace: 'ns', uid: 'u', generation: 3 },
  spec: {
    objective: { metric: 'loss', direction: 'minimize' },
    parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
    trialTemplate: { template: { spec: { containers: [{ name: 'trainer' }] } } },
  },
};
const counts = (running: number) => ({
  created: 4,
  queued: 0,
  running,
  succeeded: 4 - running,
  failed: 0,
  earlyStopped: 0,
});
const actions = (over: Partial<PlanActions> = {}, running = 1): PlanActions => ({
  request: 0,
  stop: [],
  summary: { trials: counts(running), progress: `${4 - running}/4`, gpuSeconds: 12, wastedGpuSeconds: 3 },
  best: { trial: 'j-2', index: 2, params: { x: 0.3 }, objective: 0.1, step: 5 },
  ...over,
});
const cond = (s: ReturnType<typeof nextStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe('HPOJob status', () => {
  it('runs with counts, progress, best, usage, the ledger and observedGeneration', () => {
    const s = nextStatus({ job, now: NOW, actions: actions(), ledger: emptyLedger() });
    expect(s).toMatchObject({
      phase: 'Running',
      observedGeneration: 3,
      startTime: NOW,
      progress: '3/4',
      trials: counts(1),
      best: { trial: 'j-2', objective: 0.1 },
      usage: { gpuSeconds: 12, wastedGpuSeconds: 3 },
      sampler: { nextIndex: 0, requests: [] },
    });
    expect(cond(s, 'SpecValid')).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(cond(s, 'Running')).toMatchObject({ status: 'True', reason: 'TrialsRunning' });
  });

  it('finishes only once no trial runs, with the reason as a condition', () => {
    const finish = { reason: 'MaxTrialsReached' as const, message: '4 of 4', phase: 'Succeeded' as const };
    const waiting = nextStatus({ job, now: NOW, actions: actions({ finish }), ledger: emptyLedger() });
    expect(waiting.phase).toBe('Running');
    expect(cond(waiting, 'Running')?.message).toMatch(/finishing \(MaxTrialsReached\)/);
    const done = nextStatus({ job, now: NOW, actions: actions({ finish }, 0), ledger: emptyLedger() });
    expect(done).toMatchObject({ phase: 'Succeeded', completionTime: NOW });
    expect(cond(done, 'Succeeded')).toMatchObject({ status: 'True', reason: 'MaxTrialsReached' });
    expect(isFinished({ ...job, status: done })).toBe(true);
  });

  it('fails an invalid spec with InvalidSpec and the message', () => {
    const s = nextStatus({
      job,
      now: NOW,
      specError: 'the pod template is invalid: x',
      ledger: emptyLedger(),
    });
    expect(s.phase).toBe('Failed');
    expect(cond(s, 'SpecValid')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: 'the pod template is invalid: x',
    });
    expect(cond(s, 'Failed')?.reason).toBe('InvalidSpec');
  });

  it('reports the sampler health, and sees no change when nothing changed', () => {
    const sampler = { healthy: false, reason: 'SamplerUnavailable', message: "no answer from sampler 'tpe'" };
    const s = nextStatus({ job, now: NOW, actions: actions(), ledger: emptyLedger(), sampler });
    expect(cond(s, 'SamplerHealthy')).toMatchObject({ status: 'False', reason: 'SamplerUnavailable' });
    const again = nextStatus({
      job: { ...job, status: s },
      now: '2026-12-01T00:00:09.000Z',
      actions: actions(),
      ledger: emptyLedger(),
    });
    expect(statusChanged(s, again)).toBe(false);
  });

  it('sees no change in a status as the API server returns it (keys sorted), so writes nothing again', () => {
    // The API server sorts a custom resource's keys; conditions are rebuilt in another order each pass.
    const stored = asStored(
      nextStatus({ job, now: NOW, actions: actions({}, 2), ledger: emptyLedger(), sampler: healthy }),
    );
    const again = nextStatus({
      job: { ...job, status: stored },
      now: '2026-12-01T00:00:09.000Z',
      actions: actions({}, 2),
      ledger: emptyLedger(),
      sampler: healthy,
    });
    expect(statusChanged(stored, again)).toBe(false);
    const fewer = nextStatus({
      job: { ...job, status: stored },
      now: NOW,
      actions: actions({}, 1),
      ledger: emptyLedger(),
    });
    expect(onlyDeferrableChanged(stored, fewer)).toBe(true);
  });

  it('tells what can wait (held back to one write a second) from what is written at once', () => {
    const at = (running: number, over: Partial<PlanActions> = {}) =>
      nextStatus({ job, now: NOW, actions: actions(over, running), ledger: emptyLedger() });
    const prev = at(2);
    const later = nextStatus({
      job: { ...job, status: prev },
      now: NOW,
      actions: actions({}, 1),
      ledger: emptyLedger(),
    });
    expect(statusChanged(prev, later)).toBe(true);
    expect(onlyDeferrableChanged(prev, later)).toBe(true);
    // A new best trial can wait (every pass recomputes it from the trials).
    const best = { trial: 'j-3', index: 3, params: { x: 0.2 }, objective: 0.05, step: 5 };
    expect(onlyDeferrableChanged(prev, { ...later, best })).toBe(true);
    // A request recorded, or changed (a retry), is written at once: it is published after the write.
    const r0 = { id: 'r0', indices: [0], sentAt: NOW, attempt: 1 };
    const r1 = { id: 'r1', indices: [1], sentAt: NOW, attempt: 1 };
    const asked = { ...later, sampler: { nextIndex: 2, requests: [r0, r1] } };
    expect(onlyDeferrableChanged(prev, asked)).toBe(false);
    const retried = { ...asked, sampler: { nextIndex: 2, requests: [r0, { ...r1, attempt: 2 }] } };
    expect(onlyDeferrableChanged(asked, retried)).toBe(false);
    const more = {
      ...asked,
      sampler: { nextIndex: 3, requests: [r0, r1, { ...r1, id: 'r2', indices: [2] }] },
    };
    expect(onlyDeferrableChanged(asked, more)).toBe(false);
    expect(
      onlyDeferrableChanged(asked, { ...asked, sampler: { ...asked.sampler, spaceExhausted: true } }),
    ).toBe(false);
    // One dropped because its Trial exists (settled) can wait, with the index moved past it or not.
    expect(onlyDeferrableChanged(asked, { ...asked, sampler: { nextIndex: 2, requests: [r1] } })).toBe(true);
    expect(onlyDeferrableChanged(asked, { ...asked, sampler: { nextIndex: 2, requests: [] } })).toBe(true);
    expect(onlyDeferrableChanged(asked, { ...asked, sampler: { nextIndex: 1, requests: [] } })).toBe(false);
    const finish = { reason: 'MaxTrialsReached' as const, message: '4 of 4', phase: 'Succeeded' as const };
    const done = nextStatus({
      job: { ...job, status: prev },
      now: NOW,
      actions: actions({ finish }, 0),
      ledger: emptyLedger(),
    });
    expect(onlyDeferrableChanged(prev, done)).toBe(false);
    expect(onlyDeferrableChanged(undefined, later)).toBe(false);
  });
});
