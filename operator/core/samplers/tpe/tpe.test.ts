import type { ParamConfig } from '../../../api/types.js';
import { Rng } from '../../rng.js';
import { Space } from '../../space/space.js';
import { getSamplerFactory } from '../registry.js';
import type { Observation, SampleRequest } from '../types.js';
import { defaultGamma, defaultWeights } from './defaults.js';
import { erfc, logInnerMass, logNormalMass, normalCdf } from './math.js';
import { ParzenEstimator } from './parzen-estimator.js';
import { rankTrials, splitTrials } from './sampler.js';

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

  it('gives the mass of a kernel centred in its range as logNormalMass does, skipping far tails', () => {
    for (const [a, b] of [
      [-0.5, 0.5],
      [-3, 0.1],
      [-8.4, 2],
      [-20, 8.6],
      [-1e-9, 40],
    ] as const)
      expect(logInnerMass(a, b)).toBeCloseTo(logNormalMass(a, b), 12);
    expect(logInnerMass(-9, 30)).toBe(0);
  });

  it('a Parzen estimator integrates to 1 over a bounded float (numeric check)', () => {
    const p = { name: 'x', type: 'float' as const, min: 0, max: 2 };
    const est = ParzenEstimator.fromValues([p], [[0.1], [0.15], [1.9]], [1, 1, 1], {
      priorWeight: 1,
      considerMagicClip: true,
      considerEndpoints: false,
      multivariate: false,
      bandwidth: 'scott',
      minBandwidth: 0.08,
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
    const est = ParzenEstimator.fromValues([p], [[2], [3]], [1, 1], {
      priorWeight: 1,
      considerMagicClip: true,
      considerEndpoints: false,
      multivariate: true,
      bandwidth: 'scott',
      minBandwidth: 0.08,
    });
    const xs = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8], Math.log);
    const total = Array.from(est.logPdf(xs, 8)).reduce((s, l) => s + Math.exp(l), 0);
    expect(total).toBeCloseTo(1, 6);
  });

  describe("multivariate bandwidth by Scott's rule", () => {
    const x = { name: 'x', type: 'float' as const, min: 0, max: 10 };
    const options = {
      priorWeight: 1,
      considerMagicClip: true,
      considerEndpoints: false,
      multivariate: true,
      bandwidth: 'scott' as const,
      minBandwidth: 0.08,
    };
    /** A truncated normal mixture on [0, 10] with equal weights over the observations and the prior. */
    /** A truncated normal mixture on [0, 10]; kernels are [μ, σ] or [μ, σ, weight] (default weight 1). */
    const mixture = (at: number, kernels: Array<[number, number] | [number, number, number]>): number => {
      const total = kernels.reduce((sum, k) => sum + (k[2] ?? 1), 0);
      return Math.log(
        kernels.reduce((sum, [mu, s, w = 1]) => {
          const z = (at - mu) / s;
          const mass = normalCdf((10 - mu) / s) - normalCdf((0 - mu) / s);
          return sum + (w * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * mass);
        }, 0) / total,
      );
    };

    it('sets σ = n^(−1/(d+4)) · the spread of the observations', () => {
      // Observations 2 and 8: standard deviation 3, n = 2, d = 1 → σ = 2^(−1/5) · 3.
      const est = ParzenEstimator.fromValues([x], [[2], [8]], [1, 1], options);
      const s = 2 ** (-1 / 5) * 3;
      for (const at of [0.5, 3, 5, 9.9])
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(
          mixture(at, [
            [2, s],
            [8, s],
            [5, 10],
          ]),
          9,
        );
    });

    it('weighs the spread by the observation weights', () => {
      // Weights 1 and 3 at 2 and 8: weighted mean 6.5, weighted std √(0.25·20.25 + 0.75·2.25) = 2.598.
      const est = ParzenEstimator.fromValues([x], [[2], [8]], [1, 3], options);
      const s = 2 ** (-1 / 5) * Math.sqrt(0.25 * 4.5 ** 2 + 0.75 * 1.5 ** 2);
      // Mixture weights: 1/5, 3/5 and the prior 1/5.
      const kernels: Array<[number, number, number]> = [
        [2, s, 1],
        [8, s, 3],
        [5, 10, 1],
      ];
      for (const at of [1, 5, 8])
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(mixture(at, kernels), 9);
    });

    it('takes the spread of a uniform over the range for a single observation', () => {
      const est = ParzenEstimator.fromValues([x], [[3]], [1], options);
      const s = 10 / Math.sqrt(12); // n = 1: n^(−1/5) = 1
      for (const at of [0, 3, 9])
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(
          mixture(at, [
            [3, s],
            [5, 10],
          ]),
          9,
        );
    });

    it('never narrows a kernel below minBandwidth · range', () => {
      const est = ParzenEstimator.fromValues([x], [[5], [5], [5]], [1, 1, 1], options);
      const k: [number, number] = [5, 0.8];
      for (const at of [4, 5, 6.5])
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(mixture(at, [k, k, k, [5, 10]]), 9);
    });

    it('keeps a kernel of an int parameter at least one cell wide, so it reaches the neighbours', () => {
      // int 1..8: internal range [0.5, 8.5]; three observations at 3 → the floor 0.08 · 8 = 0.64 < 1 cell.
      const n = { name: 'n', type: 'int' as const, min: 1, max: 8 };
      const est = ParzenEstimator.fromValues([n], [[3], [3], [3]], [1, 1, 1], options);
      const mass = (at: number, mu: number, s: number) =>
        (normalCdf((at + 0.5 - mu) / s) - normalCdf((at - 0.5 - mu) / s)) /
        (normalCdf((8.5 - mu) / s) - normalCdf((0.5 - mu) / s));
      for (const at of [2, 3, 4, 8]) {
        const expected = Math.log((3 * mass(at, 3, 1) + mass(at, 4.5, 8)) / 4);
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(expected, 9);
      }
    });

    it('gives discrete masses that sum to 1: a log int at its range end, a stepped float with max off the grid', () => {
      // log int 1..4: an observation at 1 has the cell [log 0.5, log 1.5], wider than 0.08 of the range.
      const n = { name: 'n', type: 'int' as const, min: 1, max: 4, log: true };
      const ints = ParzenEstimator.fromValues([n], [[1], [1], [2]], [1, 1, 1], options);
      const intMasses = Array.from(ints.logPdf(Float64Array.from([1, 2, 3, 4], Math.log), 4), Math.exp);
      expect(intMasses.reduce((a, b) => a + b)).toBeCloseTo(1, 9);
      expect(intMasses[0]).toBeGreaterThan(intMasses[3]!);
      const d = { name: 'd', type: 'float' as const, min: 0, max: 0.52, step: 0.05 };
      const grid = Array.from({ length: 11 }, (_, i) => i * 0.05);
      const floats = ParzenEstimator.fromValues([d], [[0.1], [0.15], [0.5]], [1, 1, 1], options);
      const total = Array.from(floats.logPdf(Float64Array.from(grid), 11), Math.exp).reduce((a, b) => a + b);
      expect(total).toBeCloseTo(1, 9);
    });

    it("with bandwidth 'neighbours', takes the larger gap to the sorted neighbours, ties in trial order", () => {
      // Sorted 2, 3, 3, 8 (the prior kernel is no neighbour); the outer ones take their inner gap; the
      // magic clip is range / (1 + K) = 10/6 with K = 5 kernels.
      const est = ParzenEstimator.fromValues([x], [[2], [8], [3], [3]], [1, 1, 1, 1], {
        ...options,
        bandwidth: 'neighbours',
      });
      const clip = 10 / 6;
      for (const at of [0.5, 2.5, 3, 6, 9.5])
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(
          mixture(at, [
            [2, clip],
            [8, 5],
            [3, clip],
            [3, 5],
            [5, 10],
          ]),
          9,
        );
    });

    it("with bandwidth 'optuna', uses 0.2 · n^(−1/(d+4)) · range", () => {
      const est = ParzenEstimator.fromValues([x], [[2], [8]], [1, 1], { ...options, bandwidth: 'optuna' });
      const s = Math.max(0.2 * 2 ** (-1 / 5) * 10, 10 / 4); // the magic clip: range / (1 + K), K = 3 kernels
      for (const at of [1, 5])
        expect(est.logPdf(Float64Array.of(at), 1)[0]).toBeCloseTo(
          mixture(at, [
            [2, s],
            [8, s],
            [5, 10],
          ]),
          9,
        );
    });
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

  it('splits like ranking every trial and cutting the ranking (ties, pruned, failed, running, unordered)', () => {
    const rng = new Rng(11);
    for (let round = 0; round < 200; round++) {
      const n = 1 + rng.int(60);
      const observations: Observation[] = rng.shuffle(
        Array.from({ length: n }, (_, i): Observation => {
          const u = rng.random();
          const value = rng.int(8) / 2; // coarse, so that ties are common
          if (u < 0.15) return { index: i, params: { x: i }, state: 'failed' };
          if (u < 0.3) {
            const last = rng.random() < 0.2 ? NaN : value;
            return {
              index: i,
              params: { x: i },
              state: 'pruned',
              intermediate: [{ step: rng.int(3), value: last }],
            };
          }
          return {
            index: i,
            params: { x: i },
            state: 'complete',
            value: rng.random() < 0.05 ? Infinity : value,
          };
        }),
      );
      const pending = Array.from({ length: rng.int(4) }, (_, j) => ({ index: n + j, params: { x: n + j } }));
      const sign = rng.random() < 0.5 ? 1 : -1;
      const settings = { gamma: rng.random() < 0.5 ? undefined : 0.3, constantLiar: rng.random() < 0.7 };
      const ranked = rankTrials(observations, pending, sign, settings.constantLiar);
      if (ranked.length === 0) continue;
      const g = settings.gamma === undefined ? defaultGamma(ranked.length) : Math.ceil(0.3 * ranked.length);
      const nBelow = Math.min(ranked.length, Math.max(1, g));
      const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
      const { below, belowRanks, above } = splitTrials(observations, pending, sign, settings);
      const indices = (trials: { index: number }[]) => trials.map((t) => t.index);
      expect(indices(below)).toEqual(indices(ranked.slice(0, nBelow).sort(byIndex)));
      expect(below.map((t, i) => ranked[belowRanks[i]!]!.index)).toEqual(indices(below));
      expect(indices(above)).toEqual(indices(ranked.slice(nBelow).sort(byIndex)));
    }
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
    expect(() => tpe.validateSettings({ bandwidth: 'silverman' })).toThrow(
      /bandwidth: must be one of "scott", "neighbours", "optuna"/,
    );
    expect(() => tpe.validateSettings({ minBandwidth: 0 })).toThrow(/minBandwidth/);
    expect(() => tpe.validateSettings({ bandwidth: 'optuna', minBandwidth: 0.05 })).not.toThrow();
    expect(() => tpe.validateSettings({ aboveBandwidth: 'scott', belowWeights: 'uniform' })).not.toThrow();
    expect(() => tpe.validateSettings({ belowWeights: 'ei' })).toThrow(/belowWeights/);
  });
});
