/**
 * What the GP learns from, built from a request's finished trials.
 *
 * - Completed trials with a finite objective are the training set, sign-flipped so larger is better,
 *   the worst outliers raised to a Tukey fence (`clipWorst`), and standardised to mean 0, variance 1
 *   (the priors of likelihood.ts assume that scale). ±∞ is clipped to the finite extremes (Optuna does
 *   the same); NaN is left out.
 * - Pruned trials are not in the hyperparameter fit, but the posterior sees them at the worst
 *   completed value: early stopping judged them bad, and without this the GP would keep proposing
 *   where it has only seen them.
 * - Failed trials are left out, as by TPE and Optuna's GPSampler.
 */
import type { Observation } from '../types.js';
import type { Encoding } from './encoding.js';
import type { Inputs } from './kernel.js';

export interface TrainingData {
  inputs: Inputs;
  /** Standardised targets, larger is better. */
  y: Float64Array;
  /** max(y): the improvement threshold. */
  best: number;
  /** min(y): the value pruned trials are given. */
  worst: number;
  /** The coordinates of the best completed trial. */
  bestPoint: Float64Array;
  /** Coordinates of the pruned trials, row-major. */
  pruned: Float64Array;
  prunedCount: number;
}

/** The training data, or undefined when no completed trial has a finite value. */
export function trainingData(
  encoding: Encoding,
  observations: readonly Observation[],
  sign: 1 | -1,
  fence: number,
): TrainingData | undefined {
  const d = encoding.d;
  const completed = observations.filter(
    (o) => o.state === 'complete' && o.value !== undefined && !Number.isNaN(o.value),
  );
  const finite = completed.map((o) => o.value!).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const n = completed.length;
  const x = new Float64Array(n * d);
  const raw = new Float64Array(n);
  completed.forEach((o, i) => {
    x.set(encoding.encode(o.params), i * d);
    // Larger is better: minimised objectives are negated.
    raw[i] = -sign * Math.min(hi, Math.max(lo, o.value!));
  });
  clipWorst(raw, fence);
  let mean = 0;
  for (const v of raw) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of raw) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / n);
  const y = raw.map((v) => (std > 1e-12 * Math.max(1, Math.abs(mean)) ? (v - mean) / std : 0));
  let top = 0;
  let worst = Infinity;
  for (let i = 0; i < n; i++) {
    if (y[i]! > y[top]!) top = i;
    worst = Math.min(worst, y[i]!);
  }
  const prunedTrials = observations.filter((o) => o.state === 'pruned');
  const pruned = new Float64Array(prunedTrials.length * d);
  prunedTrials.forEach((o, i) => pruned.set(encoding.encode(o.params), i * d));
  return {
    inputs: { n, d, x, categorical: encoding.categorical },
    y,
    best: y[top]!,
    worst,
    bestPoint: x.slice(top * d, top * d + d),
    pruned,
    prunedCount: prunedTrials.length,
  };
}

/**
 * Raises values below Q1 − fence·IQR to that bound (Tukey's fence on the bad side only; fence 0 turns
 * it off). A diverged trial's loss of 8 among losses of 0.2–0.6 would otherwise take most of the unit
 * variance, flatten the rest and stretch the lengthscales; clipped, it still reads as the worst.
 */
export function clipWorst(raw: Float64Array, fence: number): void {
  if (!(fence > 0) || raw.length < 4) return;
  const sorted = Float64Array.from(raw).sort();
  const quantile = (q: number): number => {
    const at = q * (sorted.length - 1);
    const i = Math.floor(at);
    return sorted[i]! + (at - i) * ((sorted[Math.min(i + 1, sorted.length - 1)] ?? 0) - sorted[i]!);
  };
  const q1 = quantile(0.25);
  const floor = q1 - fence * (quantile(0.75) - q1);
  for (let i = 0; i < raw.length; i++) if (raw[i]! < floor) raw[i] = floor;
}
