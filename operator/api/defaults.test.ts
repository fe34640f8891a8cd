import { applyDefaults, DEFAULTS, parseDuration } from './defaults.js';
import type { HPOJobSpec } from './types.js';

const minimal: HPOJobSpec = {
  objective: { metric: 'loss', direction: 'minimize' },
  parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
  trialTemplate: { template: { spec: { containers: [{ name: 'trainer', command: ['t'] }] } } },
};

describe('applyDefaults', () => {
  it('fills every default, using the fallback seed when the spec has none', () => {
    expect(applyDefaults(minimal, 77)).toEqual({
      ...minimal,
      objective: { metric: 'loss', direction: 'minimize', strategy: 'latest' },
      sampler: { name: 'auto', settings: {} },
      earlyStopping: { name: 'none', settings: {} },
      budget: { maxTrials: DEFAULTS.maxTrials, maxFailedTrials: DEFAULTS.maxFailedTrials },
      parallelism: 1,
      seed: 77,
      trialTemplate: {
        ...minimal.trialTemplate,
        retries: 3,
        cache: true,
        checkpoint: { enabled: true, keep: 3, deleteOnFinish: false },
      },
    });
  });

  it('keeps what the user set, including zeros and false, and parses maxDuration', () => {
    const spec: HPOJobSpec = {
      ...minimal,
      objective: { metric: 'acc', direction: 'maximize', goal: 0, strategy: 'best' },
      sampler: { name: 'random', settings: { a: 1 } },
      earlyStopping: { name: 'asha' },
      budget: { maxTrials: 5, maxFailedTrials: 0, maxDuration: '1h30m', maxGpuHours: 2 },
      parallelism: 4,
      seed: 0,
      trialTemplate: {
        ...minimal.trialTemplate,
        retries: 0,
        checkpoint: { enabled: false, deleteOnFinish: true },
      },
    };
    const r = applyDefaults(spec, 9);
    expect(r.objective).toEqual({ metric: 'acc', direction: 'maximize', goal: 0, strategy: 'best' });
    expect(r.sampler).toEqual({ name: 'random', settings: { a: 1 } });
    expect(r.earlyStopping).toEqual({ name: 'asha', settings: {} });
    expect(r.budget).toEqual({
      maxTrials: 5,
      maxFailedTrials: 0,
      maxDuration: '1h30m',
      maxDurationMs: 5_400_000,
      maxGpuHours: 2,
    });
    expect([r.parallelism, r.seed, r.trialTemplate.retries]).toEqual([4, 0, 0]);
    expect(r.trialTemplate.checkpoint).toEqual({ enabled: false, keep: 3, deleteOnFinish: true });
  });

  it('applies the overrides of a shell over the spec and the defaults', () => {
    const spec: HPOJobSpec = { ...minimal, seed: 5, parallelism: 3, budget: { maxTrials: 9 } };
    const r = applyDefaults(spec, 77, { seed: 1, parallelism: 2, maxTrials: 4 });
    expect([r.seed, r.parallelism, r.budget.maxTrials]).toEqual([1, 2, 4]);
    const kept = applyDefaults(spec, 77, {});
    expect([kept.seed, kept.parallelism, kept.budget.maxTrials]).toEqual([5, 3, 9]);
  });

  it('never mutates its input', () => {
    const spec = structuredClone(minimal);
    const frozen = JSON.stringify(spec);
    applyDefaults(spec, 1);
    expect(JSON.stringify(spec)).toBe(frozen);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['6h', 21_600_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['1m30s500ms', 90_500],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '6', '6 hours', '1d', 'h', '-1s', '1h 30m', '1.s'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});
