/** A sequential ask/tell loop over a problem: the shared driver of sampler tests and benchmarks. */
import type { JsonObject } from '../../api/types.js';
import type { Sampler, Observation } from '../samplers/types.js';
import { Space } from '../space/space.js';
import type { Problem } from './problems.js';

/** Best value so far after each evaluation. */
export function optimize(
  sampler: Sampler,
  problem: Problem,
  evaluations: number,
  seed: number,
  settings: JsonObject = {},
): number[] {
  const space = new Space(problem.params);
  const observations: Observation[] = [];
  const bestSoFar: number[] = [];
  let best = Infinity;
  for (let i = 0; i < evaluations; i++) {
    const [params] = sampler.sample({
      space,
      settings,
      direction: 'minimize',
      seed,
      observations,
      pending: [],
      indices: [i],
      maxTrials: evaluations,
    });
    const value = problem.evaluate(params!);
    observations.push({ index: i, params: params!, state: 'complete', value });
    best = Math.min(best, value);
    bestSoFar.push(best);
  }
  return bestSoFar;
}

export { median } from '../stopping/common.js';
