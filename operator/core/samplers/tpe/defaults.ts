/**
 * TPE's default heuristics as named functions (the same forms as Optuna's published defaults), so a
 * reader can find and test each one.
 */

/** γ(n): how many of the n ranked trials form the "good" group l(x). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Weights of n observations in trial order: the newest 25 weigh 1, older ones ramp linearly down to
 * 1/n, so the estimator follows where the search has moved.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}
