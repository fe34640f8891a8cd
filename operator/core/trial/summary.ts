/** How values and configurations read in summaries: the Trial's status.paramsSummary, tables, logs. */
import type { ParamConfig } from '../../api/index.js';

/** A number in 4 significant digits (exponent form when very large or small); other values as text. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? String(v)
      : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3
        ? v.toExponential(3)
        : v.toPrecision(4);
  return String(v);
}

export function paramsSummary(params: ParamConfig): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}
