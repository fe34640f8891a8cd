import type { JsonObject, ParamConfig, Parameter } from '../../../api/types.js';
import { InvalidSettings } from '../../errors.js';
import { Space } from '../../space/space.js';
import { gpSamplerFactory } from '../gp/sampler.js';
import { getSamplerFactory } from '../registry.js';
import { TEST_SPACES } from '../testing/spaces.js';
import { tpeSamplerFactory } from '../tpe/sampler.js';
import type { Observation, SampleRequest, SamplerFactory } from '../types.js';
import { chooseDelegate, profileSpace, type SpaceProfile } from './rule.js';
import { autoChoice, autoSamplerFactory } from './sampler.js';

const floats = (n: number): Parameter[] =>
  Array.from({ length: n }, (_, i) => ({ name: `x${i}`, type: 'float', min: -5, max: 5 }));
const cats = (n: number, values = 4): Parameter[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `c${i}`,
    type: 'categorical',
    values: Array.from({ length: values }, (_, j) => `v${j}`),
  }));
const profile = (p: Partial<SpaceProfile>): SpaceProfile => ({
  dimension: 5,
  categorical: 0,
  conditional: 0,
  maxValues: 0,
  ...p,
});

describe('the rule (thresholds from the tuning set, docs/samplers.md: change them there too)', () => {
  it.each<[string, Partial<SpaceProfile>, number | undefined, 'gp' | 'tpe']>([
    ['a small numeric space and budget', {}, 50, 'gp'],
    ['no budget given: the API default of 100 trials', {}, undefined, 'gp'],
    ['200 trials, the most gp is used for', {}, 200, 'gp'],
    ['201 trials', {}, 201, 'tpe'],
    ['1,000 trials', { dimension: 2 }, 1000, 'tpe'],
    ['10 parameters', { dimension: 10 }, 100, 'gp'],
    ['11 parameters', { dimension: 11 }, 50, 'tpe'],
    ['every parameter categorical, 4 values each', { categorical: 5, maxValues: 4 }, 100, 'gp'],
    ['a categorical of 8 values', { categorical: 1, maxValues: 8 }, 100, 'gp'],
    ['a categorical of 9 values', { categorical: 1, maxValues: 9 }, 100, 'tpe'],
    ['one conditional parameter', { categorical: 1, maxValues: 2, conditional: 1 }, 20, 'tpe'],
  ])('%s → %s', (_, p, maxTrials, delegate) => {
    expect(chooseDelegate(profile(p), maxTrials).delegate).toBe(delegate);
  });

  it('profiles a space by its parameter kinds', () => {
    expect(profileSpace(new Space(TEST_SPACES['conditional']!))).toEqual({
      dimension: 5,
      categorical: 3,
      conditional: 3,
      maxValues: 2,
    });
    expect(profileSpace(new Space(TEST_SPACES['intStepLog']!))).toEqual({
      dimension: 2,
      categorical: 0,
      conditional: 0,
      maxValues: 0,
    });
  });

  it('says why, and the factory shows it', () => {
    expect(chooseDelegate(profile({ dimension: 11 }), 50).reason).toMatch(/11 parameters/);
    expect(chooseDelegate(profile({}), 500).reason).toMatch(/budget of 500/);
    expect(autoSamplerFactory.describe!(new Space(floats(3)), 40)).toBe(
      'auto runs gp: 3 parameters (0 categorical), none conditional, a budget of 40 trials',
    );
    expect(getSamplerFactory('tpe')!.describe).toBeUndefined();
  });
});

function request(space: Space, observations: Observation[], i: number, extra: Partial<SampleRequest> = {}) {
  return {
    space,
    settings: {},
    direction: 'minimize' as const,
    seed: 11,
    observations,
    pending: [],
    indices: [i],
    ...extra,
  };
}

/** n sequential trials of a quadratic; the configurations. */
function run(
  factory: SamplerFactory,
  space: Space,
  n: number,
  extra: Partial<SampleRequest> = {},
): ParamConfig[] {
  const sampler = factory.create();
  const observations: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const [params] = sampler.sample(request(space, observations, i, extra));
    const value = space.encode(params!).reduce((s, x) => s + (x - 0.3) ** 2, 0);
    observations.push({ index: i, params: params!, state: 'complete', value });
  }
  return observations.map((o) => o.params);
}

describe('the auto sampler', () => {
  // Past the delegates' 10 startup trials, so their models are in play.
  const N = 13;
  const numeric = new Space(floats(3));
  const categorical = new Space([...floats(1), ...cats(2, 12)]);

  it('gives exactly gp’s trials where the rule picks gp', () => {
    expect(autoChoice(numeric, 40).delegate).toBe('gp');
    expect(run(autoSamplerFactory, numeric, N, { maxTrials: 40 })).toEqual(
      run(gpSamplerFactory, numeric, N, { maxTrials: 40 }),
    );
  });

  it('gives exactly tpe’s trials where the rule picks tpe: a large budget, or a space gp is not for', () => {
    expect(run(autoSamplerFactory, numeric, N, { maxTrials: 500 })).toEqual(
      run(tpeSamplerFactory, numeric, N),
    );
    expect(autoChoice(categorical, 40).delegate).toBe('tpe');
    expect(run(autoSamplerFactory, categorical, N, { maxTrials: 40 })).toEqual(
      run(tpeSamplerFactory, categorical, N),
    );
  });

  it('is deterministic given the seed, and the seed matters', () => {
    const a = run(autoSamplerFactory, numeric, N, { maxTrials: 40 });
    expect(run(autoSamplerFactory, numeric, N, { maxTrials: 40 })).toEqual(a);
    expect(run(autoSamplerFactory, numeric, N, { maxTrials: 40, seed: 12 })).not.toEqual(a);
  });

  it('passes its delegate’s own settings through', () => {
    const settings: JsonObject = { gp: { nStartupTrials: 3 }, tpe: { nStartupTrials: 4 } };
    expect(run(autoSamplerFactory, numeric, 6, { maxTrials: 40, settings })).toEqual(
      run(gpSamplerFactory, numeric, 6, { settings: { nStartupTrials: 3 } }),
    );
    expect(run(autoSamplerFactory, numeric, 6, { maxTrials: 400, settings })).toEqual(
      run(tpeSamplerFactory, numeric, 6, { settings: { nStartupTrials: 4 } }),
    );
  });

  it('checks its delegates’ settings, naming the delegate', () => {
    expect(() => autoSamplerFactory.validateSettings({ gp: { nStartupTrials: 3 }, tpe: {} })).not.toThrow();
    expect(() => autoSamplerFactory.validateSettings({ cmaes: {} })).toThrow(InvalidSettings);
    expect(() => autoSamplerFactory.validateSettings({ gp: 3 })).toThrow(/gp: must be an object/);
    expect(() => autoSamplerFactory.validateSettings({ tpe: { gamma: 2 } })).toThrow(/^tpe\.gamma/);
  });
});
