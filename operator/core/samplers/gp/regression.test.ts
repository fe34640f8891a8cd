import type { ParamConfig } from '../../../api/types.js';
import { Rng } from '../../rng.js';
import { Space } from '../../space/space.js';
import { median, optimize } from '../../testing/optimize.js';
import { branin, hartmann6, mixedHpo, type Problem } from '../../testing/problems.js';
import { getSamplerFactory } from '../registry.js';
import type { Observation, PendingTrial } from '../types.js';

// Quality guards for gp, on the repository's tuning problems and seeds (1000–1009, the seeds its
// defaults were checked on; they catch regressions, they do not prove generality). The comparison
// is with random search and with the sampler's own startup design (scrambled Sobol'), so a GP that
// stopped learning fails even where Sobol' points are good. Measured medians at 30 evaluations
// (gp / random / sobol): Branin 0.0032 / 1.48 / 1.10, Hartmann-6 0.195 / 2.08 / 2.22, the mixed HPO
// problem (log float, log int, int, categorical, stepped float) 0.0068 / 0.45 / 0.55. Margins are
// wide so they cannot flake. The budget is small to keep this file to a few seconds (the GP costs
// ~1–5 ms per suggestion here, several times that under jest).
const seeds = Array.from({ length: 10 }, (_, i) => 1000 + i);
const BUDGET = 30;
const regret = (name: string, problem: Problem): number => {
  const sampler = getSamplerFactory(name)!.create();
  return median(seeds.map((s) => optimize(sampler, problem, BUDGET, s).at(-1)! - problem.optimum));
};

describe(`gp beats random search and Sobol' points by a wide margin at ${BUDGET} evaluations (median of 10 seeds)`, () => {
  for (const [problem, factor] of [
    [branin, 100],
    [hartmann6, 4],
    [mixedHpo, 10],
  ] as const) {
    it(`on ${problem.name}: under 1/${factor} of either's regret`, () => {
      const ours = regret('gp', problem);
      expect(ours).toBeLessThan(regret('random', problem) / factor);
      expect(ours).toBeLessThan(regret('sobol', problem) / factor);
    });
  }
});

/** Best value after `budget` trials run `parallel` at a time, each taking 1 + U(0, 1) time units. */
function parallelBest(problem: Problem, budget: number, parallel: number, seed: number): number {
  const sampler = getSamplerFactory('gp')!.create();
  const space = new Space(problem.params);
  const observations: Observation[] = [];
  const running: (PendingTrial & { end: number })[] = [];
  let now = 0;
  let best = Infinity;
  for (let next = 0; observations.length < budget;) {
    while (running.length < parallel && next < budget) {
      const pending = running.map(({ index, params }) => ({ index, params }));
      const [params] = sampler.sample({
        space,
        settings: {},
        direction: 'minimize',
        seed,
        observations,
        pending,
        indices: [next],
      });
      running.push({
        index: next,
        params: params as ParamConfig,
        end: now + 1 + Rng.derive(seed, 'duration', next).random(),
      });
      next++;
    }
    running.sort((a, b) => a.end - b.end);
    const done = running.shift()!;
    now = done.end;
    const value = problem.evaluate(done.params);
    best = Math.min(best, value);
    observations.push({ index: done.index, params: done.params, state: 'complete', value });
  }
  return best;
}

// Running trials enter the posterior at their predicted mean, capped at the best so far, so the four
// trials in flight are not four copies of one suggestion. Measured: Branin median 0.023 with 4 at a
// time at 30 evaluations (0.00072 at 40), against 0.0032 one at a time and random search's 1.48.
it('gp with 4 trials at a time still beats random search by a wide margin on Branin', () => {
  const ours = median(seeds.map((s) => parallelBest(branin, BUDGET, 4, s) - branin.optimum));
  expect(ours).toBeLessThan(regret('random', branin) / 20);
});
