/**
 * CMA-ES's default strategy parameters (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016,
 * eqs. 48–56 and p. 28), as the `cmaes` package and pycma set them: population size, recombination
 * weights with active (negative) weights, learning rates and damping. A function of (n, λ) only.
 */
export interface Strategy {
  /** n: dimension. */
  n: number;
  /** λ: population size, solutions per generation. */
  lambda: number;
  /** μ: the best ⌊λ/2⌋ solutions get positive weights. */
  mu: number;
  /** w_i, best first: the first μ sum to 1, the rest are negative (active CMA). */
  weights: Float64Array;
  /** μ_eff of the positive weights. */
  muEff: number;
  /** c_m: learning rate of the mean. */
  cm: number;
  /** c_σ, d_σ: cumulation and damping of the step size. */
  cSigma: number;
  dSigma: number;
  /** c_c: cumulation of the rank-one evolution path. */
  cc: number;
  /** c_1, c_μ: learning rates of the rank-one and rank-μ covariance updates. */
  c1: number;
  cmu: number;
  /** E‖N(0, I)‖. */
  chiN: number;
  /** Generations of best/worst values the flat-fitness stop looks at: 10 + ⌈30n/λ⌉. */
  funhistTerm: number;
}

/** λ = 4 + ⌊3 ln n⌋ (eq. 48). */
export function defaultPopsize(n: number): number {
  return 4 + Math.floor(3 * Math.log(n));
}

export function strategy(n: number, lambda: number): Strategy {
  const mu = Math.floor(lambda / 2);
  const prime = Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
  const effective = (xs: number[]): number => sum(xs) ** 2 / sum(xs.map((x) => x * x));
  const muEff = effective(prime.slice(0, mu));
  const muEffMinus = effective(prime.slice(mu));
  const alphaCov = 2;
  const c1 = alphaCov / ((n + 1.3) ** 2 + muEff);
  const cmu = Math.min(
    1 - c1 - 1e-8,
    (alphaCov * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (alphaCov * muEff) / 2),
  );
  // eqs. 50–52: the largest negative-weight sum that keeps C positive definite; a c_μ of 0 (λ ≤ 3)
  // makes two of the bounds infinite, and the third still holds.
  const minAlpha = Math.min(1 + c1 / cmu, 1 + (2 * muEffMinus) / (muEff + 2), (1 - c1 - cmu) / (n * cmu));
  const positive = sum(prime.filter((w) => w > 0));
  const negative = sum(prime.filter((w) => w < 0).map(Math.abs));
  const weights = Float64Array.from(prime, (w) => (w >= 0 ? w / positive : (minAlpha / negative) * w));
  const cSigma = (muEff + 2) / (n + muEff + 5);
  return {
    n,
    lambda,
    mu,
    weights,
    muEff,
    cm: 1,
    cSigma,
    dSigma: 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma,
    cc: (4 + muEff / n) / (n + 4 + (2 * muEff) / n),
    c1,
    cmu,
    chiN: Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n)),
    funhistTerm: 10 + Math.ceil((30 * n) / lambda),
  };
}
