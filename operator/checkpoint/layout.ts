/**
 * Where a trial's checkpoints live in the object store (ARCHITECTURE §6), pure:
 * `<prefix>/<namespace>/<hpojob>/<hpojob uid>/<index>/<step>/…`, each step's `_COMPLETE` written last.
 * The uid is in the path (the design had only the name) so a job deleted and created again under the
 * same name never restores the checkpoints of the old one, whose parameters differ.
 */
import { isStepName, stepsToPrune } from '../core/trial/index.js';

/** Written after every file of a step is stored: a step without it is never restored (invariant 3). */
export const S3_COMPLETE = '_COMPLETE';

export interface TrialCheckpointPlace {
  /** The store's own prefix, e.g. `ultron` or `` (none). */
  prefix: string;
  namespace: string;
  hpoJob: string;
  hpoJobUid: string;
  index: number;
}

/** The key prefix of one HPOJob's checkpoints (all its trials), ending in `/`. */
export function jobBase(p: Omit<TrialCheckpointPlace, 'index'>): string {
  const parts = [p.prefix.replace(/^\/+|\/+$/g, ''), p.namespace, p.hpoJob, p.hpoJobUid];
  return `${parts.filter((x) => x !== '').join('/')}/`;
}

/** The key prefix of one trial's checkpoints, ending in `/`. */
export function trialBase(p: TrialCheckpointPlace): string {
  return `${jobBase(p)}${p.index}/`;
}

export const stepPrefix = (base: string, step: number): string => `${base}${step}/`;
export const completeKey = (base: string, step: number): string => `${stepPrefix(base, step)}${S3_COMPLETE}`;
export const checkpointUri = (bucket: string, base: string, step: number): string =>
  `s3://${bucket}/${stepPrefix(base, step)}`;

export interface StepListing {
  /** Steps whose `_COMPLETE` exists, ascending. */
  complete: number[];
  /** Steps with objects but no `_COMPLETE` (an upload cut off, or one in progress), ascending. */
  incomplete: number[];
}

/** The steps under `base`, from the keys listed under it (other keys are ignored). */
export function stepsFromKeys(base: string, keys: Iterable<string>): StepListing {
  const seen = new Set<number>();
  const complete = new Set<number>();
  for (const key of keys) {
    if (!key.startsWith(base)) continue;
    const rest = key.slice(base.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const name = rest.slice(0, slash);
    if (!isStepName(name)) continue;
    const step = Number(name);
    seen.add(step);
    if (rest.slice(slash + 1) === S3_COMPLETE) complete.add(step);
  }
  const asc = (a: number, b: number) => a - b;
  return {
    complete: [...complete].sort(asc),
    incomplete: [...seen].filter((s) => !complete.has(s)).sort(asc),
  };
}

/**
 * What to delete after a step was uploaded: complete steps beyond the newest `keep`, and incomplete
 * steps older than the newest complete one (left by a cut-off upload; nothing will finish them). An
 * incomplete step newer than that may be an upload in progress, so it stays.
 */
export function stepsToDelete(listing: StepListing, keep: number): number[] {
  const newest = listing.complete.at(-1);
  const stale = newest === undefined ? [] : listing.incomplete.filter((s) => s < newest);
  return [...stepsToPrune(listing.complete, keep), ...stale].sort((a, b) => a - b);
}
