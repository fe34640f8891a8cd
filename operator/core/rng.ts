/**
 * Seeded pseudo-random numbers for the pure core.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 128-bit state, 32-bit outputs; doubles use 53 bits
 * from two outputs. Streams are derived by hashing a path of keys, e.g. `Rng.derive(seed, 'tpe', index)`,
 * so a trial's randomness depends only on (job seed, trial index, purpose) — never on timing, batch
 * composition or which replica served the request (ARCHITECTURE §4, invariant 4).
 */

/** 32-bit finaliser of MurmurHash3: a good avalanche for seeding. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

export type RngKey = number | string;

/** Hashes a key path to one 32-bit value; numbers are hashed by their full double bits. */
export function hashKeys(keys: readonly RngKey[]): number {
  let h = 0x811c9dc5;
  const view = new DataView(new ArrayBuffer(8));
  const mix = (word: number): void => {
    h = fmix32((h ^ word) >>> 0);
    h = (Math.imul(h, 0x01000193) + 0x6a09e667) >>> 0;
  };
  for (const key of keys) {
    if (typeof key === 'number') {
      mix(0x4e554d42);
      view.setFloat64(0, key);
      mix(view.getUint32(0));
      mix(view.getUint32(4));
    } else {
      mix(0x53545247 ^ key.length);
      for (let i = 0; i < key.length; i++) mix(key.charCodeAt(i));
    }
  }
  return fmix32(h);
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    let sm = seed >>> 0;
    let out: number;
    [sm, out] = splitmix32(sm);
    this.s0 = out;
    [sm, out] = splitmix32(sm);
    this.s1 = out;
    [sm, out] = splitmix32(sm);
    this.s2 = out;
    [, out] = splitmix32(sm);
    this.s3 = out;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator for one purpose, derived from a path of keys (job seed first). */
  static derive(...keys: RngKey[]): Rng {
    return new Rng(hashKeys(keys));
  }

  /** A child stream; does not advance this generator. */
  fork(...keys: RngKey[]): Rng {
    return new Rng(hashKeys([this.s0, this.s1, this.s2, this.s3, ...keys]));
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= 0x100000000) {
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.random() * n);
  }

  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    for (;;) {
      const u = 2 * this.random() - 1;
      const v = 2 * this.random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  choiceWeighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    if (!(total > 0)) throw new RangeError('Rng.choiceWeighted: weights must sum to a positive number');
    let r = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
