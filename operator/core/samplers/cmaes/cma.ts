/**
 * One run of CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial"; active CMA with the
 * `cmaes` package's update order): the distribution N(m, σ²C), its evolution paths and the stop
 * tests that trigger a restart. Mutable, but only ever built inside one `sample` call by replaying the
 * history (replay.ts), so the sampler stays a pure function of its request.
 *
 * Coordinates: every dimension is a unit interval (coords.ts); continuous ones are bounded to [0, 1]
 * by resampling, discrete ones are unbounded here and clamped when encoded, as in CMA-ES with Margin.
 */
import type { Rng } from '../../rng.js';
import { identity, matVec, norm, symmetricEigen } from './linalg.js';
import type { Strategy } from './strategy.js';

const EPS = 1e-8;
const SIGMA_MAX = 1e32;
/** Resamples before an out-of-bounds solution is clipped (the `cmaes` package's n_max_resampling). */
export const MAX_RESAMPLING = 100;
// Stop tests (the `cmaes` package's defaults): tolX is relative to σ₀.
const TOL_X = 1e-12;
const TOL_X_UP = 1e4;
const TOL_FUN = 1e-12;
const TOL_CONDITION = 1e14;

export interface Solution {
  /** Raw coordinates (before the margin's discrete encoding). */
  x: Float64Array;
  /** Objective to minimise. */
  value: number;
}

interface Decomposition {
  /** C = B·diag(D²)·Bᵀ. */
  b: Float64Array;
  d: Float64Array;
  /** C^(-1/2) = B·diag(1/D)·Bᵀ. */
  invSqrt: Float64Array;
}

export class Cma {
  readonly n: number;
  readonly mean: Float64Array;
  sigma: number;
  /** The margin's per-coordinate scaling of discrete dimensions (1 elsewhere). */
  readonly scale: Float64Array;
  generation = 0;
  private c: Float64Array;
  private readonly pSigma: Float64Array;
  private readonly pc: Float64Array;
  private readonly funhist: number[] = [];
  private decomposition: Decomposition | undefined;

  constructor(
    readonly strategy: Strategy,
    mean: ArrayLike<number>,
    /** σ₀: the run's initial step size. */
    readonly sigma0: number,
    /** Which dimensions are bounded to [0, 1] by resampling. */
    private readonly bounded: readonly boolean[],
  ) {
    this.n = strategy.n;
    this.mean = Float64Array.from(mean);
    this.sigma = sigma0;
    this.scale = new Float64Array(this.n).fill(1);
    this.c = identity(this.n);
    this.pSigma = new Float64Array(this.n);
    this.pc = new Float64Array(this.n);
  }

  /** A deep copy (replay checkpoints, cache.ts). */
  clone(): Cma {
    const copy = new Cma(this.strategy, this.mean, this.sigma0, this.bounded);
    copy.sigma = this.sigma;
    copy.scale.set(this.scale);
    copy.generation = this.generation;
    copy.c = Float64Array.from(this.c);
    copy.pSigma.set(this.pSigma);
    copy.pc.set(this.pc);
    copy.funhist.push(...this.funhist);
    // The decomposition is never mutated, only replaced, so it can be shared.
    copy.decomposition = this.decomposition;
    return copy;
  }

  /** The diagonal of C. */
  varianceOf(i: number): number {
    return this.c[i * this.n + i]!;
  }

  /**
   * One solution: resample until the bounded dimensions are inside [0, 1], then clip. The draws come
   * from `rng` alone, so the same distribution and generator give the same solution (replay.ts uses
   * this to tell whether an observation was sampled from the current distribution).
   */
  sample(rng: Rng): Float64Array {
    const { b, d } = this.decompose();
    const n = this.n;
    const z = new Float64Array(n);
    const x = new Float64Array(n);
    for (let attempt = 0; attempt <= MAX_RESAMPLING; attempt++) {
      for (let i = 0; i < n; i++) z[i] = d[i]! * rng.normal();
      matVec(b, z, n, x);
      let feasible = true;
      for (let i = 0; i < n; i++) {
        x[i] = this.mean[i]! + this.sigma * x[i]!;
        if (this.bounded[i] && (x[i]! < 0 || x[i]! > 1)) feasible = false;
      }
      if (feasible) return x;
    }
    for (let i = 0; i < n; i++) if (this.bounded[i]) x[i] = Math.min(1, Math.max(0, x[i]!));
    return x;
  }

  /** ‖C^(-1/2)(x − m)‖/σ: how many standard deviations x is from the mean. */
  mahalanobis(x: ArrayLike<number>): number {
    const y = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) y[i] = (x[i]! - this.mean[i]!) / this.sigma;
    return norm(matVec(this.decompose().invSqrt, y, this.n));
  }

  /** One generation's update from λ solutions (any order). */
  tell(solutions: readonly Solution[]): void {
    const s = this.strategy;
    const n = this.n;
    if (solutions.length !== s.lambda)
      throw new RangeError(`Cma.tell: ${solutions.length} ≠ λ = ${s.lambda}`);
    this.generation++;
    const sorted = [...solutions].sort((a, b) => a.value - b.value);
    this.funhist.push(sorted[0]!.value, sorted[sorted.length - 1]!.value);
    if (this.funhist.length > 2 * s.funhistTerm) this.funhist.splice(0, 2);

    const { invSqrt } = this.decompose();
    this.decomposition = undefined;
    const ys = sorted.map((sol) => Float64Array.from(sol.x, (xi, i) => (xi - this.mean[i]!) / this.sigma));
    const yw = new Float64Array(n);
    for (let k = 0; k < s.mu; k++) for (let i = 0; i < n; i++) yw[i] = yw[i]! + s.weights[k]! * ys[k]![i]!;
    for (let i = 0; i < n; i++) this.mean[i] = this.mean[i]! + s.cm * this.sigma * yw[i]!;

    // Step size: cumulative step-size adaptation on the whitened mean shift.
    const whitened = matVec(invSqrt, yw, n);
    const kSigma = Math.sqrt(s.cSigma * (2 - s.cSigma) * s.muEff);
    for (let i = 0; i < n; i++) this.pSigma[i] = (1 - s.cSigma) * this.pSigma[i]! + kSigma * whitened[i]!;
    const normPSigma = norm(this.pSigma);
    this.sigma *= Math.exp((s.cSigma / s.dSigma) * (normPSigma / s.chiN - 1));
    this.sigma = Math.min(this.sigma, SIGMA_MAX);

    // Covariance: rank-one on the evolution path (stalled while ‖p_σ‖ is large), rank-μ with active
    // negative weights rescaled so they cannot make C indefinite.
    const left = normPSigma / Math.sqrt(1 - (1 - s.cSigma) ** (2 * (this.generation + 1)));
    const hSigma = left < (1.4 + 2 / (n + 1)) * s.chiN ? 1 : 0;
    const kc = hSigma * Math.sqrt(s.cc * (2 - s.cc) * s.muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - s.cc) * this.pc[i]! + kc * yw[i]!;
    const deltaH = (1 - hSigma) * s.cc * (2 - s.cc);
    let weightSum = 0;
    for (let k = 0; k < s.lambda; k++) weightSum += s.weights[k]!;
    const keep = 1 + s.c1 * deltaH - s.c1 - s.cmu * weightSum;
    const next = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) next[i] = keep * this.c[i]!;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) next[i * n + j] = next[i * n + j]! + s.c1 * this.pc[i]! * this.pc[j]!;
    for (let k = 0; k < s.lambda; k++) {
      const w = s.weights[k]!;
      if (w === 0) continue;
      const y = ys[k]!;
      const wk = w >= 0 ? w : (w * n) / (norm(matVec(invSqrt, y, n)) ** 2 + EPS);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) next[i * n + j] = next[i * n + j]! + s.cmu * wk * y[i]! * y[j]!;
    }
    this.c = next;
  }

  /** The `cmaes` package's stop tests; true means this run is spent and a restart should begin. */
  shouldStop(): boolean {
    const n = this.n;
    const { b, d } = this.decompose();
    const s = this.strategy;
    if (this.generation > s.funhistTerm && Math.max(...this.funhist) - Math.min(...this.funhist) < TOL_FUN)
      return true;
    const tolX = TOL_X * this.sigma0;
    let small = true;
    for (let i = 0; i < n; i++) {
      if (!(this.sigma * this.varianceOf(i) < tolX && Math.abs(this.sigma * this.pc[i]!) < tolX))
        small = false;
    }
    if (small) return true;
    if (this.sigma * Math.max(...d) > TOL_X_UP) return true;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m === m + 0.2 * this.sigma * Math.sqrt(this.varianceOf(i))) return true;
    }
    const axis = this.generation % n;
    let noEffect = true;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m !== m + 0.1 * this.sigma * d[axis]! * b[i * n + axis]!) noEffect = false;
    }
    if (noEffect) return true;
    return Math.max(...d) / Math.min(...d) > TOL_CONDITION;
  }

  /** Eigendecomposition of C, recomputed after each update; also re-symmetrises C and floors its eigenvalues. */
  private decompose(): Decomposition {
    if (this.decomposition) return this.decomposition;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const avg = (this.c[i * n + j]! + this.c[j * n + i]!) / 2;
        this.c[i * n + j] = avg;
        this.c[j * n + i] = avg;
      }
    }
    const { values, vectors: b } = symmetricEigen(this.c, n);
    const d = Float64Array.from(values, (v) => Math.sqrt(v < 0 ? EPS : v));
    const invSqrt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let cij = 0;
        let inv = 0;
        for (let k = 0; k < n; k++) {
          const bb = b[i * n + k]! * b[j * n + k]!;
          cij += bb * d[k]! * d[k]!;
          inv += bb / d[k]!;
        }
        this.c[i * n + j] = cij;
        invSqrt[i * n + j] = inv;
      }
    }
    this.decomposition = { b, d, invSqrt };
    return this.decomposition;
  }
}
