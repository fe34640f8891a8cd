/** Local checkpoint folders `<dir>/<step>/` with the `.complete` marker written last (ARCHITECTURE §6): the local runner's and the agent's view of the trainer's folder. */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMPLETE_MARKER, isStepName, stepsToPrune } from '../core/trial/index.js';

/** Complete checkpoint steps, ascending. Incomplete or temporary folders are ignored. */
export function completeSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isStepName(e.name) && existsSync(join(dir, e.name, COMPLETE_MARKER)))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

export function latestCompleteStep(dir: string): number | undefined {
  return completeSteps(dir).at(-1);
}

/** Deletes all but the newest `keep` complete steps; never touches incomplete ones (a writer may own them). */
export function pruneCheckpoints(dir: string, keep: number): number[] {
  const drop = stepsToPrune(completeSteps(dir), keep);
  for (const step of drop) rmSync(join(dir, String(step)), { recursive: true, force: true });
  return drop;
}
