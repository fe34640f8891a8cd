/**
 * A Parzen estimator: a weighted mixture of kernels, one per observation plus a prior, over one or more
 * parameters (one for univariate TPE, all of a group for multivariate TPE).
 *
 * Per parameter kind:
 * - continuous float: normal kernels truncated to the range, in log space for `log: true`;
 * - int / stepped float: the same normals, but a value's likelihood is the mass of its grid cell
 *   (the range is widened by half a step on each side, space.internalRange), so no value is favoured
 *   by being at an edge;
 * - categorical: each kernel puts weight 1 + w/K on its observed value and w/K on every value (w the
 *   prior weight, K the number of kernels), normalised; the prior kernel is uniform.
 * Bandwidths (σ of the observation kernels; the prior kernel sits at the centre with σ = range):
 * - univariate: the distance to the neighbouring observations (Bergstra et al. 2011; considerEndpoints
 *   lets the range ends count as neighbours), bounded below by the "magic clip" range / min(100, 1 + K)
 *   when considerMagicClip;
 * - multivariate, bandwidth "scott" (our default): Scott's rule per dimension,
 *   σ_d = n^(−1/(d+4)) · s_d (Scott 1992, "Multivariate Density Estimation", §6.3), with s_d the
 *   weighted (population) standard deviation of the group along d and n the group's size — simpler
 *   than the effective sample size of a weighted group, and what the defaults were tuned with. At least
 *   minBandwidth · range (this floor replaces the magic clip), and on an int or stepped parameter at
 *   least the grid cell of the kernel's value. The kernels are wide while the group is spread out and
 *   narrow as it concentrates, which is what refines a good region; the floors keep l(x) from
 *   collapsing onto a few points or values. Checked against the alternative on seeds the benchmark
 *   does not use (docs/tpe-defaults.md).
 * - multivariate, bandwidth "optuna": σ = 0.2 · n^(−1/(d+4)) · range for every kernel (Optuna's
 *   multivariate rule, after Falkner et al. 2018), with the magic clip.
 * Multivariate TPE models conditional parameters one at a time, with the multivariate rule in one
 * dimension.
 */
import type { ParamValue, Parameter } from '../../../api/types.js';
import type { Rng } from '../../rng.js';
import { fromInternal, internalRange, snapNumeric, stepOf, toInternal } from '../../space/space.js';
import { LOG_SQRT_2PI, logNormalMass, logSumExp, sampleTruncatedNormal } from './math.js';

export interface EstimatorOptions {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  multivariate: boolean;
  /** How multivariate kernels get their width (see the top of this file). */
  bandwidth: 'scott' | 'optuna';
  /** Scott's rule's lower bound on σ, as a fraction of the range. */
  minBandwidth: number;
}

interface NumericDim {
  kind: 'numeric';
  param: Exclude<Parameter, { type: 'categorical' }>;
  low: number;
  high: number;
  discrete: boolean;
  mu: Float64Array;
  sigma: Float64Array;
  /** log σ + log Z (the truncation's normaliser), per kernel. */
  logNorm: Float64Array;
}
interface CategoricalDim {
  kind: 'categorical';
  param: Extract<Parameter, { type: 'categorical' }>;
  /** logProb[k * nValues + c]. */
  logProb: Float64Array;
}
type Dim = NumericDim | CategoricalDim;

/** Candidates in the estimator's coordinates: numeric → internal (log) value, categorical → index. */
export type Candidates = Float64Array;

export class ParzenEstimator {
  private readonly dims: Dim[];
  private readonly logWeights: Float64Array;
  private readonly weights: Float64Array;
  readonly kernels: number;

  /**
   * @param params the parameters modelled jointly
   * @param observations one row per observation, values in `params` order (all active)
   * @param obsWeights one weight per observation (recency ramp), not normalised
   */
  constructor(
    params: readonly Parameter[],
    observations: readonly (readonly ParamValue[])[],
    obsWeights: ArrayLike<number>,
    options: EstimatorOptions,
  ) {
    const n = observations.length;
    this.kernels = n + 1;
    this.weights = new Float64Array(this.kernels);
    let total = options.priorWeight;
    for (let k = 0; k < n; k++) total += obsWeights[k]!;
    for (let k = 0; k < n; k++) this.weights[k] = obsWeights[k]! / total;
    this.weights[n] = options.priorWeight / total;
    this.logWeights = this.weights.map(Math.log);
    this.dims = params.map((param, d) =>
      param.type === 'categorical'
        ? categoricalDim(param, observations, d, options)
        : numericDim(param, observations, obsWeights, d, params.length, options),
    );
  }

  /** `count` draws from the mixture, in estimator coordinates (count × dims, row-major). */
  sample(rng: Rng, count: number): Candidates {
    const D = this.dims.length;
    const out = new Float64Array(count * D);
    for (let i = 0; i < count; i++) {
      const k = rng.choiceWeighted(this.weights);
      for (let d = 0; d < D; d++) {
        const dim = this.dims[d]!;
        if (dim.kind === 'categorical') {
          const nv = dim.param.values.length;
          const probs = new Float64Array(nv);
          for (let c = 0; c < nv; c++) probs[c] = Math.exp(dim.logProb[k * nv + c]!);
          out[i * D + d] = rng.choiceWeighted(probs);
        } else {
          const x = sampleTruncatedNormal(rng, dim.mu[k]!, dim.sigma[k]!, dim.low, dim.high);
          out[i * D + d] = dim.discrete
            ? toInternal(dim.param, snapNumeric(dim.param, fromInternal(dim.param, x)))
            : x;
        }
      }
    }
    return out;
  }

  /** log density (log mass for discrete and categorical parameters) of each candidate. */
  logPdf(candidates: Candidates, count: number): Float64Array {
    const D = this.dims.length;
    const K = this.kernels;
    const out = new Float64Array(count);
    const perKernel = new Float64Array(K);
    for (let i = 0; i < count; i++) {
      perKernel.set(this.logWeights);
      for (let d = 0; d < D; d++) {
        const dim = this.dims[d]!;
        const x = candidates[i * D + d]!;
        if (dim.kind === 'categorical') {
          const nv = dim.param.values.length;
          for (let k = 0; k < K; k++) perKernel[k] = perKernel[k]! + dim.logProb[k * nv + x]!;
        } else if (dim.discrete) {
          const [a, b] = cellOf(dim.param, dim.low, dim.high, fromInternal(dim.param, x));
          for (let k = 0; k < K; k++) {
            const mu = dim.mu[k]!;
            const s = dim.sigma[k]!;
            perKernel[k] =
              perKernel[k]! + logNormalMass((a - mu) / s, (b - mu) / s) - dim.logNorm[k]! + Math.log(s);
          }
        } else {
          for (let k = 0; k < K; k++) {
            const z = (x - dim.mu[k]!) / dim.sigma[k]!;
            perKernel[k] = perKernel[k]! - 0.5 * z * z - LOG_SQRT_2PI - dim.logNorm[k]!;
          }
        }
      }
      out[i] = logSumExp(perKernel, K);
    }
    return out;
  }

  /** Converts a candidate row back to parameter values. */
  valuesOf(candidates: Candidates, i: number): ParamValue[] {
    const D = this.dims.length;
    return this.dims.map((dim, d) => {
      const x = candidates[i * D + d]!;
      if (dim.kind === 'categorical') return dim.param.values[x]!;
      return snapNumeric(dim.param, fromInternal(dim.param, x));
    });
  }
}

/** The interval of internal coordinates (within [low, high]) that rounds to the grid value v. */
function cellOf(param: NumericDim['param'], low: number, high: number, v: number): [number, number] {
  const half = stepOf(param)! / 2;
  return [Math.max(low, toInternal(param, v - half)), Math.min(high, toInternal(param, v + half))];
}

function numericDim(
  param: Exclude<Parameter, { type: 'categorical' }>,
  observations: readonly (readonly ParamValue[])[],
  obsWeights: ArrayLike<number>,
  d: number,
  nDims: number,
  options: EstimatorOptions,
): NumericDim {
  const [low, high] = internalRange(param);
  const range = high - low;
  const n = observations.length;
  const K = n + 1;
  const mu = new Float64Array(K);
  for (let k = 0; k < n; k++) mu[k] = toInternal(param, observations[k]![d] as number);
  mu[n] = 0.5 * (low + high);
  const sigma = new Float64Array(K);
  const scott = options.multivariate && options.bandwidth === 'scott';
  let minSigma = options.considerMagicClip ? range / Math.min(100, 1 + K) : range * 1e-12;
  if (scott) {
    // One observation has no spread: take that of a uniform distribution over the range.
    const spread = n >= 2 ? weightedStd(mu, obsWeights, n) : range / Math.sqrt(12);
    sigma.fill(Math.max(n, 1) ** (-1 / (nDims + 4)) * spread);
    minSigma = options.minBandwidth * range;
  } else if (options.multivariate) {
    sigma.fill(0.2 * Math.max(n, 1) ** (-1 / (nDims + 4)) * range);
  } else {
    neighbourBandwidths(mu, low, high, options.considerEndpoints, sigma);
  }
  for (let k = 0; k < K; k++) sigma[k] = Math.min(range, Math.max(minSigma, sigma[k]!));
  const discrete = stepOf(param) !== undefined;
  if (scott && discrete) {
    // Narrower than its value's cell, a kernel puts nearly all its mass on that one value and the
    // search can no longer step to a neighbour (a few-valued int got stuck; docs/tpe-defaults.md).
    for (let k = 0; k < n; k++) {
      const [a, b] = cellOf(param, low, high, observations[k]![d] as number);
      sigma[k] = Math.min(range, Math.max(sigma[k]!, b - a));
    }
  }
  sigma[n] = range;
  const logNorm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const s = sigma[k]!;
    logNorm[k] = Math.log(s) + logNormalMass((low - mu[k]!) / s, (high - mu[k]!) / s);
  }
  return { kind: 'numeric', param, low, high, discrete, mu, sigma, logNorm };
}

/** The weighted standard deviation of the first n values. */
function weightedStd(values: Float64Array, weights: ArrayLike<number>, n: number): number {
  let total = 0;
  let mean = 0;
  for (let k = 0; k < n; k++) {
    total += weights[k]!;
    mean += weights[k]! * values[k]!;
  }
  mean /= total;
  let variance = 0;
  for (let k = 0; k < n; k++) variance += weights[k]! * (values[k]! - mean) ** 2;
  return Math.sqrt(variance / total);
}

/** σ_k = the larger gap to its sorted neighbours (the range ends count as neighbours). */
function neighbourBandwidths(
  mu: Float64Array,
  low: number,
  high: number,
  considerEndpoints: boolean,
  out: Float64Array,
): void {
  const K = mu.length;
  const order = Array.from({ length: K }, (_, i) => i).sort((a, b) => mu[a]! - mu[b]! || a - b);
  const sorted = order.map((i) => mu[i]!);
  const withEnds = [low, ...sorted, high];
  for (let j = 0; j < K; j++) {
    let s = Math.max(withEnds[j + 1]! - withEnds[j]!, withEnds[j + 2]! - withEnds[j + 1]!);
    if (!considerEndpoints && K >= 2) {
      if (j === 0) s = withEnds[2]! - withEnds[1]!;
      else if (j === K - 1) s = withEnds[K]! - withEnds[K - 1]!;
    }
    out[order[j]!] = s;
  }
}

function categoricalDim(
  param: Extract<Parameter, { type: 'categorical' }>,
  observations: readonly (readonly ParamValue[])[],
  d: number,
  options: EstimatorOptions,
): CategoricalDim {
  const nv = param.values.length;
  const n = observations.length;
  const K = n + 1;
  const logProb = new Float64Array(K * nv);
  const base = options.priorWeight / K;
  for (let k = 0; k < n; k++) {
    const c = param.values.findIndex((v) => v === observations[k]![d]);
    const total = 1 + base * nv;
    for (let j = 0; j < nv; j++) logProb[k * nv + j] = Math.log((base + (j === c ? 1 : 0)) / total);
  }
  for (let j = 0; j < nv; j++) logProb[n * nv + j] = -Math.log(nv);
  return { kind: 'categorical', param, logProb };
}
