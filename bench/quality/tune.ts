/**
 * Choosing a sampler's defaults on the tuning set only (issue 10, scope 3): variants of one of our
 * samplers (settings as JSON) against a peer, on BBOB instances 1–5 with tuning seeds (5000 + k), paired
 * by seed. Prints, per cell, the peer's median regret at the budget and each variant's ratio to it, then
 * per variant the counts the targets use (cells ≤ the peer, cells > 1.5× it) and the geometric
 * mean of the ratios. Never reads the reporting set.
 *
 *   node dist/bench/quality/tune.js --seeds 15 --dims 2,5,10 --budget 100 --jobs 2 \
 *     --peer-cache /tmp/optuna-tpe-tuning.json --variant 'default={}' --variant 'w={"minBandwidth":0.1}'
 *
 * The peer's runs are cached in --peer-cache (keyed by cell, seed and budget), so only the first call
 * pays for them. --out FILE writes every run's final regrets (by variant, cell, seed) as JSON.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JsonObject, ParamConfig } from '../../operator/api/index.js';
import { getSamplerFactory, type Observation } from '../../operator/core/samplers/index.js';
import { Space } from '../../operator/core/space/index.js';
import { fmt } from '../samplers/format.js';
import { PythonWorker, type ProblemSpec } from './bridge.js';
import { BBOB_DIMENSIONS, BBOB_FUNCTIONS, makePlan, type Cell } from './plan.js';
import { bestSoFar, median, pBeats } from './stats.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '15' },
    functions: { type: 'string', default: BBOB_FUNCTIONS.join(',') },
    dims: { type: 'string', default: BBOB_DIMENSIONS.join(',') },
    budget: { type: 'string', default: '100' },
    jobs: { type: 'string', default: '1' },
    sampler: { type: 'string', default: 'tpe' },
    peer: { type: 'string', default: 'optuna-tpe' },
    'peer-cache': { type: 'string' },
    variant: { type: 'string', multiple: true, default: ['default={}'] },
    out: { type: 'string' },
  },
});
const budget = Number(args.budget);
const plan = makePlan({
  set: 'tuning',
  seeds: Number(args.seeds),
  functions: args.functions.split(',').map(Number),
  dimensions: args.dims.split(',').map(Number),
  tasks: [],
  bbobBudget: budget,
  peers: [args.peer],
});
const variants = args.variant.map((v) => {
  const eq = v.indexOf('=');
  return { label: v.slice(0, eq), settings: JSON.parse(v.slice(eq + 1)) as JsonObject };
});
const python = join(ROOT, 'bench/quality/.venv/bin/python');
const script = join(ROOT, 'bench/quality/worker.py');
const cacheFile = args['peer-cache'];
const cache: Record<string, number> =
  cacheFile && existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, number>)
    : {};
const cacheKey = (cell: Cell, seed: number): string => `${args.peer}|${cell.name}|${seed}|${budget}`;

async function ours(
  worker: PythonWorker,
  problem: ProblemSpec,
  space: Space,
  seed: number,
  settings: JsonObject,
): Promise<number> {
  const sampler = getSamplerFactory(args.sampler)!.create();
  const observations: Observation[] = [];
  for (let i = 0; i < budget; i++) {
    const [config] = sampler.sample({
      space,
      settings,
      direction: 'minimize',
      seed,
      observations,
      pending: [],
      indices: [i],
    });
    const value = await worker.evaluate(problem, config as ParamConfig);
    observations.push({ index: i, params: config!, state: 'complete', value });
  }
  return Math.min(...observations.map((o) => o.value!));
}

interface CellOut {
  cell: string;
  peer: number[];
  variants: Record<string, number[]>;
}

async function runCell(cell: Cell): Promise<CellOut> {
  const worker = new PythonWorker(python, script);
  try {
    const out: CellOut = { cell: cell.name, peer: [], variants: {} };
    const problems = Array.from({ length: cell.seeds }, (_, k) => cell.problem(k));
    const space = new Space((await worker.open(problems[0]!)).params);
    for (let k = 0; k < cell.seeds; k++) {
      const seed = plan.seedBase + k;
      const key = cacheKey(cell, seed);
      if (cache[key] === undefined) {
        const values = await worker.peer(problems[k]!, args.peer, seed, budget);
        cache[key] = bestSoFar(values).at(-1)!;
      }
      out.peer.push(cache[key]);
    }
    for (const { label, settings } of variants) {
      out.variants[label] = [];
      for (let k = 0; k < cell.seeds; k++)
        out.variants[label].push(await ours(worker, problems[k]!, space, plan.seedBase + k, settings));
    }
    return out;
  } finally {
    await worker.close();
  }
}

// Longest cells (high dimensions) first, so that the lanes finish together.
const dimOf = (cell: Cell): number => {
  const p = cell.problem(0);
  return p.suite === 'bbob' ? p.dimension : 0;
};
const queue = [...plan.cells].sort((a, b) => dimOf(b) - dimOf(a));
const results: CellOut[] = [];
await Promise.all(
  Array.from({ length: Number(args.jobs) }, async () => {
    for (let cell = queue.shift(); cell; cell = queue.shift()) {
      results.push(await runCell(cell));
      if (cacheFile) writeFileSync(cacheFile, JSON.stringify(cache));
    }
  }),
);
results.sort(
  (a, b) => plan.cells.findIndex((c) => c.name === a.cell) - plan.cells.findIndex((c) => c.name === b.cell),
);

console.log(
  `tuning set: BBOB instances 1-5, seeds ${plan.seedBase}+${plan.seeds}, ${budget} evaluations; ratios = variant median / ${args.peer} median`,
);
console.log(
  `${'cell'.padEnd(8)} ${args.peer.padStart(10)} ${variants.map((v) => v.label.padStart(10)).join(' ')}`,
);
const ratio = (cell: CellOut, label: string): number => {
  const ours = median(cell.variants[label]!);
  const theirs = median(cell.peer);
  return ours === 0 && theirs === 0 ? 1 : ours / theirs;
};
for (const cell of results)
  console.log(
    `${cell.cell.padEnd(8)} ${fmt(median(cell.peer)).padStart(10)} ${variants.map((v) => fmt(ratio(cell, v.label)).padStart(10)).join(' ')}`,
  );
console.log('');
for (const { label } of variants) {
  const ratios = results.map((c) => ratio(c, label));
  const le = ratios.filter((r) => r <= 1).length;
  const over = ratios.filter((r) => r > 1.5).length;
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  const worst = results
    .map((c, i) => [c.cell, ratios[i]!] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([c, r]) => `${c} ${fmt(r)}`)
    .join(', ');
  const beats = results.reduce((s, c) => s + pBeats(c.variants[label]!, c.peer), 0) / results.length;
  console.log(
    `${label.padEnd(16)} ≤ peer ${le}/${results.length}  > 1.5× ${over}  geo-mean ratio ${fmt(geo)}  P(beats) ${beats.toFixed(2)}  worst: ${worst}`,
  );
}
if (args.out) writeFileSync(args.out, JSON.stringify({ budget, seedBase: plan.seedBase, results }, null, 1));
