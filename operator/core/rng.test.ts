import { Rng, hashKeys } from './rng.js';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(sa);
  });

  it('derives independent streams from key paths', () => {
    expect(Rng.derive(1, 'tpe', 3).random()).toBe(Rng.derive(1, 'tpe', 3).random());
    expect(Rng.derive(1, 'tpe', 3).random()).not.toBe(Rng.derive(1, 'tpe', 4).random());
    expect(hashKeys([1, 'a'])).not.toBe(hashKeys(['a', 1]));
  });

  it('produces uniform doubles in [0,1) with the right mean', () => {
    const r = new Rng(7);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const x = r.random();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
  });

  it('draws unbiased integers and normals', () => {
    const r = new Rng(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.int(3)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 20000; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(s / 20000).toBeCloseTo(0, 1);
    expect(s2 / 20000).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation', () => {
    const items = [1, 2, 3, 4, 5, 6];
    const out = new Rng(3).shuffle(items);
    expect([...out].sort()).toEqual(items);
  });
});
