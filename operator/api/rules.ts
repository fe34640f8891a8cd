/**
 * Cross-field rules of the HPOJob spec, as data: each has the object it applies to (a path pattern),
 * the check in TypeScript, and the same rule as a CEL expression for the CRD's
 * `x-kubernetes-validations`, with one message shared by both. The CRD (a later step) is generated
 * from or checked against this table, so `kubectl apply` and `ultron validate` say the same thing.
 */
import type { Parameter } from './types.js';

export interface CrossFieldRule<T> {
  /** Where the rule sits in the CRD schema, e.g. `spec.parameters[*]`. */
  at: string;
  /** The field the message is about, relative to `at` (joined to the path in error messages). */
  field: string;
  /** CEL over `self` (the object at `at`). */
  cel: string;
  message: string;
  check(self: T): boolean;
}

type NumericParam = Extract<Parameter, { type: 'float' | 'int' }>;
const numeric = (p: Parameter): p is NumericParam => p.type === 'float' || p.type === 'int';

export const PARAMETER_RULES: readonly CrossFieldRule<Parameter>[] = [
  {
    at: 'spec.parameters[*]',
    field: 'max',
    cel: "self.type == 'categorical' || self.min < self.max",
    message: 'must be greater than min',
    check: (p) => !numeric(p) || p.min < p.max,
  },
  {
    at: 'spec.parameters[*]',
    field: 'min',
    cel: "self.type == 'categorical' || !has(self.log) || !self.log || self.min > 0",
    message: 'must be > 0 when log is true',
    check: (p) => !numeric(p) || !p.log || p.min > 0,
  },
  {
    at: 'spec.parameters[*]',
    field: 'step',
    cel: "self.type == 'categorical' || !has(self.step) || !has(self.log) || !self.log",
    message: 'cannot be combined with log: true',
    check: (p) => !numeric(p) || p.step === undefined || !p.log,
  },
  {
    at: 'spec.parameters[*]',
    field: 'step',
    cel: "self.type == 'categorical' || !has(self.step) || self.step <= self.max - self.min",
    message: 'must not exceed max - min',
    check: (p) => !numeric(p) || p.step === undefined || !(p.min < p.max) || p.step <= p.max - p.min,
  },
  {
    at: 'spec.parameters[*]',
    field: 'min',
    cel: "self.type != 'int' || (self.min == math.trunc(self.min) && self.max == math.trunc(self.max))",
    message: 'int parameters need integer min and max',
    check: (p) => p.type !== 'int' || (Number.isInteger(p.min) && Number.isInteger(p.max)),
  },
  {
    at: 'spec.parameters[*]',
    field: 'step',
    cel: "self.type != 'int' || !has(self.step) || self.step == math.trunc(self.step)",
    message: 'must be an integer for int parameters',
    check: (p) => p.type !== 'int' || p.step === undefined || Number.isInteger(p.step),
  },
  {
    at: 'spec.parameters[*]',
    field: 'values',
    cel: "self.type != 'categorical' || (has(self.values) && size(self.values) > 0)",
    message: 'categorical parameters need at least one value',
    check: (p) => p.type !== 'categorical' || (Array.isArray(p.values) && p.values.length > 0),
  },
  {
    at: 'spec.parameters[*]',
    field: 'values',
    cel: "self.type == 'categorical' || !has(self.values)",
    message: 'only categorical parameters have values',
    check: (p) => p.type === 'categorical' || !('values' in p),
  },
  {
    at: 'spec.parameters[*]',
    field: 'min',
    cel: "self.type != 'categorical' || (!has(self.min) && !has(self.max) && !has(self.log) && !has(self.step))",
    message: 'categorical parameters take values, not min/max/log/step',
    check: (p) => p.type !== 'categorical' || !['min', 'max', 'log', 'step'].some((k) => k in p),
  },
  {
    at: 'spec.parameters[*]',
    field: 'min',
    cel: "self.type == 'categorical' || (has(self.min) && has(self.max))",
    message: 'numeric parameters need min and max',
    check: (p) => !numeric(p) || (typeof p.min === 'number' && typeof p.max === 'number'),
  },
];

/** Rules over the whole parameter list (names unique, `when` refers to an earlier categorical). */
export const PARAMETER_LIST_RULES = {
  uniqueNames: {
    at: 'spec.parameters',
    cel: 'self.all(p, self.exists_one(q, q.name == p.name))',
    message: 'parameter names must be unique',
  },
  uniqueEnvNames: {
    at: 'spec.parameters',
    cel: 'self.all(p, self.exists_one(q, q.name.upperAscii() == p.name.upperAscii()))',
    message: 'parameter names must differ in more than case (each becomes ULTRON_PARAM_<NAME>)',
  },
  whenRefersToEarlierCategorical: {
    at: 'spec.parameters',
    cel: "self.all(i, p, !has(p.when) || p.when.all(k, self.exists(j, q, j < i && q.name == k && q.type == 'categorical')))",
    message: 'must name an earlier categorical parameter',
  },
} as const;

export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
