/**
 * npm run bench:quality (via run.sh): our samplers and the peers on BBOB and scikit-learn tuning, in one
 * run; raw results to JSON, the report to docs/benchmarks.md (section `search-quality`, or
 * `search-quality-tuning` for the tuning set) and pictures to docs/. With --smoke: a small subset whose
 * harness properties are asserted (exit 1 on a failure), nothing written to docs/.
 *
 * Options (each also read from the environment as BENCH_QUALITY_<NAME>, e.g. BENCH_QUALITY_SEEDS):
 *   --smoke  --set tuning|reporting  --seeds N  --sklearn-seeds N  --functions 1,3,…  --dims 2,5,…  --tasks a,b|none
 *   --bbob-budget N  --sklearn-budget N  --folds N  --peers a,b  --ours a,b  --jobs N  --out FILE  --results FILE
 *   --report FILE[,FILE…] (re-render the docs from saved results, no evaluations; several files are merged,
 *   a later file's cell replacing an earlier one's: e.g. BBOB and scikit-learn run separately)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSection } from '../lib/doc-section.js';
import { PythonWorker } from './bridge.js';
import { smokeFailures } from './checks.js';
import { bbobPicture, sklearnPicture } from './pictures.js';
import { makePlan, type Plan, type PlanOptions, type SeedSet } from './plan.js';
import { bbobSection, headerLines, sklearnSection } from './report.js';
import { mergeResults } from './merge.js';
import type { Results } from './results.js';
import { describeRun } from './meta.js';
import { ourLabel, rerun, type CellResult } from './run-cell.js';
import { runCellInThread } from './cell-thread.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPTIONS = {
  smoke: { type: 'boolean' },
  set: { type: 'string' },
  seeds: { type: 'string' },
  'sklearn-seeds': { type: 'string' },
  functions: { type: 'string' },
  dims: { type: 'string' },
  tasks: { type: 'string' },
  'bbob-budget': { type: 'string' },
  'sklearn-budget': { type: 'string' },
  folds: { type: 'string' },
  peers: { type: 'string' },
  ours: { type: 'string' },
  jobs: { type: 'string' },
  python: { type: 'string' },
  out: { type: 'string' },
  results: { type: 'string' },
  report: { type: 'string' },
} as const;
const { values: args } = parseArgs({ options: OPTIONS });

/** A command-line option, else BENCH_QUALITY_<NAME> from the environment. */
function opt(name: keyof typeof OPTIONS): string | undefined {
  const v = args[name];
  if (typeof v === 'string') return v;
  return process.env[`BENCH_QUALITY_${name.toUpperCase().replace(/-/g, '_')}`] || undefined;
}
const num = (name: keyof typeof OPTIONS): number | undefined => (opt(name) ? Number(opt(name)) : undefined);
const list = (name: keyof typeof OPTIONS): string[] | undefined =>
  opt(name) === undefined ? undefined : opt(name) === 'none' ? [] : opt(name)!.split(',').filter(Boolean);
const nums = (name: keyof typeof OPTIONS): number[] | undefined => list(name)?.map(Number);

const log = (msg: string): void => void process.stderr.write(`bench:quality: ${msg}\n`);
const python = opt('python') ?? join(ROOT, 'bench/quality/.venv/bin/python');
const script = join(ROOT, 'bench/quality/worker.py');
const smoke = args.smoke === true || process.env.BENCH_QUALITY_SMOKE === '1';

function planOptions(): PlanOptions {
  const o: PlanOptions = { smoke };
  const set = opt('set');
  if (set) o.set = set as SeedSet;
  o.seeds = num('seeds');
  o.sklearnSeeds = num('sklearn-seeds');
  o.functions = nums('functions');
  o.dimensions = nums('dims');
  o.tasks = list('tasks');
  o.bbobBudget = num('bbob-budget');
  o.sklearnBudget = num('sklearn-budget');
  o.folds = num('folds');
  o.peers = list('peers');
  o.ours = list('ours');
  o.jobs = num('jobs');
  // Undefined fields mean "the preset's value".
  for (const k of Object.keys(o) as (keyof PlanOptions)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Runs `tasks` with at most `jobs` in flight, results in input order. */
async function pool<T>(jobs: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, lane));
  return out;
}

async function measure(
  options: PlanOptions,
  partial: (r: Results) => void,
): Promise<{ results: Results; rerunValues: Record<string, number[]> }> {
  const t0 = performance.now();
  const plan = makePlan(options);
  const probe = new PythonWorker(python, script);
  const hello = await probe.hello();
  await probe.close();
  const notes: string[] = [];
  const peers = plan.peers.filter((p) => hello.peers.includes(p));
  for (const p of plan.peers.filter((p) => !hello.peers.includes(p)))
    notes.push(
      p === 'optuna-gp'
        ? '`optuna-gp` (GPSampler) did not run: PyTorch is not installed in the venv (BENCH_QUALITY_TORCH=1 installs it).'
        : `\`${p}\` did not run: not available in this environment.`,
    );
  log(
    `${plan.cells.length} cells × ${plan.seeds} seeds (sklearn: ${plan.sklearnSeeds}); ours: ${plan.ours.join(', ')}; peers: ${peers.join(', ')}`,
  );
  // Longest cells first (sklearn, then high dimensions), so that the lanes finish together.
  const cost = (c: Plan['cells'][number]): number => {
    const p = c.problem(0);
    return p.suite === 'sklearn' ? 100 : p.dimension;
  };
  const order = [...plan.cells].sort((a, b) => cost(b) - cost(a));
  const finished = new Map<Plan['cells'][number], CellResult>();
  const done = await pool(
    plan.jobs,
    order.map((cell) => async (): Promise<CellResult> => {
      const c0 = performance.now();
      const result = await runCellInThread({ plan: options, cell: cell.name, peers, python, script });
      log(`${cell.name}: ${((performance.now() - c0) / 1000).toFixed(1)} s`);
      finished.set(cell, result);
      // What has finished so far, in plan order: a run stopped early still leaves a report.
      const sofar = plan.cells.filter((c) => finished.has(c)).map((c) => finished.get(c)!);
      const note = `partial results: ${sofar.length} of ${plan.cells.length} cells finished.`;
      partial({
        meta: describeRun(plan, hello.versions, [...notes, note], sofar, (performance.now() - t0) / 1000),
        cells: sofar,
      });
      return result;
    }),
  );
  const cells = plan.cells.map((c) => done[order.indexOf(c)]!);
  const rerunValues: Record<string, number[]> = {};
  if (plan.smoke) {
    const worker = new PythonWorker(python, script);
    try {
      for (const cell of plan.cells
        .slice(0, 1)
        .concat(plan.cells.filter((c) => c.suite === 'sklearn').slice(0, 1)))
        for (const label of [ourLabel(plan.defaultSampler), 'optuna-tpe'])
          rerunValues[`${cell.name}|${label}|1`] = await rerun(worker, cell, plan, label, 1);
    } finally {
      await worker.close();
    }
  }
  const meta = describeRun(plan, hello.versions, notes, cells, (performance.now() - t0) / 1000);
  return { results: { meta, cells }, rerunValues };
}

function render(r: Results, out: string): string {
  const docs = dirname(out);
  const suffix = r.meta.set === 'tuning' ? '-tuning' : '';
  const pics: Record<string, string | undefined> = {};
  for (const [name, svg] of [
    ['bbob', bbobPicture(r)],
    ['sklearn', sklearnPicture(r)],
  ] as const) {
    if (!svg) continue;
    const file = join(docs, `search-quality-${name}${suffix}.svg`);
    writeFileSync(file, svg);
    pics[name] = relative(docs, file);
  }
  return (
    [...headerLines(r), ...bbobSection(r, pics.bbob), ...sklearnSection(r, pics.sklearn)].join('\n') + '\n'
  );
}

/** The invocation as the report names it: where files went (--out, --results) measured nothing. */
function commandLine(argv: string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^--(out|results)(=|$)/.test(a)) {
      if (!a.includes('=')) i++;
      continue;
    }
    kept.push(a);
  }
  return `npm run bench:quality${kept.length ? ` -- ${kept.join(' ')}` : ''}`;
}

async function main(): Promise<void> {
  const command = commandLine(process.argv.slice(2));
  let results: Results;
  let rerunValues: Record<string, number[]> = {};
  const reportFrom = opt('report');
  if (reportFrom) {
    results = mergeResults(reportFrom.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')) as Results));
  } else {
    const options = planOptions();
    const plan = makePlan(options);
    const file = opt('results') ?? join(ROOT, `bench/quality/out/${plan.smoke ? 'smoke' : plan.set}.json`);
    mkdirSync(dirname(file), { recursive: true });
    const stamp = (r: Results): Results => {
      r.meta.sources = [{ command, date: r.meta.date, seconds: r.meta.seconds, jobs: r.meta.jobs }];
      return r;
    };
    ({ results, rerunValues } = await measure(options, (r) =>
      writeFileSync(`${file}.partial`, JSON.stringify(stamp(r))),
    ));
    writeFileSync(file, JSON.stringify(stamp(results)));
    log(`raw results: ${relative(process.cwd(), file)}`);
  }
  if (results.meta.smoke) {
    const failures = smokeFailures(results, rerunValues);
    const runs = results.cells.reduce(
      (n, c) => n + Object.values(c.runs).reduce((m, r) => m + r.length, 0),
      0,
    );
    if (failures.length) {
      for (const f of failures) log(`FAIL ${f}`);
      process.exitCode = 1;
      return;
    }
    log(
      `smoke: ${runs} runs over ${results.cells.length} cells, ${Object.keys(rerunValues).length} reruns: all checks passed in ${results.meta.seconds.toFixed(1)} s`,
    );
    return;
  }
  const out = opt('out') ?? join(ROOT, 'docs/benchmarks.md');
  const text = render(results, out);
  process.stdout.write(text);
  writeSection(out, results.meta.set === 'tuning' ? 'search-quality-tuning' : 'search-quality', text);
  log(`wrote ${relative(process.cwd(), out)}`);
}

await main();
