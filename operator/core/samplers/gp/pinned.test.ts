/**
 * gp's suggestions for fixed observations, pinned by a hash. The search-quality tables in
 * docs/benchmarks.md were measured with exactly these results: a change that only makes gp faster must
 * keep them bit for bit. If the hash changes on purpose, rerun bench:quality's gp and auto cells (and
 * the tuning-set check, bench/quality/tune.ts) before updating it, and say so in the commit.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../../api/types.js';
import { Rng } from '../../rng.js';
import { Space } from '../../space/space.js';
import { branin, hartmann6, mixedHpo, type Problem } from '../../testing/index.js';
import type { Observation } from '../types.js';
import { gpSamplerFactory } from './sampler.js';

const PINNED = '2c3406dca141e509';

function suggestions(): string {
  const out: string[] = [];
  const cases: Array<[Problem, number]> = [
    [branin, 12],
    [mixedHpo, 40],
    [hartmann6, 95],
  ];
  for (const [problem, n] of cases) {
    const space = new Space(problem.params);
    const rng = new Rng(n);
    const observations: Observation[] = Array.from({ length: n }, (_, i) => {
      const params = space.decode(problem.params.map(() => rng.random()));
      const state = i % 17 === 5 ? 'pruned' : 'complete';
      return { index: i, params, state, value: problem.evaluate(params) };
    });
    const pending = [n, n + 1].map((index) => ({
      index,
      params: space.decode(problem.params.map(() => rng.random())),
    }));
    for (const settings of [{}, { deterministic: true }] as JsonObject[]) {
      const request = { space, settings, direction: 'minimize' as const, seed: 3, observations, pending };
      const r = gpSamplerFactory.create().sample({ ...request, indices: [n + 2, n + 3] });
      out.push(`${problem.name} n=${n} ${JSON.stringify(settings)} ${JSON.stringify(r)}`);
    }
  }
  return out.join('\n');
}

describe('gp results, pinned', () => {
  it('suggests exactly what the benchmarked gp suggested (subset fit, refinement, pending trials)', () => {
    const hash = createHash('sha256').update(suggestions()).digest('hex').slice(0, 16);
    expect(hash).toBe(PINNED);
  });
});
