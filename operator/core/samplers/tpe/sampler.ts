/**
 * Tree-structured Parzen Estimator (TPE).
 *
 * Papers: Bergstra, Bardenet, Bengio & Kégl (2011), "Algorithms for Hyper-Parameter Optimization";
 * Falkner, Klein & Hutter (2018), "BOHB" (multivariate kernels); Watanabe (2023), "Tree-structured
 * Parzen Estimator: Understanding Its Algorithm Components and Their Roles". Optuna's TPESampler is the
 * reference behaviour.
 *
 * Each suggestion: rank the finished trials (completed by objective, then pruned ones by how far they
 * got, then — constant liar — the running ones as the worst), split them into the best γ(n) "below" and
 * the rest "above", fit a Parzen estimator l(x) to below and g(x) to above (parzen-estimator.ts), draw
 * `nEiCandidates` candidates from l and keep the one maximising l(x)/g(x), which maximises expected
 * improvement (Bergstra et al. 2011, §4.1).
 *
 * Settings (defaults):          paper symbol / role
 * - nStartupTrials: 10          random trials before the model is used
 * - nEiCandidates: 24           candidates drawn from l(x) per suggestion
 * - gamma: "default"            γ: defaultGamma(n) = min(⌈0.1·n⌉, 25); or a number in (0, 1): ⌈γ·n⌉
 * - priorWeight: 1.0            weight of the prior kernel
 * - considerMagicClip: true     lower bound range / min(100, 1 + K) on kernel widths (rules
 *                               "neighbours" and "optuna"; Scott's rule has minBandwidth instead)
 * - considerEndpoints: false    range ends count as neighbours for the outer kernels' widths (rule
 *                               "neighbours")
 * - multivariate: true          joint kernels over the always-active parameters (Optuna 5.0's default
 *                               too). Conditional parameters are modelled one at a time over the
 *                               trials where they are active. false: every parameter on its own, with
 *                               neighbour-gap widths (the bandwidth settings below do not apply)
 * - bandwidth: "scott"          l(x)'s kernel widths: Scott's rule on the good group's spread (Scott
 *                               1992), narrowing as the group concentrates, which refines a good
 *                               region; "neighbours" (Optuna 5.0's rule: the gaps to the neighbouring
 *                               observations per dimension) and "optuna" (Optuna 4.x's fixed
 *                               0.2·n^(−1/(d+4))·range) both refine less (regression.test.ts)
 * - aboveBandwidth: "neighbours" g(x)'s kernel widths, same choices. Narrow kernels where the tried
 *                               points are dense make g high only near what was tried, so l/g rewards
 *                               the gaps between tried points. With Scott's rule for g as well (our
 *                               default until issue 10), g was a smooth blur that did not repel from
 *                               tried points: the search collapsed into the first good basin on
 *                               multimodal problems. Share of runs ending in a poor basin, 60 tuning
 *                               seeds: f7-d2 63 % → 30 % (Optuna 43 %), f22-d2 68 % → 50 % (53 %),
 *                               f21-d2 53 % → 35 % (50 %)
 * - belowWeights: "rank"        l(x)'s kernel weights: the good trial of rank r among m weighs
 *                               1 − r/(m + 1) (times the recency ramp), pulling l toward the best
 *                               points; "uniform" weighs them alike (Optuna)
 * - minBandwidth: 0.06          Scott's rule's floor on σ, a fraction of the range (0.05 and 0.07 did
 *                               worse on the tuning set; lower collapses onto a point); int and stepped
 *                               parameters also keep at least one grid cell
 * - constantLiar: true          running trials join "above", so parallel suggestions spread out
 * The defaults were chosen on the tuning set only: BBOB instances 1–5 with seeds 5000+ at 100
 * evaluations against Optuna 5.0's TPE (bench/quality/tune.ts; 60 seeds per cell: median regret ≤
 * Optuna's in 29 of 33 (function, dimension) cells, none above 1.5×, where the earlier defaults had
 * 18 and 4), and Branin / Hartmann6 / Rosenbrock-4 / mixed on seeds 2000+ (bench/samplers/compare.ts).
 * docs/search-quality.md has the held-out results.
 * Randomness of trial i comes from Rng.derive(seed, 'tpe', i); several indices in one request are
 * filled in order, each later one seeing the earlier ones as running.
 */
import type { JsonObject, ParamConfig, ParamValue, Parameter } from '../../../api/types.js';
import { InvalidSettings } from '../../errors.js';
import { Rng } from '../../rng.js';
import type { Space } from '../../space/space.js';
import { sampleUniform } from '../random.js';
import { readBoolean, readChoice, readNumber, rejectUnknownSettings } from '../settings.js';
import type { Observation, PendingTrial, SampleRequest, Sampler, SamplerFactory } from '../types.js';
import { defaultGamma, defaultWeights } from './defaults.js';
import { ParzenEstimator, coordinateOf, type Bandwidth, type EstimatorOptions } from './parzen-estimator.js';

export interface TpeSettings extends EstimatorOptions {
  /** g(x)'s kernel widths (EstimatorOptions.bandwidth is l(x)'s). */
  aboveBandwidth: Bandwidth;
  /** How l(x) weighs the good trials: by rank (the best most) or uniformly. */
  belowWeights: 'rank' | 'uniform';
  nStartupTrials: number;
  nEiCandidates: number;
  /** undefined → defaultGamma. */
  gamma: number | undefined;
  constantLiar: boolean;
}

const KNOWN = [
  'nStartupTrials',
  'nEiCandidates',
  'gamma',
  'priorWeight',
  'considerMagicClip',
  'considerEndpoints',
  'multivariate',
  'constantLiar',
  'bandwidth',
  'aboveBandwidth',
  'belowWeights',
  'minBandwidth',
] as const;

const BANDWIDTHS = ['scott', 'neighbours', 'optuna'] as const;

export function readTpeSettings(settings: JsonObject): TpeSettings {
  rejectUnknownSettings('the tpe sampler', settings, KNOWN);
  const gammaSetting = settings['gamma'];
  let gamma: number | undefined;
  if (gammaSetting !== undefined && gammaSetting !== 'default') {
    gamma = readNumber(settings, 'gamma', 0.1, { above: 0, max: 1 });
    if (gamma >= 1) throw new InvalidSettings('gamma: must be in (0, 1) or "default"');
  }
  return {
    nStartupTrials: readNumber(settings, 'nStartupTrials', 10, { min: 0, integer: true }),
    nEiCandidates: readNumber(settings, 'nEiCandidates', 24, { min: 1, max: 10_000, integer: true }),
    gamma,
    priorWeight: readNumber(settings, 'priorWeight', 1, { above: 0 }),
    considerMagicClip: readBoolean(settings, 'considerMagicClip', true),
    considerEndpoints: readBoolean(settings, 'considerEndpoints', false),
    multivariate: readBoolean(settings, 'multivariate', true),
    constantLiar: readBoolean(settings, 'constantLiar', true),
    bandwidth: readChoice(settings, 'bandwidth', 'scott', BANDWIDTHS),
    aboveBandwidth: readChoice(settings, 'aboveBandwidth', 'neighbours', BANDWIDTHS),
    belowWeights: readChoice(settings, 'belowWeights', 'rank', ['rank', 'uniform'] as const),
    minBandwidth: readNumber(settings, 'minBandwidth', 0.06, { above: 0, max: 1 }),
  };
}

interface Ranked {
  index: number;
  params: ParamConfig;
}

/** Orders trials best first: completed by value, pruned by (last step desc, last value), then running. */
export function rankTrials(
  observations: readonly Observation[],
  pending: readonly PendingTrial[],
  sign: 1 | -1,
  constantLiar: boolean,
): Ranked[] {
  const completed = observations
    .filter((o) => o.state === 'complete' && o.value !== undefined && Number.isFinite(o.value))
    .sort((a, b) => sign * (a.value! - b.value!) || a.index - b.index);
  const pruned = observations
    .filter((o) => o.state === 'pruned' && (o.intermediate?.length ?? 0) > 0)
    .map((o) => ({ o, last: o.intermediate![o.intermediate!.length - 1]! }))
    .filter(({ last }) => Number.isFinite(last.value))
    .sort(
      (a, b) => b.last.step - a.last.step || sign * (a.last.value - b.last.value) || a.o.index - b.o.index,
    )
    .map(({ o }) => o);
  const running = constantLiar ? [...pending].sort((a, b) => a.index - b.index) : [];
  return [...completed, ...pruned, ...running].map(({ index, params }) => ({ index, params }));
}

export interface Split {
  /** The good group, in trial order. */
  below: Ranked[];
  /** Each good trial's rank (0 = best), aligned with below. */
  belowRanks: number[];
  /** The rest, in trial order. */
  above: Ranked[];
}

/**
 * The good group (the best γ(n) of the ranked trials, n counting the running ones under constant liar)
 * and the rest, each in trial order: the same split as ranking every trial with rankTrials and cutting
 * it, but when the good group is all completed trials (the usual case) it is found by selection,
 * without sorting the whole history.
 */
export function splitTrials(
  observations: readonly Observation[],
  pending: readonly PendingTrial[],
  sign: 1 | -1,
  settings: Pick<TpeSettings, 'gamma' | 'constantLiar'>,
): Split {
  const completed: Observation[] = [];
  const pruned: Observation[] = [];
  for (const o of observations) {
    if (o.state === 'complete') {
      if (o.value !== undefined && Number.isFinite(o.value)) completed.push(o);
    } else if (o.state === 'pruned' && o.intermediate?.length) {
      if (Number.isFinite(o.intermediate[o.intermediate.length - 1]!.value)) pruned.push(o);
    }
  }
  const running = settings.constantLiar ? pending : [];
  const n = completed.length + pruned.length + running.length;
  const nBelow = Math.min(
    n,
    Math.max(1, settings.gamma === undefined ? defaultGamma(n) : Math.ceil(settings.gamma * n)),
  );
  const byIndex = (a: Ranked, b: Ranked): number => a.index - b.index;
  const inTrialOrder = (best: Ranked[], above: Ranked[]): Split => {
    const rank = new Map(best.map((t, r) => [t, r]));
    const below = [...best].sort(byIndex);
    return { below, belowRanks: below.map((t) => rank.get(t)!), above };
  };
  if (nBelow > completed.length) {
    const ranked = rankTrials(observations, pending, sign, settings.constantLiar);
    return inTrialOrder(ranked.slice(0, nBelow), ranked.slice(nBelow).sort(byIndex));
  }
  // The nBelow best completed trials by (value, index), kept sorted best first by insertion; pruned
  // and running trials rank after every completed one, so they all go above.
  const better = (a: Observation, b: Observation): boolean =>
    sign * a.value! < sign * b.value! || (a.value === b.value && a.index < b.index);
  const best: Observation[] = [];
  for (const o of completed) {
    if (best.length === nBelow && !better(o, best[nBelow - 1]!)) continue;
    let j = Math.min(best.length, nBelow - 1);
    while (j > 0 && better(o, best[j - 1]!)) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = o;
  }
  const chosen = new Set(best);
  // The trials themselves (an Observation is a Ranked): no copies of a long history.
  const above: Ranked[] = [];
  for (const o of completed) if (!chosen.has(o)) above.push(o);
  for (const o of pruned) above.push(o);
  for (const p of running) above.push(p);
  for (let i = 1; i < above.length; i++)
    if (above[i]!.index < above[i - 1]!.index) {
      above.sort(byIndex);
      break;
    }
  return inTrialOrder(best, above);
}

class TpeSampler implements Sampler {
  readonly name = 'tpe';

  sample(request: SampleRequest): ParamConfig[] {
    const settings = readTpeSettings(request.settings);
    const pending: PendingTrial[] = [...request.pending];
    return request.indices.map((index) => {
      const config = this.sampleOne(request, settings, pending, Rng.derive(request.seed, 'tpe', index));
      pending.push({ index, params: config });
      return config;
    });
  }

  private sampleOne(
    request: SampleRequest,
    settings: TpeSettings,
    pending: readonly PendingTrial[],
    rng: Rng,
  ): ParamConfig {
    const { space } = request;
    let finished = 0;
    for (const o of request.observations)
      if (
        (o.state === 'complete' && o.value !== undefined) ||
        (o.state === 'pruned' && o.intermediate?.length)
      )
        finished++;
    if (finished < settings.nStartupTrials || finished === 0) return sampleUniform(space, rng);

    const sign = request.direction === 'maximize' ? -1 : 1;
    const split = splitTrials(request.observations, pending, sign, settings);

    const config: ParamConfig = {};
    const joint = settings.multivariate ? space.params.filter((p) => !p.when) : [];
    if (joint.length > 0) {
      const values = chooseBest(joint, split, settings, rng);
      joint.forEach((p, d) => (config[p.name] = values[d]!));
    }
    for (const p of space.params) {
      if (p.name in config || !space.isActive(p, config)) continue;
      config[p.name] = chooseBest([p], split, settings, rng)[0]!;
    }
    return orderLike(space, config);
  }
}

/** Fits l and g over the trials where every param in `params` is set, and returns the best candidate. */
function chooseBest(
  params: readonly Parameter[],
  { below, belowRanks, above }: Split,
  settings: TpeSettings,
  rng: Rng,
): ParamValue[] {
  const keptBelow = withAll(params, below);
  const l = new ParzenEstimator(
    params,
    pointsOf(params, keptBelow),
    belowWeights(keptBelow, below, belowRanks, settings.belowWeights),
    settings,
  );
  const keptAbove = withAll(params, above);
  const g = new ParzenEstimator(params, pointsOf(params, keptAbove), defaultWeights(keptAbove.length), {
    ...settings,
    bandwidth: settings.aboveBandwidth,
  });
  const count = settings.nEiCandidates;
  const candidates = l.sample(rng, count);
  const logL = l.logPdf(candidates, count);
  const logG = g.logPdf(candidates, count);
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < count; i++) {
    const score = logL[i]! - logG[i]!;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return l.valuesOf(candidates, best);
}

/** The trials where every param in `params` is set (all of them, usually: then the same array). */
function withAll(params: readonly Parameter[], trials: readonly Ranked[]): readonly Ranked[] {
  // Plain loops, no closure per trial.
  const has = (t: Ranked): boolean => {
    for (const p of params) if (!(p.name in t.params)) return false;
    return true;
  };
  for (const t of trials) if (!has(t)) return trials.filter(has);
  return trials;
}

/** The trials in estimator coordinates (one row per trial). */
function pointsOf(params: readonly Parameter[], trials: readonly Ranked[]): Float64Array {
  const D = params.length;
  const out = new Float64Array(trials.length * D);
  for (let d = 0; d < D; d++) {
    const p = params[d]!;
    const name = p.name;
    // Plain numeric values are the coordinates themselves: no call per value.
    if (p.type === 'categorical' || p.log)
      for (let k = 0; k < trials.length; k++) out[k * D + d] = coordinateOf(p, trials[k]!.params[name]!);
    else for (let k = 0; k < trials.length; k++) out[k * D + d] = trials[k]!.params[name] as number;
  }
  return out;
}

/**
 * l(x)'s kernel weights over the kept good trials (in trial order): the recency ramp, times, with
 * belowWeights "rank", 1 − r/(m + 1) for the trial of rank r among the m kept (the best weighs 1, the
 * last of them 1/(m + 1)). Ranking the good group pulls l toward its best points, so candidates
 * refine the best region more often; g's narrow kernels keep the search exploring (sampler docs).
 */
export function belowWeights(
  kept: readonly Ranked[],
  below: readonly Ranked[],
  belowRanks: readonly number[],
  mode: TpeSettings['belowWeights'],
): Float64Array {
  const w = defaultWeights(kept.length);
  if (mode === 'uniform') return w;
  const rankOf = new Map(below.map((t, i) => [t, belowRanks[i]!]));
  const order = kept.map((_, i) => i).sort((a, b) => rankOf.get(kept[a]!)! - rankOf.get(kept[b]!)!);
  order.forEach((i, r) => (w[i] = w[i]! * (1 - r / (kept.length + 1))));
  return w;
}

/** The configuration with keys in parameter order (stable output for logs and comparisons). */
function orderLike(space: Space, config: ParamConfig): ParamConfig {
  const out: ParamConfig = {};
  for (const p of space.params) if (p.name in config) out[p.name] = config[p.name]!;
  return out;
}

export const tpeSamplerFactory: SamplerFactory = {
  name: 'tpe',
  validateSettings: (settings: JsonObject) => void readTpeSettings(settings),
  create: () => new TpeSampler(),
};
