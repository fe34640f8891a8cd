import type { ParamConfig } from '../../../api/types.js';
import { Rng } from '../../rng.js';
import { Space } from '../../space/space.js';
import { getSamplerFactory } from '../registry.js';
import type { Observation, SampleRequest } from '../types.js';
import { defaultGamma, defaultWeights } from './defaults.js';
import { erfc, logNormalMass, normalCdf } from './math.js';
import { ParzenEstimator } from './parzen-estimator.js';
import { rankTrials } from './sampler.js';

const tpe = getSamplerFactory('tpe')!;

describe('TPE math', () => {
  it('computes the normal CDF and interval masses accurately, in the tails too', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(erfc(3)).toBeCloseTo(2.209049699858544e-5, 10);
    expect(Math.exp(logNormalMass(-1, 1))).toBeCloseTo(0.682689, 5);
    // 8σ to 9σ: about 6.2e-16, lost by 1 − Φ(x) in double precision.
    expect(logNormalMass(8, 9)).toBeCloseTo(Math.log(6.2209e-16), 2);
    expect(Number.isFinite(logNormalMass(60, 61))).toBe(true);
  });

  it('a Parzen estimator integrates to 1 over a bounded float (numeric check)', () => {
    const p = { name: 'x', type: 'float' as const, min: 0, max: 2 };
    const est = new ParzenEstimator([p], [[0.1], [0.15], [1.9]], [1, 1, 1], {
      priorWeight: 1,
      considerMagicClip: true,
      considerEndpoints: false,
      multivariate: false,
    });
    const n = 20000;
    const xs = Float64Array.from({ length: n }, (_, i) => ((i + 0.5) / n) * 2);
    const pdf = est.logPdf(xs, n);
    let integral = 0;
    for (let i = 0; i < n; i++) integral += Math.exp(pdf[i]!) * (2 / n);
    expect(integral).toBeCloseTo(1, 3);
  });

  it('discrete masses of an int parameter sum to 1', () => {
    const p = { name: 'n', type: 'int' as const, min: 1, max: 8, log: true };
    const est = new ParzenEstimator([p], [[2], [3]], [1, 1], {
      priorWeight: 1,
      considerMagicClip: true,
      considerEndpoints: false,
      multivariate: true,
    });
    const xs = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8], Math.log);
    const total = Array.from(est.logPdf(xs, 8)).reduce((s, l) => s + Math.exp(l), 0);
    expect(total).toBeCloseTo(1, 6);
  });

  it('has Optuna-shaped default gamma and weights', () => {
    expect([1, 10, 11, 100, 1000].map(defaultGamma)).toEqual([1, 1, 2, 10, 25]);
    expect(Array.from(defaultWeights(3))).toEqual([1, 1, 1]);
    const w = defaultWeights(50);
    expect(w[0]).toBeCloseTo(1 / 50);
    expect(w.slice(25).every((x) => x === 1)).toBe(true);
  });
});

describe('TPE sampler', () => {
  const space = new Space([{ name: 'x', type: 'float', min: -10, max: 10 }]);
  const history = (n: number): Observation[] => {
    const rng = new Rng(4);
    return Array.from({ length: n }, (_, i) => {
      const x = rng.uniform(-10, 10);
      return { index: i, params: { x }, state: 'complete' as const, value: (x - 3) ** 2 };
    });
  };
  const req = (extra: Partial<SampleRequest>): SampleRequest => ({
    space,
    settings: {},
    direction: 'minimize',
    seed: 9,
    observations: history(40),
    pending: [],
    indices: [40],
    ...extra,
  });

  it('concentrates near the optimum of a 1-d quadratic', () => {
    const out = tpe
      .create()
      .sample(
        req({ indices: Array.from({ length: 20 }, (_, i) => 40 + i), settings: { constantLiar: false } }),
      );
    const near = out.filter((c) => Math.abs((c['x'] as number) - 3) < 2).length;
    expect(near).toBeGreaterThanOrEqual(14); // random would give ~4 of 20
  });

  it('follows the direction: maximize moves away from the minimum', () => {
    const out = tpe.create().sample(
      req({
        direction: 'maximize',
        settings: { constantLiar: false },
        indices: Array.from({ length: 20 }, (_, i) => 40 + i),
      }),
    );
    expect(out.filter((c) => Math.abs((c['x'] as number) - 3) < 2).length).toBeLessThan(6);
  });

  it('constant liar spreads a batch out', () => {
    const spread = (constantLiar: boolean): number => {
      const xs = tpe
        .create()
        .sample(req({ settings: { constantLiar }, indices: [40, 41, 42, 43, 44, 45, 46, 47] }))
        .map((c) => c['x'] as number);
      return Math.max(...xs) - Math.min(...xs);
    };
    expect(spread(true)).toBeGreaterThan(spread(false));
  });

  it('is deterministic and starts with random trials', () => {
    expect(tpe.create().sample(req({}))).toEqual(tpe.create().sample(req({})));
    const startup = tpe.create().sample(req({ observations: history(3), indices: [3] }));
    const random = getSamplerFactory('random')!
      .create()
      .sample(req({ observations: [], indices: [3] }));
    expect(space.validate(startup[0]!)).toEqual([]);
    expect(startup).not.toEqual(random); // its own stream, not the random sampler's
  });

  it('ranks completed, then pruned by progress, then running; failed trials are left out', () => {
    const ranked = rankTrials(
      [
        { index: 0, params: { x: 0 }, state: 'complete', value: 5 },
        { index: 1, params: { x: 1 }, state: 'complete', value: 2 },
        { index: 2, params: { x: 2 }, state: 'pruned', intermediate: [{ step: 1, value: 0 }] },
        {
          index: 3,
          params: { x: 3 },
          state: 'pruned',
          intermediate: [
            { step: 1, value: 9 },
            { step: 3, value: 8 },
          ],
        },
        { index: 4, params: { x: 4 }, state: 'failed' },
      ],
      [{ index: 5, params: { x: 5 } }],
      1,
      true,
    );
    expect(ranked.map((r) => r.index)).toEqual([1, 0, 3, 2, 5]);
  });

  it('models conditional parameters only where they are active', () => {
    const cond = new Space([
      { name: 'opt', type: 'categorical', values: ['adam', 'sgd'] },
      { name: 'momentum', type: 'float', min: 0, max: 1, when: { opt: ['sgd'] } },
    ]);
    const rng = new Rng(5);
    const observations: Observation[] = Array.from({ length: 30 }, (_, i) => {
      const opt = i % 2 ? 'sgd' : 'adam';
      const momentum = rng.random();
      const params: ParamConfig = opt === 'sgd' ? { opt, momentum } : { opt };
      const value = opt === 'sgd' ? Math.abs(momentum - 0.9) : 1;
      return { index: i, params, state: 'complete' as const, value };
    });
    const out = tpe.create().sample({
      ...req({}),
      space: cond,
      observations,
      indices: Array.from({ length: 10 }, (_, i) => 30 + i),
    });
    for (const c of out) expect(cond.validate(c)).toEqual([]);
    expect(out.filter((c) => c['opt'] === 'sgd').length).toBeGreaterThanOrEqual(7);
  });

  it('validates its settings', () => {
    expect(() => tpe.validateSettings({ nStartupTrials: -1 })).toThrow(/nStartupTrials/);
    expect(() => tpe.validateSettings({ gamma: 2 })).toThrow(/gamma/);
    expect(() => tpe.validateSettings({ multivariate: 'yes' })).toThrow(/multivariate/);
    expect(() => tpe.validateSettings({ gamma: 'default', multivariate: false })).not.toThrow();
  });
});
