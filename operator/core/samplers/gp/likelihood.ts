/**
 * The kernel hyperparameters by maximum a posteriori: the log marginal likelihood of the observations
 * (Rasmussen & Williams 2006, eq. 5.8; gradient eq. 5.9) plus weak priors, maximised by L-BFGS over
 * θ = (log ρ_1 … log ρ_d, log s, log(noise − minNoise)).
 *
 *   log p(y | θ) = −½ yᵀK⁻¹y − ½ log|K| − (n/2) log 2π,   ∂/∂θ_j = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j),  α = K⁻¹y.
 *
 * Priors (Optuna's GPSampler's, on targets standardised to mean 0 and variance 1): −(0.1/ρ + 0.1ρ)
 * per inverse squared lengthscale (most mass near ℓ = 1, the whole range), Gamma(2, 1) on the signal
 * variance s, Gamma(1.1, 30) on the noise variance; the noise stays ≥ minNoise.
 *
 * Speed: one evaluation is a Cholesky factorisation, n³/6 multiply-adds, and its gradient (at the points
 * the line search accepts) an inverse, n³/3 more. Up to
 * `subsetSize` observations the fit runs to convergence on all of them; beyond, it converges on an
 * evenly spaced subset of `subsetSize` (by index) and then takes `refineIterations` L-BFGS steps on
 * all, started from the subset's optimum with its curvature discarded (skipped when the table of
 * pairwise differences would pass 4M numbers, e.g. ~900 trials of 10 parameters). Deterministic.
 */
import { pairDeltas, type Inputs, type KernelParams } from './kernel.js';
import { minimize, type SplitObjective } from './lbfgs.js';
import { cholesky, inverseFromCholesky, solveCholesky } from './linalg.js';
// Module-level aliases: under a vm context (jest) every `Math.` lookup goes through the global proxy.
const { exp, sqrt, log } = Math;

export interface FitOptions {
  minNoise: number;
  /** Fit on all observations up to this many; beyond, on a subset of this size, then refine. */
  subsetSize: number;
  /** L-BFGS iterations on all observations after the subset's fit. */
  refineIterations: number;
  /** L-BFGS iterations of a full fit. */
  maxIterations: number;
  /** Fix the noise at minNoise (a deterministic objective). */
  deterministic: boolean;
}

const LOG_2PI = log(2 * Math.PI);
const SQRT5 = sqrt(5);
// Box on θ: lengthscales from 0.01 to 100 ranges, signal variance 1e-3…100, noise up to 10.
const LOG_RHO = [log(1e-4), log(1e4)] as const;
const LOG_SCALE = [log(1e-3), log(100)] as const;
const LOG_NOISE = [log(1e-10), log(10)] as const;
const MAX_DELTAS = 4_000_000;

/** The kernel's parameters at θ; a deterministic objective's noise is minNoise whatever θ says. */
export function paramsOf(
  theta: ArrayLike<number>,
  d: number,
  minNoise: number,
  deterministic: boolean,
): KernelParams {
  const rho = new Float64Array(d);
  for (let k = 0; k < d; k++) rho[k] = exp(theta[k]!);
  return { rho, scale: exp(theta[d]!), noise: minNoise + (deterministic ? 0 : exp(theta[d + 1]!)) };
}

/**
 * −(log marginal likelihood + log prior) as a function of θ for the line search: its value needs K's
 * Cholesky factor (n³/6 multiply-adds), its gradient K⁻¹ as well (n³/3 more), so the gradient is
 * computed only for the points the line search accepts. `deltas` are the inputs' pairDeltas. The value
 * is +∞ where K is not numerically positive definite (the line search steps back).
 */
export interface LogPosteriorObjective extends SplitObjective {
  /** K's factor and α = K⁻¹y of the last evaluation if it was at θ (and finite): the posterior's own. */
  factorAt(theta: ArrayLike<number>): Factor | undefined;
}

/** A Cholesky factor L of K and α = K⁻¹y. */
export interface Factor {
  l: Float64Array;
  alpha: Float64Array;
}

export function logPosteriorObjective(
  inputs: Inputs,
  deltas: Float64Array,
  y: Float64Array,
  minNoise: number,
  deterministic: boolean,
): LogPosteriorObjective {
  const { n, d } = inputs;
  // The last evaluation's state, for its gradient.
  const kMat = new Float64Array(n * n);
  const slope = new Float64Array(n * n); // s·∂matern/∂r², upper triangle
  let last:
    | { theta: Float64Array; l: Float64Array; alpha: Float64Array; params: KernelParams; extra: number }
    | undefined;
  return {
    factorAt(theta) {
      if (!last || last.theta.some((t, k) => t !== theta[k])) return undefined;
      return { l: last.l, alpha: last.alpha };
    },
    value(theta) {
      const params = paramsOf(theta, d, minNoise, deterministic);
      const { rho, scale, noise } = params;
      const extra = deterministic ? 0 : exp(theta[d + 1]!);
      last = undefined;
      for (let i = 0, p = 0; i < n; i++) {
        kMat[i * n + i] = scale + noise;
        for (let j = i + 1; j < n; j++, p += d) {
          let r2 = 0;
          for (let k = 0; k < d; k++) r2 += rho[k]! * deltas[p + k]!;
          const r = SQRT5 * sqrt(r2);
          const e = exp(-r);
          const v = scale * (1 + r + (r * r) / 3) * e;
          kMat[i * n + j] = v;
          kMat[j * n + i] = v;
          slope[i * n + j] = scale * (-5 / 6) * (1 + r) * e;
        }
      }
      const l = cholesky(kMat, n);
      if (!l) return Infinity;
      const alpha = solveCholesky(l, n, y);
      let quad = 0;
      let logDet = 0;
      for (let i = 0; i < n; i++) {
        quad += y[i]! * alpha[i]!;
        logDet += 2 * log(l[i * n + i]!);
      }
      let logPrior = 0;
      for (let k = 0; k < d; k++) logPrior -= 0.1 / rho[k]! + 0.1 * rho[k]!;
      logPrior += log(scale) - scale;
      logPrior += 0.1 * log(noise) - 30 * noise;
      last = { theta: Float64Array.from(theta), l, alpha, params, extra };
      return 0.5 * quad + 0.5 * logDet + 0.5 * n * LOG_2PI - logPrior;
    },
    gradient(grad) {
      if (!last) throw new RangeError('gp: no finite evaluation to take the gradient of');
      const { l, alpha, extra } = last;
      const { rho, scale, noise } = last.params;
      const inv = inverseFromCholesky(l, n);
      // W = ααᵀ − K⁻¹; ∂/∂θ_j = ½ Σ_ij W_ij ∂K_ij/∂θ_j, summed over i < j twice and the diagonal once.
      const gRho = new Float64Array(d);
      let gScale = 0;
      let gNoise = 0;
      for (let i = 0, p = 0; i < n; i++) {
        const wii = alpha[i]! * alpha[i]! - inv[i * n + i]!;
        gScale += 0.5 * wii * scale;
        gNoise += 0.5 * wii * extra;
        for (let j = i + 1; j < n; j++, p += d) {
          const w = alpha[i]! * alpha[j]! - inv[i * n + j]!;
          gScale += w * kMat[i * n + j]!;
          const ws = w * slope[i * n + j]!;
          for (let k = 0; k < d; k++) gRho[k] = gRho[k]! + ws * deltas[p + k]!;
        }
      }
      for (let k = 0; k < d; k++) grad[k] = -(gRho[k]! * rho[k]! + 0.1 / rho[k]! - 0.1 * rho[k]!);
      grad[d] = -(gScale + 1 - scale);
      grad[d + 1] = deterministic ? 0 : -(gNoise + (0.1 / noise - 30) * extra);
    },
  };
}

/** −(log marginal likelihood + log prior) at θ, its gradient into `grad` (logPosteriorObjective's). */
export function negLogPosterior(
  inputs: Inputs,
  deltas: Float64Array,
  y: Float64Array,
  theta: Float64Array,
  grad: Float64Array,
  minNoise: number,
  deterministic: boolean,
): number {
  const objective = logPosteriorObjective(inputs, deltas, y, minNoise, deterministic);
  const value = objective.value(theta);
  if (Number.isFinite(value)) objective.gradient(grad);
  return value;
}

/** The starting θ: every lengthscale the whole range, unit signal variance, noise 0.01. */
export function defaultTheta(d: number, minNoise: number): Float64Array {
  const theta = new Float64Array(d + 2);
  theta[d] = 0;
  theta[d + 1] = log(Math.max(0.01 - minNoise, 1e-10));
  return theta;
}

function bounds(d: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(d + 2).fill(LOG_RHO[0]);
  const upper = new Float64Array(d + 2).fill(LOG_RHO[1]);
  lower[d] = LOG_SCALE[0];
  upper[d] = LOG_SCALE[1];
  lower[d + 1] = LOG_NOISE[0];
  upper[d + 1] = LOG_NOISE[1];
  return { lower, upper };
}

/** Rows `rows` of the inputs and targets. */
function subset(inputs: Inputs, y: Float64Array, rows: readonly number[]): [Inputs, Float64Array] {
  const { d } = inputs;
  const x = new Float64Array(rows.length * d);
  rows.forEach((r, i) => x.set(inputs.x.subarray(r * d, r * d + d), i * d));
  return [{ ...inputs, n: rows.length, x }, Float64Array.from(rows, (r) => y[r]!)];
}

export interface Fit {
  params: KernelParams;
  theta: Float64Array;
  /** Objective evaluations, for tests and the benchmark. */
  evaluations: number;
  /**
   * K's factor at θ on all the inputs when the fit's last evaluation was there (a fit on all of them, or
   * a refinement): Posterior.fit would compute the same numbers again.
   */
  factor?: Factor;
}

/** Maximises the marginal likelihood (plus priors) of y (standardised) over the kernel's parameters. */
export function fitKernel(inputs: Inputs, y: Float64Array, options: FitOptions): Fit {
  const { d, n } = inputs;
  const box = bounds(d);
  let theta = defaultTheta(d, options.minNoise);
  if (options.deterministic) box.lower[d + 1] = box.upper[d + 1] = theta[d + 1]!;
  let factor: Factor | undefined;
  const run = (data: Inputs, targets: Float64Array, start: Float64Array, iterations: number) => {
    const objective = logPosteriorObjective(
      data,
      pairDeltas(data),
      targets,
      options.minNoise,
      options.deterministic,
    );
    const r = minimize(objective, start, {
      ...box,
      maxIterations: iterations,
      gradientTolerance: 1e-2 * Math.max(1, data.n / 50),
    });
    factor = data === inputs ? objective.factorAt(r.x) : undefined;
    return r;
  };
  let evaluations = 0;
  if (n <= options.subsetSize) {
    const r = run(inputs, y, theta, options.maxIterations);
    theta = r.x;
    evaluations += r.evaluations;
  } else {
    const rows = Array.from({ length: options.subsetSize }, (_, i) =>
      Math.floor(((i + 0.5) * n) / options.subsetSize),
    );
    const [xs, ys] = subset(inputs, y, rows);
    const coarse = run(xs, ys, theta, options.maxIterations);
    evaluations += coarse.evaluations;
    theta = coarse.x;
    // The refinement's pair table holds n(n−1)/2·d numbers: past MAX_DELTAS (32 MB) it is skipped.
    if (options.refineIterations > 0 && ((n * (n - 1)) / 2) * d <= MAX_DELTAS) {
      const fine = run(inputs, y, theta, options.refineIterations);
      evaluations += fine.evaluations;
      if (Number.isFinite(fine.value)) theta = fine.x;
      else factor = undefined;
    }
  }
  return {
    params: paramsOf(theta, d, options.minNoise, options.deterministic),
    theta,
    evaluations,
    ...(factor ? { factor } : {}),
  };
}
