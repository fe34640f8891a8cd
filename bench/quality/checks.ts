/**
 * The smoke run's assertions: properties of the bridge and the harness that hold whatever the samplers'
 * quality, so they cannot flake. Returns the failures (empty when all hold).
 */
import type { Results } from './results.js';
import { bestSoFar, bootstrapMedian, pBeats } from './stats.js';

export function smokeFailures(r: Results, rerun: Record<string, number[]>): string[] {
  const failures: string[] = [];
  for (const cell of r.cells) {
    for (const [label, runs] of Object.entries(cell.runs)) {
      if (runs.length !== cell.seeds)
        failures.push(`${cell.cell}/${label}: ${runs.length} runs, want ${cell.seeds}`);
      for (const run of runs) {
        const where = `${cell.cell}/${label}/seed ${run.seed}`;
        if (run.values.length !== cell.budget)
          failures.push(`${where}: ${run.values.length} evaluations, want ${cell.budget}`);
        if (!run.values.every(Number.isFinite)) failures.push(`${where}: a non-finite objective`);
        // BBOB: f_opt is the true minimum (COCO confirmed it), so no point scores below it.
        if (cell.suite === 'bbob' && run.values.some((v) => v < -1e-9))
          failures.push(`${where}: negative regret`);
        if (cell.suite === 'sklearn' && run.values.some((v) => v < 0 || v > 1))
          failures.push(`${where}: an error rate outside [0, 1]`);
      }
    }
    failures.push(...cell.invalid.map((e) => `${cell.cell}: invalid configuration ${e}`));
    // The two implementations of random search see the same problems: neither is allowed to be a
    // constant (a broken bridge that ignored the configuration would give one value per run).
    for (const label of ['ultron-random', 'optuna-random'])
      for (const run of cell.runs[label] ?? [])
        if (new Set(run.values).size < 2)
          failures.push(`${cell.cell}/${label}: every evaluation scored the same`);
  }
  // The statistics agree with themselves on real data: an interval holds its median, and P(a beats b)
  // and P(b beats a) are complementary.
  for (const cell of r.cells) {
    const finals = Object.entries(cell.runs).map(
      ([label, runs]) => [label, runs.map((x) => bestSoFar(x.values).at(-1)!)] as const,
    );
    for (const [label, xs] of finals) {
      const ci = bootstrapMedian(xs);
      if (!(ci.lo <= ci.median && ci.median <= ci.hi))
        failures.push(`${cell.cell}/${label}: interval misses its median`);
    }
    const [a, b] = [finals[0]![1], finals.at(-1)![1]];
    if (Math.abs(pBeats(a, b) + pBeats(b, a) - 1) > 1e-12)
      failures.push(`${cell.cell}: P(beats) not complementary`);
  }
  // Determinism: the same (sampler, seed, problem) run twice gives the same evaluations, bit for bit.
  for (const [key, values] of Object.entries(rerun)) {
    const [cellName, label, k] = key.split('|');
    const first = r.cells.find((c) => c.cell === cellName)?.runs[label!]?.[Number(k)]?.values;
    if (!first || first.length !== values.length || first.some((v, i) => v !== values[i]))
      failures.push(`${key}: a second run with the same seed gave different evaluations`);
  }
  return failures;
}
