/**
 * What one run of the quality benchmark measures: which problems, seeds, budgets and samplers. Two
 * presets — the full run and the CI smoke subset — and knobs from the command line or environment.
 *
 * Tuning discipline (issue 10, scope 3): BBOB instances 1–5 with sampler seeds from 5000 are the
 * `tuning` set, the only one on which defaults may be chosen; instances 6–15 with seeds from 1000 are
 * `reporting`, where results are only read. Seed k of a cell runs on instance k mod (number of
 * instances), so 30 seeds visit each reporting instance three times, and every sampler gets the same
 * (instance, seed) pairs: comparisons are paired by k.
 */
import { DEFAULTS } from '../../operator/api/index.js';
import { builtinSamplerNames } from '../../operator/core/samplers/index.js';
import type { ProblemSpec } from './bridge.js';

export type SuiteName = 'bbob' | 'sklearn';
export type SeedSet = 'tuning' | 'reporting';

export interface Cell {
  suite: SuiteName;
  /** e.g. `f21-d5` or `svc-digits`. */
  name: string;
  budget: number;
  /** Seed indices k = 0 … seeds − 1. */
  seeds: number;
  /** The problem seed k runs on. */
  problem(k: number): ProblemSpec;
}

export interface Plan {
  smoke: boolean;
  set: SeedSet;
  /** Seeds per BBOB cell and per scikit-learn cell (evaluations there cost ~1,000× more). */
  seeds: number;
  sklearnSeeds: number;
  seedBase: number;
  cells: Cell[];
  /** Evaluation counts the tables report, per suite. */
  checkpoints: Record<SuiteName, number[]>;
  /** Our samplers, by registry name. */
  ours: string[];
  /** Peers the run asks for; those the environment cannot run are dropped with a note. */
  peers: string[];
  /** Our sampler whose numbers the summary compares: the API's default for new jobs. */
  defaultSampler: string;
  jobs: number;
}

export const BBOB_FUNCTIONS = [1, 3, 7, 10, 15, 16, 17, 20, 21, 22, 24];
export const BBOB_DIMENSIONS = [2, 5, 10];
export const SKLEARN_TASKS = ['svc-digits', 'hgb-breast_cancer', 'mlp-wine'];
export const PEERS = ['optuna-tpe', 'optuna-cmaes', 'optuna-gp', 'optuna-random', 'hyperopt-tpe'];
const INSTANCES: Record<SeedSet, number[]> = {
  tuning: [1, 2, 3, 4, 5],
  reporting: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
};
const SEED_BASE: Record<SeedSet, number> = { tuning: 5000, reporting: 1000 };

/** Every built-in sampler that searches by itself: grid enumerates a fixed lattice instead. */
export function ourSamplers(): string[] {
  return builtinSamplerNames().filter((name) => name !== 'grid');
}

export interface PlanOptions {
  smoke?: boolean;
  set?: SeedSet;
  seeds?: number;
  sklearnSeeds?: number;
  functions?: number[];
  dimensions?: number[];
  tasks?: string[];
  bbobBudget?: number;
  sklearnBudget?: number;
  folds?: number;
  peers?: string[];
  ours?: string[];
  jobs?: number;
}

export function makePlan(o: PlanOptions): Plan {
  const smoke = o.smoke ?? false;
  const set = o.set ?? 'reporting';
  const instances = INSTANCES[set];
  const functions = o.functions ?? (smoke ? [1, 21] : BBOB_FUNCTIONS);
  const dimensions = o.dimensions ?? (smoke ? [2] : BBOB_DIMENSIONS);
  const tasks = o.tasks ?? (smoke ? ['mlp-wine'] : SKLEARN_TASKS);
  const bbobBudget = o.bbobBudget ?? (smoke ? 20 : 200);
  const sklearnBudget = o.sklearnBudget ?? (smoke ? 10 : 50);
  const folds = o.folds ?? (smoke ? 2 : 3);
  const seeds = o.seeds ?? (smoke ? 3 : 30);
  const sklearnSeeds = o.sklearnSeeds ?? seeds;
  const cells: Cell[] = [];
  for (const dimension of dimensions)
    for (const f of functions)
      cells.push({
        suite: 'bbob',
        name: `f${f}-d${dimension}`,
        budget: bbobBudget,
        seeds,
        problem: (k) => ({
          suite: 'bbob',
          function: f,
          dimension,
          instance: instances[k % instances.length]!,
        }),
      });
  for (const task of tasks)
    cells.push({
      suite: 'sklearn',
      name: task,
      budget: sklearnBudget,
      seeds: sklearnSeeds,
      problem: () => ({ suite: 'sklearn', task, folds }),
    });
  const within = (budget: number, marks: number[]): number[] => {
    const kept = marks.filter((m) => m < budget);
    return [...kept, budget];
  };
  const ours = o.ours ?? ourSamplers();
  return {
    smoke,
    set,
    seeds,
    sklearnSeeds,
    seedBase: SEED_BASE[set],
    cells,
    checkpoints: { bbob: within(bbobBudget, [50, 100]), sklearn: within(sklearnBudget, [25]) },
    ours,
    peers: o.peers ?? PEERS,
    // A run without the default (e.g. --ours gp) compares its first sampler of ours instead.
    defaultSampler: ours.includes(DEFAULTS.sampler) ? DEFAULTS.sampler : (ours[0] ?? DEFAULTS.sampler),
    jobs: o.jobs ?? 2,
  };
}
