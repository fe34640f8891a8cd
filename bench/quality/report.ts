/**
 * The markdown of the search-quality section of docs/benchmarks.md, from a run's raw results: the
 * issue's targets first, then the tables behind them. Pure: results in, text out.
 */
import { fmt } from '../samplers/format.js';
import { bestSoFar, bootstrapMedian, median, pBeats } from './stats.js';
import { isOurs, type Results } from './results.js';
import type { CellResult } from './run-cell.js';

const finalAt = (cell: CellResult, label: string, at: number): number[] =>
  cell.runs[label]!.map((r) => bestSoFar(r.values)[at - 1]!);

/** The report's evaluation count for targets: 100 when the run reached it, else its budget. */
export const targetBudget = (checkpoints: number[], want: number): number =>
  checkpoints.includes(want) ? want : checkpoints.at(-1)!;

const labelsOf = (r: Results, cell: CellResult): string[] => r.meta.labels.filter((l) => cell.runs[l]);

function targetsBbob(r: Results, cells: CellResult[], at: number): string[] {
  const def = r.meta.defaultLabel;
  const lines: string[] = [];
  let le = 0;
  let over15 = 0;
  let bestOk = 0;
  const rows: string[] = [];
  for (const cell of cells) {
    const labels = labelsOf(r, cell);
    const med = Object.fromEntries(labels.map((l) => [l, median(finalAt(cell, l, at))]));
    const ratio = med[def]! / med['optuna-tpe']!;
    const zeroBoth = med[def] === 0 && med['optuna-tpe'] === 0;
    if (med[def]! <= med['optuna-tpe']!) le++;
    if (!zeroBoth && ratio > 1.5) over15++;
    const bestOurs = Math.min(...labels.filter(isOurs).map((l) => med[l]!));
    const bestPeer = Math.min(...labels.filter((l) => !isOurs(l)).map((l) => med[l]!));
    if (bestOurs <= bestPeer) bestOk++;
    rows.push(`| ${cell.cell} | ${fmt(ratio)} | ${fmt(bestOurs)} | ${fmt(bestPeer)} |`);
  }
  const n = cells.length;
  lines.push(`Targets of issue 10 at ${at} evaluations, on these ${n} (function, dimension) cells:`);
  lines.push('');
  lines.push(
    `- \`${def}\` (our default) median regret ≤ \`optuna-tpe\`'s: **${le} of ${n}** cells (target: ≥ ${Math.ceil((3 * n) / 4)}) — ${le >= Math.ceil((3 * n) / 4) ? 'met' : 'missed'}.`,
  );
  lines.push(
    `- \`${def}\` worse than 1.5× \`optuna-tpe\`: **${over15}** cells (target: 0) — ${over15 === 0 ? 'met' : 'missed'}.`,
  );
  lines.push(
    `- Our best sampler ≤ the best peer (median regret): **${bestOk} of ${n}** cells (target: ≥ ${Math.ceil(n / 2)}) — ${bestOk >= Math.ceil(n / 2) ? 'met' : 'missed'}.`,
  );
  lines.push('');
  lines.push(`| cell | ${def} / optuna-tpe | best of ours | best peer |`);
  lines.push('|---|---:|---:|---:|');
  lines.push(...rows);
  return lines;
}

function medianTable(r: Results, cells: CellResult[], at: number, withIntervals: boolean): string[] {
  const labels = r.meta.labels.filter((l) => cells.some((c) => c.runs[l]));
  const lines = [`| cell | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---:').join('|')}|`];
  for (const cell of cells) {
    const vals = labels.map((l) => {
      if (!cell.runs[l]) return 'n/a';
      if (!withIntervals) return fmt(median(finalAt(cell, l, at)));
      const ci = bootstrapMedian(finalAt(cell, l, at));
      return `${fmt(ci.median)} [${fmt(ci.lo)}, ${fmt(ci.hi)}]`;
    });
    // Bold the best median of the row, ours or not.
    const meds = labels.map((l) => (cell.runs[l] ? median(finalAt(cell, l, at)) : Infinity));
    const best = Math.min(...meds);
    lines.push(`| ${cell.cell} | ${vals.map((v, i) => (meds[i] === best ? `**${v}**` : v)).join(' | ')} |`);
  }
  return lines;
}

function pBeatTable(r: Results, cells: CellResult[], at: number): string[] {
  const def = r.meta.defaultLabel;
  const peers = r.meta.labels.filter((l) => !isOurs(l) && cells.some((c) => c.runs[l]));
  const lines = [
    `| cell | ${peers.map((p) => `vs ${p}`).join(' | ')} |`,
    `|---|${peers.map(() => '---:').join('|')}|`,
  ];
  const sums = peers.map(() => 0);
  for (const cell of cells) {
    const ps = peers.map((p) => (cell.runs[p] ? pBeats(finalAt(cell, def, at), finalAt(cell, p, at)) : NaN));
    ps.forEach((p, i) => (sums[i]! += p));
    lines.push(`| ${cell.cell} | ${ps.map((p) => p.toFixed(2)).join(' | ')} |`);
  }
  lines.push(`| **mean** | ${sums.map((s) => `**${(s / cells.length).toFixed(2)}**`).join(' | ')} |`);
  return lines;
}

export function bbobSection(r: Results, picture: string | undefined): string[] {
  const cells = r.cells.filter((c) => c.suite === 'bbob');
  if (!cells.length) return [];
  const marks = r.meta.checkpoints.bbob;
  const at = targetBudget(marks, 100);
  const def = r.meta.defaultLabel;
  const lines: string[] = ['### BBOB (COCO), regret f(x) − f_opt', ''];
  lines.push(...targetsBbob(r, cells, at), '');
  lines.push(`#### Median best regret at ${at} evaluations [95 % bootstrap interval of the median]`, '');
  lines.push(...medianTable(r, cells, at, true), '');
  for (const m of marks.filter((x) => x !== at)) {
    lines.push(`#### Median best regret at ${m} evaluations`, '');
    lines.push(...medianTable(r, cells, m, false), '');
  }
  lines.push(`#### P(\`${def}\` beats the peer on a seed pair) at ${at} evaluations (ties count ½)`, '');
  lines.push(...pBeatTable(r, cells, at), '');
  if (picture) {
    lines.push(
      `![ECDF of runtimes to 51 targets 10^2…10^-8, per dimension](${picture})`,
      '',
      'COCO-style picture: for each sampler, the fraction of (function, seed, target) triples solved within x evaluations, targets 10² … 10⁻⁸ on the regret; higher and further left is better. Ours solid, peers dashed.',
      '',
    );
  }
  return lines;
}

export function sklearnSection(r: Results, picture: string | undefined): string[] {
  const cells = r.cells.filter((c) => c.suite === 'sklearn');
  if (!cells.length) return [];
  const marks = r.meta.checkpoints.sklearn;
  const at = marks.at(-1)!;
  const def = r.meta.defaultLabel;
  const lines: string[] = ['### scikit-learn models, CV error rate (1 − mean accuracy)', ''];
  const rows: string[] = [];
  let met = 0;
  for (const cell of cells) {
    const ours = median(finalAt(cell, def, at));
    const theirs = cell.runs['optuna-tpe'] ? median(finalAt(cell, 'optuna-tpe', at)) : NaN;
    if (ours <= theirs) met++;
    rows.push(`| ${cell.cell} | ${fmt(ours)} | ${fmt(theirs)} | ${ours <= theirs ? 'met' : 'missed'} |`);
  }
  lines.push(
    `Target of issue 10: our default's median best CV score at ${at} trials at least Optuna TPE's — met on **${met} of ${cells.length}** tasks.`,
    '',
  );
  lines.push(
    `| task | ${def} median error @${at} | optuna-tpe | target |`,
    '|---|---:|---:|---|',
    ...rows,
    '',
  );
  lines.push(`#### Median best CV error at ${at} evaluations [95 % bootstrap interval]`, '');
  lines.push(...medianTable(r, cells, at, true), '');
  for (const m of marks.filter((x) => x !== at)) {
    lines.push(`#### Median best CV error at ${m} evaluations`, '');
    lines.push(...medianTable(r, cells, m, false), '');
  }
  lines.push(`#### P(\`${def}\` beats the peer on a seed pair) at ${at} evaluations (ties count ½)`, '');
  lines.push(...pBeatTable(r, cells, at), '');
  if (picture)
    lines.push(
      `![Mean rank of each sampler by evaluations, per task](${picture})`,
      '',
      'Mean rank (1 = best; ties share) of best-so-far CV error among all samplers, over the seeds, after each evaluation. Ours solid, peers dashed.',
      '',
    );
  return lines;
}
