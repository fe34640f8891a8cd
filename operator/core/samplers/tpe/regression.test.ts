import { getSamplerFactory } from '../registry.js';
import type { JsonObject } from '../../../api/types.js';
import { branin, hartmann6, rosenbrock4 } from '../../testing/problems.js';
import { median, optimize } from '../../testing/optimize.js';

// The regression guard: TPE's median best value over 10 fixed seeds beats random search at 60
// evaluations on Branin and on Hartmann6.
describe('TPE beats random search', () => {
  const seeds = Array.from({ length: 10 }, (_, i) => 1000 + i);
  for (const problem of [branin, hartmann6]) {
    it(`on ${problem.name} at 60 evaluations (median over 10 seeds)`, () => {
      const tpe = getSamplerFactory('tpe')!.create();
      const random = getSamplerFactory('random')!.create();
      const tpeBest = seeds.map((s) => optimize(tpe, problem, 60, s).at(-1)!);
      const randomBest = seeds.map((s) => optimize(random, problem, 60, s).at(-1)!);
      expect(median(tpeBest)).toBeLessThan(median(randomBest));
    });
  }
});

// Guards the behaviour the bandwidth default was chosen for (docs/tpe-defaults.md): Scott's rule
// refines good regions that Optuna's fixed-width kernels do not. These are seeds the defaults were
// tuned on (2000+), so this catches regressions; the held-out evidence is in the doc. The mixed problem
// is left out only for time (TPE with int kernels is slow under jest's VM); its cell floor has an exact
// test in tpe.test.ts.
describe("Scott's-rule bandwidths beat fixed-width ones", () => {
  const seeds = Array.from({ length: 10 }, (_, i) => 2000 + i);
  for (const problem of [branin, hartmann6, rosenbrock4]) {
    it(`on ${problem.name} at 100 evaluations (median regret over 10 seeds)`, () => {
      const tpe = getSamplerFactory('tpe')!.create();
      const regret = (settings: JsonObject) =>
        median(seeds.map((s) => optimize(tpe, problem, 100, s, settings).at(-1)! - problem.optimum));
      expect(regret({})).toBeLessThan(regret({ bandwidth: 'optuna' }));
    });
  }
});
