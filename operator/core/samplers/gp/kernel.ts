/**
 * The GP's covariance: a Matérn-5/2 kernel with automatic relevance determination (one lengthscale
 * per coordinate) times a signal variance,
 *
 *   k(x, x') = s · (1 + √5·r + 5r²/3) · exp(−√5·r),   r² = Σ_k ρ_k · δ_k(x, x')²,
 *
 * with ρ_k = 1/ℓ_k² and δ_k = x_k − x'_k on numeric coordinates, δ_k² = [x_k ≠ x'_k] on categorical
 * ones (a Hamming distance, as in Optuna's GPSampler). Points live in the model coordinates of
 * encoding.ts: numeric parameters on [0, 1] (log ones on the log scale), categoricals as value indices.
 */
// Module-level aliases: under a vm context (jest) every `Math.` lookup goes through the global proxy.
const { exp, sqrt } = Math;

/** The training inputs: n points of d coordinates, row-major. */
export interface Inputs {
  n: number;
  d: number;
  x: Float64Array;
  /** 1 where coordinate k is categorical. */
  categorical: Uint8Array;
}

export interface KernelParams {
  /** Inverse squared lengthscales ρ_k, one per coordinate. */
  rho: Float64Array;
  /** Signal variance s. */
  scale: number;
  /** Observation noise variance, added to the diagonal. */
  noise: number;
}

const SQRT5 = sqrt(5);

/** Matérn-5/2 correlation at squared distance r2 (unit signal variance). */
export function matern52(r2: number): number {
  const r = SQRT5 * sqrt(r2);
  return (1 + r + (r * r) / 3) * exp(-r);
}

/** d matern52 / d r2 — finite at r2 = 0, where it is −5/6. */
export function matern52Slope(r2: number): number {
  const r = SQRT5 * sqrt(r2);
  return (-5 / 6) * (1 + r) * exp(-r);
}

/** δ_k² between two points' coordinate k. */
export function squaredDelta(a: number, b: number, categorical: boolean): number {
  if (categorical) return a === b ? 0 : 1;
  const t = a - b;
  return t * t;
}

/**
 * Per-pair, per-coordinate δ² of the inputs, pairs (i, j) with i < j in row order, d values each:
 * the marginal likelihood reuses them for every hyperparameter value it tries.
 */
export function pairDeltas(inputs: Inputs): Float64Array {
  const { n, d, x, categorical } = inputs;
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = 0; k < d; k++) out[p++] = squaredDelta(x[i * d + k]!, x[j * d + k]!, categorical[k] === 1);
    }
  }
  return out;
}

/** k(point, x_i) for every input i into `out`; `slopes` (optional) gets s·matern52Slope(r_i²). */
export function crossKernel(
  params: KernelParams,
  inputs: Inputs,
  point: ArrayLike<number>,
  out: Float64Array,
  slopes?: Float64Array,
): void {
  const { n, d, x, categorical } = inputs;
  const { rho, scale } = params;
  for (let i = 0; i < n; i++) {
    let r2 = 0;
    const row = i * d;
    for (let k = 0; k < d; k++) r2 += rho[k]! * squaredDelta(point[k]!, x[row + k]!, categorical[k] === 1);
    const r = SQRT5 * sqrt(r2);
    const e = exp(-r);
    out[i] = scale * (1 + r + (r * r) / 3) * e;
    if (slopes) slopes[i] = scale * (-5 / 6) * (1 + r) * e;
  }
}

/** The n×n matrix K(X, X) + noise·I. */
export function kernelMatrix(params: KernelParams, inputs: Inputs): Float64Array {
  const { n } = inputs;
  const out = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    crossKernel(params, inputs, inputs.x.subarray(i * inputs.d, (i + 1) * inputs.d), row);
    out.set(row, i * n);
    out[i * n + i] = params.scale + params.noise;
  }
  return out;
}
