/**
 * The checkpoint layout (ARCHITECTURE §6), as pure rules every shell applies to its own storage: the
 * trainer writes `<dir>/<step>/…`, then the empty file `<step>/.complete`; only complete steps count.
 */
export const COMPLETE_MARKER = '.complete';

/** A step folder's name: a non-negative integer, nothing else (temporary folders are not steps). */
export const isStepName = (name: string): boolean => /^\d+$/.test(name);

/** Which complete steps to delete so the newest `keep` (at least 1) remain, ascending. */
export function stepsToPrune(completeSteps: readonly number[], keep: number): number[] {
  const sorted = [...completeSteps].sort((a, b) => a - b);
  return sorted.slice(0, Math.max(0, sorted.length - Math.max(1, keep)));
}
