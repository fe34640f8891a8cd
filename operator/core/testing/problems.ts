/**
 * Standard test functions for samplers (tests and `npm run bench:samplers`), each with its known
 * global minimum. Domains follow the usual definitions (Surjanovic & Bingham's library of test
 * functions); Rosenbrock-4 uses [-2.048, 2.048]^4, the classic De Jong domain.
 */
import type { ParamConfig, Parameter } from '../../api/types.js';

export interface Problem {
  name: string;
  params: Parameter[];
  evaluate(config: ParamConfig): number;
  /** The global minimum value. */
  optimum: number;
  /** A minimiser, for tests. */
  argmin: ParamConfig;
}

const x = (config: ParamConfig, name: string): number => config[name] as number;

export const branin: Problem = {
  name: 'branin',
  params: [
    { name: 'x1', type: 'float', min: -5, max: 10 },
    { name: 'x2', type: 'float', min: 0, max: 15 },
  ],
  evaluate(c) {
    const x1 = x(c, 'x1');
    const x2 = x(c, 'x2');
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const cc = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + cc * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
  optimum: 0.397887,
  argmin: { x1: Math.PI, x2: 2.275 },
};

const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

export const hartmann6: Problem = {
  name: 'hartmann6',
  params: Array.from({ length: 6 }, (_, i) => ({
    name: `x${i + 1}`,
    type: 'float' as const,
    min: 0,
    max: 1,
  })),
  evaluate(c) {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H_A[i]![j]! * (x(c, `x${j + 1}`) - H_P[i]![j]!) ** 2;
      sum += H_ALPHA[i]! * Math.exp(-inner);
    }
    return -sum;
  },
  optimum: -3.32237,
  argmin: { x1: 0.20169, x2: 0.150011, x3: 0.476874, x4: 0.275332, x5: 0.311652, x6: 0.6573 },
};

export const rosenbrock4: Problem = {
  name: 'rosenbrock4',
  params: Array.from({ length: 4 }, (_, i) => ({
    name: `x${i + 1}`,
    type: 'float' as const,
    min: -2.048,
    max: 2.048,
  })),
  evaluate(c) {
    let sum = 0;
    for (let i = 1; i < 4; i++) {
      const a = x(c, `x${i}`);
      const b = x(c, `x${i + 1}`);
      sum += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    }
    return sum;
  },
  optimum: 0,
  argmin: { x1: 1, x2: 1, x3: 1, x4: 1 },
};

const OPTIMIZER_PENALTY: Record<string, number> = { adam: 0, rmsprop: 0.2, sgd: 0.5 };
/**
 * A synthetic HPO-like problem over every kind of parameter (log float, log int, int, categorical,
 * stepped float) with an interaction: the best learning rate depends on the optimizer (sgd wants ten
 * times more). Not a standard function; it checks that sampler defaults tuned on smooth continuous
 * problems do not hurt a mixed space.
 */
export const mixedHpo: Problem = {
  name: 'mixed',
  params: [
    { name: 'lr', type: 'float', min: 1e-5, max: 1, log: true },
    { name: 'width', type: 'int', min: 8, max: 512, log: true },
    { name: 'depth', type: 'int', min: 1, max: 8 },
    { name: 'optimizer', type: 'categorical', values: ['sgd', 'adam', 'rmsprop'] },
    { name: 'dropout', type: 'float', min: 0, max: 0.5, step: 0.05 },
  ],
  evaluate(c) {
    const optimizer = c['optimizer'] as string;
    const bestLr = optimizer === 'sgd' ? -1.5 : -2.5;
    return (
      (Math.log10(x(c, 'lr')) - bestLr) ** 2 +
      (Math.log2(x(c, 'width')) - 7) ** 2 / 8 +
      (x(c, 'depth') - 3) ** 2 / 12 +
      OPTIMIZER_PENALTY[optimizer]! +
      4 * (x(c, 'dropout') - 0.15) ** 2
    );
  },
  optimum: 0,
  argmin: { lr: 10 ** -2.5, width: 128, depth: 3, optimizer: 'adam', dropout: 0.15 },
};

/** The sampler benchmark's problems (bench/samplers), in its order. */
export const PROBLEMS: readonly Problem[] = [branin, hartmann6, rosenbrock4, mixedHpo];
