/**
 * The sampler contract suite (samplers/types.ts), run by contract.test.ts over every built-in sampler.
 * A sampler opts out only of what cannot apply to it (`spaces`).
 */
import type { ParamConfig } from '../../../api/types.js';
import { InvalidSettings, SpaceExhausted } from '../../errors.js';
import { Space } from '../../space/space.js';
import type { Observation, SampleRequest, SamplerFactory } from '../types.js';
import { TEST_SPACES } from './spaces.js';

export interface ContractOptions {
  /** Which TEST_SPACES the sampler serves. */
  spaces: readonly string[];
  /** Whether one index per request gives the same configuration however requests are batched. */
  indexStable: boolean;
}

function request(
  space: Space,
  seed: number,
  indices: number[],
  observations: Observation[] = [],
): SampleRequest {
  return { space, settings: {}, direction: 'minimize', seed, observations, pending: [], indices };
}

/** A run of n trials, one index per request, scoring each configuration deterministically. */
function run(factory: SamplerFactory, space: Space, seed: number, n: number): Observation[] {
  const sampler = factory.create();
  const observations: Observation[] = [];
  for (let i = 0; i < n; i++) {
    let params: ParamConfig | undefined;
    try {
      [params] = sampler.sample(request(space, seed, [i], observations));
    } catch (e) {
      if (e instanceof SpaceExhausted) break; // a finite space (grid) ran out: fine, by contract
      throw e;
    }
    const value = space.encode(params!).reduce((s, x) => s + (Number.isNaN(x) ? 0.5 : (x - 0.3) ** 2), 0);
    const state = i % 7 === 3 ? 'failed' : i % 5 === 4 ? 'pruned' : 'complete';
    observations.push({
      index: i,
      params: params!,
      state,
      ...(state === 'complete' ? { value } : {}),
      ...(state === 'pruned' ? { intermediate: [{ step: 1, value: value + 1 }] } : {}),
    });
  }
  return observations;
}

export function describeSamplerContract(factory: SamplerFactory, options: ContractOptions): void {
  describe(`sampler contract: ${factory.name}`, () => {
    for (const name of options.spaces) {
      const space = new Space(TEST_SPACES[name]!);
      it(`returns only valid configurations on the ${name} space over many seeds`, () => {
        for (let seed = 0; seed < 20; seed++) {
          for (const o of run(factory, space, seed, 14)) expect(space.validate(o.params)).toEqual([]);
        }
      });
      it(`is deterministic on the ${name} space`, () => {
        expect(run(factory, space, 5, 14)).toEqual(run(factory, space, 5, 14));
      });
    }

    it('returns one configuration per index, for a batch too', () => {
      const space = new Space(TEST_SPACES[options.spaces[0]!]!);
      const batch = factory.create().sample(request(space, 3, [0, 1, 2, 3]));
      expect(batch).toHaveLength(4);
      for (const c of batch) expect(space.validate(c)).toEqual([]);
      expect(factory.create().sample(request(space, 3, []))).toEqual([]);
    });

    if (options.indexStable) {
      it('gives trial i the same configuration however requests are batched', () => {
        const space = new Space(TEST_SPACES['conditional']!);
        const together = factory.create().sample(request(space, 11, [0, 1, 2]));
        const apart: ParamConfig[] = [0, 1, 2].map(
          (i) => factory.create().sample(request(space, 11, [i]))[0]!,
        );
        expect(apart).toEqual(together);
      });
    }

    it('gives different seeds different sequences', () => {
      const space = new Space(TEST_SPACES[options.spaces[options.spaces.length - 1]!]!);
      const a = run(factory, space, 1, 6).map((o) => o.params);
      const b = run(factory, space, 2, 6).map((o) => o.params);
      expect(a).not.toEqual(b);
    });

    it('rejects unknown or mistyped settings with InvalidSettings', () => {
      expect(() => factory.validateSettings({ noSuchSetting: 1 })).toThrow(InvalidSettings);
      expect(() => factory.validateSettings({})).not.toThrow();
    });
  });
}
