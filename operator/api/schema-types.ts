/**
 * The shape of the field-schema tables (schema.ts, schema-status.ts): for each field Ultron owns, its
 * type, the constraints OpenAPI can state and the text `kubectl explain` shows. `validateHPOJob` walks
 * the tables (schema-check.ts) and the CRDs are generated from them (operator/api/crd/), so `ultron
 * validate` and the API server check the same structure.
 *
 * Departures from plain OpenAPI, each with how the CRD expresses it:
 * - `scalar`: a string, number or boolean (categorical values, trial params). OpenAPI cannot say "one
 *   of three types" and CEL cannot see untyped values, so the CRD keeps them with
 *   `x-kubernetes-preserve-unknown-fields` and refuses non-empty mappings and lists with
 *   `maxProperties: 0` / `maxItems: 0` (an empty {} or [] gets past the API server; ultron validate and
 *   the operator still refuse it).
 * - `preserveUnknownFields`: objects Ultron does not own (metadata, the PodTemplateSpec, settings,
 *   status); only the listed properties are checked, other fields pass.
 * - `unique` on a list of scalars: a CEL rule on the object holding the list (operator/api/crd/openapi.ts),
 *   reported at the list.
 */
import type { JsonObject } from './types.js';

interface Common {
  required?: boolean;
  /**
   * What the field means, for the person writing the manifest: what it is, its units and its default.
   * The CRD carries it, so `kubectl explain` shows it.
   */
  description?: string;
}
export interface StringSchema extends Common {
  type: 'string';
  /** At least one character (OpenAPI minLength: 1). */
  nonEmpty?: boolean;
  enum?: readonly string[];
  pattern?: string;
  /** What the pattern means, for the error message: `must be <patternHint>`. */
  patternHint?: string;
  maxLength?: number;
  /** Why the limit, for the error message. */
  maxLengthHint?: string;
  /** Filled in by the API server when the field is absent (DEFAULTS in defaults.ts). */
  default?: string;
}
export interface NumberSchema extends Common {
  type: 'number' | 'integer';
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: number;
}
export interface BooleanSchema extends Common {
  type: 'boolean';
  default?: boolean;
}
export interface ScalarSchema extends Common {
  type: 'scalar';
}
export interface ArraySchema extends Common {
  type: 'array';
  items: FieldSchema;
  minItems?: number;
  /** The API server refuses CEL rules whose worst case is too costly, so lists they walk are bounded. */
  maxItems?: number;
  unique?: boolean;
}
export interface ObjectSchema extends Common {
  type: 'object';
  properties?: Readonly<Record<string, FieldSchema>>;
  /** Schema of every value of a map (an object with free keys). */
  additionalProperties?: FieldSchema;
  preserveUnknownFields?: boolean;
  minProperties?: number;
  /** The whole object the API server fills in when the field is absent (its own defaults apply inside). */
  default?: JsonObject;
}
export type FieldSchema =
  StringSchema | NumberSchema | BooleanSchema | ScalarSchema | ArraySchema | ObjectSchema;

export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS_LABEL_HINT =
  'a DNS-1123 label (lower-case letters, digits and -, starting and ending with a letter or digit)';
/**
 * An HPOJob's name leaves room for `-<index>` (up to 10 digits) in its Trials' names, which must stay
 * DNS labels of at most 63 characters (they name the worker Job and label its pods).
 */
export const MAX_HPOJOB_NAME = 52;
export const MAX_DNS_LABEL = 63;
export const MAX_SEED = 2 ** 32 - 1;
/** spec.priority ranges over ±MAX_PRIORITY (like PriorityClass values, but small: it orders one tenant's jobs). */
export const MAX_PRIORITY = 1000;
/**
 * Bounds on the lists the CEL rules walk (parameter names unique, `when` refers to an earlier
 * categorical, container names unique): without them the API server estimates a rule's worst case from
 * the 3 MB request limit and refuses the CRD. Generous for search spaces and pods people write.
 */
export const MAX_PARAMETERS = 100;
export const MAX_CONTAINERS = 64;
export const dnsLabel = (extra: Partial<StringSchema> = {}): StringSchema => ({
  type: 'string',
  pattern: DNS_LABEL_PATTERN,
  patternHint: DNS_LABEL_HINT,
  maxLength: MAX_DNS_LABEL,
  ...extra,
});
