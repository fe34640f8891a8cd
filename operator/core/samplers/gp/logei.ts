/**
 * Log expected improvement (Jones, Schonlau & Welch 1998 for EI; Ament, Daulton, Eriksson, Balandat &
 * Bakshy 2023, "Unexpected Improvements to Expected Improvement for Bayesian Optimization", for
 * computing its logarithm without underflow).
 *
 *   EI(x) = σ·h(z),  z = (μ − best)/σ,  h(z) = φ(z) + z·Φ(z)   (maximisation)
 *
 * Plain EI underflows to 0 wherever z < −38, which is most of the space once a GP is confident, so
 * the acquisition's optimiser sees a flat zero. log h stays finite: for z > −2√2 directly, below
 * through Laplace's continued fraction for erfc, which gives h/φ = T/D with no cancellation
 * (D = x + ½/E, T = ½/E, E = x + 1/(x + (3/2)/(x + 2/…)), x = −z/√2), the role Ament et al.'s
 * log1mexp/erfcx form plays (their eq. 9).
 */
import { LOG_SQRT_2PI, erfc } from '../tpe/math.js';
// Module-level aliases: under a vm context (jest) every `Math.` lookup goes through the global proxy.
const { exp, log, sqrt } = Math;

const SQRT2 = Math.SQRT2;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / sqrt(2 * Math.PI);
/** Below this z, log h goes through the continued fraction (x ≥ 2: 40 terms give ~1e-13). */
const CF_BELOW = -2 * SQRT2;
const CF_TERMS = 40;

export interface LogH {
  /** log h(z) */
  value: number;
  /** d log h / dz = Φ(z)/h(z) */
  slope: number;
}

export function logH(z: number): LogH {
  if (z > CF_BELOW) {
    const cdf = 0.5 * erfc(-z * SQRT1_2);
    const pdf = INV_SQRT_2PI * exp(-0.5 * z * z);
    const h = pdf + z * cdf;
    return { value: log(h), slope: cdf / h };
  }
  const x = -z * SQRT1_2;
  let e = x;
  for (let k = CF_TERMS; k >= 2; k--) e = x + k / 2 / e;
  const t = 0.5 / e;
  return { value: -0.5 * z * z - LOG_SQRT_2PI + log(t) - log(x + t), slope: SQRT2 * e };
}

export interface LogEI {
  value: number;
  /** ∂/∂μ */
  dMean: number;
  /** ∂/∂σ² */
  dVariance: number;
}

/** log EI of a normal N(mean, variance) over `best` (larger is better). */
export function logEI(mean: number, variance: number, best: number): LogEI {
  const sigma = sqrt(variance);
  const z = (mean - best) / sigma;
  const h = logH(z);
  return {
    value: log(sigma) + h.value,
    dMean: h.slope / sigma,
    dVariance: (1 - h.slope * z) / (2 * variance),
  };
}
