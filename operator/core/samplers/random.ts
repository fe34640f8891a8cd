/**
 * Random search (Bergstra & Bengio, 2012): each configuration is drawn independently and uniformly
 * from the space — log-uniform for `log: true`, uniform over the values of a categorical, uniform over
 * the grid of an int or stepped parameter. No settings.
 */
import type { JsonObject, ParamConfig } from '../../api/types.js';
import { Rng } from '../rng.js';
import type { Space } from '../space/space.js';
import { rejectUnknownSettings } from './settings.js';
import type { SampleRequest, Sampler, SamplerFactory } from './types.js';

/** One uniform draw from the space with the given generator (shared with TPE's startup trials). */
export function sampleUniform(space: Space, rng: Rng): ParamConfig {
  return space.decode(space.params.map(() => rng.random()));
}

class RandomSampler implements Sampler {
  readonly name = 'random';
  sample(request: SampleRequest): ParamConfig[] {
    return request.indices.map((index) =>
      sampleUniform(request.space, Rng.derive(request.seed, 'random', index)),
    );
  }
}

export const randomSamplerFactory: SamplerFactory = {
  name: 'random',
  validateSettings: (settings: JsonObject) => rejectUnknownSettings('the random sampler', settings, []),
  create: () => new RandomSampler(),
};
