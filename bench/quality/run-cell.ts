/**
 * One cell of the benchmark in one Python worker: every sampler of ours (in this process, evaluations
 * over the bridge) and every peer (inside the worker), on the same problems and seed indices.
 */
import type { ParamConfig } from '../../operator/api/index.js';
import { autoChoice, getSamplerFactory, type Observation } from '../../operator/core/samplers/index.js';
import { Space } from '../../operator/core/space/index.js';
import type { ProblemSpec, PythonWorker } from './bridge.js';
import type { Cell, Plan } from './plan.js';
import { isOurs } from './results.js';

/** One sampler's run on one seed: the objective of each evaluation, in order. */
export interface Run {
  k: number;
  seed: number;
  problem: string;
  values: number[];
}

export interface CellResult {
  suite: Cell['suite'];
  cell: string;
  budget: number;
  seeds: number;
  /** By label: `ultron-<name>` for ours, the peer's name for peers. */
  runs: Record<string, Run[]>;
  /** Configurations our samplers proposed that the space rejected (must stay empty). */
  invalid: string[];
  seconds: Record<string, number>;
  /**
   * Labels whose runs are another label's, by label: `ultron-auto` → the delegate it picked for this
   * cell, when that delegate ran too. Absent in results written before 2026-12-03.
   */
  sameAs?: Record<string, string>;
}

export const ourLabel = (name: string): string => `ultron-${name}`;

async function runOurs(
  worker: PythonWorker,
  name: string,
  problem: ProblemSpec,
  space: Space,
  seed: number,
  budget: number,
  invalid: string[],
): Promise<number[]> {
  const sampler = getSamplerFactory(name)!.create();
  const observations: Observation[] = [];
  const values: number[] = [];
  for (let i = 0; i < budget; i++) {
    const [params] = sampler.sample({
      space,
      settings: {},
      direction: 'minimize',
      seed,
      observations,
      pending: [],
      indices: [i],
      maxTrials: budget,
    });
    const config: ParamConfig = params!;
    const errors = space.validate(config);
    if (errors.length) invalid.push(`${name} seed ${seed} #${i}: ${errors.join('; ')}`);
    const value = await worker.evaluate(problem, config);
    observations.push({ index: i, params: config, state: 'complete', value });
    values.push(value);
  }
  return values;
}

/** Our samplers that accept this space (a sampler's validateSpace may refuse it: then it sits out). */
function oursFor(plan: Plan, space: Space): string[] {
  return plan.ours.filter((name) => {
    const factory = getSamplerFactory(name);
    if (!factory) return false;
    try {
      factory.validateSpace?.(space);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Our samplers that would only repeat another of ours here. auto hands each request to the delegate it
 * picks for the space and budget, unchanged (auto/sampler.ts: the delegate's own seed derivation), so its
 * runs are the delegate's evaluation for evaluation; running both would double the most expensive
 * sampler's time (gp, on every BBOB cell) for no new number. The smoke run checks the claim: it reruns
 * auto for real and compares with the reused runs.
 */
function reusedRuns(plan: Plan, space: Space, budget: number): Record<string, string> {
  if (!plan.ours.includes('auto')) return {};
  const { delegate } = autoChoice(space, budget);
  return plan.ours.includes(delegate) ? { [ourLabel('auto')]: ourLabel(delegate) } : {};
}

type Runner = (k: number, seed: number) => Promise<number[]>;

/** One runner per label: ours (that accept the space) first, then the peers. */
function runners(
  worker: PythonWorker,
  cell: Cell,
  plan: Plan,
  peers: string[],
  problems: ProblemSpec[],
  space: Space,
  invalid: string[],
): Array<[string, Runner]> {
  return [
    ...oursFor(plan, space).map((name): [string, Runner] => [
      ourLabel(name),
      (k, seed) => runOurs(worker, name, problems[k]!, space, seed, cell.budget, invalid),
    ]),
    ...peers.map((peer): [string, Runner] => [
      peer,
      (k, seed) => worker.peer(problems[k]!, peer, seed, cell.budget),
    ]),
  ];
}

async function openCell(worker: PythonWorker, cell: Cell) {
  const problems = Array.from({ length: cell.seeds }, (_, k) => cell.problem(k));
  const opened = await Promise.all(problems.map((p) => worker.open(p)));
  return { problems, opened, space: new Space(opened[0]!.params) };
}

export async function runCell(
  worker: PythonWorker,
  cell: Cell,
  plan: Plan,
  peers: string[],
): Promise<CellResult> {
  const result: CellResult = {
    suite: cell.suite,
    cell: cell.name,
    budget: cell.budget,
    seeds: cell.seeds,
    runs: {},
    invalid: [],
    seconds: {},
  };
  const { problems, opened, space } = await openCell(worker, cell);
  const sameAs = reusedRuns(plan, space, cell.budget);
  const all = runners(worker, cell, plan, peers, problems, space, result.invalid);
  for (const [label, run] of all) {
    if (sameAs[label]) continue;
    const t0 = performance.now();
    const runs: Run[] = [];
    for (let k = 0; k < cell.seeds; k++) {
      const seed = plan.seedBase + k;
      runs.push({ k, seed, problem: opened[k]!.name, values: await run(k, seed) });
    }
    result.runs[label] = runs;
    result.seconds[label] = (performance.now() - t0) / 1000;
  }
  // Every label in the runners' order (the tables' column order), a reused one where it would have run.
  const ran = result.runs;
  result.runs = Object.fromEntries(all.map(([label]) => [label, ran[sameAs[label] ?? label]!]));
  for (const label of Object.keys(sameAs)) result.seconds[label] = 0;
  if (Object.keys(sameAs).length) result.sameAs = sameAs;
  return result;
}

/** One label's run on seed index k again, in a fresh worker: the smoke run's determinism check. */
export async function rerun(
  worker: PythonWorker,
  cell: Cell,
  plan: Plan,
  label: string,
  k: number,
): Promise<number[]> {
  const { problems, space } = await openCell(worker, cell);
  const peers = isOurs(label) ? [] : [label];
  const found = runners(worker, cell, plan, peers, problems, space, []).find(([l]) => l === label);
  if (!found) throw new Error(`no runner ${label} for ${cell.name}`);
  return found[1](k, plan.seedBase + k);
}
