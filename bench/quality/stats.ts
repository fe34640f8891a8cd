/**
 * The statistics of the report, pure and seeded: medians with percentile-bootstrap intervals, the
 * probability that one sampler beats another on a seed pair, COCO-style ECDFs of runtimes to targets,
 * and mean ranks over evaluations.
 */
import { Rng } from '../../operator/core/rng.js';

export function bestSoFar(values: readonly number[]): number[] {
  let best = Infinity;
  return values.map((v) => (best = Math.min(best, v)));
}

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

export interface Interval {
  median: number;
  lo: number;
  hi: number;
}

/** The median with a 95 % percentile-bootstrap interval (`resamples` resamples, seeded: reproducible). */
export function bootstrapMedian(xs: readonly number[], resamples = 2000, seed = 0): Interval {
  const rng = new Rng(seed);
  const medians: number[] = [];
  const sample = new Array<number>(xs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) sample[i] = xs[rng.int(xs.length)]!;
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return { median: median(xs), lo: quantile(medians, 0.025), hi: quantile(medians, 0.975) };
}

/** P(a_k < b_k) over seed pairs k, a tie counting one half (lower is better). */
export function pBeats(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || !a.length) throw new Error('pBeats needs two equally long, non-empty lists');
  let wins = 0;
  for (let k = 0; k < a.length; k++) wins += a[k]! < b[k]! ? 1 : a[k] === b[k] ? 0.5 : 0;
  return wins / a.length;
}

/** COCO's 51 targets for BBOB: regret 10^2 down to 10^-8 in steps of 10^0.2. */
export const BBOB_TARGETS = Array.from({ length: 51 }, (_, i) => 10 ** (2 - i * 0.2));

/**
 * The ECDF of runtimes: for each evaluation count t, the fraction of (run, target) pairs whose
 * best-so-far regret reached the target within t evaluations. Runs are best-so-far curves.
 */
export function runtimeEcdf(
  curves: readonly (readonly number[])[],
  targets: readonly number[],
  budget: number,
): number[] {
  const hits = new Array<number>(budget).fill(0);
  for (const curve of curves)
    for (const target of targets) {
      const t = curve.findIndex((v) => v <= target);
      if (t >= 0 && t < budget) hits[t]! += 1;
    }
  const total = curves.length * targets.length;
  let cum = 0;
  return hits.map((h) => (cum += h) / total);
}

/**
 * Mean rank (1 = best, ties share the average rank) of each label after each evaluation, over
 * problems and seeds. `curves[label][j]` is label's best-so-far curve on the j-th (problem, seed) pair.
 */
export function meanRanks(
  curves: Readonly<Record<string, readonly (readonly number[])[]>>,
  budget: number,
): Record<string, number[]> {
  const labels = Object.keys(curves);
  const pairs = curves[labels[0]!]!.length;
  const out: Record<string, number[]> = Object.fromEntries(
    labels.map((l) => [l, new Array<number>(budget).fill(0)]),
  );
  for (let j = 0; j < pairs; j++)
    for (let t = 0; t < budget; t++) {
      const vals = labels.map((l) => curves[l]![j]![t]!);
      labels.forEach((l, i) => {
        const below = vals.filter((v) => v < vals[i]!).length;
        const equal = vals.filter((v) => v === vals[i]!).length;
        out[l]![t]! += (below + (equal + 1) / 2) / pairs;
      });
    }
  return out;
}
