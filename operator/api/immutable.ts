/**
 * Spec fields that cannot change once the object exists, as data: the CRDs carry each as a CEL
 * transition rule on `spec` (the API server refuses the update and names the field), and `immutableErrors`
 * is the same check in TypeScript. The trials of a job were sampled from its space, judged by its
 * objective and proposed by its sampler from its seed: changing any of them would mix incomparable
 * trials, so a changed search is a new HPOJob. `parallelism` and `budget` stay editable, as does a
 * Trial's `stop`.
 */
import type { ValidationError } from './schema-check.js';

export interface ImmutableField {
  kind: 'HPOJob' | 'Trial';
  /** A field of `spec`. */
  field: string;
  /** The field may be absent: setting or removing it is a change too. */
  optional: boolean;
  /** The transition rule, with `self` and `oldSelf` the new and old spec. */
  cel: string;
  message: string;
}

const rule = (field: string, optional: boolean): string =>
  optional
    ? `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`
    : `self.${field} == oldSelf.${field}`;

const job = (field: string, optional: boolean, why: string): ImmutableField => ({
  kind: 'HPOJob',
  field,
  optional,
  cel: rule(field, optional),
  message: `cannot change once the HPOJob exists (${why}); create a new HPOJob`,
});
const trial = (field: string, cel = rule(field, false)): ImmutableField => ({
  kind: 'Trial',
  field,
  optional: false,
  cel,
  message: 'cannot change once the Trial exists (the operator created it for this job, index and values)',
});

export const IMMUTABLE: readonly ImmutableField[] = [
  job('objective', false, 'its trials were judged by this objective'),
  job('parameters', false, 'its trials were sampled from this space'),
  job('sampler', true, 'its trials were proposed by this sampler'),
  job('seed', true, 'its trials were drawn from this seed'),
  trial('hpoJob'),
  trial('index'),
  // params is an untyped map to CEL (rules.ts): compared through dyn(). In one-element lists, because the
  // cost estimate of `==` is the size of the smaller side, unknown for dyn values and known for a list.
  trial('params', '[dyn(self).params] == [dyn(oldSelf).params]'),
  trial('seed'),
];

/** Equality of JSON values, objects compared by their keys whatever their order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}

/** The immutable fields an update of `kind`'s spec from `before` to `after` changes (paths from the root). */
export function immutableErrors(
  kind: ImmutableField['kind'],
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ValidationError[] {
  return IMMUTABLE.filter((f) => f.kind === kind && !sameJson(before[f.field], after[f.field])).map((f) => ({
    path: `spec.${f.field}`,
    message: f.message,
  }));
}
