import { Rng } from '../../rng.js';
import { crossKernel, kernelMatrix, matern52, matern52Slope, pairDeltas, type Inputs } from './kernel.js';
import { minimize } from './lbfgs.js';
import { defaultTheta, fitKernel, negLogPosterior } from './likelihood.js';
import {
  cholesky,
  choleskyJittered,
  dot,
  extendCholesky,
  inverseFromCholesky,
  solveCholesky,
} from './linalg.js';
import { logEI, logH } from './logei.js';
import { Posterior } from './posterior.js';

function randomInputs(n: number, d: number, seed: number, categorical: number[] = []): Inputs {
  const rng = new Rng(seed);
  const cat = new Uint8Array(d);
  for (const c of categorical) cat[c] = 1;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = cat[i % d] ? rng.int(3) : rng.random();
  return { n, d, x, categorical: cat };
}

const params = (d: number) => ({ rho: new Float64Array(d).fill(4), scale: 1.3, noise: 1e-3 });

describe('linear algebra', () => {
  const inputs = randomInputs(30, 3, 1);
  const a = kernelMatrix(params(3), inputs);
  const n = 30;

  it('factors a kernel matrix: L·Lᵀ = A', () => {
    const l = cholesky(a, n)!;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
        expect(s).toBeCloseTo(a[i * n + j]!, 10);
      }
  });

  it('factors and inverts two rows at a time with the same sums as one row at a time, bit for bit', () => {
    // One row at a time, every entry a `dot` (what gp's benchmarked results were computed with).
    const rowByRow = (m: Float64Array, size: number): Float64Array => {
      const l = new Float64Array(size * size);
      for (let i = 0; i < size; i++)
        for (let j = 0; j <= i; j++) {
          const v = m[i * size + j]! - dot(l, i * size, l, j * size, j);
          l[i * size + j] = i === j ? Math.sqrt(v) : v / l[j * size + j]!;
        }
      return l;
    };
    for (const size of [29, 30]) {
      const m = kernelMatrix(params(3), randomInputs(size, 3, size));
      const l = cholesky(m, size)!;
      expect(l).toEqual(rowByRow(m, size));
      const inv = inverseFromCholesky(l, size);
      const u = new Float64Array(size * size); // L⁻ᵀ, as inverseFromCholesky builds it
      for (let j = 0; j < size; j++) {
        u[j * size + j] = 1 / l[j * size + j]!;
        for (let i = j + 1; i < size; i++)
          u[j * size + i] = -dot(l, i * size + j, u, j * size + j, i - j) / l[i * size + i]!;
      }
      for (let i = 0; i < size; i++)
        for (let j = i; j < size; j++) {
          const v = dot(u, i * size + j, u, j * size + j, size - j);
          expect([inv[i * size + j], inv[j * size + i]]).toEqual([v, v]);
        }
    }
  });

  it('solves and inverts through the factor', () => {
    const l = cholesky(a, n)!;
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const x = solveCholesky(l, n, b);
    const inv = inverseFromCholesky(l, n);
    for (let i = 0; i < n; i++) {
      let ax = 0;
      let invB = 0;
      for (let k = 0; k < n; k++) {
        ax += a[i * n + k]! * x[k]!;
        invB += inv[i * n + k]! * b[k]!;
      }
      expect(ax).toBeCloseTo(b[i]!, 8);
      expect(invB).toBeCloseTo(x[i]!, 8);
    }
  });

  it('extends a factor by new rows exactly as factoring the whole matrix', () => {
    const m = 4;
    const head = n - m;
    const a11 = new Float64Array(head * head);
    for (let i = 0; i < head; i++) a11.set(a.subarray(i * n, i * n + head), i * head);
    const b = new Float64Array(m * head);
    const c = new Float64Array(m * m);
    for (let r = 0; r < m; r++) {
      b.set(a.subarray((head + r) * n, (head + r) * n + head), r * head);
      c.set(a.subarray((head + r) * n + head, (head + r) * n + n), r * m);
    }
    const extended = extendCholesky(cholesky(a11, head)!, head, b, c, m);
    const full = cholesky(a, n)!;
    for (let i = 0; i < n * n; i++) expect(extended[i]!).toBeCloseTo(full[i]!, 10);
  });

  it('adds jitter only when a matrix is singular, and reports it', () => {
    expect(choleskyJittered(Float64Array.from(a), n)!.jitter).toBe(0);
    const ones = new Float64Array(9).fill(1); // rank 1
    expect(cholesky(Float64Array.from(ones), 3)).toBeUndefined();
    expect(choleskyJittered(ones, 3)!.jitter).toBeGreaterThan(0);
  });
});

describe('Matérn-5/2 kernel', () => {
  it('is 1 at distance 0 and its slope in r² matches finite differences', () => {
    expect(matern52(0)).toBe(1);
    expect(matern52Slope(0)).toBeCloseTo(-5 / 6, 12);
    for (const r2 of [0.01, 0.3, 2, 9]) {
      const h = 1e-6 * r2;
      expect(matern52Slope(r2)).toBeCloseTo((matern52(r2 + h) - matern52(r2 - h)) / (2 * h), 6);
    }
  });

  it('compares categorical coordinates by equality only', () => {
    const inputs: Inputs = { n: 2, d: 1, x: Float64Array.of(0, 2), categorical: Uint8Array.of(1) };
    const k = new Float64Array(2);
    crossKernel({ rho: Float64Array.of(1), scale: 1, noise: 0 }, inputs, [1], k);
    expect(k[0]).toBeCloseTo(matern52(1), 12);
    expect(k[1]).toBeCloseTo(matern52(1), 12);
  });
});

describe('marginal likelihood', () => {
  it('has the gradient finite differences give, with numeric and categorical coordinates', () => {
    const inputs = randomInputs(25, 3, 2, [2]);
    const y = Float64Array.from(
      { length: 25 },
      (_, i) => Math.cos(3 * inputs.x[i * 3]!) + inputs.x[i * 3 + 2]!,
    );
    const theta = Float64Array.of(0.3, -0.5, 0.8, 0.1, Math.log(0.05));
    const grad = new Float64Array(5);
    negLogPosterior(inputs, pairDeltas(inputs), y, theta, grad, 1e-6, false);
    for (let j = 0; j < 5; j++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] = up[j]! + 1e-5;
      down[j] = down[j]! - 1e-5;
      const g = new Float64Array(5);
      const fd =
        (negLogPosterior(inputs, pairDeltas(inputs), y, up, g, 1e-6, false) -
          negLogPosterior(inputs, pairDeltas(inputs), y, down, g, 1e-6, false)) /
        2e-5;
      expect(grad[j]).toBeCloseTo(fd, 4);
    }
  });

  it("equals Optuna 5.0's GP loss (−log marginal likelihood − log prior) up to its constant n/2·log 2π", () => {
    // Optuna's numbers: optuna._gp.gp.GPRegressor on these 8 points, −marginal_log_likelihood() −
    // prior.default_log_prior(), computed once with optuna 5.0 and torch (bench/quality/.venv); Optuna
    // drops no constant, we drop n/2·log 2π. Same priors, same Matérn-5/2, same noise convention.
    const n = 8;
    const x = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      x[i * 2] = (i * 0.6180339887) % 1;
      x[i * 2 + 1] = (i * 0.4142135623 + 0.25) % 1;
    }
    const inputs: Inputs = { n, d: 2, x, categorical: new Uint8Array(2) };
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(3 * x[i * 2]!) + x[i * 2 + 1]! ** 2);
    const optuna: [number[], number, number, number][] = [
      [[Math.exp(0.3), Math.exp(-0.5)], Math.exp(0.1), 0.05, 0.4624730379797337],
      [[4, 0.25], 2, 1e-4, -1.6349761147936097],
    ];
    const g = new Float64Array(4);
    for (const [rho, scale, noise, loss] of optuna) {
      const theta = Float64Array.of(
        Math.log(rho[0]!),
        Math.log(rho[1]!),
        Math.log(scale),
        Math.log(noise - 1e-6),
      );
      const ours = negLogPosterior(inputs, pairDeltas(inputs), y, theta, g, 1e-6, false);
      expect(ours).toBeCloseTo(loss + (n / 2) * Math.log(2 * Math.PI), 9);
    }
  });

  it('learns a short lengthscale for the coordinate that matters and long ones for the others (ARD)', () => {
    const inputs = randomInputs(60, 3, 3);
    const raw = Float64Array.from({ length: 60 }, (_, i) => Math.sin(6 * inputs.x[i * 3]!));
    const fit = fitKernel(inputs, raw, {
      minNoise: 1e-6,
      subsetSize: 80,
      refineIterations: 3,
      maxIterations: 50,
      deterministic: false,
    });
    const [r0, r1, r2] = fit.params.rho;
    expect(r0!).toBeGreaterThan(10 * r1!);
    expect(r0!).toBeGreaterThan(10 * r2!);
    expect(fit.params.noise).toBeLessThan(0.01);
    // A better posterior than where it started.
    const g = new Float64Array(5);
    expect(negLogPosterior(inputs, pairDeltas(inputs), raw, fit.theta, g, 1e-6, false)).toBeLessThan(
      negLogPosterior(inputs, pairDeltas(inputs), raw, defaultTheta(3, 1e-6), g, 1e-6, false),
    );
  });

  it('fits on a subset, then refines on all observations, beyond subsetSize', () => {
    const inputs = randomInputs(120, 2, 4);
    const y = Float64Array.from(
      { length: 120 },
      (_, i) => Math.sin(5 * inputs.x[i * 2]!) * inputs.x[i * 2 + 1]!,
    );
    const options = { minNoise: 1e-6, subsetSize: 40, maxIterations: 50, deterministic: false };
    const coarse = fitKernel(inputs, y, { ...options, refineIterations: 0 });
    const refined = fitKernel(inputs, y, { ...options, refineIterations: 3 });
    const g = new Float64Array(4);
    expect(negLogPosterior(inputs, pairDeltas(inputs), y, refined.theta, g, 1e-6, false)).toBeLessThan(
      negLogPosterior(inputs, pairDeltas(inputs), y, coarse.theta, g, 1e-6, false),
    );
  });

  it('hands over the factor of its last evaluation on all observations: the posterior’s own, exactly', () => {
    const inputs = randomInputs(60, 3, 9, [2]);
    const y = Float64Array.from(
      { length: 60 },
      (_, i) => Math.cos(4 * inputs.x[i * 3]!) + inputs.x[i * 3 + 2]!,
    );
    const options = {
      minNoise: 1e-6,
      subsetSize: 80,
      refineIterations: 2,
      maxIterations: 50,
      deterministic: false,
    };
    for (const fit of [
      fitKernel(inputs, y, options),
      fitKernel(inputs, y, { ...options, subsetSize: 30 }), // refined on all
    ]) {
      const factor = choleskyJittered(kernelMatrix(fit.params, inputs), 60)!;
      expect(factor.jitter).toBe(0);
      expect(fit.factor?.l).toEqual(factor.l);
      expect(fit.factor?.alpha).toEqual(solveCholesky(factor.l, 60, y));
    }
    // Fitted on a subset only: its last evaluation was not on all observations.
    expect(fitKernel(inputs, y, { ...options, subsetSize: 30, refineIterations: 0 }).factor).toBeUndefined();
  });

  it('keeps the noise at its floor for a deterministic objective', () => {
    const inputs = randomInputs(20, 2, 5);
    const y = Float64Array.from({ length: 20 }, (_, i) => inputs.x[i * 2]!);
    const fit = fitKernel(inputs, y, {
      minNoise: 1e-6,
      subsetSize: 80,
      refineIterations: 0,
      maxIterations: 50,
      deterministic: true,
    });
    expect(fit.params.noise).toBe(1e-6);
  });
});

describe('log expected improvement', () => {
  // log h(z) and Φ(z)/h(z), h(z) = φ(z) + zΦ(z), from mpmath at 50 digits, rounded to doubles.
  const reference: [number, number, number][] = [
    [5, 1.6094379231264313, 0.19999994053122006],
    [0, -0.9189385332046728, 1.2533141373155003],
    [-1, -2.4851210257126413, 1.9042712333296918],
    [-2.5, -6.212541645443513, 3.098423296791162],
    [-3, -7.869686059603029, 3.5323375176251606],
    [-10, -55.55312203612235, 10.194383033412553],
    [-40, -808.29856835662, 40.04990665764852],
    [-1000, -500014.73445209116, 1000.001999994],
  ];
  it.each(reference)('log h(%d) and its slope are accurate', (z, value, slope) => {
    const h = logH(z);
    expect(Math.abs(h.value - value)).toBeLessThan(1e-6 * Math.max(1, Math.abs(value)));
    expect(Math.abs(h.slope - slope) / slope).toBeLessThan(1e-6);
  });

  it('is continuous where the continued fraction takes over', () => {
    const z = -2 * Math.SQRT2;
    expect(logH(z - 1e-9).value).toBeCloseTo(logH(z + 1e-9).value, 6);
  });

  it('has the gradient in mean and variance that finite differences give', () => {
    for (const [mean, variance] of [
      [0.3, 0.5],
      [-2, 0.01],
      [-30, 0.2],
    ] as const) {
      const e = logEI(mean, variance, 0.4);
      const h = 1e-6;
      expect(e.dMean).toBeCloseTo(
        (logEI(mean + h, variance, 0.4).value - logEI(mean - h, variance, 0.4).value) / (2 * h),
        3,
      );
      const hv = 1e-6 * variance;
      expect(e.dVariance * variance).toBeCloseTo(
        ((logEI(mean, variance + hv, 0.4).value - logEI(mean, variance - hv, 0.4).value) / (2 * hv)) *
          variance,
        3,
      );
    }
  });
});

describe('posterior', () => {
  const inputs = randomInputs(20, 2, 6);
  const y = Float64Array.from(
    { length: 20 },
    (_, i) => Math.sin(4 * inputs.x[i * 2]!) + inputs.x[i * 2 + 1]!,
  );
  const model = Posterior.fit({ rho: Float64Array.of(3, 3), scale: 1, noise: 1e-6 }, inputs, y);

  it('interpolates its observations with almost no noise', () => {
    const p = model.predict(inputs.x.subarray(0, 2));
    expect(p.mean).toBeCloseTo(y[0]!, 3);
    expect(p.variance).toBeLessThan(1e-4);
    expect(model.predict([5, 5]).variance).toBeCloseTo(1, 6); // far away: the prior
  });

  it('has the gradients in x that finite differences give', () => {
    const point = Float64Array.of(0.37, 0.61);
    const gm = new Float64Array(2);
    const gv = new Float64Array(2);
    model.predictWithGradient(point, [0, 1], gm, gv);
    for (let c = 0; c < 2; c++) {
      const up = Float64Array.from(point);
      const down = Float64Array.from(point);
      up[c] = up[c]! + 1e-6;
      down[c] = down[c]! - 1e-6;
      expect(gm[c]).toBeCloseTo((model.predict(up).mean - model.predict(down).mean) / 2e-6, 4);
      expect(gv[c]).toBeCloseTo((model.predict(up).variance - model.predict(down).variance) / 2e-6, 4);
    }
  });

  it('gives the gradient at the last predictKeeping point, the same as predictWithGradient', () => {
    const point = [0.3, 0.6];
    const [gm, gv, gm2, gv2] = [0, 0, 0, 0].map(() => new Float64Array(2));
    const p = model.predictWithGradient(point, [0, 1], gm!, gv!);
    expect(model.predictKeeping(point)).toEqual(p);
    expect(model.predict(point)).toEqual(p);
    // predict reuses the buffers: the gradient of the kept point is gone.
    expect(() => model.gradientOfLast([0, 1], gm2!, gv2!)).toThrow(/before predictKeeping/);
    model.predictKeeping(point);
    model.gradientOfLast([0, 1], gm2!, gv2!);
    expect([gm2, gv2]).toEqual([gm, gv]);
  });

  it('shrinks the variance at an added point and, told its own mean, keeps the mean', () => {
    const point = Float64Array.of(0.5, 0.5);
    const before = model.predict(point);
    const after = model.withPoints(point, Float64Array.of(before.mean)).predict(point);
    expect(after.variance).toBeLessThan(before.variance / 10);
    expect(after.mean).toBeCloseTo(before.mean, 6);
  });
});

describe('L-BFGS', () => {
  it('minimises the Rosenbrock function', () => {
    const r = minimize(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      [-1.2, 1],
      { maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0 },
    );
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it('stops at a bound the minimum lies beyond', () => {
    const r = minimize(
      (x, g) => {
        g[0] = 2 * (x[0]! - 3);
        g[1] = 2 * (x[1]! + 0.5);
        return (x[0]! - 3) ** 2 + (x[1]! + 0.5) ** 2;
      },
      [0, 0],
      { lower: [-1, -1], upper: [1, 1], maxIterations: 50, gradientTolerance: 1e-9 },
    );
    expect(r.x[0]).toBe(1);
    expect(r.x[1]).toBeCloseTo(-0.5, 6);
  });

  it('takes gradients where its line search accepts, none at the last point, same result', () => {
    const rosenbrock = (x: Float64Array, g: Float64Array): number => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const options = { maxIterations: 25, gradientTolerance: 1e-8, relativeTolerance: 0 };
    const plain = minimize(rosenbrock, [-1.2, 1], options);
    let values = 0;
    let gradients = 0;
    const scratch = new Float64Array(2);
    const split = minimize(
      {
        value: (x) => {
          values++;
          return rosenbrock(x, scratch);
        },
        gradient: (grad) => {
          gradients++;
          grad.set(scratch);
        },
      },
      [-1.2, 1],
      options,
    );
    expect(split.x).toEqual(plain.x);
    expect(split.value).toBe(plain.value);
    expect(split.iterations).toBe(25);
    // The start and every accepted point but the last: one per iteration; backtracking costs values only.
    expect(gradients).toBe(25);
    expect(split.gradients).toBe(25);
    expect(values).toBe(split.evaluations);
    expect(values).toBeGreaterThan(gradients);
  });
});
