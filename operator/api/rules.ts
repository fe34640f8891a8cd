/**
 * Rules across fields, as data. Each rule names where it sits in the schema (`at`, a path pattern),
 * carries its check in TypeScript and the same rule as a CEL expression for the CRD's
 * `x-kubernetes-validations`, and one message that both print. `npm run crds` puts them in the CRDs
 * (operator/api/crd/placement.ts), so `kubectl apply` and `ultron validate` say the same thing; the e2e
 * test compiles and runs every CEL expression on the real API server. Single-field constraints (types,
 * enums, bounds, patterns) are in schema.ts.
 *
 * Rules run only on objects whose fields passed the schema, so a check may trust the field types. The
 * API server skips CEL only after a wrong type, a missing field, an unknown enum value or a too long
 * value; after a pattern or a bound it runs the rules, so a CEL rule guards what it parses itself.
 *
 * CEL cannot see `values`, `when` or a Trial's `params` directly: their items are strings, numbers or
 * booleans, which OpenAPI can only leave untyped, and the API server declares no CEL type for untyped
 * data. The rules reach them through `dyn(...)`, which the API server resolves at run time from the
 * schema (presence, size, optional index `[?k]`, equality and `in`); `type()` does not work on them.
 */
import { DURATION_PATTERN, parseDuration } from './defaults.js';
import { isObj, type Obj } from './schema-check.js';
import type { ParamValue } from './types.js';

/** A rule over one object: `self` is the object at `at`; `field` (relative to it) is what is wrong. */
export interface ObjectRule<T> {
  at: string;
  field: string;
  cel: string;
  message: string;
  check(self: T): boolean;
}

/** Where a list rule is broken: a path relative to the list, and what makes this case concrete. */
export interface Violation {
  at: string;
  detail?: string;
}
/** A rule over a whole list (`self` is the list); it reports each offending item. */
export interface ListRule<T> {
  at: string;
  cel: string;
  message: string;
  violations(self: readonly T[]): Violation[];
}

/** A parameter whose fields have the schema's types (any of them may still be missing). */
export interface ParameterFields {
  name?: string;
  type?: 'float' | 'int' | 'categorical';
  min?: number;
  max?: number;
  log?: boolean;
  step?: number;
  values?: ParamValue[];
  when?: Record<string, ParamValue[]>;
}

const has = (p: ParameterFields, k: keyof ParameterFields): boolean => p[k] !== undefined;
const numericOnly = (['min', 'max', 'log', 'step'] as const).map((field): ObjectRule<ParameterFields> => ({
  at: 'spec.parameters[*]',
  field,
  cel: `self.type != 'categorical' || !has(self.${field})`,
  message: `only float and int parameters have ${field}`,
  check: (p) => p.type !== 'categorical' || !has(p, field),
}));
const required = (['min', 'max'] as const).map((field): ObjectRule<ParameterFields> => ({
  at: 'spec.parameters[*]',
  field,
  cel: `self.type == 'categorical' || has(self.${field})`,
  message: 'required for float and int parameters',
  check: (p) => p.type === 'categorical' || has(p, field),
}));
const integral = (['min', 'max', 'step'] as const).map((field): ObjectRule<ParameterFields> => ({
  at: 'spec.parameters[*]',
  field,
  // Schema numbers are doubles in CEL; int() truncates.
  cel: `self.type != 'int' || !has(self.${field}) || self.${field} == double(int(self.${field}))`,
  message: 'must be an integer for int parameters',
  check: (p) => p.type !== 'int' || p[field] === undefined || Number.isInteger(p[field]),
}));

export const PARAMETER_RULES: readonly ObjectRule<ParameterFields>[] = [
  ...required,
  {
    at: 'spec.parameters[*]',
    field: 'max',
    cel: "self.type == 'categorical' || !has(self.min) || !has(self.max) || self.min < self.max",
    message: 'must be greater than min',
    check: (p) => p.type === 'categorical' || p.min === undefined || p.max === undefined || p.min < p.max,
  },
  {
    at: 'spec.parameters[*]',
    field: 'min',
    cel: "self.type == 'categorical' || !has(self.log) || !self.log || !has(self.min) || self.min > 0",
    message: 'must be > 0 when log is true',
    check: (p) => p.type === 'categorical' || !p.log || p.min === undefined || p.min > 0,
  },
  {
    at: 'spec.parameters[*]',
    field: 'step',
    cel: "self.type == 'categorical' || !has(self.step) || !has(self.log) || !self.log",
    message: 'cannot be combined with log: true',
    check: (p) => p.type === 'categorical' || p.step === undefined || !p.log,
  },
  {
    at: 'spec.parameters[*]',
    field: 'step',
    cel: '!has(self.step) || !has(self.min) || !has(self.max) || self.min >= self.max || self.step <= self.max - self.min',
    message: 'must not exceed max - min',
    check: (p) =>
      p.step === undefined ||
      p.min === undefined ||
      p.max === undefined ||
      p.min >= p.max ||
      p.step <= p.max - p.min,
  },
  ...integral,
  {
    at: 'spec.parameters[*]',
    field: 'values',
    cel: "self.type != 'categorical' || has(dyn(self).values)",
    message: 'required for categorical parameters',
    check: (p) => p.type !== 'categorical' || has(p, 'values'),
  },
  {
    at: 'spec.parameters[*]',
    field: 'values',
    cel: "self.type == 'categorical' || !has(dyn(self).values)",
    message: 'only categorical parameters have values',
    check: (p) => p.type === 'categorical' || !has(p, 'values'),
  },
  ...numericOnly,
];

const nameOf = (p: Obj): string | undefined => (typeof p['name'] === 'string' ? p['name'] : undefined);

/** Indices of the items whose key (when defined) an earlier item already had, with that item. */
function duplicates(items: readonly Obj[], key: (p: Obj) => string | undefined): [number, number][] {
  const first = new Map<string, number>();
  const out: [number, number][] = [];
  items.forEach((p, i) => {
    const k = key(p);
    if (k === undefined) return;
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else out.push([i, j]);
  });
  return out;
}

export const PARAMETER_LIST_RULES: readonly ListRule<Obj>[] = [
  {
    at: 'spec.parameters',
    cel: 'self.all(p, self.exists_one(q, q.name == p.name))',
    message: 'parameter names must be unique',
    violations: (ps) =>
      duplicates(ps, nameOf).map(([i, j]) => ({ at: `[${i}].name`, detail: `also spec.parameters[${j}]` })),
  },
  {
    at: 'spec.parameters',
    // Like the TypeScript: a name that repeats an earlier one exactly is the rule above's error only.
    cel:
      'self.all(i, p, !self.exists(j, q, j < i && q.name.upperAscii() == p.name.upperAscii()) || ' +
      'self.exists(j, q, j < i && q.name == p.name))',
    message: 'must differ from the other names in more than case (each becomes ULTRON_PARAM_<NAME>)',
    violations: (ps) => {
      const exact = new Set(duplicates(ps, nameOf).map(([i]) => i));
      return duplicates(ps, (p) => nameOf(p)?.toUpperCase())
        .filter(([i]) => !exact.has(i))
        .map(([i, j]) => ({ at: `[${i}].name`, detail: `clashes with spec.parameters[${j}]` }));
    },
  },
  {
    at: 'spec.parameters',
    // Counts the earlier categoricals p.when names (the keys of an untyped map cannot be walked within
    // the cost budget); with unique names every key names one iff the count is the number of keys.
    cel:
      'self.all(i, p, !has(dyn(p).when) || size(dyn(p).when) == self.transformList(j, q, ' +
      "j < i && q.type == 'categorical' && dyn(p).when[?q.name].hasValue(), q.name).size())",
    message: 'must name an earlier categorical parameter',
    violations: (ps) =>
      ps.flatMap((p, i) =>
        Object.keys(isObj(p['when']) ? p['when'] : {}).flatMap((parent) => {
          const j = ps.findIndex((q) => q['name'] === parent);
          if (j >= 0 && j < i && ps[j]!['type'] === 'categorical') return [];
          const detail =
            j < 0 ? 'no such parameter' : j >= i ? `it is spec.parameters[${j}]` : 'it is not categorical';
          return [{ at: `[${i}].when.${parent}`, detail }];
        }),
      ),
  },
  {
    at: 'spec.parameters',
    cel:
      'self.all(p, !has(dyn(p).when) || self.all(q, !dyn(p).when[?q.name].hasValue() || ' +
      '!has(dyn(q).values) || size(dyn(q).values) == 0 || dyn(p).when[q.name].all(v, v in dyn(q).values)))',
    message: 'must be one of the values of the named parameter',
    violations: (ps) =>
      ps.flatMap((p, i) =>
        Object.entries(isObj(p['when']) ? p['when'] : {}).flatMap(([parent, allowed]) => {
          const values = ps.find((q) => q['name'] === parent)?.['values'];
          // An empty or missing list of values is reported on the parameter itself.
          if (!Array.isArray(values) || values.length === 0 || !Array.isArray(allowed)) return [];
          return allowed.flatMap((v: unknown, k) =>
            values.includes(v)
              ? []
              : [
                  {
                    at: `[${i}].when.${parent}[${k}]`,
                    detail: `${JSON.stringify(v)} is not a value of ${parent}`,
                  },
                ],
          );
        }),
      ),
  },
];

/** The trainer: the container named `trainer`, else the first (validation makes sure that is clear). */
export function trainerContainerIndex(containers: readonly unknown[]): number {
  const i = containers.findIndex((c) => isObj(c) && c['name'] === 'trainer');
  return i >= 0 ? i : 0;
}

const CONTAINERS = 'spec.trialTemplate.template.spec.containers';
export const CONTAINER_LIST_RULES: readonly ListRule<Obj>[] = [
  {
    at: CONTAINERS,
    cel: 'self.all(c, self.exists_one(d, d.name == c.name))',
    message: 'container names must be unique',
    violations: (cs) =>
      duplicates(cs, nameOf).map(([i, j]) => ({ at: `[${i}].name`, detail: `also ${CONTAINERS}[${j}]` })),
  },
  {
    at: CONTAINERS,
    cel: "size(self) <= 1 || self.exists(c, c.name == 'trainer')",
    message: 'with more than one container, one must be named trainer (the container that trains)',
    violations: (cs) => (cs.length <= 1 || cs.some((c) => c['name'] === 'trainer') ? [] : [{ at: '' }]),
  },
];

export const BUDGET_RULES: readonly ObjectRule<{ maxDuration?: string }>[] = [
  {
    at: 'spec.budget',
    field: 'maxDuration',
    // A malformed duration is the pattern's error; duration() would fail on it and add a second one.
    cel:
      `!has(self.maxDuration) || !self.maxDuration.matches(r'${DURATION_PATTERN}') || ` +
      "duration(self.maxDuration) > duration('0s')",
    message: 'must be longer than 0s',
    check: (b) => b.maxDuration === undefined || (parseDuration(b.maxDuration) ?? 0) > 0,
  },
];

export const TRIAL_RULES: readonly ObjectRule<{
  metadata: { name: string };
  spec: { hpoJob: string; index: number };
}>[] = [
  {
    at: '',
    field: 'metadata.name',
    // Not name == hpoJob + '-' + string(index): the API server cannot bound the size of string(int), so it
    // refuses a concatenation with it as too costly; an equality costs the smaller side's size.
    cel:
      "self.metadata.name.startsWith(self.spec.hpoJob + '-') && " +
      'self.metadata.name.substring(size(self.spec.hpoJob) + 1) == string(self.spec.index)',
    message: 'must be <spec.hpoJob>-<spec.index>',
    check: (t) => t.metadata.name === `${t.spec.hpoJob}-${t.spec.index}`,
  },
];

/** A rule over one object whose violations name fields below it (`at` + each violation's `at`). */
export interface NestedRule<T> {
  at: string;
  /** Where the API server reports a CEL failure, relative to `at` (the CRD rule's `fieldPath`). */
  fieldPath: string;
  cel: string;
  message: string;
  violations(self: T): Violation[];
}

export const SPEC_RULES: readonly NestedRule<Obj>[] = [
  {
    at: 'spec',
    fieldPath: '.parameters',
    cel: "!has(self.sampler) || self.sampler.name != 'grid' || self.parameters.all(p, p.type != 'float' || has(p.step))",
    message: 'the grid sampler needs a step on every float parameter (a continuous float has no grid)',
    violations: (spec) => {
      const sampler = spec['sampler'];
      if (!isObj(sampler) || sampler['name'] !== 'grid' || !Array.isArray(spec['parameters'])) return [];
      return spec['parameters'].flatMap((p: unknown, i) =>
        isObj(p) && p['type'] === 'float' && p['step'] === undefined ? [{ at: `parameters[${i}].step` }] : [],
      );
    },
  },
];
