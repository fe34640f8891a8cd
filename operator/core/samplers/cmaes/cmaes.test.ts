import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject, ParamConfig, Parameter } from '../../../api/types.js';
import { parseManifestText } from '../../../api/manifest.js';
import { validateHPOJob } from '../../../api/validation.js';
import { InvalidSettings } from '../../errors.js';
import { Rng } from '../../rng.js';
import { builtinValidationHooks } from '../../settings-validation.js';
import { Space } from '../../space/space.js';
import type { Observation, PendingTrial, SampleRequest } from '../types.js';
import { memoFor } from './cache.js';
import { Cma } from './cma.js';
import { coordinatesOf } from './coords.js';
import { symmetricEigen } from './linalg.js';
import { correctMargin, defaultMargin } from './margin.js';
import { normalCdf, normalQuantile } from './normal.js';
import { replay, trailOf } from './replay.js';
import { cmaesSamplerFactory, readCmaesSettings } from './sampler.js';
import { defaultPopsize, strategy } from './strategy.js';

const here = dirname(fileURLToPath(import.meta.url));
const sampler = cmaesSamplerFactory.create();

function request(
  space: Space,
  observations: Observation[],
  pending: PendingTrial[],
  index: number,
  seed = 1,
): SampleRequest {
  return { space, settings: {}, direction: 'minimize', seed, observations, pending, indices: [index] };
}

describe('normal distribution helpers', () => {
  it('Φ has its known values and Φ⁻¹ inverts it', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    for (let x = -5; x <= 5; x += 0.25) expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 4);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('symmetricEigen', () => {
  const n = 7;
  const rng = new Rng(3);
  const random = (): Float64Array => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    return a;
  };
  const expectDecomposes = (
    a: Float64Array,
    { values, vectors: b }: ReturnType<typeof symmetricEigen>,
  ): void => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let gram = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += b[i * n + k]! * values[k]! * b[j * n + k]!;
          gram += b[k * n + i]! * b[k * n + j]!;
        }
        expect(rebuilt).toBeCloseTo(a[i * n + j]!, 10);
        expect(gram).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  };

  it('decomposes a random symmetric matrix into orthonormal eigenvectors', () => {
    const a = random();
    expectDecomposes(a, symmetricEigen(a, n));
  });
});

describe('strategy parameters', () => {
  it('follow Hansen’s defaults', () => {
    expect(defaultPopsize(2)).toBe(6);
    expect(defaultPopsize(10)).toBe(10);
    const s = strategy(5, defaultPopsize(5));
    expect(s.lambda).toBe(8);
    expect(s.mu).toBe(4);
    const positive = Array.from(s.weights.slice(0, s.mu)).reduce((a, b) => a + b, 0);
    expect(positive).toBeCloseTo(1, 12);
    expect(Array.from(s.weights.slice(s.mu)).every((w) => w < 0)).toBe(true);
    expect(s.c1 + s.cmu).toBeLessThan(1);
    expect(s.chiN).toBeCloseTo(Math.sqrt(5) * (1 - 1 / 20 + 1 / 525), 12);
  });
  it('stay finite for the smallest populations', () => {
    for (const lambda of [2, 3]) {
      const s = strategy(3, lambda);
      for (const w of s.weights) expect(Number.isFinite(w)).toBe(true);
    }
  });
});

describe('Cma', () => {
  it('converges on a shifted sphere: the mean reaches the optimum and σ shrinks', () => {
    const n = 4;
    const cma = new Cma(
      strategy(n, defaultPopsize(n)),
      new Float64Array(n).fill(0.5),
      1 / 6,
      Array(n).fill(true),
    );
    const target = [0.2, 0.7, 0.4, 0.9];
    const rng = new Rng(9);
    for (let g = 0; g < 120; g++) {
      const solutions = Array.from({ length: cma.strategy.lambda }, () => {
        const x = cma.sample(rng);
        return { x, value: target.reduce((s, t, i) => s + (x[i]! - t) ** 2, 0) };
      });
      cma.tell(solutions);
    }
    target.forEach((t, i) => expect(cma.mean[i]).toBeCloseTo(t, 4));
    expect(cma.sigma).toBeLessThan(1e-3);
  });

  it('keeps bounded coordinates inside [0, 1]', () => {
    const cma = new Cma(strategy(2, 6), [0.01, 0.99], 0.5, [true, true]);
    const rng = new Rng(1);
    for (let k = 0; k < 200; k++) for (const x of cma.sample(rng)) expect(x >= 0 && x <= 1).toBe(true);
  });
});

describe('margin correction', () => {
  const space = new Space([
    { name: 'b', type: 'int', min: 0, max: 1 },
    { name: 'k', type: 'int', min: 0, max: 4 },
  ]);
  const coords = coordinatesOf(space);

  it('keeps at least α of the mass outside the mean’s cell, at an end cell and in the middle', () => {
    const cma = new Cma(strategy(2, 6), [0.05, 0.5], 0.01, [false, false]);
    const alpha = defaultMargin(2, 6);
    correctMargin(cma, coords, alpha);
    const sd = (i: number): number => cma.sigma * Math.sqrt(cma.varianceOf(i)) * cma.scale[i]!;
    // b: two cells split at 0.5; the mean sat deep in cell 0.
    const outside = 1 - normalCdf((coords[0]!.cells!.threshold(0) - cma.mean[0]!) / sd(0));
    expect(outside).toBeCloseTo(alpha, 4);
    // k: the middle cell 2 of 5, between thresholds 0.4 and 0.6; each side gets at least α/2.
    const below = normalCdf((coords[1]!.cells!.threshold(1) - cma.mean[1]!) / sd(1));
    const above = 1 - normalCdf((coords[1]!.cells!.threshold(2) - cma.mean[1]!) / sd(1));
    expect(below).toBeGreaterThanOrEqual(alpha / 2 - 1e-6);
    expect(above).toBeGreaterThanOrEqual(alpha / 2 - 1e-6);
    expect(coords[1]!.cells!.cellOf(cma.mean[1]!)).toBe(2);
  });

  it('cuts log-scaled ints where the space’s decoding changes value', () => {
    const [c] = coordinatesOf(new Space([{ name: 'u', type: 'int', min: 1, max: 1000, log: true }]));
    const cells = c!.cells!;
    expect(cells.count).toBe(1000);
    for (const j of [0, 1, 9, 500, 998]) {
      const t = cells.threshold(j);
      expect(cells.value(cells.cellOf(t))).toBe(j + 1);
      expect(cells.value(cells.cellOf(t + 1e-9))).toBe(j + 2);
      expect(cells.cellOf(cells.centre(j))).toBe(j);
    }
  });
});

describe('the cmaes sampler', () => {
  const params: Parameter[] = [
    { name: 'x', type: 'float', min: -5, max: 5 },
    { name: 'lr', type: 'float', min: 1e-5, max: 1, log: true },
    { name: 'n', type: 'int', min: 1, max: 8 },
    { name: 'opt', type: 'categorical', values: ['adam', 'sgd', 'rmsprop'] },
    { name: 'm', type: 'float', min: 0, max: 1, when: { opt: ['sgd'] } },
  ];
  const space = new Space(params);
  const f = (c: ParamConfig): number =>
    ((c['x'] as number) - 1) ** 2 +
    Math.log10((c['lr'] as number) / 1e-3) ** 2 +
    ((c['n'] as number) - 3) ** 2;

  /** A run with `parallel` trials at a time; each takes 1 + (hash of its index) time units. */
  function simulate(seed: number, n: number, parallel: number) {
    const observations: Observation[] = [];
    const pending: (PendingTrial & { end: number })[] = [];
    let now = 0;
    let next = 0;
    while (observations.length < n) {
      while (pending.length < parallel && next < n) {
        const [p] = sampler.sample(request(space, observations, pending, next, seed));
        pending.push({ index: next, params: p!, end: now + 1 + new Rng(next * 31 + seed).random() });
        next++;
      }
      pending.sort((a, b) => a.end - b.end);
      const t = pending.shift()!;
      now = t.end;
      observations.push({
        index: t.index,
        params: t.params,
        state: t.index % 9 === 4 ? 'failed' : 'complete',
        value: f(t.params),
      });
    }
    return observations;
  }

  it('is deterministic given the seed and history, and different across seeds', () => {
    const a = simulate(5, 40, 3);
    expect(simulate(5, 40, 3)).toEqual(a);
    expect(simulate(6, 40, 3).map((o) => o.params)).not.toEqual(a.map((o) => o.params));
  });

  it('replays a sequential run exactly: no trial is injected, every completed one is used', () => {
    const observations = simulate(2, 60, 1);
    const coords = coordinatesOf(space);
    const run = replay(coords, trailOf(coords, observations, [], 1), 2, readCmaesSettings({}));
    const completed = observations.filter((o) => o.state === 'complete').length;
    const lambda = defaultPopsize(3);
    expect(run.injected).toBe(0);
    expect(run.used).toBe(Math.floor(completed / lambda) * lambda);
  });

  it('in a parallel run, injects only the few trials asked before their generation opened (no cascade)', () => {
    // 4 at a time with similar durations: at most the 3 others running when a generation closes.
    const observations = simulate(4, 80, 4);
    const coords = coordinatesOf(space);
    const run = replay(coords, trailOf(coords, observations, [], 1), 4, readCmaesSettings({}));
    const generations = run.used / defaultPopsize(3);
    expect(generations).toBeGreaterThanOrEqual(8);
    expect(run.injected).toBeLessThanOrEqual(3 * generations);
    expect(run.injected).toBeGreaterThan(0);
  });

  it('gives the same state with or without its memo, whatever order trials finish in', () => {
    const observations = simulate(7, 70, 4);
    const coords = coordinatesOf(space);
    const settings = readCmaesSettings({});
    const memo = memoFor('cmaes.test: memo');
    // Growing histories in which one trial runs while later ones finish, then finishes itself.
    for (let k = 10; k <= observations.length; k += 5) {
      const late = k - 6;
      const done = observations.slice(0, k).filter((o) => o.index !== late);
      const running = [observations[late]!, ...observations.slice(k, k + 2)].map((o) => ({
        index: o.index,
        params: o.params,
      }));
      for (const [d, r] of [
        [done, running],
        [observations.slice(0, k), running.slice(1)],
      ] as const) {
        const warm = replay(coords, trailOf(coords, d, r, 1), 7, settings, memo);
        const cold = replay(coords, trailOf(coords, d, r, 1), 7, settings);
        expect(Array.from(warm.cma.mean)).toEqual(Array.from(cold.cma.mean));
        expect(warm.cma.sigma).toBe(cold.cma.sigma);
        expect(warm.used).toBe(cold.used);
      }
    }
  });

  it('restarts with twice the population when the objective goes flat (IPOP), unless told not to', () => {
    const flat = new Space([
      { name: 'a', type: 'float', min: 0, max: 1 },
      { name: 'b', type: 'float', min: 0, max: 1 },
    ]);
    const observations: Observation[] = [];
    for (let i = 0; i < 130; i++) {
      const [p] = sampler.sample(request(flat, observations, [], i, 9));
      observations.push({ index: i, params: p!, state: 'complete', value: 1 });
    }
    const coords = coordinatesOf(flat);
    const trail = trailOf(coords, observations, [], 1);
    // λ = 6 for n = 2; the flat-fitness test needs more than 10 + ⌈30·2/6⌉ = 20 generations.
    const ipop = replay(coords, trail, 9, readCmaesSettings({}));
    expect(ipop.restarts).toBe(1);
    expect(ipop.cma.strategy.lambda).toBe(12);
    expect(Array.from(ipop.cma.mean)).not.toEqual([0.5, 0.5]);
    const single = replay(coords, trail, 9, readCmaesSettings({ restartStrategy: 'none' }));
    expect(single.restarts).toBe(0);
    expect(single.cma.strategy.lambda).toBe(6);
  });

  it('asks every trial from the same distribution until the running ones finish', () => {
    const observations = simulate(3, 30, 1);
    const coords = coordinatesOf(space);
    const settings = readCmaesSettings({});
    // Trial 5 still running: nothing after it can close a generation.
    const done = observations.filter((o) => o.index !== 5);
    const running = [{ index: 5, params: observations[5]!.params }];
    const blocked = replay(coords, trailOf(coords, done, running, 1), 3, settings);
    expect(blocked.used).toBe(0);
    const finished = replay(coords, trailOf(coords, observations, [], 1), 3, settings);
    expect(finished.used).toBeGreaterThan(0);
  });

  it('searches log-scaled parameters on the log scale and keeps ints whole', () => {
    const configs = Array.from({ length: 200 }, (_, i) => sampler.sample(request(space, [], [], i))[0]!);
    const logs = configs.map((c) => Math.log10(c['lr'] as number)).sort((a, b) => a - b);
    // The first distribution is centred on the middle of the log range, 10^-2.5.
    expect(logs[100]!).toBeGreaterThan(-3);
    expect(logs[100]!).toBeLessThan(-2);
    for (const c of configs) expect(Number.isInteger(c['n'])).toBe(true);
  });

  it('draws categoricals uniformly, and conditional parameters only when active', () => {
    const configs = Array.from({ length: 300 }, (_, i) => sampler.sample(request(space, [], [], i))[0]!);
    for (const value of ['adam', 'sgd', 'rmsprop']) {
      const share = configs.filter((c) => c['opt'] === value).length / configs.length;
      expect(share).toBeGreaterThan(0.25);
      expect(share).toBeLessThan(0.42);
    }
    for (const c of configs) expect('m' in c).toBe(c['opt'] === 'sgd');
  });

  it('serves a space without numeric parameters by random search', () => {
    const cats = new Space([{ name: 'c', type: 'categorical', values: [1, 2, 3] }]);
    const [c] = sampler.sample(request(cats, [], [], 0));
    expect(cats.validate(c!)).toEqual([]);
  });

  it('follows the direction: maximising −f finds what minimising f finds', () => {
    const minimize = simulate(8, 30, 1);
    const observations: Observation[] = [];
    for (let i = 0; i < 30; i++) {
      const [p] = sampler.sample({ ...request(space, observations, [], i, 8), direction: 'maximize' });
      observations.push({ index: i, params: p!, state: i % 9 === 4 ? 'failed' : 'complete', value: -f(p!) });
    }
    expect(observations.map((o) => o.params)).toEqual(minimize.map((o) => o.params));
  });
});

describe('cmaes settings', () => {
  it('reads defaults and rejects bad values, naming the setting', () => {
    expect(readCmaesSettings({})).toEqual({
      popsize: undefined,
      sigma0: 1 / 6,
      restartStrategy: 'ipop',
      incPopsize: 2,
      withMargin: true,
    });
    for (const bad of <JsonObject[]>[
      { popsize: 1 },
      { popsize: 2.5 },
      { sigma0: 0 },
      { restartStrategy: 'bipop' },
      { withMargin: 1 },
    ]) {
      expect(() => readCmaesSettings(bad)).toThrow(InvalidSettings);
    }
  });

  it('reaches `ultron validate` with the setting’s path', () => {
    const [doc] = parseManifestText(
      readFileSync(join(here, '../../../../examples/quickstart/hpojob.yaml'), 'utf8'),
    );
    const job = structuredClone(doc!.value) as { spec: { sampler: unknown } };
    job.spec.sampler = { name: 'cmaes', settings: { popsize: 1 } };
    expect(validateHPOJob(job, builtinValidationHooks)).toEqual([
      { path: 'spec.sampler.settings.popsize', message: 'must be ≥ 2, got 1' },
    ]);
    job.spec.sampler = { name: 'cmaes', settings: { restartStrategy: 'none', withMargin: false } };
    expect(validateHPOJob(job, builtinValidationHooks)).toEqual([]);
  });
});
