/**
 * Scrambled Sobol' sequence (Sobol' 1967), a low-discrepancy sequence: the first n points cover the
 * space far more evenly than n random points.
 *
 * Scrambling (setting `scramble`, default true) is a random linear matrix scramble plus a random digital
 * shift (Matoušek 1998; Owen 2003), seeded by the job seed: the sequence keeps its balance properties,
 * while the first point is no longer the corner/centre and each seed gives a different sequence. The
 * configuration of trial i is point i of the sequence, so it depends only on (seed, i).
 * Up to MAX_SOBOL_DIMENSION parameters (sobol-directions.ts).
 */
import type { JsonObject, ParamConfig } from '../../api/types.js';
import { InvalidSettings } from '../errors.js';
import { Rng } from '../rng.js';
import type { Space } from '../space/space.js';
import { MAX_SOBOL_DIMENSION, SOBOL_BITS, sobolDirections } from './sobol-directions.js';
import { readBoolean, rejectUnknownSettings } from './settings.js';
import type { SampleRequest, Sampler, SamplerFactory } from './types.js';

export interface SobolGenerator {
  /** Point `index` of the sequence in [0, 1)^dimension. */
  point(index: number): number[];
}

function parity32(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** Multiplies a 32-bit column (bit 31 = most significant digit) by a lower-triangular GF(2) matrix. */
function scrambleColumn(rows: Uint32Array, v: number): number {
  let out = 0;
  for (let r = 0; r < SOBOL_BITS; r++) {
    if (parity32((rows[r]! & v) >>> 0)) out |= 1 << (31 - r);
  }
  return out >>> 0;
}

export function createSobol(dimension: number, seed: number, scramble: boolean): SobolGenerator {
  if (dimension > MAX_SOBOL_DIMENSION) {
    throw new InvalidSettings(
      `the sobol sampler supports up to ${MAX_SOBOL_DIMENSION} parameters, got ${dimension}`,
    );
  }
  const base = sobolDirections();
  const directions: Uint32Array[] = [];
  const shifts: number[] = [];
  const rng = Rng.derive(seed, 'sobol');
  for (let d = 0; d < dimension; d++) {
    const v = base[d]!;
    if (!scramble) {
      directions.push(v);
      shifts.push(0);
      continue;
    }
    // Row r of L: a 1 on the diagonal (bit 31 - r) and random bits for the more significant digits.
    const rows = new Uint32Array(SOBOL_BITS);
    for (let r = 0; r < SOBOL_BITS; r++) {
      const above = r === 0 ? 0 : (rng.nextUint32() >>> (32 - r)) << (32 - r);
      rows[r] = (above | (1 << (31 - r))) >>> 0;
    }
    directions.push(Uint32Array.from(v, (x) => scrambleColumn(rows, x)));
    shifts.push(rng.nextUint32());
  }
  return {
    point(index: number): number[] {
      if (!Number.isInteger(index) || index < 0 || index >= 2 ** SOBOL_BITS) {
        throw new RangeError(`sobol: index out of range: ${index}`);
      }
      return directions.map((v, d) => {
        let x = shifts[d]!;
        let i = index;
        for (let k = 0; i > 0; k++, i >>>= 1) {
          if (i & 1) x ^= v[k]!;
        }
        return (x >>> 0) / 2 ** 32;
      });
    },
  };
}

class SobolSampler implements Sampler {
  readonly name = 'sobol';
  sample(request: SampleRequest): ParamConfig[] {
    const scramble = readBoolean(request.settings, 'scramble', true);
    const gen = createSobol(request.space.dimension, request.seed, scramble);
    return request.indices.map((index) => request.space.decode(gen.point(index)));
  }
}

export const sobolSamplerFactory: SamplerFactory = {
  name: 'sobol',
  validateSettings: (settings: JsonObject) => {
    rejectUnknownSettings('the sobol sampler', settings, ['scramble']);
    readBoolean(settings, 'scramble', true);
  },
  validateSpace: (space: Space) => {
    if (space.dimension > MAX_SOBOL_DIMENSION) {
      throw new InvalidSettings(`the sobol sampler supports up to ${MAX_SOBOL_DIMENSION} parameters`);
    }
  },
  create: () => new SobolSampler(),
};
