/**
 * Direction numbers of the Sobol' sequence, computed rather than tabulated.
 *
 * Dimension 1 is the van der Corput sequence. Dimension d ≥ 2 uses the (d−1)-th primitive polynomial
 * over GF(2), in order of degree then coefficient value, and initial direction numbers m_1..m_s. The
 * first dimensions use the initial numbers published by Joe & Kuo (2008, "Constructing Sobol sequences
 * with better two-dimensional projections"); beyond that, m_k are odd numbers < 2^k drawn from a fixed
 * generator. Any such choice gives a valid (digital) Sobol' sequence; scrambling (sobol.ts) supplies the
 * randomisation, which is what HPO needs at a few hundred points.
 */
import { Rng } from '../rng.js';

export const SOBOL_BITS = 32;
export const MAX_SOBOL_DIMENSION = 64;

/** Joe–Kuo initial direction numbers for dimensions 2..13 (index 0 = dimension 2). */
const JOE_KUO_M: readonly (readonly number[])[] = [
  [1],
  [1, 3],
  [1, 3, 1],
  [1, 1, 1],
  [1, 1, 3, 3],
  [1, 3, 5, 13],
  [1, 1, 5, 5, 17],
  [1, 1, 5, 5, 5],
  [1, 1, 7, 11, 19],
  [1, 1, 5, 1, 1],
  [1, 1, 1, 3, 11],
  [1, 3, 5, 5, 31],
];

/** Whether x^degree + … (bits of `poly`, bit 0 = constant term) is primitive over GF(2). */
function isPrimitive(poly: number, degree: number): boolean {
  const period = (1 << degree) - 1;
  let r = 1;
  for (let k = 1; k <= period; k++) {
    r <<= 1;
    if (r & (1 << degree)) r ^= poly;
    if (r === 1) return k === period;
  }
  return false;
}

/** Primitive polynomials in order of degree then value: [degree, poly bits including the leading 1]. */
function primitivePolynomials(count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let degree = 1; out.length < count; degree++) {
    for (let poly = (1 << degree) | 1; poly < 1 << (degree + 1) && out.length < count; poly += 2) {
      if (isPrimitive(poly, degree)) out.push([degree, poly]);
    }
  }
  return out;
}

let cache: Uint32Array[] | undefined;

/** Direction numbers v[k] (k = bit, 0 = most significant) for each dimension, as 32-bit integers. */
export function sobolDirections(): readonly Uint32Array[] {
  if (cache) return cache;
  const dims: Uint32Array[] = [];
  const first = new Uint32Array(SOBOL_BITS);
  for (let k = 0; k < SOBOL_BITS; k++) first[k] = 2 ** (31 - k);
  dims.push(first);
  const polys = primitivePolynomials(MAX_SOBOL_DIMENSION - 1);
  // Degree 1 (x + 1) gives the same sequence as dimension 1's construction shifted; Joe–Kuo's table
  // starts at degree 1 for dimension 2 all the same, so keep it.
  const filler = new Rng(0x50b01);
  polys.forEach(([s, poly], d) => {
    const m = new Array<number>(SOBOL_BITS);
    const published = JOE_KUO_M[d];
    for (let k = 0; k < s; k++) {
      const given = published && published.length === s ? published[k] : undefined;
      m[k] = given ?? 2 * filler.int(2 ** k) + 1; // odd, < 2^(k+1)
    }
    // Recurrence m_k = 2a_1 m_{k-1} ⊕ 4a_2 m_{k-2} ⊕ … ⊕ 2^s m_{k-s} ⊕ m_{k-s}.
    for (let k = s; k < SOBOL_BITS; k++) {
      let value = m[k - s]! ^ (m[k - s]! * 2 ** s);
      for (let j = 1; j < s; j++) {
        const a = (poly >> (s - j)) & 1;
        if (a) value ^= m[k - j]! * 2 ** j;
      }
      m[k] = value;
    }
    const v = new Uint32Array(SOBOL_BITS);
    for (let k = 0; k < SOBOL_BITS; k++) v[k] = (m[k]! * 2 ** (31 - k)) >>> 0;
    dims.push(v);
  });
  cache = dims;
  return dims;
}
