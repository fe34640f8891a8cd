/**
 * REINFORCE: a policy-gradient sampler.
 *
 * Papers: Williams (1992), "Simple Statistical Gradient-Following Algorithms for Connectionist
 * Reinforcement Learning" (REINFORCE with a baseline); Zoph & Le (2017), "Neural Architecture Search
 * with Reinforcement Learning" (the same estimator proposing configurations, with a moving-average
 * baseline). The family the Ultron paper offers beside random search and TPE.
 *
 * Each trial is one episode: its configuration is the action drawn from a factorised policy
 * (policy.ts: a Gaussian per numeric parameter on its unit coordinate, a softmax per categorical), its
 * objective the reward. The policy is rebuilt from the history on every request: starting from the
 * initial policy, the finished trials are replayed in index order, each making one update
 * θ ← θ + η·(r − b)·∇log π(trial), then b ← β·b + (1 − β)·r. Results depend only on the set of
 * finished trials, not on when they finished; running trials do not change the policy.
 *
 * The reward r is scale-free: the fraction of earlier finished trials (in index order) the trial beats,
 * ties counting half — so a loss of 1e6 from a diverged run does not swamp every other update. A
 * pruned trial counts as worse than all (r = 0); failed trials are left out; the first trial's r is ½,
 * which is also b's starting value.
 *
 * Settings (defaults):          paper symbol / role
 * - learningRate: 0.6           η, the step size of every factor
 * - baselineDecay: 0.95         β, the moving average's decay (closer to 1: a slower baseline)
 * - initialStd: 0.25            the numeric Gaussians' initial σ, as a fraction of the range
 * - minStd: 0.02                their floor, so the search never freezes on a point
 * Numeric means start at the centre of the range, categoricals uniform. Randomness of trial i comes
 * from Rng.derive(seed, 'reinforce', i).
 */
import type { JsonObject, ParamConfig } from '../../../api/types.js';
import { InvalidSettings } from '../../errors.js';
import { Rng } from '../../rng.js';
import { readNumber, rejectUnknownSettings } from '../settings.js';
import type { Observation, SampleRequest, Sampler, SamplerFactory } from '../types.js';
import { Policy } from './policy.js';

export interface ReinforceSettings {
  learningRate: number;
  baselineDecay: number;
  initialStd: number;
  minStd: number;
}

const KNOWN = ['learningRate', 'baselineDecay', 'initialStd', 'minStd'] as const;
/** The σ ceiling: wider than this, a clipped Gaussian piles its mass on the range's ends. */
const MAX_STD = 0.5;
const MAX_LOGIT = 8;

export function readReinforceSettings(settings: JsonObject): ReinforceSettings {
  rejectUnknownSettings('the reinforce sampler', settings, KNOWN);
  const out = {
    learningRate: readNumber(settings, 'learningRate', 0.6, { above: 0, max: 10 }),
    baselineDecay: readNumber(settings, 'baselineDecay', 0.95, { min: 0, max: 1 }),
    initialStd: readNumber(settings, 'initialStd', 0.25, { above: 0, max: MAX_STD }),
    minStd: readNumber(settings, 'minStd', 0.02, { above: 0, max: MAX_STD }),
  };
  if (out.minStd > out.initialStd) {
    throw new InvalidSettings(`minStd: must be ≤ initialStd (${out.initialStd}), got ${out.minStd}`);
  }
  return out;
}

/** The policy after learning from the finished trials, in index order. */
export function trainPolicy(request: SampleRequest, settings: ReinforceSettings): Policy {
  const policy = new Policy(request.space, {
    initialStd: settings.initialStd,
    minStd: settings.minStd,
    maxStd: MAX_STD,
    maxLogit: MAX_LOGIT,
  });
  const sign = request.direction === 'maximize' ? -1 : 1;
  const episodes = request.observations
    .filter((o) => o.state === 'pruned' || (o.state === 'complete' && Number.isFinite(o.value)))
    .sort((a, b) => a.index - b.index);
  const rewards = rewardsOf(episodes, sign);
  let baseline = 0.5;
  episodes.forEach((o, t) => {
    const reward = rewards[t]!;
    policy.update(o.params, reward - baseline, settings.learningRate);
    baseline = settings.baselineDecay * baseline + (1 - settings.baselineDecay) * reward;
  });
  return policy;
}

/**
 * Each episode's reward: the fraction of earlier completed ones it beats, ties half (½ for the
 * first); 0 for a pruned one. A Fenwick tree over the losses' ranks keeps it O(N log N).
 */
export function rewardsOf(episodes: readonly Observation[], sign: 1 | -1): Float64Array {
  const losses = episodes.map((o) => (o.state === 'complete' ? sign * o.value! : NaN));
  const distinct = [...new Set(losses.filter((l) => !Number.isNaN(l)))].sort((a, b) => a - b);
  const rank = new Map(distinct.map((l, r) => [l, r + 1]));
  const tree = new Float64Array(distinct.length + 1);
  const countUpTo = (r: number): number => {
    let s = 0;
    for (let i = r; i > 0; i -= i & -i) s += tree[i]!;
    return s;
  };
  const out = new Float64Array(episodes.length);
  let seen = 0;
  losses.forEach((loss, t) => {
    if (Number.isNaN(loss)) return; // pruned: reward 0
    const r = rank.get(loss)!;
    const worse = seen - countUpTo(r);
    const ties = countUpTo(r) - countUpTo(r - 1);
    out[t] = seen === 0 ? 0.5 : (worse + ties / 2) / seen;
    for (let i = r; i < tree.length; i += i & -i) tree[i] = tree[i]! + 1;
    seen++;
  });
  return out;
}

class ReinforceSampler implements Sampler {
  readonly name = 'reinforce';

  sample(request: SampleRequest): ParamConfig[] {
    const settings = readReinforceSettings(request.settings);
    if (request.indices.length === 0) return [];
    const policy = trainPolicy(request, settings);
    return request.indices.map((index) => policy.sample(Rng.derive(request.seed, 'reinforce', index)));
  }
}

export const reinforceSamplerFactory: SamplerFactory = {
  name: 'reinforce',
  validateSettings: (settings: JsonObject) => void readReinforceSettings(settings),
  create: () => new ReinforceSampler(),
};
