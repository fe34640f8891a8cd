/** The built-in samplers by name. A name not listed here is a custom sampler served over NATS. */
import { autoSamplerFactory } from './auto/sampler.js';
import { cmaesSamplerFactory } from './cmaes/sampler.js';
import { gpSamplerFactory } from './gp/sampler.js';
import { gridSamplerFactory } from './grid.js';
import { randomSamplerFactory } from './random.js';
import { reinforceSamplerFactory } from './reinforce/sampler.js';
import { sobolSamplerFactory } from './sobol.js';
import { tpeSamplerFactory } from './tpe/sampler.js';
import { BUILTIN_SAMPLERS, type BuiltinSamplerName } from '../../api/types.js';
import type { Space } from '../space/space.js';
import type { SamplerFactory } from './types.js';

// Keyed by the API's list of names, so a name without a sampler (or the reverse) does not compile.
const BY_NAME: Readonly<Record<BuiltinSamplerName, SamplerFactory>> = {
  random: randomSamplerFactory,
  grid: gridSamplerFactory,
  sobol: sobolSamplerFactory,
  tpe: tpeSamplerFactory,
  cmaes: cmaesSamplerFactory,
  reinforce: reinforceSamplerFactory,
  gp: gpSamplerFactory,
  auto: autoSamplerFactory,
};
const FACTORIES: ReadonlyMap<string, SamplerFactory> = new Map(Object.entries(BY_NAME));

export function builtinSamplerNames(): string[] {
  return [...BUILTIN_SAMPLERS];
}

export function isBuiltinSampler(name: string): boolean {
  return FACTORIES.has(name);
}

/** The factory of a built-in sampler, or undefined for a custom one. */
export function getSamplerFactory(name: string): SamplerFactory | undefined {
  return FACTORIES.get(name);
}

/** What a built-in sampler will do for this job, when that depends on the job (auto); else undefined. */
export function describeSampler(
  name: string,
  space: Space,
  maxTrials: number | undefined,
): string | undefined {
  return getSamplerFactory(name)?.describe?.(space, maxTrials);
}
