/**
 * Several runs' results as one report (--report a.json,b.json): e.g. BBOB with 30 seeds and the slower
 * scikit-learn suite run separately, or a run stopped early completed by one of the cells it missed. A
 * later file's cell replaces an earlier one's of the same name; each suite's description comes from the
 * last file that has cells of it, with the BBOB functions and dimensions those of the merged cells. The
 * report lists every source and which cells each one gave; a source's "partial results" note is
 * replaced by that list.
 */
import type { Results } from './results.js';

const PARTIAL = /^partial results: /;

/** A BBOB cell's function and dimension from its name (`f21-d5`), or undefined for another suite's. */
function bbobCell(c: Results['cells'][number]): { f: number; d: number } | undefined {
  const m = c.suite === 'bbob' ? /^f(\d+)-d(\d+)$/.exec(c.cell) : null;
  return m ? { f: Number(m[1]), d: Number(m[2]) } : undefined;
}

/** Which of the merged cells each source gave, in source order. */
function cellsBySource(list: Results[], byName: Map<string, Results['cells'][number]>): string {
  const parts = list.map((r, i) => {
    const given = r.cells.filter((c) => byName.get(c.cell) === c).map((c) => c.cell);
    const src = r.meta.sources?.[0];
    const partial = r.meta.notes.find((n) => PARTIAL.test(n));
    const stopped = partial ? ` (stopped early: ${partial.replace(PARTIAL, '').replace(/\.$/, '')})` : '';
    return `source ${i + 1}${src ? ` (\`${src.command}\`, ${src.date.slice(0, 16).replace('T', ' ')} UTC)` : ''}${stopped} gave ${given.length ? given.join(', ') : 'no cell'}`;
  });
  return `${parts.join('; ')}.`;
}

const bbobParts = (cells: Results['cells']): { functions: number[]; dimensions: number[] } => {
  const parsed = cells.flatMap((c) => bbobCell(c) ?? []);
  const sorted = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  return { functions: sorted(parsed.map((p) => p.f)), dimensions: sorted(parsed.map((p) => p.d)) };
};

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
  // The plan's order: BBOB by dimension, then function; scikit-learn tasks as they came.
  const rank = (c: Results['cells'][number]): [number, number, number] => {
    const b = bbobCell(c);
    return b ? [0, b.d, b.f] : [1, 0, 0];
  };
  const cells = [...byName.values()].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  // A note every source made stands as it is; one that only some made says whose it is.
  const notes: string[] = [];
  for (const n of new Set(list.flatMap((r) => r.meta.notes))) {
    if (PARTIAL.test(n)) continue;
    const whose = list.flatMap((r, i) => (r.meta.notes.includes(n) ? [i + 1] : []));
    notes.push(whose.length === list.length ? n : `(source ${whose.join(', ')}) ${n}`);
  }
  return {
    meta: {
      ...last,
      sources: list.flatMap((r) => r.meta.sources ?? []),
      seeds: bbob?.seeds ?? last.seeds,
      bbob: bbob?.bbob ? { ...bbob.bbob, ...bbobParts(cells) } : null,
      sklearn: withSuite('sklearn')?.sklearn ?? null,
      labels: [...new Set(list.flatMap((r) => r.meta.labels))],
      notes: [...notes, `Cells by source: ${cellsBySource(list, byName)}`],
      seconds: list.reduce((s, r) => s + r.meta.seconds, 0),
    },
    cells,
  };
}
