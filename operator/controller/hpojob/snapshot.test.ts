import { applyDefaults, type HPOJob, type Trial } from '../../api/index.js';
import { MetricsStore } from '../metrics-store.js';
import { planInput, SnapshotMemo } from './snapshot.js';

const job: HPOJob = {
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'HPOJob',
  metadata: { name: 'j', namespace: 'team-a', uid: 'u', generation: 1 },
  spec: {
    objective: { metric: 'loss', direction: 'minimize' },
    parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
    trialTemplate: { template: { spec: { containers: [{ name: 'trainer' }] } } },
  },
};
const spec = applyDefaults(job.spec, 1);
const trial = (i: number, phase = 'Running'): Trial => ({
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'Trial',
  metadata: { name: `j-${i}`, namespace: 'team-a', uid: `t-${i}` },
  spec: { hpoJob: 'j', index: i, params: { x: i / 10 }, seed: i },
  status: { phase: phase as 'Running' },
});
const ledger = { requests: [], nextIndex: 2 };

describe('trial snapshots kept between reconciles', () => {
  it('reuses a snapshot until its Trial object, its metrics or the job generation changes', () => {
    const metrics = new MetricsStore();
    const memo = new SnapshotMemo();
    const trials = [trial(1), trial(0)];
    const input = (j: HPOJob, ts: Trial[]) =>
      planInput({ job: j, spec, trials: ts, ledger, metrics, now: 0, memo }).trials;
    const first = input(job, trials);
    expect(first.map((s) => s.index)).toEqual([0, 1]);
    const again = input(job, trials);
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);

    // A metric report for trial 1: its snapshot is rebuilt with the report, trial 0's is kept.
    metrics.apply('u', 1, { v: 1, kind: 'report', pod: 'p', line: 1, step: 1, values: { loss: 0.5 } });
    const reported = input(job, trials);
    expect(reported[0]).toBe(first[0]);
    expect(reported[1]).not.toBe(first[1]);
    expect(reported[1]!.reports).toEqual([{ step: 1, value: 0.5 }]);
    // A replayed line changes nothing, so nothing is rebuilt.
    metrics.apply('u', 1, { v: 1, kind: 'report', pod: 'p', line: 1, step: 1, values: { loss: 0.5 } });
    expect(input(job, trials)[1]).toBe(reported[1]);

    // The informer replaced trial 0 (its status changed): a new snapshot with the new phase.
    const updated = input(job, [trials[0]!, trial(0, 'Succeeded')]);
    expect(updated[0]!.phase).toBe('Succeeded');
    expect(updated[1]).toBe(reported[1]);

    // A new generation of the job (its spec was edited): everything is rebuilt.
    const edited = input({ ...job, metadata: { ...job.metadata, generation: 2 } }, trials);
    expect(edited[0]).not.toBe(first[0]);
    expect(edited[0]).toEqual(first[0]);
  });

  it('builds the same input with or without the memo', () => {
    const metrics = new MetricsStore();
    metrics.apply('u', 0, { v: 1, kind: 'report', pod: 'p', line: 1, step: 3, values: { loss: 0.2 } });
    const trials = [trial(0), trial(1, 'Succeeded')];
    const withMemo = planInput({ job, spec, trials, ledger, metrics, now: 5, memo: new SnapshotMemo() });
    expect(withMemo).toEqual(planInput({ job, spec, trials, ledger, metrics, now: 5 }));
  });
});
