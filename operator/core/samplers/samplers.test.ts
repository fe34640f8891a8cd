import { SpaceExhausted, InvalidSettings } from '../errors.js';
import { Space } from '../space/space.js';
import { enumerateGrid, configKey } from './grid.js';
import { getSamplerFactory } from './registry.js';
import { createSobol } from './sobol.js';
import { TEST_SPACES } from './testing/spaces.js';
import type { Observation, SampleRequest } from './types.js';

const req = (space: Space, indices: number[], extra: Partial<SampleRequest> = {}): SampleRequest => ({
  space,
  settings: {},
  direction: 'minimize',
  seed: 1,
  observations: [],
  pending: [],
  indices,
  ...extra,
});

describe('grid sampler', () => {
  const grid = getSamplerFactory('grid')!;

  it('enumerates every combination, respecting conditions', () => {
    // opt=adam: 100 lr values; opt=sgd: 100 momentum × (nesterov=true: 2 schedules, false: 1) × 100 lr
    expect(enumerateGrid(new Space(TEST_SPACES['conditional']!))).toHaveLength(100 + 100 * 3 * 100);
    expect(enumerateGrid(new Space(TEST_SPACES['categorical']!))).toHaveLength(18);
  });

  it('gives each point once and then throws SpaceExhausted', () => {
    const space = new Space(TEST_SPACES['categorical']!);
    const sampler = grid.create();
    const observations: Observation[] = [];
    for (let i = 0; i < 18; i++) {
      const [params] = sampler.sample(req(space, [i], { observations }));
      observations.push({ index: i, params: params!, state: i % 2 ? 'failed' : 'complete', value: i });
    }
    expect(new Set(observations.map((o) => configKey(space, o.params))).size).toBe(18);
    expect(() => sampler.sample(req(space, [18], { observations }))).toThrow(SpaceExhausted);
  });

  it('skips points held by pending trials and visits in lexicographic order without shuffle', () => {
    const space = new Space([{ name: 'n', type: 'int', min: 1, max: 4 }]);
    const out = grid
      .create()
      .sample(
        req(space, [1, 2], { settings: { shuffle: false }, pending: [{ index: 0, params: { n: 1 } }] }),
      );
    expect(out).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('names the parameter when a float has no step', () => {
    const space = new Space([{ name: 'x', type: 'float', min: 0, max: 1 }]);
    expect(() => grid.validateSpace!(space)).toThrow(/spec\.parameters\[0\]\.step/);
    expect(() => grid.create().sample(req(space, [0]))).toThrow(InvalidSettings);
  });
});

describe('sobol sampler', () => {
  it('does not start at the centre or a corner when scrambled', () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = createSobol(3, seed, true).point(0);
      expect(p.every((x) => x === 0.5 || x === 0)).toBe(false);
    }
    expect(createSobol(2, 0, false).point(0)).toEqual([0, 0]);
    expect(createSobol(2, 0, false).point(1)).toEqual([0.5, 0.5]);
  });

  it('fills a 16×16 grid of cells evenly: every cell once in 256 points (a (0,m,2)-net)', () => {
    const gen = createSobol(2, 7, true);
    const cells = new Set<number>();
    for (let i = 0; i < 256; i++) {
      const [x, y] = gen.point(i);
      cells.add(Math.floor(x! * 16) * 16 + Math.floor(y! * 16));
    }
    expect(cells.size).toBe(256);
    // Random points leave about 256/e ≈ 94 cells empty.
  });

  it('balances every one of its first 16 dimensions', () => {
    const gen = createSobol(16, 3, true);
    for (let d = 0; d < 16; d++) {
      const halves = [0, 0];
      for (let i = 0; i < 64; i++) halves[gen.point(i)[d]! < 0.5 ? 0 : 1]!++;
      expect(halves).toEqual([32, 32]);
    }
  });
});

describe('random sampler', () => {
  it('is uniform over int values, including the end values', () => {
    const space = new Space([{ name: 'n', type: 'int', min: 1, max: 4 }]);
    const counts = new Map<number, number>();
    const out = getSamplerFactory('random')!
      .create()
      .sample(
        req(
          space,
          Array.from({ length: 8000 }, (_, i) => i),
        ),
      );
    for (const c of out) counts.set(c['n'] as number, (counts.get(c['n'] as number) ?? 0) + 1);
    for (const v of [1, 2, 3, 4]) expect(Math.abs(counts.get(v)! - 2000)).toBeLessThan(200);
  });

  it('is log-uniform for log parameters', () => {
    const space = new Space([{ name: 'lr', type: 'float', min: 1e-4, max: 1, log: true }]);
    const out = getSamplerFactory('random')!
      .create()
      .sample(
        req(
          space,
          Array.from({ length: 4000 }, (_, i) => i),
        ),
      );
    const below = out.filter((c) => (c['lr'] as number) < 1e-2).length;
    expect(Math.abs(below - 2000)).toBeLessThan(200);
  });
});
