/**
 * CMA-ES: the covariance matrix adaptation evolution strategy, with restarts and integer handling.
 *
 * Papers: Hansen (2016), "The CMA Evolution Strategy: A Tutorial" (the update, active weights);
 * Auger & Hansen (2005), "A Restart CMA Evolution Strategy With Increasing Population Size" (IPOP);
 * Hamano, Saito, Nomura & Shirakawa (2022), "CMA-ES with Margin" (discrete coordinates); Hansen (2011),
 * "Injecting External Solutions Into CMA-ES" (trials it did not sample itself). The `cmaes` Python
 * package (CMA, CMAwM) and Optuna's CmaEsSampler are the reference behaviour.
 *
 * What it searches (coords.ts): the always-active int and float parameters, each as a unit interval in
 * the space's encoding — log-scaled parameters on the log scale, int and stepped ones as discrete
 * coordinates with margin. Categorical and conditional parameters are drawn uniformly at random, as
 * Optuna's CmaEsSampler does with its independent sampler: CMA-ES has no model of them, so prefer tpe
 * when they matter. A space with no such numeric parameter is random search.
 *
 * State: rebuilt from the history on every request (replay.ts), so any replica gives the same
 * answer. Generations are consecutive index ranges holding λ completed trials each, closing once none
 * of their trials is still running (`pending`); trials asked meanwhile all come from the current
 * distribution. A redraw from the trial's own generator recovers the raw solution CMA-ES sampled;
 * a trial sampled from an earlier generation is injected (Hansen 2011). A bounded memo of replay
 * checkpoints (cache.ts) makes this cheap without changing any answer.
 *
 * Settings (defaults):          paper symbol / role
 * - popsize: 4 + ⌊3 ln n⌋       λ, trials per generation (n: the numeric parameters); ≥ 2
 * - sigma0: 1/6                 σ₀, the initial step size as a fraction of each parameter's range; the
 *                               first run starts at the centre of the space (Optuna's defaults)
 * - restartStrategy: "ipop"     restart with λ·incPopsize when a run stops progressing; "none" keeps
 *                               one run (BIPOP is not implemented)
 * - incPopsize: 2               IPOP's population growth factor
 * - withMargin: true            margin correction on discrete coordinates, α = 1/(n·λ); false rounds
 *                               them only
 * Randomness of trial i comes from Rng.derive(seed, 'cmaes', i): the CMA-ES draw from it, the other
 * parameters from its fork 'independent'.
 */
import type { JsonObject, ParamConfig } from '../../../api/types.js';
import { Rng } from '../../rng.js';
import { decodeValue, type Space } from '../../space/space.js';
import { readBoolean, readChoice, readNumber, rejectUnknownSettings } from '../settings.js';
import type { SampleRequest, Sampler, SamplerFactory } from '../types.js';
import { memoFor } from './cache.js';
import { continuousValue, coordinatesOf } from './coords.js';
import { draw, replay, trailOf, trialRng, type CmaesSettings, type Run } from './replay.js';

const KNOWN = ['popsize', 'sigma0', 'restartStrategy', 'incPopsize', 'withMargin'] as const;

export function readCmaesSettings(settings: JsonObject): CmaesSettings {
  rejectUnknownSettings('the cmaes sampler', settings, KNOWN);
  return {
    popsize: readNumber(settings, 'popsize', undefined, { min: 2, max: 10_000, integer: true }),
    sigma0: readNumber(settings, 'sigma0', 1 / 6, { above: 0, max: 1 }),
    restartStrategy: readChoice(settings, 'restartStrategy', 'ipop', ['ipop', 'none'] as const),
    incPopsize: readNumber(settings, 'incPopsize', 2, { min: 1, max: 16, integer: true }),
    withMargin: readBoolean(settings, 'withMargin', true),
  };
}

class CmaesSampler implements Sampler {
  readonly name = 'cmaes';

  sample(request: SampleRequest): ParamConfig[] {
    const settings = readCmaesSettings(request.settings);
    if (request.indices.length === 0) return [];
    const coords = coordinatesOf(request.space);
    const sign = request.direction === 'maximize' ? -1 : 1;
    const key = JSON.stringify([request.seed, sign, settings, request.space.params]);
    const run =
      coords.length > 0
        ? replay(
            coords,
            trailOf(coords, request.observations, request.pending, sign),
            request.seed,
            settings,
            memoFor(key),
          )
        : undefined;
    return request.indices.map((index) => configOf(request.space, run, trialRng(request.seed, index)));
  }
}

function configOf(space: Space, run: Run | undefined, rng: Rng): ParamConfig {
  const independent = rng.fork('independent');
  const fromCma = new Map<string, number>();
  if (run) {
    const { raw, cells } = draw(run.cma, run.coords, rng);
    run.coords.forEach((c, i) => {
      const cell = cells[i];
      fromCma.set(
        c.param.name,
        cell === undefined ? (continuousValue(c, raw[i]!) as number) : c.cells!.value(cell),
      );
    });
  }
  const config: ParamConfig = {};
  for (const p of space.params) {
    // One draw per parameter whether or not it is used, so a parameter's value does not shift when
    // an earlier one's activity changes.
    const u = independent.random();
    if (!space.isActive(p, config)) continue;
    config[p.name] = fromCma.get(p.name) ?? decodeValue(p, u);
  }
  return config;
}

export const cmaesSamplerFactory: SamplerFactory = {
  name: 'cmaes',
  validateSettings: (settings: JsonObject) => void readCmaesSettings(settings),
  create: () => new CmaesSampler(),
};
