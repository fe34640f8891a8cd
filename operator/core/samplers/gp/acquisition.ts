/**
 * Maximising log EI over the space, in the manner of Optuna's GPSampler (optim_mixed.py):
 *
 * 1. score `candidates` scrambled-Sobol' points of the space (random ones beyond 64 parameters);
 * 2. start local searches from the best candidate, from the given warm starts (the best trial so
 *    far), and from more candidates drawn with probability ∝ EI (roulette), `localSearches` in all;
 * 3. each local search alternates L-BFGS on the active continuous coordinates (and the relaxed ints
 *    of more than 16 values, rounded afterwards) — in units of their lengthscales, x_c·√ρ_c, so the
 *    problem is well conditioned (Optuna's preconditioning) — with coordinate search over each
 *    discrete and categorical one (encoding.ts `neighbours`), until a whole cycle brings no gain;
 * 4. return the best point found.
 */
import type { Rng } from '../../rng.js';
import { createSobol } from '../sobol.js';
import { MAX_SOBOL_DIMENSION } from '../sobol-directions.js';
import type { Encoding } from './encoding.js';
import { minimize, type SplitObjective } from './lbfgs.js';
import { logEI, type LogEI } from './logei.js';
import type { Posterior } from './posterior.js';

export interface AcquisitionOptions {
  candidates: number;
  localSearches: number;
}

const MAX_ROUNDS = 6;
const LBFGS_ITERATIONS = 30;
const GRADIENT_TOLERANCE = 1e-4;
const MIN_GAIN = 1e-4;
const CONTINUOUS = -1;

export interface Scored {
  point: Float64Array;
  value: number;
}

export function maximizeLogEI(
  model: Posterior,
  encoding: Encoding,
  best: number,
  warmStarts: readonly Float64Array[],
  rng: Rng,
  options: AcquisitionOptions,
): Scored {
  const value = (point: Float64Array): number => {
    const { mean, variance } = model.predict(point);
    return logEI(mean, variance, best).value;
  };
  const dim = encoding.space.dimension;
  const sobol = dim <= MAX_SOBOL_DIMENSION ? createSobol(dim, rng.nextUint32(), true) : undefined;
  const scored: Scored[] = [];
  for (let c = 0; c < options.candidates; c++) {
    const u = sobol ? sobol.point(c) : Array.from({ length: dim }, () => rng.random());
    const point = encoding.fromUnit(u);
    scored.push({ point, value: value(point) });
  }
  let top = 0;
  for (let c = 1; c < scored.length; c++) if (scored[c]!.value > scored[top]!.value) top = c;
  const starts: Scored[] = [];
  if (scored.length > 0) starts.push(scored[top]!);
  for (const w of warmStarts) starts.push({ point: w, value: value(w) });
  // Roulette over the rest, weights EI/EI_max, without replacement.
  const weights = scored.map((s, c) => (c === top ? 0 : Math.exp(s.value - scored[top]!.value)));
  while (starts.length < options.localSearches && weights.some((w) => w > 0)) {
    const c = rng.choiceWeighted(weights);
    weights[c] = 0;
    starts.push(scored[c]!);
  }
  let result: Scored = starts[0] ?? { point: encoding.fromUnit(Array(dim).fill(0.5)), value: -Infinity };
  for (const start of starts) {
    const found = localSearch(model, encoding, best, start);
    if (found.value > result.value) result = found;
  }
  return result;
}

/**
 * Block coordinate ascent: block −1 is the continuous (and relaxed) coordinates, moved together by
 * L-BFGS; every other discrete or categorical coordinate is a block of its own, tried at each of its
 * neighbours. Blocks are visited in turn until a whole cycle brings no gain (as Optuna's local search
 * stops once the last changed block comes round again unchanged), at most MAX_ROUNDS cycles.
 */
function localSearch(model: Posterior, encoding: Encoding, best: number, start: Scored): Scored {
  let current: Scored = { point: Float64Array.from(start.point), value: start.value };
  const blocks = [CONTINUOUS, ...encoding.kinds.flatMap((k, i) => (k === 'continuous' ? [] : [i]))];
  let idle = 0;
  for (let step = 0; step < MAX_ROUNDS * blocks.length && idle < blocks.length; step++) {
    const block = blocks[step % blocks.length]!;
    const next =
      block === CONTINUOUS
        ? continuousBlock(model, encoding, best, current)
        : discreteBlock(model, encoding, best, current, block);
    // A real gain only (log EI is in log units: 1e-4 is 0.01 % of EI) counts as a change.
    idle = next.value > current.value + MIN_GAIN ? 1 : idle + 1;
    if (next.value > current.value) current = next;
  }
  return current;
}

function continuousBlock(model: Posterior, encoding: Encoding, best: number, current: Scored): Scored {
  const active = encoding.activeMask(current.point);
  const coords = [...encoding.continuous, ...encoding.relaxed].filter((c) => active[c]);
  if (coords.length === 0) return current;
  const next = continuousSearch(model, best, current, coords);
  if (encoding.relaxed.length === 0) return next;
  // Round the relaxed ints to their grid and score the point a suggestion would be.
  const point = encoding.canonical(next.point);
  const { mean, variance } = model.predict(point);
  return { point, value: logEI(mean, variance, best).value };
}

function discreteBlock(
  model: Posterior,
  encoding: Encoding,
  best: number,
  current: Scored,
  i: number,
): Scored {
  if (!encoding.activeMask(current.point)[i]) return current;
  let found = current;
  for (const z of encoding.neighbours(current.point, i)) {
    const trial = Float64Array.from(current.point);
    trial[i] = z;
    // Neighbours are grid values already; only a parent's change can (de)activate others.
    const point = encoding.parents[i] ? encoding.canonical(trial) : trial;
    const { mean, variance } = model.predict(point);
    const v = logEI(mean, variance, best).value;
    if (v > found.value) found = { point, value: v };
  }
  return found;
}

/** L-BFGS over coordinates `coords` (the others fixed), in units t_c = x_c·√ρ_c on [0, √ρ_c]. */
function continuousSearch(model: Posterior, best: number, start: Scored, coords: number[]): Scored {
  const scales = coords.map((c) => Math.sqrt(model.params.rho[c]!));
  const point = Float64Array.from(start.point);
  const gMean = new Float64Array(coords.length);
  const gVar = new Float64Array(coords.length);
  let lastEI: LogEI | undefined;
  const objective: SplitObjective = {
    value(t) {
      coords.forEach((c, j) => (point[c] = t[j]! / scales[j]!));
      const p = model.predictKeeping(point);
      lastEI = logEI(p.mean, p.variance, best);
      return -lastEI.value;
    },
    gradient(grad) {
      model.gradientOfLast(coords, gMean, gVar);
      const ei = lastEI!;
      for (let j = 0; j < coords.length; j++) {
        grad[j] = -(ei.dMean * gMean[j]! + ei.dVariance * gVar[j]!) / scales[j]!;
      }
    },
  };
  const r = minimize(
    objective,
    coords.map((c, j) => start.point[c]! * scales[j]!),
    {
      lower: new Float64Array(coords.length),
      upper: Float64Array.from(scales),
      maxIterations: LBFGS_ITERATIONS,
      gradientTolerance: GRADIENT_TOLERANCE,
    },
  );
  const out = Float64Array.from(start.point);
  coords.forEach((c, j) => (out[c] = Math.min(1, Math.max(0, r.x[j]! / scales[j]!))));
  return { point: out, value: -r.value };
}
