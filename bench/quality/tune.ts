/**
 * Choosing a sampler's defaults on the tuning set only (issue 10, scope 3): variants of our samplers
 * (a sampler and its settings as JSON) against a peer, on BBOB instances 1–5 with tuning seeds
 * (5000 + k), paired by seed. Prints, per budget and cell, the peer's median regret and each variant's
 * ratio to it, then per variant the counts the targets use (cells ≤ the peer, cells > 1.5× it)
 * and the geometric mean of the ratios. Never reads the reporting set.
 *
 *   node dist/bench/quality/tune.js --seeds 15 --dims 2,5,10 --budget 50,100 --jobs 2 \
 *     --peer-cache /tmp/optuna-tpe-tuning.json --variant 'default={}' --variant 'w={"minBandwidth":0.1}'
 *
 * A variant is `label=SETTINGS` (the --sampler, default tpe) or `label=SAMPLER:SETTINGS`, so samplers can
 * be compared with each other: `--variant 'tpe=tpe:{}' --variant 'gp=gp:{}'`. With `--peer none` the
 * ratios are to the first variant. `--categorical K` turns the last K coordinates of every problem into
 * categorical parameters of `--levels` values (4) that stand for points spread over the coordinate's
 * range in a scrambled order, so no sampler can use their order: a categorical-heavy space with BBOB's
 * landscape (the regret is measured at the point the values stand for, so it has a floor).
 *
 * Each run goes to the largest budget once and is read at every budget (a sampler does not know the
 * budget), except for samplers that choose by it (auto), which run once per budget with `maxTrials` set.
 * The peer's runs are cached in --peer-cache (keyed by cell, seed and budget), so only the first call
 * pays for them. --out FILE writes every run's final regrets (by budget, variant, cell, seed) as JSON.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JsonObject, ParamConfig, Parameter } from '../../operator/api/index.js';
import { Rng } from '../../operator/core/rng.js';
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
    categorical: { type: 'string', default: '0' },
    levels: { type: 'string', default: '4' },
    out: { type: 'string' },
  },
});
const budgets = args.budget.split(',').map(Number);
const maxBudget = Math.max(...budgets);
/** Samplers whose choices depend on the budget: they run once per budget, with maxTrials set. */
const BUDGET_AWARE = new Set(['auto']);
const categorical = Number(args.categorical);
const levels = Number(args.levels);
const usePeer = args.peer !== 'none';
const plan = makePlan({
  set: 'tuning',
  seeds: Number(args.seeds),
  functions: args.functions.split(',').map(Number),
  dimensions: args.dims.split(',').map(Number),
  tasks: [],
  bbobBudget: maxBudget,
  peers: usePeer ? [args.peer] : [],
});
interface Variant {
  label: string;
  sampler: string;
  settings: JsonObject;
}
const variants: Variant[] = args.variant.map((v) => {
  const eq = v.indexOf('=');
  const body = v.slice(eq + 1);
  const colon = body.startsWith('{') ? -1 : body.indexOf(':');
  const sampler = colon < 0 ? args.sampler : body.slice(0, colon);
  if (!getSamplerFactory(sampler)) throw new Error(`${v}: '${sampler}' is not a built-in sampler`);
  return { label: v.slice(0, eq), sampler, settings: JSON.parse(body.slice(colon + 1)) as JsonObject };
});
const python = join(ROOT, 'bench/quality/.venv/bin/python');
const script = join(ROOT, 'bench/quality/worker.py');
const cacheFile = args['peer-cache'];
const cache: Record<string, number> =
  cacheFile && existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, number>)
    : {};
const cacheKey = (cell: Cell, seed: number, budget: number): string =>
  `${args.peer}|${cell.name}|${seed}|${budget}`;

/**
 * The problem's space with its last `categorical` floats made categorical: value j of coordinate i
 * stands for the point at the centre of cell perm_i(j) of `levels` equal cells of the range.
 */
function withCategoricals(params: Parameter[]): {
  params: Parameter[];
  toFloats(c: ParamConfig): ParamConfig;
} {
  const first = params.length - Math.min(categorical, params.length);
  const points = new Map<string, number[]>();
  const out = params.map((p, i): Parameter => {
    if (i < first || p.type !== 'float') return p;
    const rng = Rng.derive(0, 'tune-categorical', i);
    const perm = Array.from({ length: levels }, (_, j) => j);
    for (let j = levels - 1; j > 0; j--) {
      const k = rng.int(j + 1);
      [perm[j], perm[k]] = [perm[k]!, perm[j]!];
    }
    points.set(
      p.name,
      perm.map((cellIndex) => p.min + ((p.max - p.min) * (cellIndex + 0.5)) / levels),
    );
    return { name: p.name, type: 'categorical', values: Array.from({ length: levels }, (_, j) => `v${j}`) };
  });
  return {
    params: out,
    toFloats: (c) =>
      Object.fromEntries(
        Object.entries(c).map(([k, v]) => [
          k,
          points.has(k) ? points.get(k)![Number(String(v).slice(1))]! : v,
        ]),
      ),
  };
}

/** Best regret after each budget in `at` (ascending). */
async function ours(
  worker: PythonWorker,
  problem: ProblemSpec,
  space: Space,
  toFloats: (c: ParamConfig) => ParamConfig,
  seed: number,
  variant: Variant,
  at: number[],
  maxTrials: number | undefined,
): Promise<number[]> {
  const sampler = getSamplerFactory(variant.sampler)!.create();
  const observations: Observation[] = [];
  const n = Math.max(...at);
  for (let i = 0; i < n; i++) {
    const [config] = sampler.sample({
      space,
      settings: variant.settings,
      direction: 'minimize',
      seed,
      observations,
      pending: [],
      indices: [i],
      ...(maxTrials !== undefined ? { maxTrials } : {}),
    });
    const value = await worker.evaluate(problem, toFloats(config as ParamConfig));
    observations.push({ index: i, params: config!, state: 'complete', value });
  }
  const best = bestSoFar(observations.map((o) => o.value!));
  return at.map((b) => best[b - 1]!);
}

interface CellOut {
  cell: string;
  /** By budget. */
  peer: Record<number, number[]>;
  /** By budget, then variant label. */
  variants: Record<number, Record<string, number[]>>;
}

async function runCell(cell: Cell): Promise<CellOut> {
  const worker = new PythonWorker(python, script);
  try {
    const out: CellOut = { cell: cell.name, peer: {}, variants: {} };
    for (const b of budgets) {
      out.peer[b] = [];
      out.variants[b] = {};
    }
    const problems = Array.from({ length: cell.seeds }, (_, k) => cell.problem(k));
    const opened = withCategoricals((await worker.open(problems[0]!)).params);
    const space = new Space(opened.params);
    for (let k = 0; usePeer && k < cell.seeds; k++) {
      const seed = plan.seedBase + k;
      if (budgets.some((b) => cache[cacheKey(cell, seed, b)] === undefined)) {
        const best = bestSoFar(await worker.peer(problems[k]!, args.peer, seed, maxBudget));
        for (const b of budgets) cache[cacheKey(cell, seed, b)] ??= best[b - 1]!;
      }
      for (const b of budgets) out.peer[b]!.push(cache[cacheKey(cell, seed, b)]!);
    }
    for (const variant of variants) {
      for (const b of budgets) out.variants[b]![variant.label] = [];
      for (let k = 0; k < cell.seeds; k++) {
        const run = (at: number[], maxTrials?: number) =>
          ours(worker, problems[k]!, space, opened.toFloats, plan.seedBase + k, variant, at, maxTrials);
        let found: number[] = [];
        if (!BUDGET_AWARE.has(variant.sampler)) found = await run(budgets);
        else for (const b of budgets) found.push((await run([b], b))[0]!);
        budgets.forEach((b, i) => out.variants[b]![variant.label]!.push(found[i]!));
      }
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
      if (cacheFile && usePeer) writeFileSync(cacheFile, JSON.stringify(cache));
    }
  }),
);
results.sort(
  (a, b) => plan.cells.findIndex((c) => c.name === a.cell) - plan.cells.findIndex((c) => c.name === b.cell),
);

const reference = usePeer ? args.peer : variants[0]!.label;
const referenceOf = (cell: CellOut, b: number): number[] =>
  usePeer ? cell.peer[b]! : cell.variants[b]![variants[0]!.label]!;
const ratio = (cell: CellOut, b: number, label: string): number => {
  const ours = median(cell.variants[b]![label]!);
  const theirs = median(referenceOf(cell, b));
  return ours === 0 && theirs === 0 ? 1 : ours / theirs;
};
for (const b of budgets) {
  console.log(
    `\ntuning set: BBOB instances 1-5, seeds ${plan.seedBase}+${plan.seeds}, ${b} evaluations` +
      (categorical ? `, last ${categorical} coordinates categorical (${levels} values)` : '') +
      `; ratios = variant median / ${reference} median`,
  );
  console.log(
    `${'cell'.padEnd(8)} ${reference.padStart(10)} ${variants.map((v) => v.label.padStart(10)).join(' ')}`,
  );
  for (const cell of results)
    console.log(
      `${cell.cell.padEnd(8)} ${fmt(median(referenceOf(cell, b))).padStart(10)} ${variants.map((v) => fmt(ratio(cell, b, v.label)).padStart(10)).join(' ')}`,
    );
  console.log('');
  for (const { label } of variants) {
    const ratios = results.map((c) => ratio(c, b, label));
    const le = ratios.filter((r) => r <= 1).length;
    const over = ratios.filter((r) => r > 1.5).length;
    const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    const worst = results
      .map((c, i) => [c.cell, ratios[i]!] as const)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([c, r]) => `${c} ${fmt(r)}`)
      .join(', ');
    const beats =
      results.reduce((s, c) => s + pBeats(c.variants[b]![label]!, referenceOf(c, b)), 0) / results.length;
    console.log(
      `${label.padEnd(16)} ≤ ${reference} ${le}/${results.length}  > 1.5× ${over}  geo-mean ratio ${fmt(geo)}  P(beats) ${beats.toFixed(2)}  worst: ${worst}`,
    );
  }
}
if (args.out)
  writeFileSync(
    args.out,
    JSON.stringify({ budgets, seedBase: plan.seedBase, categorical, levels, results }, null, 1),
  );
