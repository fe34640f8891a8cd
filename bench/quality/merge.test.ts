import { describe, expect, it } from '@jest/globals';
import { mergeResults } from './merge.js';
import type { Results } from './results.js';
import type { CellResult } from './run-cell.js';

const cell = (name: string, value: number): CellResult => ({
  suite: name.startsWith('f') ? 'bbob' : 'sklearn',
  cell: name,
  budget: 2,
  seeds: 1,
  runs: { 'ultron-tpe': [{ k: 0, seed: 1000, problem: name, values: [value, value] }] },
  invalid: [],
  seconds: {},
});

const results = (date: string, command: string, cells: CellResult[], notes: string[]): Results => ({
  meta: {
    sources: [{ command, date, seconds: 60, jobs: 2 }],
    date,
    machine: '2 cores',
    node: 'v24',
    versions: {},
    smoke: false,
    set: 'reporting',
    seeds: 1,
    seedBase: 1000,
    // A stopped run describes its plan, not the cells it finished.
    bbob: { functions: [1, 3], dimensions: [2, 5, 10], instances: [6], budget: 2 },
    sklearn: null,
    checkpoints: { bbob: [2], sklearn: [2] },
    labels: ['ultron-tpe'],
    defaultLabel: 'ultron-tpe',
    notes,
    jobs: 2,
    seconds: 60,
  },
  cells,
});

describe('mergeResults', () => {
  const stopped = results(
    '2026-12-03T11:41:28.024Z',
    'npm run bench:quality',
    [cell('f1-d5', 1), cell('f1-d10', 2), cell('svc-digits', 0.1)],
    ['`optuna-gp` did not run.', 'partial results: 3 of 6 cells finished.'],
  );
  const rest = results(
    '2026-12-03T13:20:00.000Z',
    'npm run bench:quality -- --dims 2,5',
    [cell('f1-d2', 3), cell('f1-d5', 4)],
    ['`optuna-gp` did not run.', 'only here.'],
  );
  const merged = mergeResults([stopped, rest]);

  it('takes a later source’s cell over an earlier one’s, in the plan’s order', () => {
    expect(merged.cells.map((c) => c.cell)).toEqual(['f1-d2', 'f1-d5', 'f1-d10', 'svc-digits']);
    expect(merged.cells[1]!.runs['ultron-tpe']![0]!.values[0]).toBe(4);
  });

  it('describes BBOB by the merged cells, not by either plan', () => {
    expect(merged.meta.bbob).toMatchObject({ functions: [1], dimensions: [2, 5, 10] });
  });

  it('replaces the stopped run’s partial note by the cells each source gave', () => {
    expect(merged.meta.notes).toEqual([
      '`optuna-gp` did not run.',
      '(source 2) only here.',
      'Cells by source: source 1 (`npm run bench:quality`, 2026-12-03 11:41 UTC) (stopped early: 3 of 6 cells finished) gave f1-d10, svc-digits; source 2 (`npm run bench:quality -- --dims 2,5`, 2026-12-03 13:20 UTC) gave f1-d2, f1-d5.',
    ]);
    expect(merged.meta.sources).toHaveLength(2);
    expect(merged.meta.seconds).toBe(120);
  });
});
