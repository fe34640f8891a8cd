/**
 * The GP posterior at a point (Rasmussen & Williams 2006, eqs. 2.25–2.26):
 *
 *   μ(x) = k(x)ᵀα,  σ²(x) = s − k(x)ᵀK⁻¹k(x),  α = K⁻¹y,  K = K(X, X) + noise·I,
 *
 * with gradients in x for the acquisition's local search, and the pending trials' share: they join
 * X with a lie for their unknown y (the caller's choice, sampler.ts), which shrinks σ near them so
 * parallel suggestions spread out (Ginsbourger, Le Riche & Carraro 2010).
 */
import { crossKernel, kernelMatrix, type Inputs, type KernelParams } from './kernel.js';
import { choleskyJittered, extendCholesky, solveCholesky, solveLower, solveUpperT } from './linalg.js';

const MIN_VARIANCE = 1e-12;

export interface Prediction {
  mean: number;
  variance: number;
}

export class Posterior {
  private readonly k: Float64Array;
  private readonly slopes: Float64Array;
  private readonly v: Float64Array;
  private last: { point: Float64Array; raw: number } | undefined;

  private constructor(
    readonly params: KernelParams,
    readonly inputs: Inputs,
    private readonly l: Float64Array,
    private readonly targets: Float64Array,
    private readonly alpha: Float64Array,
  ) {
    this.k = new Float64Array(inputs.n);
    this.slopes = new Float64Array(inputs.n);
    this.v = new Float64Array(inputs.n);
  }

  /**
   * The posterior given inputs and targets (a little jitter is added if K is not numerically PD);
   * `factor`: K's Cholesky factor and K⁻¹y at these parameters if the caller has them already.
   */
  static fit(
    params: KernelParams,
    inputs: Inputs,
    y: Float64Array,
    factor?: { l: Float64Array; alpha: Float64Array },
  ): Posterior {
    if (factor) return new Posterior(params, inputs, factor.l, y, factor.alpha);
    const kMat = kernelMatrix(params, inputs);
    const jittered = choleskyJittered(kMat, inputs.n);
    if (!jittered) throw new RangeError('gp: the kernel matrix has non-finite entries');
    return new Posterior(params, inputs, jittered.l, y, solveCholesky(jittered.l, inputs.n, y));
  }

  /** This posterior with `points` (m rows) observed at `values` too. */
  withPoints(points: Float64Array, values: Float64Array): Posterior {
    const { n, d } = this.inputs;
    const m = values.length;
    if (m === 0) return this;
    const extra: Inputs = { ...this.inputs, n: m, x: points };
    const cross = new Float64Array(m * n);
    const row = new Float64Array(n);
    for (let r = 0; r < m; r++) {
      crossKernel(this.params, this.inputs, points.subarray(r * d, r * d + d), row);
      cross.set(row, r * n);
    }
    const l = extendCholesky(this.l, n, cross, kernelMatrix(this.params, extra), m);
    const x = new Float64Array((n + m) * d);
    x.set(this.inputs.x);
    x.set(points, n * d);
    const all = new Float64Array(n + m);
    all.set(this.targets);
    all.set(values, n);
    const inputs: Inputs = { ...this.inputs, n: n + m, x };
    return new Posterior(this.params, inputs, l, all, solveCholesky(l, n + m, all));
  }

  predict(point: ArrayLike<number>): Prediction {
    this.last = undefined; // its buffers are overwritten here
    const { mean, raw } = this.meanAndRaw(point, undefined);
    return { mean, variance: Math.max(raw, MIN_VARIANCE) };
  }

  /** μ(x) and s − k(x)ᵀK⁻¹k(x) before the floor, leaving k, v = L⁻¹k (and the slopes if asked) in the buffers. */
  private meanAndRaw(
    point: ArrayLike<number>,
    slopes: Float64Array | undefined,
  ): { mean: number; raw: number } {
    const { n } = this.inputs;
    crossKernel(this.params, this.inputs, point, this.k, slopes);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += this.k[i]! * this.alpha[i]!;
    solveLower(this.l, n, this.k, this.v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += this.v[i]! * this.v[i]!;
    return { mean, raw: this.params.scale - explained };
  }

  /**
   * The prediction and ∂μ/∂x, ∂σ²/∂x into `gMean`, `gVar` for the coordinates in `coords` (numeric
   * ones; a categorical coordinate has no gradient).
   */
  predictWithGradient(
    point: ArrayLike<number>,
    coords: readonly number[],
    gMean: Float64Array,
    gVar: Float64Array,
  ): Prediction {
    const p = this.predictKeeping(point);
    this.gradientOfLast(coords, gMean, gVar);
    return p;
  }

  /**
   * predict(point), the same numbers, keeping what gradientOfLast needs: a local search takes the
   * gradient only at the points its line search accepts.
   */
  predictKeeping(point: ArrayLike<number>): Prediction {
    const { mean, raw } = this.meanAndRaw(point, this.slopes);
    this.last = { point: Float64Array.from(point), raw };
    return { mean, variance: Math.max(raw, MIN_VARIANCE) };
  }

  /** ∂μ/∂x and ∂σ²/∂x at the point of the last predictKeeping call, for the coordinates `coords`. */
  gradientOfLast(coords: readonly number[], gMean: Float64Array, gVar: Float64Array): void {
    const last = this.last;
    if (!last) throw new RangeError('gp: gradientOfLast before predictKeeping');
    const { n, d, x } = this.inputs;
    // w = K⁻¹k; ∂k_i/∂x_c = slope_i·ρ_c·2(x_c − X_ic).
    const w = solveUpperT(this.l, n, this.v, new Float64Array(n));
    coords.forEach((c, j) => {
      let gm = 0;
      let gv = 0;
      const xc = last.point[c]!;
      for (let i = 0; i < n; i++) {
        const dk = this.slopes[i]! * 2 * (xc - x[i * d + c]!);
        gm += this.alpha[i]! * dk;
        gv += w[i]! * dk;
      }
      const rho = this.params.rho[c]!;
      gMean[j] = gm * rho;
      gVar[j] = last.raw > MIN_VARIANCE ? -2 * gv * rho : 0;
    });
  }
}
