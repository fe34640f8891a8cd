/**
 * Several runs' results as one report (--report a.json,b.json): e.g. BBOB with 30 seeds and the slower
 * scikit-learn suite run separately. A later file's cell replaces an earlier one's of the same name; each
 * suite's description comes from the last file that has cells of it. The report lists every source.
 */
import type { Results } from './results.js';

export function mergeResults(list: Results[]): Results {
  if (list.length === 1) return list[0]!;
  const byName = new Map<string, Results['cells'][number]>();
  for (const r of list) for (const c of r.cells) byName.set(c.cell, c);
  const last = list.at(-1)!.meta;
  const withSuite = (suite: 'bbob' | 'sklearn'): Results['meta'] | undefined =>
    [...list].reverse().find((r) => r.cells.some((c) => c.suite === suite))?.meta;
  const bbob = withSuite('bbob');
  const sets = new Set(list.map((r) => r.meta.set));
  if (sets.size > 1) throw new Error('--report: cannot merge tuning-set and reporting-set results');
  return {
    meta: {
      ...last,
      sources: list.flatMap((r) => r.meta.sources ?? []),
      seeds: bbob?.seeds ?? last.seeds,
      bbob: bbob?.bbob ?? null,
      sklearn: withSuite('sklearn')?.sklearn ?? null,
      labels: [...new Set(list.flatMap((r) => r.meta.labels))],
      notes: [...new Set(list.flatMap((r) => r.meta.notes))],
      seconds: list.reduce((s, r) => s + r.meta.seconds, 0),
    },
    cells: [...byName.values()].sort((a, b) => (a.suite === b.suite ? 0 : a.suite === 'bbob' ? -1 : 1)),
  };
}
