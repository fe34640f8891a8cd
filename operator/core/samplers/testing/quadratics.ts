/**
 * Quadratic test problems for the evolution-strategy and policy-gradient samplers' regression tests:
 * a shifted sphere and a shifted ellipsoid (condition 10³) in 5-D, an int/float/log mix, and
 * Hamano et al.'s (2022) ellipsoid-onemax, binary and continuous coordinates together.
 */
import type { ParamConfig, Parameter } from '../../../api/types.js';
import type { Problem } from '../../testing/problems.js';

const floats = (n: number): Parameter[] =>
  Array.from({ length: n }, (_, i) => ({ name: `x${i}`, type: 'float', min: -5, max: 5 }));
const values = (c: ParamConfig, prefix: string): number[] =>
  Object.entries(c)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => v as number);

export const sphere5: Problem = {
  name: 'sphere5',
  params: floats(5),
  evaluate: (c) => values(c, 'x').reduce((s, v) => s + (v - 1.3) ** 2, 0),
  optimum: 0,
  argmin: Object.fromEntries(floats(5).map((p) => [p.name, 1.3])),
};

export const ellipsoid5: Problem = {
  name: 'ellipsoid5',
  params: floats(5),
  evaluate: (c) => values(c, 'x').reduce((s, v, i) => s + 10 ** ((3 * i) / 4) * (v - 1.3) ** 2, 0),
  optimum: 0,
  argmin: Object.fromEntries(floats(5).map((p) => [p.name, 1.3])),
};

export const intLogMix: Problem = {
  name: 'intLogMix',
  params: [
    { name: 'a', type: 'int', min: -10, max: 10 },
    { name: 'b', type: 'int', min: -10, max: 10 },
    { name: 'c', type: 'float', min: -5, max: 5 },
    { name: 'd', type: 'float', min: 1e-4, max: 1, log: true },
    { name: 'e', type: 'int', min: 1, max: 1000, log: true },
  ],
  evaluate: (c) =>
    ((c['a'] as number) - 3) ** 2 +
    ((c['b'] as number) + 2) ** 2 +
    ((c['c'] as number) - 1) ** 2 +
    Math.log10((c['d'] as number) / 1e-2) ** 2 +
    Math.log10((c['e'] as number) / 50) ** 2,
  optimum: 0,
  argmin: { a: 3, b: -2, c: 1, d: 1e-2, e: 50 },
};

const BITS = 8;
const REALS = 4;
export const ellipsoidOnemax: Problem = {
  name: 'ellipsoidOnemax',
  params: [
    ...Array.from({ length: BITS }, (_, i): Parameter => ({ name: `b${i}`, type: 'int', min: 0, max: 1 })),
    ...Array.from({ length: REALS }, (_, i): Parameter => ({
      name: `c${i}`,
      type: 'float',
      min: -3,
      max: 3,
    })),
  ],
  evaluate: (c) =>
    values(c, 'c').reduce((s, v, i) => s + (10 ** (i / (REALS - 1)) * v) ** 2, 0) +
    values(c, 'b').reduce((s, v) => s + 10 * (1 - v), 0),
  optimum: 0,
  argmin: {},
};
