import type { JsonObject, ParamConfig } from '../../../api/types.js';
import { InvalidSettings } from '../../errors.js';
import { Rng } from '../../rng.js';
import { Space } from '../../space/space.js';
import type { Observation, SampleRequest } from '../types.js';
import { readReinforceSettings, reinforceSamplerFactory, rewardsOf, trainPolicy } from './sampler.js';

const sampler = reinforceSamplerFactory.create();

function run(space: Space, f: (c: ParamConfig) => number, n: number, seed: number): Observation[] {
  const observations: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const [params] = sampler.sample(request(space, observations, [i], seed));
    observations.push({ index: i, params: params!, state: 'complete', value: f(params!) });
  }
  return observations;
}

function request(space: Space, observations: Observation[], indices: number[], seed = 1): SampleRequest {
  return { space, settings: {}, direction: 'minimize', seed, observations, pending: [], indices };
}

describe('rewards', () => {
  it('are the fraction of earlier completed trials beaten, ties half, pruned 0, by direction', () => {
    const obs = (
      index: number,
      value: number | undefined,
      state: Observation['state'] = 'complete',
    ): Observation => ({
      index,
      params: {},
      state,
      ...(value === undefined ? {} : { value }),
    });
    const episodes = [obs(0, 5), obs(1, 3), obs(2, 3), obs(3, undefined, 'pruned'), obs(4, 9), obs(5, 1)];
    expect(Array.from(rewardsOf(episodes, 1))).toEqual([0.5, 1, 0.75, 0, 0, 1]);
    // Maximising: larger is better.
    expect(Array.from(rewardsOf(episodes, -1))).toEqual([0.5, 0, 0.25, 0, 1, 0]);
  });
});

describe('the reinforce sampler', () => {
  const space = new Space([
    { name: 'x', type: 'float', min: 0, max: 10 },
    { name: 'lr', type: 'float', min: 1e-5, max: 1, log: true },
    { name: 'k', type: 'int', min: 1, max: 9 },
    { name: 'opt', type: 'categorical', values: ['adam', 'sgd', 'rmsprop'] },
    { name: 'm', type: 'float', min: 0, max: 1, when: { opt: ['sgd'] } },
  ]);
  const f = (c: ParamConfig): number =>
    ((c['x'] as number) - 8) ** 2 / 10 +
    Math.log10((c['lr'] as number) / 1e-4) ** 2 +
    ((c['k'] as number) - 2) ** 2 / 4 +
    (c['opt'] === 'rmsprop' ? 0 : 2);

  it('is deterministic given the seed and history, and different across seeds', () => {
    expect(run(space, f, 30, 4)).toEqual(run(space, f, 30, 4));
    expect(run(space, f, 30, 5).map((o) => o.params)).not.toEqual(run(space, f, 30, 4).map((o) => o.params));
  });

  it('moves its policy to the good region: numeric means, log scale, ints and categoricals', () => {
    const history = run(space, f, 150, 7);
    const policy = trainPolicy(request(space, history, [150]), readReinforceSettings({}));
    const draws = Array.from({ length: 200 }, (_, i) => policy.sample(new Rng(i)));
    const middle = (name: string, map = (v: number) => v): number =>
      draws.map((c) => map(c[name] as number)).sort((a, b) => a - b)[100]!;
    expect(Math.abs(middle('x') - 8)).toBeLessThan(1);
    expect(Math.abs(middle('lr', Math.log10) + 4)).toBeLessThan(0.75);
    expect(Math.abs(middle('k') - 2)).toBeLessThanOrEqual(1);
    expect(draws.filter((c) => c['opt'] === 'rmsprop').length).toBeGreaterThan(120);
    for (const c of draws) {
      expect(space.validate(c)).toEqual([]);
      expect(Number.isInteger(c['k'])).toBe(true);
    }
  });

  it('starts uniform over categoricals and centred on numeric ranges (log ones on the log scale)', () => {
    const draws = sampler.sample(
      request(
        space,
        [],
        Array.from({ length: 300 }, (_, i) => i),
      ),
    );
    const logs = draws.map((c) => Math.log10(c['lr'] as number)).sort((a, b) => a - b);
    expect(Math.abs(logs[150]! + 2.5)).toBeLessThan(0.4);
    for (const v of ['adam', 'sgd', 'rmsprop']) {
      const share = draws.filter((c) => c['opt'] === v).length / draws.length;
      expect(share).toBeGreaterThan(0.25);
      expect(share).toBeLessThan(0.42);
    }
  });

  it('learns only from finished trials: failed ones and running ones change nothing', () => {
    const history = run(space, f, 20, 3);
    const next = sampler.sample(request(space, history, [20]));
    const failed: Observation = { index: 20, params: next[0]!, state: 'failed' };
    const withFailure = sampler.sample(request(space, [...history, failed], [21]));
    const withPending = sampler.sample({
      ...request(space, history, [21]),
      pending: [{ index: 20, params: next[0]! }],
    });
    expect(withFailure).toEqual(withPending);
  });
});

describe('reinforce settings', () => {
  it('reads defaults and rejects bad values, naming the setting', () => {
    expect(readReinforceSettings({})).toEqual({
      learningRate: 0.6,
      baselineDecay: 0.95,
      initialStd: 0.25,
      minStd: 0.02,
    });
    for (const bad of <JsonObject[]>[
      { learningRate: 0 },
      { baselineDecay: 1.5 },
      { initialStd: 0.9 },
      { minStd: 0.3 },
      { minStd: '1' },
    ]) {
      expect(() => readReinforceSettings(bad)).toThrow(InvalidSettings);
    }
    expect(() => readReinforceSettings({ minStd: 0.3 })).toThrow(/^minStd: /);
  });
});
