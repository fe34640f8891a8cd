/** `--repeat N`: the same job with seeds seed, seed+1, …, and the spread of what each run found. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOutcome } from './runner.js';

export interface RepeatRow {
  seed: number;
  phase: string;
  finishReason: string | null;
  bestObjective: number | null;
  /** The index of the trial that found the best value (trials are numbered from 0). */
  bestTrial: number | null;
}

export interface RepeatSummary {
  runs: RepeatRow[];
  bestObjective: { mean: number; std: number } | null;
  bestTrial: { mean: number; std: number } | null;
}

/** Mean and sample standard deviation (n − 1); std is 0 for a single value. */
export function meanStd(values: readonly number[]): { mean: number; std: number } | null {
  if (values.length === 0) return null;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

export function summarizeRepeats(
  outcomes: ReadonlyArray<{ seed: number; outcome: RunOutcome }>,
): RepeatSummary {
  const runs = outcomes.map(({ seed, outcome }) => ({
    seed,
    phase: outcome.phase,
    finishReason: outcome.results.finishReason,
    bestObjective: outcome.results.best?.objective ?? null,
    bestTrial: outcome.results.best?.index ?? null,
  }));
  const found = runs.filter((r) => r.bestObjective !== null);
  return {
    runs,
    bestObjective: meanStd(found.map((r) => r.bestObjective!)),
    bestTrial: meanStd(found.map((r) => r.bestTrial!)),
  };
}

const f = (x: number) =>
  Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toPrecision(4);

export function formatRepeatSummary(summary: RepeatSummary, metric: string): string {
  const lines = ['seed        best ' + metric + '   found at trial   finish'];
  for (const r of summary.runs) {
    lines.push(
      `${String(r.seed).padEnd(11)} ${(r.bestObjective === null ? '-' : f(r.bestObjective)).padEnd(metric.length + 8)} ${(r.bestTrial === null ? '-' : String(r.bestTrial)).padEnd(16)} ${r.finishReason ?? r.phase}`,
    );
  }
  if (summary.bestObjective && summary.bestTrial) {
    lines.push(
      `mean ± std  ${f(summary.bestObjective.mean)} ± ${f(summary.bestObjective.std)}   trial ${summary.bestTrial.mean.toFixed(1)} ± ${summary.bestTrial.std.toFixed(1)}`,
    );
  }
  return lines.join('\n');
}

export function writeRepeatSummary(dir: string, summary: RepeatSummary): string {
  const path = join(dir, 'repeat.json');
  writeFileSync(path, JSON.stringify(summary, null, 2) + '\n');
  return path;
}
