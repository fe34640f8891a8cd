/**
 * `auto`: runs gp or tpe, chosen for the job by a fixed rule on its space and trial budget (rule.ts).
 *
 * Papers: those of its delegates (gp/sampler.ts, tpe/sampler.ts). The rule follows the usual advice —
 * GP-based BO for small budgets over a few numeric parameters (Snoek et al. 2012), TPE for
 * categorical-heavy, conditional or long searches (Bergstra et al. 2011) — with thresholds measured on
 * the tuning set (docs/samplers.md, section `auto`).
 *
 * Each request: profile the space, choose the delegate from the profile and `request.maxTrials`, and
 * hand the request to it unchanged but for the settings. The delegate's randomness is its own
 * (Rng.derive(seed, 'gp' | 'tpe', i)), so a job under auto gets exactly the trials the delegate would
 * give it under its own name: the delegate's figures and tests hold for auto too. The choice depends on
 * nothing that changes during a job but `spec.budget.maxTrials`, which a user may edit: raising it past
 * gpMaxTrials hands the job from gp to tpe at the next suggestion (tpe reads every earlier trial).
 *
 * Settings (defaults):
 * - gp: {}     settings passed to gp when auto picks it (gp/sampler.ts lists them)
 * - tpe: {}    settings passed to tpe when auto picks it (tpe/sampler.ts)
 */
import type { JsonObject, JsonValue, ParamConfig } from '../../../api/types.js';
import { InvalidSettings } from '../../errors.js';
import type { Space } from '../../space/space.js';
import { gpSamplerFactory } from '../gp/sampler.js';
import { rejectUnknownSettings } from '../settings.js';
import { tpeSamplerFactory } from '../tpe/sampler.js';
import type { SampleRequest, Sampler, SamplerFactory } from '../types.js';
import { AUTO_DELEGATES, chooseDelegate, profileSpace, type AutoChoice, type AutoDelegate } from './rule.js';

const DELEGATES: Readonly<Record<AutoDelegate, SamplerFactory>> = {
  gp: gpSamplerFactory,
  tpe: tpeSamplerFactory,
};

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The settings auto passes to `delegate`. */
function delegateSettings(settings: JsonObject, delegate: AutoDelegate): JsonObject {
  const own = settings[delegate];
  return isObject(own) ? own : {};
}

function validateAutoSettings(settings: JsonObject): void {
  rejectUnknownSettings('the auto sampler', settings, AUTO_DELEGATES);
  for (const name of AUTO_DELEGATES) {
    const own = settings[name];
    if (own === undefined) continue;
    if (!isObject(own)) throw new InvalidSettings(`${name}: must be an object of ${name} settings`);
    try {
      DELEGATES[name].validateSettings(own);
    } catch (e) {
      if (e instanceof InvalidSettings) throw new InvalidSettings(`${name}.${e.message}`);
      throw e;
    }
  }
}

/** The delegate auto runs for this space and budget, and why (what `ultron run` and the operator show). */
export function autoChoice(space: Space, maxTrials: number | undefined): AutoChoice {
  return chooseDelegate(profileSpace(space), maxTrials);
}

class AutoSampler implements Sampler {
  readonly name = 'auto';

  sample(request: SampleRequest): ParamConfig[] {
    const { delegate } = autoChoice(request.space, request.maxTrials);
    return DELEGATES[delegate]
      .create()
      .sample({ ...request, settings: delegateSettings(request.settings, delegate) });
  }
}

export const autoSamplerFactory: SamplerFactory = {
  name: 'auto',
  validateSettings: validateAutoSettings,
  // Either delegate may serve the job (the budget can be edited), so the space must suit both.
  validateSpace: (space: Space) => {
    for (const name of AUTO_DELEGATES) DELEGATES[name].validateSpace?.(space);
  },
  describe: (space: Space, maxTrials: number | undefined) => {
    const choice = autoChoice(space, maxTrials);
    return `auto runs ${choice.delegate}: ${choice.reason}`;
  },
  create: () => new AutoSampler(),
};
