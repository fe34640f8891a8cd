/** The description of a run that heads its results: machine, versions, and what the plan measured. */
import { cpus } from 'node:os';
import type { Cell, Plan } from './plan.js';
import type { RunMeta } from './results.js';
import { ourLabel, type CellResult } from './run-cell.js';

const instanceOf = (cell: Cell, k: number): number => {
  const p = cell.problem(k);
  return p.suite === 'bbob' ? p.instance : 0;
};

export function describeRun(
  plan: Plan,
  versions: Record<string, string>,
  notes: string[],
  cells: CellResult[],
  seconds: number,
): RunMeta {
  const bbob = plan.cells.filter((c) => c.suite === 'bbob');
  const sk = plan.cells.filter((c) => c.suite === 'sklearn');
  const firstSk = sk[0]?.problem(0);
  return {
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
    node: process.version,
    versions,
    smoke: plan.smoke,
    set: plan.set,
    seeds: plan.seeds,
    seedBase: plan.seedBase,
    bbob: bbob.length
      ? {
          functions: [...new Set(bbob.map((c) => Number(/^f(\d+)/.exec(c.name)![1])))],
          dimensions: [...new Set(bbob.map((c) => Number(/-d(\d+)$/.exec(c.name)![1])))],
          instances: [...new Set(Array.from({ length: plan.seeds }, (_, k) => instanceOf(bbob[0]!, k)))].sort(
            (a, b) => a - b,
          ),
          budget: bbob[0]!.budget,
        }
      : null,
    sklearn:
      sk.length && firstSk?.suite === 'sklearn'
        ? { tasks: sk.map((c) => c.name), folds: firstSk.folds, budget: sk[0]!.budget, seeds: sk[0]!.seeds }
        : null,
    checkpoints: plan.checkpoints,
    labels: [...new Set(cells.flatMap((c) => Object.keys(c.runs)))],
    defaultLabel: ourLabel(plan.defaultSampler),
    notes,
    jobs: plan.jobs,
    seconds,
  };
}
