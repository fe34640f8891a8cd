import { describe, expect, it } from '@jest/globals';
import { bbobSection, comparedLabel, headerLines } from './report.js';
import type { Results } from './results.js';
import type { CellResult } from './run-cell.js';

const run = (seed: number, values: number[]) => ({ k: 0, seed, problem: 'f1-d5', values });
const cell = (runs: CellResult['runs']): CellResult => ({
  suite: 'bbob',
  cell: 'f1-d5',
  budget: 2,
  seeds: 2,
  runs,
  invalid: [],
  seconds: {},
});

/** Results of a run whose samplers of ours are `ours` (a run with --ours gp has no ultron-auto). */
function results(defaultLabel: string, runs: CellResult['runs']): Results {
  return {
    meta: {
      sources: [
        { command: 'npm run bench:quality -- --ours gp', date: '2026-12-03T17:00:00Z', seconds: 1, jobs: 2 },
      ],
      date: '2026-12-03T17:00:00Z',
      machine: '2 cores',
      node: 'v24',
      versions: {},
      smoke: false,
      set: 'reporting',
      seeds: 2,
      seedBase: 1000,
      bbob: { functions: [1], dimensions: [5], instances: [6], budget: 2 },
      sklearn: null,
      checkpoints: { bbob: [2], sklearn: [2] },
      labels: Object.keys(runs),
      defaultLabel,
      notes: [],
      jobs: 2,
      seconds: 1,
    },
    cells: [cell(runs)],
  };
}

describe('the report of a run without the default sampler', () => {
  // Results written before plan.ts chose a stand-in still name ultron-auto as the default.
  const r = results('ultron-auto', {
    'ultron-gp': [run(1000, [3, 1]), run(1001, [2, 2])],
    'optuna-tpe': [run(1000, [3, 3]), run(1001, [4, 3])],
  });

  it('compares its first sampler of ours in the default’s place, and says so', () => {
    expect(comparedLabel(r)).toBe('ultron-gp');
    const text = [...headerLines(r), ...bbobSection(r, undefined)].join('\n');
    expect(text).toContain('`ultron-auto`, did not run: `ultron-gp` takes its place');
    expect(text).toContain(
      '`ultron-gp` (in place of our default) median regret ≤ `optuna-tpe`’s'.replace('’', "'"),
    );
    expect(text).toMatch(/\| f1-d5 \| 1\.00 \|/); // P(ultron-gp beats optuna-tpe): both seeds
  });

  it('keeps the default when it ran', () => {
    const withDefault = results('ultron-auto', {
      'ultron-auto': [run(1000, [1, 1])],
      'ultron-gp': [run(1000, [1, 1])],
    });
    expect(comparedLabel(withDefault)).toBe('ultron-auto');
  });
});
