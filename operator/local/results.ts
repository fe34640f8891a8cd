/** The run's results: results.json, results.csv and the table printed at the end. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParamConfig, Parameter, ResolvedHPOJobSpec } from '../api/index.js';
import { trialObjective } from '../core/planner/index.js';
import { formatValue, paramsSummary } from '../core/trial/index.js';

export { formatValue, paramsSummary };
import type { LocalTrial, RunState } from './state.js';

export interface ResultsTrial {
  index: number;
  params: ParamConfig;
  phase: string;
  objective: number | null;
  step: number | null;
  metrics: Record<string, number>;
  retries: number;
  malformedMetricLines: number;
  checkpointStep: number | null;
  startTime: string | null;
  completionTime: string | null;
  message: string | null;
}

export interface Results {
  job: string;
  seed: number;
  finishReason: string | null;
  message: string | null;
  best: { index: number; params: ParamConfig; objective: number; step: number | null } | null;
  objective: { metric: string; direction: string };
  trials: ResultsTrial[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function buildResults(
  state: RunState,
  spec: ResolvedHPOJobSpec,
  best: { index: number; params: ParamConfig; objective: number; step?: number } | undefined,
): Results {
  return {
    job: state.job,
    seed: state.seed,
    finishReason: state.finishReason ?? null,
    message: state.finishMessage ?? null,
    best: best
      ? { index: best.index, params: best.params, objective: best.objective, step: best.step ?? null }
      : null,
    objective: { metric: spec.objective.metric, direction: spec.objective.direction },
    trials: state.trials.map((t) => ({
      index: t.index,
      params: t.params,
      phase: t.phase,
      objective: trialObjective(t, spec.objective) ?? null,
      step: t.step ?? null,
      metrics: t.metrics,
      retries: t.retries,
      malformedMetricLines: t.malformedLines,
      checkpointStep: t.checkpointStep ?? null,
      startTime: iso(t.startTime),
      completionTime: iso(t.completionTime),
      message: t.message ?? null,
    })),
  };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(results: Results, params: readonly Parameter[]): string {
  const metricNames = [...new Set(results.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const header = [
    'index',
    'phase',
    'objective',
    'step',
    ...params.map((p) => p.name),
    ...metricNames.map((m) => `metric:${m}`),
    'retries',
    'startTime',
    'completionTime',
  ];
  const rows = results.trials.map((t) => [
    t.index,
    t.phase,
    t.objective,
    t.step,
    ...params.map((p) => t.params[p.name]),
    ...metricNames.map((m) => t.metrics[m]),
    t.retries,
    t.startTime,
    t.completionTime,
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export function writeResults(
  dir: string,
  results: Results,
  params: readonly Parameter[],
): { json: string; csv: string } {
  const json = join(dir, 'results.json');
  const csv = join(dir, 'results.csv');
  writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(csv, resultsCsv(results, params));
  return { json, csv };
}

function duration(t: LocalTrial): string {
  if (t.startTime === undefined) return '';
  const ms = (t.completionTime ?? Date.now()) - t.startTime;
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A plain-text table of the trials, best first. */
export function resultsTable(results: Results, trials: readonly LocalTrial[]): string {
  const byIndex = new Map(trials.map((t) => [t.index, t]));
  const sign = results.objective.direction === 'minimize' ? 1 : -1;
  const sorted = [...results.trials].sort((a, b) => {
    if (a.objective === null) return b.objective === null ? a.index - b.index : 1;
    if (b.objective === null) return -1;
    return sign * (a.objective - b.objective) || a.index - b.index;
  });
  const rows = [
    ['trial', 'phase', results.objective.metric, 'step', 'retries', 'time', 'params'],
    ...sorted.map((t) => [
      String(t.index),
      t.phase,
      t.objective === null ? '-' : formatValue(t.objective),
      t.step === null ? '-' : String(t.step),
      String(t.retries),
      duration(byIndex.get(t.index)!),
      paramsSummary(t.params),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '))
    .join('\n');
}

/**
 * The last lines of the first failed trial's stderr.log, so a summary can show why trials fail (e.g. a
 * missing Python module) instead of only pointing at the files.
 */
export function firstFailureTail(
  outputDir: string,
  trials: readonly LocalTrial[],
  lines = 8,
): { index: number; file: string; tail: string[] } | undefined {
  const failed = [...trials].sort((a, b) => a.index - b.index).find((t) => t.phase === 'Failed');
  if (!failed) return undefined;
  const file = join(outputDir, String(failed.index), 'stderr.log');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trimEnd();
  return { index: failed.index, file, tail: text ? text.split('\n').slice(-lines) : [] };
}
