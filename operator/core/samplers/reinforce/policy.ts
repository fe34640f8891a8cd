/**
 * REINFORCE's policy: one independent distribution per parameter (a factorised policy). A numeric
 * parameter is a Gaussian on its unit-interval coordinate (space.ts encoding, so log-scaled ones are
 * searched on the log scale) with a learned mean and log standard deviation, clipped into [0, 1]; a
 * categorical is a softmax over its values with learned logits. A conditional parameter has its own
 * distribution, used and learned only in trials where it is active.
 */
import type { CategoricalParameter, ParamConfig, ParamValue } from '../../../api/types.js';
import type { Rng } from '../../rng.js';
import { decodeValue, encodeValue, type Space } from '../../space/space.js';

export interface PolicyOptions {
  /** Initial standard deviation of the numeric Gaussians, in units of the parameter's range. */
  initialStd: number;
  /** Floor and ceiling of those standard deviations (exploration never stops, never explodes). */
  minStd: number;
  maxStd: number;
  /** Logits are kept within ±maxLogit, so no value's probability reaches zero. */
  maxLogit: number;
}

type Factor = { kind: 'gaussian'; mean: number; logStd: number } | { kind: 'softmax'; logits: Float64Array };

export class Policy {
  private readonly factors: Factor[];

  constructor(
    private readonly space: Space,
    private readonly options: PolicyOptions,
  ) {
    this.factors = space.params.map((p) =>
      p.type === 'categorical'
        ? { kind: 'softmax', logits: new Float64Array(p.values.length) }
        : { kind: 'gaussian', mean: 0.5, logStd: Math.log(options.initialStd) },
    );
  }

  /** One configuration; each parameter takes the same number of draws whether active or not. */
  sample(rng: Rng): ParamConfig {
    const config: ParamConfig = {};
    this.space.params.forEach((p, i) => {
      const f = this.factors[i]!;
      const u = f.kind === 'gaussian' ? f.mean + Math.exp(f.logStd) * rng.normal() : rng.random();
      if (!this.space.isActive(p, config)) return;
      config[p.name] =
        f.kind === 'gaussian' || p.type !== 'categorical'
          ? decodeValue(p, u)
          : categoricalAt(p, probabilities(f.logits), u);
    });
    return config;
  }

  /**
   * One REINFORCE step, θ += η·A·∇log π(config), for the parameters set in `config`. Numeric factors
   * take the natural-gradient form (the gradient scaled by the inverse Fisher information: σ² for the
   * mean, 1/2 for the log std), which makes a step's size independent of the current σ (as in Sehnke
   * et al. 2010, PGPE).
   */
  update(config: ParamConfig, advantage: number, learningRate: number): void {
    const { minStd, maxStd, maxLogit } = this.options;
    this.space.params.forEach((p, i) => {
      const v = config[p.name];
      if (v === undefined) return;
      const f = this.factors[i]!;
      if (f.kind === 'gaussian') {
        const u = encodeValue(p, v);
        if (!Number.isFinite(u)) return;
        const std = Math.exp(f.logStd);
        const d = u - f.mean;
        f.mean = Math.min(1, Math.max(0, f.mean + learningRate * advantage * d));
        const logStd = f.logStd + (learningRate * advantage * ((d * d) / (std * std) - 1)) / 2;
        f.logStd = Math.min(Math.log(maxStd), Math.max(Math.log(minStd), logStd));
        return;
      }
      if (p.type !== 'categorical') return;
      const chosen = p.values.findIndex((c) => c === v);
      if (chosen < 0) return;
      const probs = probabilities(f.logits);
      for (let k = 0; k < f.logits.length; k++) {
        const grad = (k === chosen ? 1 : 0) - probs[k]!;
        f.logits[k] = Math.min(maxLogit, Math.max(-maxLogit, f.logits[k]! + learningRate * advantage * grad));
      }
    });
  }
}

function probabilities(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  const out = Float64Array.from(logits, (l) => Math.exp(l - max));
  let sum = 0;
  for (const e of out) sum += e;
  for (let k = 0; k < out.length; k++) out[k] = out[k]! / sum;
  return out;
}

/** The value whose cumulative-probability interval holds u. */
function categoricalAt(p: CategoricalParameter, probs: Float64Array, u: number): ParamValue {
  const values = p.values;
  let acc = 0;
  for (let k = 0; k < probs.length; k++) {
    acc += probs[k]!;
    if (u < acc) return values[k]!;
  }
  return values[values.length - 1]!;
}
