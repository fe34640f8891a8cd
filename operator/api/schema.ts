/**
 * The structure of HPOJob and Trial documents as data: for each field Ultron owns, its type and the
 * constraints OpenAPI can state (required, enum, pattern, bounds, lengths). `validateHPOJob` walks these
 * tables (validation.ts); the CRD's `openAPIV3Schema` (crds/, a later step) is generated from or checked
 * against them, so the two cannot drift. Rules across fields (min < max, `when` refers to an earlier
 * categorical, ...) are in rules.ts, each with its CEL mirror.
 *
 * Departures from plain OpenAPI, each with how the CRD expresses it:
 * - `scalar`: a string, number or boolean (categorical values, trial params) →
 *   `x-kubernetes-preserve-unknown-fields` plus a CEL type check.
 * - `preserveUnknownFields`: objects Ultron does not own (metadata, the PodTemplateSpec, status);
 *   only the listed properties are checked, other fields pass.
 * - `unique` on a list: every item differs → CEL `self.all(x, self.exists_one(y, y == x))`.
 */
import { DURATION_PATTERN } from './defaults.js';
import { API_GROUP_VERSION, EARLY_STOPPING_NAMES } from './types.js';

interface Common {
  required?: boolean;
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
}
export interface NumberSchema extends Common {
  type: 'number' | 'integer';
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}
export interface BooleanSchema extends Common {
  type: 'boolean';
}
export interface ScalarSchema extends Common {
  type: 'scalar';
}
export interface ArraySchema extends Common {
  type: 'array';
  items: FieldSchema;
  minItems?: number;
  unique?: boolean;
}
export interface ObjectSchema extends Common {
  type: 'object';
  properties?: Readonly<Record<string, FieldSchema>>;
  /** Schema of every value of a map (an object with free keys). */
  additionalProperties?: FieldSchema;
  preserveUnknownFields?: boolean;
  minProperties?: number;
}
export type FieldSchema =
  StringSchema | NumberSchema | BooleanSchema | ScalarSchema | ArraySchema | ObjectSchema;

export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_LABEL_HINT =
  'a DNS-1123 label (lower-case letters, digits and -, starting and ending with a letter or digit)';
/**
 * An HPOJob's name leaves room for `-<index>` (up to 10 digits) in its Trials' names, which must stay
 * DNS labels of at most 63 characters (they name the worker Job and label its pods).
 */
export const MAX_HPOJOB_NAME = 52;
export const MAX_DNS_LABEL = 63;
export const MAX_SEED = 2 ** 32 - 1;

const dnsLabel = (extra: Partial<StringSchema> = {}): StringSchema => ({
  type: 'string',
  pattern: DNS_LABEL_PATTERN,
  patternHint: DNS_LABEL_HINT,
  maxLength: MAX_DNS_LABEL,
  ...extra,
});
const settings: ObjectSchema = {
  type: 'object',
  preserveUnknownFields: true,
  description: 'checked by the sampler or scheduler itself',
};
const stringList: ArraySchema = { type: 'array', items: { type: 'string' } };

const metadata = (maxName: number, hint: string): ObjectSchema => ({
  type: 'object',
  required: true,
  preserveUnknownFields: true,
  properties: {
    name: dnsLabel({ required: true, maxLength: maxName, maxLengthHint: hint }),
    namespace: dnsLabel(),
  },
});

export const PARAMETER_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      required: true,
      pattern: NAME_PATTERN,
      patternHint:
        'an identifier (letters, digits and _, not starting with a digit; it becomes ULTRON_PARAM_<NAME>)',
      maxLength: 63,
    },
    type: { type: 'string', required: true, enum: ['float', 'int', 'categorical'] },
    min: { type: 'number' },
    max: { type: 'number' },
    log: { type: 'boolean' },
    step: { type: 'number', exclusiveMinimum: 0 },
    values: { type: 'array', items: { type: 'scalar' }, minItems: 1, unique: true },
    when: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'array', items: { type: 'scalar' }, minItems: 1 },
    },
  },
};

export const CONTAINER_SCHEMA: ObjectSchema = {
  type: 'object',
  preserveUnknownFields: true,
  properties: {
    name: dnsLabel({ required: true }),
    command: stringList,
    args: stringList,
  },
};

export const HPOJOB_SPEC_SCHEMA: ObjectSchema = {
  type: 'object',
  required: true,
  properties: {
    objective: {
      type: 'object',
      required: true,
      properties: {
        metric: { type: 'string', required: true, nonEmpty: true },
        direction: { type: 'string', required: true, enum: ['minimize', 'maximize'] },
        goal: { type: 'number' },
        strategy: { type: 'string', enum: ['latest', 'best'] },
      },
    },
    parameters: { type: 'array', required: true, minItems: 1, items: PARAMETER_SCHEMA },
    sampler: {
      type: 'object',
      properties: {
        // It names the NATS subject ultron.suggest.<sampler>, so it is a DNS label (no dots or wildcards).
        name: dnsLabel({ required: true }),
        settings,
      },
    },
    earlyStopping: {
      type: 'object',
      properties: {
        name: { type: 'string', required: true, enum: EARLY_STOPPING_NAMES },
        settings,
      },
    },
    budget: {
      type: 'object',
      properties: {
        maxTrials: { type: 'integer', minimum: 1 },
        maxFailedTrials: { type: 'integer', minimum: 0 },
        maxDuration: {
          type: 'string',
          pattern: DURATION_PATTERN,
          patternHint: 'a duration such as 90s, 30m, 6h or 1h30m',
        },
        maxGpuHours: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    parallelism: { type: 'integer', minimum: 1 },
    seed: { type: 'integer', minimum: 0, maximum: MAX_SEED },
    queue: dnsLabel(),
    trialTemplate: {
      type: 'object',
      required: true,
      properties: {
        retries: { type: 'integer', minimum: 0 },
        checkpoint: {
          type: 'object',
          properties: { enabled: { type: 'boolean' }, keep: { type: 'integer', minimum: 1 } },
        },
        template: {
          type: 'object',
          required: true,
          preserveUnknownFields: true,
          description: 'a core/v1 PodTemplateSpec; the API server checks the rest',
          properties: {
            spec: {
              type: 'object',
              required: true,
              preserveUnknownFields: true,
              properties: {
                containers: { type: 'array', required: true, minItems: 1, items: CONTAINER_SCHEMA },
              },
            },
          },
        },
      },
    },
  },
};

const status: ObjectSchema = {
  type: 'object',
  preserveUnknownFields: true,
  description: 'written by Ultron',
};

export const HPOJOB_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string', required: true, enum: [API_GROUP_VERSION] },
    kind: { type: 'string', required: true, enum: ['HPOJob'] },
    metadata: metadata(
      MAX_HPOJOB_NAME,
      `its Trials are named <name>-<index> and must fit in ${MAX_DNS_LABEL}`,
    ),
    spec: HPOJOB_SPEC_SCHEMA,
    status,
  },
};

export const TRIAL_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string', required: true, enum: [API_GROUP_VERSION] },
    kind: { type: 'string', required: true, enum: ['Trial'] },
    metadata: metadata(MAX_DNS_LABEL, 'it names the worker Job'),
    spec: {
      type: 'object',
      required: true,
      properties: {
        hpoJob: dnsLabel({ required: true, maxLength: MAX_HPOJOB_NAME }),
        index: { type: 'integer', required: true, minimum: 0 },
        params: { type: 'object', required: true, additionalProperties: { type: 'scalar' } },
        seed: { type: 'integer', required: true, minimum: 0, maximum: MAX_SEED },
        stop: { type: 'boolean' },
      },
    },
    status,
  },
};
