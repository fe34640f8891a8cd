/**
 * Compares TPE settings over many seeds, for tuning defaults on seeds the benchmark does not use:
 *
 *   node dist/bench/samplers/compare.js --first-seed 2000 --seeds 40 \
 *     --optuna optuna-2000.json --variant 'default={}' --variant 'g15={"gamma":0.15}'
 *
 * (optuna-2000.json from `optuna_bench.py 40 100 2000 --no-timing`, same seeds.) Prints, per problem and
 * variant, the median best regret at 25/50/100 evaluations, the ratio to Optuna's TPE at 100, and a
 * bootstrap 80% interval of that ratio, so a difference can be told from seed noise. `--problems` picks
 * problems by name (default: all of the benchmark's).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JsonObject } from '../../operator/api/types.js';
import { getSamplerFactory } from '../../operator/core/samplers/index.js';
import { Rng } from '../../operator/core/rng.js';
import { median, optimize } from '../../operator/core/testing/index.js';
import { PROBLEMS } from '../../operator/core/testing/index.js';
import { fmt } from './format.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '40' },
    'first-seed': { type: 'string', default: '2000' },
    evals: { type: 'string', default: '100' },
    optuna: { type: 'string' },
    sampler: { type: 'string', default: 'tpe' },
    variant: { type: 'string', multiple: true, default: ['default={}'] },
    problems: { type: 'string', default: PROBLEMS.map((p) => p.name).join(',') },
  },
});
const first = Number(values['first-seed']);
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => first + i);
const evals = Number(values.evals);
interface OptunaCurves {
  firstSeed?: number;
  seeds?: number;
  evaluations?: number;
  curves: Record<string, Record<string, number[][]>>;
}
const optuna = values.optuna ? (JSON.parse(readFileSync(values.optuna, 'utf8')) as OptunaCurves) : undefined;
// Ratios mean something only over the same seeds and budget.
if (optuna && (optuna.firstSeed !== first || optuna.seeds !== seeds.length || optuna.evaluations !== evals)) {
  throw new Error(
    `${values.optuna} has seeds ${optuna.firstSeed}+${optuna.seeds} at ${optuna.evaluations} evaluations; ` +
      `this run asks for ${first}+${seeds.length} at ${evals}: rerun optuna_bench.py ${seeds.length} ${evals} ${first}`,
  );
}

/** Bootstrap 10th and 90th percentiles of median(a) / median(b), resampling each side independently. */
function ratioInterval(a: number[], b: number[], rounds = 2000): [number, number] {
  const rng = new Rng(7);
  const pick = (xs: number[]) => xs.map(() => xs[Math.floor(rng.random() * xs.length)]!);
  const ratios = Array.from({ length: rounds }, () => median(pick(a)) / median(pick(b))).sort(
    (x, y) => x - y,
  );
  return [ratios[Math.floor(rounds * 0.1)]!, ratios[Math.floor(rounds * 0.9)]!];
}

const variants = values.variant.map((v) => {
  const eq = v.indexOf('=');
  return { label: v.slice(0, eq), settings: JSON.parse(v.slice(eq + 1)) as JsonObject };
});

const problems = values.problems.split(',').map((name) => {
  const problem = PROBLEMS.find((p) => p.name === name);
  if (!problem) throw new Error(`unknown problem ${name}`);
  return problem;
});
for (const problem of problems) {
  console.log(`\n${problem.name} (${seeds.length} seeds from ${first}, regret @25 @50 @${evals})`);
  // Ratios are to Optuna's TPE when its curves are given, else to the first variant.
  let reference = optuna?.curves['optuna-tpe']?.[problem.name]?.map((c) => c[evals - 1]! - problem.optimum);
  for (const [label, curves] of Object.entries(optuna?.curves ?? {})) {
    if (!curves[problem.name]) continue;
    const at = (n: number) => median(curves[problem.name]!.map((c) => c[n - 1]! - problem.optimum));
    console.log(`  ${label.padEnd(28)} ${[25, 50, evals].map((n) => fmt(at(n)).padStart(9)).join(' ')}`);
  }
  for (const { label, settings } of variants) {
    const curves = seeds.map((seed) =>
      optimize(getSamplerFactory(values.sampler)!.create(), problem, evals, seed, settings),
    );
    const regrets = (n: number) => curves.map((c) => c[n - 1]! - problem.optimum);
    let line = `  ${label.padEnd(28)} ${[25, 50, evals].map((n) => fmt(median(regrets(n))).padStart(9)).join(' ')}`;
    if (!reference) reference = regrets(evals);
    else {
      const [lo, hi] = ratioInterval(regrets(evals), reference);
      line += `   ratio ${fmt(median(regrets(evals)) / median(reference))} [${fmt(lo)}, ${fmt(hi)}]`;
    }
    console.log(line);
  }
}
