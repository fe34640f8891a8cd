/** Helpers shared by the early-stopping schedulers. */
import type { Direction } from '../../api/types.js';
import type { IntermediateValue } from '../samplers/types.js';

/** Whether a is strictly better than b for the direction. */
export function better(direction: Direction, a: number, b: number): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

/** Sort comparator: best first. */
export function bestFirst(direction: Direction): (a: number, b: number) => number {
  return direction === 'minimize' ? (a, b) => a - b : (a, b) => b - a;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function lastStep(reports: readonly IntermediateValue[]): number | undefined {
  return reports.length ? reports[reports.length - 1]!.step : undefined;
}

/** The value of the first report at or after `step` (when the trial reached it), if any. */
export function valueReaching(reports: readonly IntermediateValue[], step: number): number | undefined {
  for (const r of reports) if (r.step >= step) return r.value;
  return undefined;
}

export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
