/** A trial's objective reports: one per step, ascending (a re-report of a step replaces it). */
import type { IntermediateValue } from '../samplers/types.js';

/** The reports with `report` put in its place; never mutates `reports`. */
export function withReport(
  reports: readonly IntermediateValue[],
  report: IntermediateValue,
): IntermediateValue[] {
  const out = reports.filter((r) => r.step !== report.step);
  const at = out.findIndex((r) => r.step > report.step);
  if (at < 0) out.push(report);
  else out.splice(at, 0, report);
  return out;
}
