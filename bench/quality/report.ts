/**
 * The markdown of the search-quality section of docs/benchmarks.md, from a run's raw results: the
 * issue's targets first, then the tables behind them. Pure: results in, text out.
 */
import { DEFAULTS } from '../../operator/api/index.js';
import { fmt } from '../samplers/format.js';
import { bestSoFar, bootstrapMedian, median, pBeats } from './stats.js';
import { isOurs, type Results, type RunSource } from './results.js';
import type { CellResult } from './run-cell.js';

const finalAt = (cell: CellResult, label: string, at: number): number[] =>
  cell.runs[label]!.map((r) => bestSoFar(r.values)[at - 1]!);

/** The report's evaluation count for targets: 100 when the run reached it, else its budget. */
export const targetBudget = (checkpoints: number[], want: number): number =>
  checkpoints.includes(want) ? want : checkpoints.at(-1)!;

const labelsOf = (r: Results, cell: CellResult): string[] => r.meta.labels.filter((l) => cell.runs[l]);

function targetsBbob(r: Results, cells: CellResult[], at: number): string[] {
  const def = comparedLabel(r);
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
    `- \`${def}\` (${def === `ultron-${DEFAULTS.sampler}` ? 'our default' : 'in place of our default'}) median regret ≤ \`optuna-tpe\`'s: **${le} of ${n}** cells (target: ≥ ${Math.ceil((3 * n) / 4)}) — ${le >= Math.ceil((3 * n) / 4) ? 'met' : 'missed'}.`,
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

/**
 * The sampler of ours the targets and P(beats) tables are about: the default for new jobs, or, in a run
 * without it (e.g. `--ours gp`), the first of ours that ran.
 */
export function comparedLabel(r: Results): string {
  const ran = (l: string): boolean => r.cells.some((c) => c.runs[l]);
  return ran(r.meta.defaultLabel)
    ? r.meta.defaultLabel
    : (r.meta.labels.find((l) => isOurs(l) && ran(l)) ?? r.meta.defaultLabel);
}

function pBeatTable(r: Results, cells: CellResult[], at: number): string[] {
  const def = comparedLabel(r);
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
  const def = comparedLabel(r);
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
  const def = comparedLabel(r);
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

const minutes = (s: number): string => `${(s / 60).toFixed(1)} min`;

function provenance(m: Results['meta']): string {
  const sources = m.sources ?? [
    { command: 'npm run bench:quality', date: m.date, seconds: m.seconds, jobs: m.jobs },
  ];
  const one = (s: RunSource): string =>
    `\`${s.command}\` on ${s.date.slice(0, 10)} in ${minutes(s.seconds)} (${s.jobs} workers)`;
  return sources.length === 1
    ? `Generated by ${one(sources[0]!)}`
    : `Merged from ${sources.map(one).join(' and ')}`;
}

export function headerLines(r: Results): string[] {
  const m = r.meta;
  const v = m.versions;
  const lines = [
    `## Search quality${m.set === 'tuning' ? ' — tuning set' : ''}`,
    '',
    `${provenance(m)}: ${m.machine}, Node ${m.node}, Python ${v.python}, Optuna ${v.optuna}, hyperopt ${v.hyperopt}, coco-experiment ${v['coco-experiment']}, scikit-learn ${v['scikit-learn']}, cmaes ${v.cmaes}${v.torch ? `, torch ${v.torch}` : ''}. What is measured and why: [search-quality.md](search-quality.md).`,
    '',
    `Sampler seeds from ${m.seedBase}, the ${m.set} set${m.set === 'reporting' ? ' (nothing was tuned on it)' : ' (defaults may be chosen on it)'}.`,
  ];
  if (m.bbob)
    lines.push(
      `BBOB: ${m.seeds} seeds per cell, functions ${m.bbob.functions.map((f) => `f${f}`).join(', ')} in ${m.bbob.dimensions.join(', ')}-D, instances ${m.bbob.instances.join(', ')} (seed k on instance k mod ${m.bbob.instances.length}), ${m.bbob.budget} evaluations per run.`,
    );
  if (m.sklearn)
    lines.push(
      `scikit-learn: ${m.sklearn.seeds} seeds per task, ${m.sklearn.tasks.join(', ')}, ${m.sklearn.folds}-fold stratified CV, ${m.sklearn.budget} evaluations per run.`,
    );
  lines.push(
    `Samplers: ours ${m.labels
      .filter((l) => l.startsWith('ultron-'))
      .map((l) => `\`${l}\``)
      .join(', ')} with default settings (${
      comparedLabel(r) === `ultron-${DEFAULTS.sampler}`
        ? `\`${comparedLabel(r)}\` is the default for new jobs`
        : `the default for new jobs, \`ultron-${DEFAULTS.sampler}\`, did not run: \`${comparedLabel(r)}\` takes its place in the targets and P(beats) tables`
    }); peers ${m.labels
      .filter((l) => !l.startsWith('ultron-'))
      .map((l) => `\`${l}\``)
      .join(', ')} with their libraries' defaults, seeded.`,
  );
  for (const n of m.notes) lines.push(`Note: ${n}`);
  const reused = reuseNote(r);
  if (reused) lines.push(`Note: ${reused}`);
  lines.push('');
  return lines;
}

/** Which labels' runs are another's (run-cell.ts reusedRuns), counted over the cells. */
function reuseNote(r: Results): string | undefined {
  const counts = new Map<string, number>();
  for (const cell of r.cells)
    for (const [label, source] of Object.entries(cell.sameAs ?? {})) {
      const key = `\`${label}\` ran as \`${source}\``;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  if (!counts.size) return undefined;
  const parts = [...counts].map(([key, n]) => `${key} on ${n} of ${r.cells.length} cells`);
  return `${parts.join(', ')}: auto hands every request to the delegate it picks for the space and budget, unchanged, so its runs there are the delegate's, reused rather than repeated (the smoke run reruns auto for real and checks that it gives the same evaluations).`;
}
