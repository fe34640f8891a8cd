/** The built-in samplers by name. A name not listed here is a custom sampler served over NATS. */
import { gridSamplerFactory } from './grid.js';
import { randomSamplerFactory } from './random.js';
import { sobolSamplerFactory } from './sobol.js';
import { tpeSamplerFactory } from './tpe/sampler.js';
import type { SamplerFactory } from './types.js';

const FACTORIES: ReadonlyMap<string, SamplerFactory> = new Map(
  [randomSamplerFactory, gridSamplerFactory, sobolSamplerFactory, tpeSamplerFactory].map((f) => [f.name, f]),
);

export function builtinSamplerNames(): string[] {
  return [...FACTORIES.keys()];
}

export function isBuiltinSampler(name: string): boolean {
  return FACTORIES.has(name);
}

/** The factory of a built-in sampler, or undefined for a custom one. */
export function getSamplerFactory(name: string): SamplerFactory | undefined {
  return FACTORIES.get(name);
}
