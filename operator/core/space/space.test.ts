import { Rng } from '../rng.js';
import { TEST_SPACES } from '../samplers/testing/spaces.js';
import { internalRange, numericGrid, snapNumeric, Space } from './space.js';

describe('Space', () => {
  it('decodes every point of the unit cube to a valid configuration (property, many spaces)', () => {
    const rng = new Rng(1);
    for (const params of Object.values(TEST_SPACES)) {
      const space = new Space(params);
      for (let i = 0; i < 1000; i++) {
        const config = space.decode(params.map(() => rng.random()));
        expect(space.validate(config)).toEqual([]);
      }
      expect(space.validate(space.decode(params.map(() => 0)))).toEqual([]);
      expect(space.validate(space.decode(params.map(() => 1)))).toEqual([]);
    }
  });

  it('round-trips encode → decode', () => {
    const rng = new Rng(2);
    for (const params of Object.values(TEST_SPACES)) {
      const space = new Space(params);
      for (let i = 0; i < 200; i++) {
        const config = space.decode(params.map(() => rng.random()));
        const again = space.decode(space.encode(config).map((x) => (Number.isNaN(x) ? 0.5 : x)));
        for (const [k, v] of Object.entries(config)) {
          if (typeof v === 'number' && !Number.isInteger(v)) expect(again[k]).toBeCloseTo(v, 9);
          else expect(again[k]).toBe(v);
        }
      }
    }
  });

  it('encodes inactive parameters as NaN and leaves them out when decoding', () => {
    const space = new Space(TEST_SPACES['conditional']!);
    const config = { opt: 'adam', lr: 0.01 };
    expect(space.validate(config)).toEqual([]);
    const enc = space.encode(config);
    expect(Number.isNaN(enc[1]!)).toBe(true);
    expect(Object.keys(space.decode(enc.map((x) => (Number.isNaN(x) ? 0.9 : x))))).toEqual(['opt', 'lr']);
  });

  it('follows when-chains two levels deep', () => {
    const space = new Space(TEST_SPACES['conditional']!);
    const schedule = space.param('schedule')!;
    expect(space.isActive(schedule, { opt: 'sgd', nesterov: true })).toBe(true);
    expect(space.isActive(schedule, { opt: 'sgd', nesterov: false })).toBe(false);
    expect(space.isActive(schedule, { opt: 'adam', nesterov: true })).toBe(false);
  });

  it('reports each kind of bad value with the parameter named', () => {
    const space = new Space(TEST_SPACES['conditional']!);
    const errors = space.validate({ opt: 'nadam', lr: 5, momentum: 0.5, extra: 1 });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^extra: not a parameter/),
        expect.stringMatching(/^opt: "nadam" is not one of/),
        expect.stringMatching(/^lr: 5 is outside/),
      ]),
    );
    expect(space.validate({ opt: 'adam', lr: 0.01, momentum: 0.5 })).toEqual([
      "momentum: must be absent because its 'when' condition is not met",
    ]);
    expect(space.validate({ opt: 'sgd', lr: 0.01, momentum: 0.505, nesterov: false })).toEqual([
      'momentum: 0.505 is not on the grid min + k·0.01',
    ]);
    expect(new Space(TEST_SPACES['int']!).validate({ n: 2.5 })).toEqual(['n: must be an integer, got 2.5']);
    expect(new Space(TEST_SPACES['int']!).validate({})).toEqual(['n: missing']);
  });

  it('builds numeric grids and snaps to them', () => {
    expect(numericGrid({ name: 'd', type: 'float', min: 0, max: 0.5, step: 0.1 })).toEqual([
      0, 0.1, 0.2, 0.3, 0.4, 0.5,
    ]);
    expect(numericGrid({ name: 'n', type: 'int', min: 2, max: 5 })).toEqual([2, 3, 4, 5]);
    expect(numericGrid({ name: 'x', type: 'float', min: 0, max: 1 })).toBeUndefined();
    expect(snapNumeric({ name: 'n', type: 'int', min: 0, max: 100, step: 10 }, 97)).toBe(100);
    expect(snapNumeric({ name: 'n', type: 'int', min: 0, max: 95, step: 10 }, 97)).toBe(90);
  });

  it('gives every grid value an equal cell, also when max is off the grid', () => {
    const p = { name: 'd', type: 'float' as const, min: 0, max: 0.52, step: 0.05 };
    expect(internalRange(p)[0]).toBeCloseTo(-0.025, 12);
    expect(internalRange(p)[1]).toBeCloseTo(0.525, 12); // the cell of 0.5, the last grid value
    const space = new Space([p]);
    const counts = new Map<number, number>();
    const rng = new Rng(5);
    for (let i = 0; i < 22_000; i++) {
      const v = space.decode([rng.random()])['d'] as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(numericGrid(p));
    for (const c of counts.values()) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });
});
