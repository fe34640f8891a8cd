import type { JsonObject, ParamConfig, Parameter } from '../../../api/types.js';
import { InvalidSettings } from '../../errors.js';
import { Space } from '../../space/space.js';
import { TEST_SPACES } from '../testing/spaces.js';
import type { Observation, PendingTrial, SampleRequest } from '../types.js';
import { clipWorst } from './data.js';
import { Encoding, INACTIVE_CATEGORICAL, INACTIVE_NUMERIC } from './encoding.js';
import { gpSamplerFactory, readGpSettings } from './sampler.js';

const sampler = gpSamplerFactory.create();

function request(
  space: Space,
  observations: Observation[],
  indices: number[],
  settings: JsonObject = {},
  pending: PendingTrial[] = [],
  direction: 'minimize' | 'maximize' = 'minimize',
): SampleRequest {
  return { space, settings, direction, seed: 7, observations, pending, indices };
}

/** n sequential trials of `f`, the model from trial `startup` on. */
function run(
  space: Space,
  f: (c: ParamConfig) => number,
  n: number,
  settings: JsonObject = {},
): Observation[] {
  const observations: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const [params] = sampler.sample(request(space, observations, [i], settings));
    observations.push({ index: i, params: params!, state: 'complete', value: f(params!) });
  }
  return observations;
}

describe('encoding', () => {
  const space = new Space(TEST_SPACES['conditional']!);
  const encoding = new Encoding(space);

  it('imputes inactive conditional parameters and decodes back to the same configuration', () => {
    const config: ParamConfig = { opt: 'adam', lr: 0.05 };
    const point = encoding.encode(config);
    expect(Array.from(point)).toEqual([
      0,
      INACTIVE_NUMERIC,
      INACTIVE_CATEGORICAL,
      INACTIVE_CATEGORICAL,
      point[4],
    ]);
    expect(encoding.decode(point)).toEqual(config);
    const sgd: ParamConfig = { opt: 'sgd', momentum: 0.9, nesterov: true, schedule: 'step', lr: 0.001 };
    expect(encoding.decode(encoding.encode(sgd))).toEqual(sgd);
  });

  it('snaps stepped and int coordinates to their grid in canonical points', () => {
    const ints = new Encoding(new Space(TEST_SPACES['intStepLog']!));
    const point = ints.canonical([0.52, 0.31]);
    expect(ints.decode(point)).toEqual(ints.decode([0.52, 0.31]));
    expect(Array.from(ints.canonical(point))).toEqual(Array.from(point));
  });

  it('offers every value of a small discrete parameter, and one and two steps on a large one', () => {
    const small = new Encoding(new Space([{ name: 'n', type: 'int', min: 1, max: 9 }]));
    expect(small.neighbours(small.encode({ n: 4 }), 0)).toHaveLength(8);
    expect(small.relaxed).toEqual([]);
    const large = new Encoding(new Space([{ name: 'n', type: 'int', min: 0, max: 1000 }]));
    expect(large.relaxed).toEqual([0]);
    const values = large.neighbours(large.encode({ n: 500 }), 0).map((z) => large.decode([z])['n']);
    expect(values).toEqual([499, 501, 498, 502]);
    expect(large.neighbours(large.encode({ n: 1000 }), 0).map((z) => large.decode([z])['n'])).toEqual([
      999, 998,
    ]);
  });
});

describe('gp sampler', () => {
  it('draws its startup trials from a scrambled Sobol sequence, one point per index', () => {
    const space = new Space(TEST_SPACES['float']!);
    const first = sampler.sample(request(space, [], [0, 1, 2, 3]));
    expect(sampler.sample(request(space, [], [2]))).toEqual([first[2]]);
    // Four Sobol' points of one dimension fall one in each quarter.
    const quarters = first.map((c) => Math.floor(((c['x'] as number) + 3) / 2)).sort();
    expect(quarters).toEqual([0, 1, 2, 3]);
  });

  for (const [name, params] of Object.entries(TEST_SPACES)) {
    it(`gives valid, deterministic configurations from its model on the ${name} space`, () => {
      const space = new Space(params);
      const f = (c: ParamConfig) =>
        space.encode(c).reduce((s, x) => s + (Number.isNaN(x) ? 0.3 : (x - 0.3) ** 2), 0);
      const a = run(space, f, 12, { nStartupTrials: 3 });
      for (const o of a) expect(space.validate(o.params)).toEqual([]);
      expect(run(space, f, 12, { nStartupTrials: 3 })).toEqual(a);
    });
  }

  it('finds the maximum of a 1-D function when asked to maximise', () => {
    const space = new Space([{ name: 'x', type: 'float', min: -4, max: 4 }]);
    const observations: Observation[] = [];
    for (let i = 0; i < 14; i++) {
      const [params] = sampler.sample(
        request(space, observations, [i], { nStartupTrials: 4 }, [], 'maximize'),
      );
      observations.push({
        index: i,
        params: params!,
        state: 'complete',
        value: -(((params!['x'] as number) - 1.234) ** 2),
      });
    }
    const best = Math.max(...observations.map((o) => o.value!));
    expect(best).toBeGreaterThan(-1e-4);
  });

  it('copes with failed, pruned, infinite and identical values', () => {
    const space = new Space([
      { name: 'x', type: 'float', min: 0, max: 1 },
      { name: 'c', type: 'categorical', values: ['a', 'b'] },
    ]);
    const base = sampler.sample(request(space, [], [0, 1, 2, 3, 4, 5]));
    const observations: Observation[] = base.map((params, index) => ({
      index,
      params,
      ...(index === 0
        ? { state: 'failed' as const }
        : index === 1
          ? { state: 'pruned' as const, intermediate: [{ step: 1, value: 3 }] }
          : { state: 'complete' as const, value: index === 2 ? Infinity : 1 }),
    }));
    const [next] = sampler.sample(request(space, observations, [6], { nStartupTrials: 2 }));
    expect(space.validate(next!)).toEqual([]);
    // The same point observed twice (duplicates make K singular without noise).
    const twice: Observation[] = [0, 1, 2].map((index) => ({
      index,
      params: { x: 0.5, c: 'a' },
      state: 'complete',
      value: index,
    }));
    const [again] = sampler.sample(request(space, twice, [3], { nStartupTrials: 2, deterministic: true }));
    expect(space.validate(again!)).toEqual([]);
  });

  it('spreads the trials of one batch: each later index sees the earlier ones as running', () => {
    const space = new Space([
      { name: 'x', type: 'float', min: -2, max: 2 },
      { name: 'y', type: 'float', min: -2, max: 2 },
    ]);
    const f = (c: ParamConfig) => ((c['x'] as number) - 0.5) ** 2 + ((c['y'] as number) + 0.5) ** 2;
    const observations = run(space, f, 12, { nStartupTrials: 6 });
    for (const liar of ['mean', 'worst', 'best']) {
      const batch = sampler.sample(
        request(space, observations, [12, 13, 14, 15], { nStartupTrials: 6, liar }),
      );
      const keys = new Set(
        batch.map((c) => `${(c['x'] as number).toFixed(3)},${(c['y'] as number).toFixed(3)}`),
      );
      expect(keys.size).toBe(4);
      // Running trials given as pending give the same answer as the batch's own bookkeeping.
      const pending = batch.slice(0, 2).map((params, i) => ({ index: 12 + i, params }));
      expect(
        sampler.sample(request(space, observations, [14], { nStartupTrials: 6, liar }, pending)),
      ).toEqual([batch[2]]);
    }
  });

  it('uses its model: on a smooth 2-D bowl it ends far closer than its startup points', () => {
    const space = new Space([
      { name: 'x', type: 'float', min: -5, max: 5 },
      { name: 'y', type: 'float', min: 1e-3, max: 10, log: true },
    ]);
    const f = (c: ParamConfig) => ((c['x'] as number) - 1) ** 2 + Math.log10((c['y'] as number) / 0.5) ** 2;
    const values = run(space, f, 25, { nStartupTrials: 8 }).map((o) => o.value!);
    const startup = Math.min(...values.slice(0, 8));
    expect(Math.min(...values)).toBeLessThan(startup / 100);
  });

  it("raises only the bad side's outliers to Tukey's fence", () => {
    // Larger is better: a diverged loss of 8 is −8 here. Sorted: −8, −0.6, −0.5, −0.4, −0.3, −0.3, 5;
    // Q1 = −0.55, Q3 = −0.3, so the fence is −0.55 − 1.5·0.25 = −0.925.
    const raw = Float64Array.of(-0.3, -0.5, -8, -0.4, -0.3, -0.6, 5);
    clipWorst(raw, 1.5);
    expect(raw[2]).toBeCloseTo(-0.925, 12);
    expect(Array.from(raw).filter((_, i) => i !== 2)).toEqual([-0.3, -0.5, -0.4, -0.3, -0.6, 5]);
    const off = Float64Array.of(-0.3, -0.5, -8, -0.4);
    clipWorst(off, 0);
    expect(Array.from(off)).toEqual([-0.3, -0.5, -8, -0.4]);
  });

  it('rejects bad settings naming the field', () => {
    expect(() => readGpSettings({ nCandidates: 0 })).toThrow(/nCandidates: must be ≥ 1/);
    expect(() => readGpSettings({ liar: 'max' })).toThrow(
      /liar: must be one of "mean", "worst", "best", "none"/,
    );
    expect(() => readGpSettings({ deterministic: 'yes' })).toThrow(/deterministic: must be true or false/);
    expect(() => readGpSettings({ nStartupTrials: 2.5 })).toThrow(InvalidSettings);
    expect(() => readGpSettings({ fitSubset: 5 })).toThrow(/fitSubset: must be ≥ 10/);
    expect(() => readGpSettings({ kernel: 'rbf' })).toThrow(/kernel: unknown setting of the gp sampler/);
    expect(readGpSettings({})).toMatchObject({ nStartupTrials: 10, nCandidates: 256, liar: 'mean' });
  });

  it('serves a space of more than 64 parameters (no Sobol points there)', () => {
    const params: Parameter[] = Array.from({ length: 70 }, (_, i) => ({
      name: `p${i}`,
      type: 'float',
      min: 0,
      max: 1,
    }));
    const space = new Space(params);
    const f = (c: ParamConfig) =>
      Object.values(c).reduce((s: number, v) => s + ((v as number) - 0.5) ** 2, 0);
    for (const o of run(space, f, 4, { nStartupTrials: 2, nCandidates: 16, nLocalSearch: 1 }))
      expect(space.validate(o.params)).toEqual([]);
  });
});
