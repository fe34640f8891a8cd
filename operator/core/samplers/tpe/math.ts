/**
 * Numerics for TPE's kernels: the standard normal CDF in a form that keeps relative precision in the
 * tails, log-masses of intervals, and log-sum-exp. Pure functions; randomness is passed in.
 */
import type { Rng } from '../../rng.js';

const SQRT2 = Math.SQRT2;
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Complementary error function, |relative error| < 1.2e-7 everywhere (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** log(Φ(b) − Φ(a)) for a < b, computed on the side of 0 that keeps precision. */
export function logNormalMass(a: number, b: number): number {
  let mass: number;
  if (a >= 0) mass = 0.5 * (erfc(a / SQRT2) - erfc(b / SQRT2));
  else if (b <= 0) mass = 0.5 * (erfc(-b / SQRT2) - erfc(-a / SQRT2));
  else mass = 1 - 0.5 * erfc(-a / SQRT2) - 0.5 * erfc(b / SQRT2);
  if (mass > 1e-300) return Math.log(mass);
  // Far in a tail: the mass of a narrow interval is about its width times the density at its nearer end.
  const near = Math.min(Math.abs(a), Math.abs(b));
  return -0.5 * near * near - LOG_SQRT_2PI + Math.log(b - a);
}

/**
 * log(Φ(b) − Φ(a)) for a ≤ 0 ≤ b: the mass of a kernel centred inside its range (every TPE kernel).
 * A tail beyond 8.5σ holds less than 2^−55 and cannot change 1 − tails in double precision, so its
 * erfc is skipped (with narrow kernels, most of them).
 */
export function logInnerMass(a: number, b: number): number {
  const lower = a > -8.5 ? 0.5 * erfc(-a / SQRT2) : 0;
  const upper = b < 8.5 ? 0.5 * erfc(b / SQRT2) : 0;
  return Math.log(1 - lower - upper);
}

/** A draw from N(mu, sigma) truncated to [low, high], by inverse-CDF-free rejection with a fallback. */
export function sampleTruncatedNormal(
  rng: Rng,
  mu: number,
  sigma: number,
  low: number,
  high: number,
): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  // The interval holds little of the kernel's mass: take the uniform within it (a fine approximation there).
  return rng.uniform(low, high);
}

/**
 * log Σ exp(values[k]) over k < n. Terms below e^−40 of the largest are left out: each changes the sum
 * by less than 4.3e-18 of it, so the result is within n·4.3e-18 (relative) of the full sum, and most
 * exp calls are saved when the terms spread widely (narrow kernels far from the point).
 */
export function logSumExp(values: Float64Array, n: number = values.length): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  const cut = max - 40;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v > cut) sum += Math.exp(v - max);
  }
  return max + Math.log(sum);
}
