import { applyDefaults, type HPOJobSpec, type Trial } from '../api/index.js';
import { MemoryScoreCache, scoreKey } from './score-cache.js';
import { cachedStatus, scoreOf } from './trial/status.js';

const base: HPOJobSpec = {
  objective: { metric: 'loss', direction: 'minimize' },
  parameters: [
    { name: 'lr', type: 'float', min: 0.001, max: 1, log: true },
    { name: 'opt', type: 'categorical', values: ['sgd', 'adam'] },
  ],
  trialTemplate: {
    template: { spec: { containers: [{ name: 'trainer', image: 'train:1', args: ['--epochs', '3'] }] } },
  },
};
const spec = (over: Partial<HPOJobSpec> = {}) => applyDefaults({ ...base, ...over }, 1);

describe('the score cache key', () => {
  it('is the same for the same parameters, template and metric, whatever the key order or the job', () => {
    const a = scoreKey({ lr: 0.01, opt: 'adam' }, spec());
    expect(scoreKey({ opt: 'adam', lr: 0.01 }, spec({ parallelism: 7, seed: 99 }))).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the parameters, the pod template or the objective metric differ', () => {
    const a = scoreKey({ lr: 0.01, opt: 'adam' }, spec());
    expect(scoreKey({ lr: 0.02, opt: 'adam' }, spec())).not.toBe(a);
    const image = {
      template: { spec: { containers: [{ name: 'trainer', image: 'train:2', args: ['--epochs', '3'] }] } },
    };
    expect(scoreKey({ lr: 0.01, opt: 'adam' }, spec({ trialTemplate: image }))).not.toBe(a);
    expect(
      scoreKey({ lr: 0.01, opt: 'adam' }, spec({ objective: { metric: 'acc', direction: 'maximize' } })),
    ).not.toBe(a);
  });

  it('keeps the first result for a key and per tenant', async () => {
    const c = new MemoryScoreCache();
    await c.put('a', 'k', { reports: [{ step: 1, value: 1 }], metrics: {}, from: 'a/j-1' });
    await c.put('a', 'k', { reports: [{ step: 1, value: 2 }], metrics: {}, from: 'a/j-2' });
    expect((await c.get('a', 'k'))?.from).toBe('a/j-1');
    expect(await c.get('b', 'k')).toBeUndefined();
  });
});

describe('a trial answered by the cache', () => {
  const trial: Trial = {
    apiVersion: 'ultron.dev/v1alpha1',
    kind: 'Trial',
    metadata: { name: 'j-4', namespace: 'ns' },
    spec: { hpoJob: 'j', index: 4, params: { opt: 'adam', lr: 0.01 }, seed: 3 },
    status: { phase: 'Succeeded', objective: 0.2, step: 3, metrics: { loss: 0.25, acc: 0.9 } },
  };
  it('is Succeeded with the earlier trial’s objective by the job’s strategy, and says where it came from', () => {
    const score = scoreOf(trial, spec(), undefined)!;
    expect(score).toEqual({
      reports: [{ step: 3, value: 0.2 }],
      metrics: { loss: 0.25, acc: 0.9 },
      step: 3,
      from: 'ns/j-4',
    });
    const fresh: Trial = { ...trial, metadata: { name: 'k-0', namespace: 'ns' }, status: {} };
    const now = '2026-12-02T10:00:00.000Z';
    const s = cachedStatus(
      fresh,
      spec(),
      {
        ...score,
        reports: [
          { step: 1, value: 0.5 },
          { step: 3, value: 0.2 },
        ],
      },
      now,
    );
    expect(s).toMatchObject({
      phase: 'Succeeded',
      objective: 0.2,
      step: 3,
      cachedFrom: 'ns/j-4',
      completionTime: now,
    });
    expect(s.conditions?.find((c) => c.type === 'Completed')).toMatchObject({
      status: 'True',
      reason: 'Cached',
    });
    expect(s.message).toContain('trialTemplate.cache: false');
  });
});
