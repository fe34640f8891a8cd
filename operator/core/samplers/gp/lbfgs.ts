/**
 * A small limited-memory BFGS minimiser with box bounds (Nocedal 1980; Liu & Nocedal 1989), used for
 * both the kernel hyperparameters and the acquisition function's local search. Bounds are handled by
 * projection: coordinates at a bound whose gradient pushes outwards are held there for the step, the
 * two-loop recursion runs on the others, and the backtracking (Armijo) line search projects each trial
 * point into the box. Simpler than L-BFGS-B's Cauchy point, and enough for these smooth, low-dimensional
 * problems. Deterministic: no randomness, a fixed evaluation order.
 */

/** f(x), writing ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/**
 * An objective whose gradient costs more than its value (the marginal likelihood's needs K⁻¹, its value
 * only the Cholesky factor): `value(x)` is f(x), `gradient(grad)` writes ∇f at the x of the last `value`
 * call. The line search asks for the gradient only at the points it accepts; same results as an
 * `Objective`, fewer gradients.
 */
export interface SplitObjective {
  value(x: Float64Array): number;
  gradient(grad: Float64Array): void;
}

export interface LbfgsOptions {
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /** Iterations (line searches) at most. */
  maxIterations: number;
  /** Stop once the projected gradient's largest entry is below this. */
  gradientTolerance: number;
  /** Curvature pairs kept; default 8. */
  memory?: number;
  /** Stop once an iteration lowers f by less than this (relative to max(1, |f|)); default 1e-9. */
  relativeTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  /** Objective evaluations made, the first included. */
  evaluations: number;
  /** Gradients computed (at most one per accepted point). */
  gradients: number;
  iterations: number;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 20;

export function minimize(
  objective: Objective | SplitObjective,
  x0: ArrayLike<number>,
  options: LbfgsOptions,
): LbfgsResult {
  const m = x0.length;
  const f = typeof objective === 'function' ? splitOf(objective, m) : objective;
  let gradients = 0;
  const gradientInto = (out: Float64Array): void => {
    f.gradient(out);
    gradients++;
  };
  const lower = options.lower;
  const upper = options.upper;
  const memory = options.memory ?? 8;
  const relTol = options.relativeTolerance ?? 1e-9;
  const project = (v: Float64Array): void => {
    for (let i = 0; i < m; i++) {
      if (lower && v[i]! < lower[i]!) v[i] = lower[i]!;
      if (upper && v[i]! > upper[i]!) v[i] = upper[i]!;
    }
  };
  let x = Float64Array.from(x0);
  project(x);
  let g = new Float64Array(m);
  let fx = f.value(x);
  let evaluations = 1;
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const rhos: number[] = [];
  const dir = new Float64Array(m);
  const held = new Uint8Array(m);
  const alphas = new Float64Array(memory);
  let iterations = 0;
  if (!Number.isFinite(fx)) return { x, value: fx, evaluations, gradients, iterations };
  gradientInto(g);
  for (; iterations < options.maxIterations; iterations++) {
    // Coordinates held at a bound, and the projected gradient's size.
    let pgMax = 0;
    for (let i = 0; i < m; i++) {
      const atLower = lower !== undefined && x[i]! <= lower[i]! && g[i]! > 0;
      const atUpper = upper !== undefined && x[i]! >= upper[i]! && g[i]! < 0;
      held[i] = atLower || atUpper ? 1 : 0;
      if (!held[i]) pgMax = Math.max(pgMax, Math.abs(g[i]!));
    }
    if (pgMax < options.gradientTolerance) break;
    // Two-loop recursion on the free coordinates.
    for (let i = 0; i < m; i++) dir[i] = held[i] ? 0 : -g[i]!;
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = rhos[k]! * dotFree(ss[k]!, dir, held);
      alphas[k] = a;
      axpyFree(-a, ys[k]!, dir, held);
    }
    if (ss.length > 0) {
      const last = ss.length - 1;
      const gamma = dotFree(ss[last]!, ys[last]!, held) / dotFree(ys[last]!, ys[last]!, held);
      if (Number.isFinite(gamma) && gamma > 0) for (let i = 0; i < m; i++) dir[i] = dir[i]! * gamma;
    }
    for (let k = 0; k < ss.length; k++) {
      const b = rhos[k]! * dotFree(ys[k]!, dir, held);
      axpyFree(alphas[k]! - b, ss[k]!, dir, held);
    }
    let slope = 0;
    for (let i = 0; i < m; i++) slope += dir[i]! * g[i]!;
    if (!(slope < 0)) {
      // Not a descent direction (stale curvature): start over from steepest descent.
      ss.length = 0;
      ys.length = 0;
      rhos.length = 0;
      for (let i = 0; i < m; i++) dir[i] = held[i] ? 0 : -g[i]!;
      slope = -dotFree(g, g, held);
    }
    // The first step has no curvature to scale it: keep it at unit length.
    let step = ss.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let accepted = false;
    const xNew = new Float64Array(m);
    const gNew = new Float64Array(m);
    let fNew = fx;
    for (let b = 0; b < MAX_BACKTRACKS; b++) {
      for (let i = 0; i < m; i++) xNew[i] = x[i]! + step * dir[i]!;
      project(xNew);
      let decrease = 0;
      for (let i = 0; i < m; i++) decrease += g[i]! * (xNew[i]! - x[i]!);
      fNew = f.value(xNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + ARMIJO * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const improvement = fx - fNew;
    // The last iteration needs no gradient at its point: nothing reads it.
    const last =
      improvement <= relTol * Math.max(1, Math.abs(fNew)) || iterations + 1 >= options.maxIterations;
    if (last) {
      x = xNew;
      fx = fNew;
      iterations++;
      break;
    }
    gradientInto(gNew);
    const s = new Float64Array(m);
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (ss.length === memory) {
        ss.shift();
        ys.shift();
        rhos.shift();
      }
      ss.push(s);
      ys.push(y);
      rhos.push(1 / sy);
    }
    x = xNew;
    g = gNew;
    fx = fNew;
  }
  return { x, value: fx, evaluations, gradients, iterations };
}

/** A plain objective as a split one: the gradient of each evaluation is kept until asked for. */
function splitOf(f: Objective, m: number): SplitObjective {
  const last = new Float64Array(m);
  return {
    value: (x) => f(x, last),
    gradient: (grad) => grad.set(last),
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function dotFree(a: Float64Array, b: Float64Array, held: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (!held[i]) s += a[i]! * b[i]!;
  return s;
}

function axpyFree(alpha: number, a: Float64Array, out: Float64Array, held: Uint8Array): void {
  for (let i = 0; i < a.length; i++) if (!held[i]) out[i] = out[i]! + alpha * a[i]!;
}
