/**
 * CMA-ES with Margin (Hamano, Saito, Nomura & Shirakawa, GECCO 2022, "CMA-ES with Margin:
 * Lower-Bounding Marginal Probability for Mixed-Integer Black-Box Optimization", arXiv:2205.13482).
 *
 * On a discrete coordinate, once σ shrinks the distribution can sit inside one cell and never sample
 * a neighbouring value again. After each update, for each discrete coordinate with the mean in cell j:
 * - if the mean is in an end cell and the chance of sampling the one neighbouring cell is below the
 *   margin α, move the mean so it is exactly α;
 * - otherwise lower-bound each side's chance at α/2 (taking the excess from the larger side) and solve
 *   for the mean and the coordinate's scale A that give those chances, σ and C unchanged.
 * A scales only the encoding of that coordinate, (x − m)·A + m, not the distribution CMA-ES updates.
 * Default α = 1/(n·λ), the paper's and the `cmaes` package's.
 */
import type { Cma } from './cma.js';
import type { Coordinate } from './coords.js';
import { normalCdf, normalQuantile } from './normal.js';

export function defaultMargin(n: number, lambda: number): number {
  return 1 / (n * lambda);
}

export function correctMargin(cma: Cma, coords: readonly Coordinate[], alpha: number): void {
  coords.forEach((c, i) => {
    const cells = c.cells;
    if (!cells) return;
    const m = cma.mean[i]!;
    const j = cells.cellOf(m);
    const low = cells.threshold(Math.min(cells.count - 2, Math.max(0, j - 1)));
    const up = cells.threshold(Math.min(cells.count - 2, j));
    const sd = Math.sqrt(cma.varianceOf(i)) * cma.sigma;
    const scaled = sd * cma.scale[i]!;
    const pLow = normalCdf((low - m) / scaled);
    const pUp = 1 - normalCdf((up - m) / scaled);
    const pMid = 1 - pLow - pUp;
    if (Math.max(pLow, pUp) > 0.5) {
      // An end cell: low === up, the one threshold between it and its neighbour.
      if (Math.min(pLow, pUp) < alpha)
        cma.mean[i] = up + Math.sign(m - up) * scaled * normalQuantile(1 - alpha);
      return;
    }
    const l = Math.max(pLow, alpha / 2);
    const u = Math.max(pUp, alpha / 2);
    const excess = 1 - l - u - pMid;
    const denominator = l + pMid + u - 1.5 * alpha;
    const clip = (p: number): number => Math.min(0.5 - 1e-10, Math.max(1e-10, p));
    const lNew = clip(l + (excess * (l - alpha / 2)) / denominator);
    const uNew = clip(u + (excess * (u - alpha / 2)) / denominator);
    const chiLow = normalQuantile(1 - lNew);
    const chiUp = normalQuantile(1 - uNew);
    cma.scale[i] = (up - low) / ((chiLow + chiUp) * sd);
    cma.mean[i] = (low * chiUp + up * chiLow) / (chiLow + chiUp);
  });
}

/** The coordinate a raw solution is evaluated at: discrete ones through the margin's scale, then their cell. */
export function encodeDiscrete(cma: Cma, c: Coordinate, i: number, x: number): number {
  const m = cma.mean[i]!;
  return c.cells!.cellOf((x - m) * cma.scale[i]! + m);
}
