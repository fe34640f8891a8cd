/**
 * The structure of HPOJob and Trial documents as data (the table types are in schema-types.ts, the
 * status tables in schema-status.ts). `validateHPOJob` walks these tables (validation.ts) and `npm run
 * crds` turns them into the CRDs' `openAPIV3Schema` (operator/api/crd/), descriptions and defaults
 * included, so the two cannot drift. Rules across fields (min < max, `when` refers to an earlier
 * categorical, ...) are in rules.ts, each with its CEL mirror.
 */
import { DEFAULTS, DURATION_PATTERN } from './defaults.js';
import {
  dnsLabel,
  MAX_DNS_LABEL,
  MAX_HPOJOB_NAME,
  MAX_PARAMETERS,
  MAX_PRIORITY,
  MAX_SEED,
  type ObjectSchema,
} from './schema-types.js';
import { PARAMETER_SCHEMA } from './schema-space.js';
import { HPOJOB_STATUS_SCHEMA, TRIAL_STATUS_SCHEMA } from './schema-status.js';
import { TRIAL_TEMPLATE_SCHEMA } from './schema-template.js';
import { API_GROUP_VERSION, BUILTIN_SAMPLERS, EARLY_STOPPING_NAMES } from './types.js';

export * from './schema-types.js';
export * from './schema-status.js';
export * from './schema-space.js';
export * from './schema-template.js';

// Each sampler and scheduler reads its own settings; ultron validate and the operator check them, the
// API server cannot (they differ per name and custom samplers define their own).
const settings = (of: string): ObjectSchema => ({
  type: 'object',
  preserveUnknownFields: true,
  description: `Settings of the ${of}, by name (see its documentation); checked by ultron validate and when the job starts, not by the API server. Default: the ${of}'s own defaults.`,
});
const metadata = (maxName: number, hint: string): ObjectSchema => ({
  type: 'object',
  required: true,
  preserveUnknownFields: true,
  description: 'Standard object metadata.',
  properties: {
    name: dnsLabel({
      required: true,
      maxLength: maxName,
      maxLengthHint: hint,
      description: `The object's name: a DNS-1123 label of at most ${maxName} characters (${hint}).`,
    }),
    namespace: dnsLabel({ description: 'The namespace the object lives in.' }),
  },
});

const OBJECTIVE: ObjectSchema = {
  type: 'object',
  required: true,
  description: 'What to optimize: the metric the trainer reports and whether lower or higher is better.',
  properties: {
    metric: {
      type: 'string',
      required: true,
      nonEmpty: true,
      description:
        'Name of the metric the trainer reports (for example val_loss); a trial is judged by this metric.',
    },
    direction: {
      type: 'string',
      required: true,
      enum: ['minimize', 'maximize'],
      description: 'minimize: lower is better (a loss); maximize: higher is better (an accuracy).',
    },
    goal: {
      type: 'number',
      description:
        "Stop the search (reason GoalReached) as soon as a trial's objective reaches this value (at or below " +
        'it when minimizing, at or above when maximizing). Default: none, the search runs to its budget.',
    },
    strategy: {
      type: 'string',
      enum: ['latest', 'best'],
      default: DEFAULTS.objectiveStrategy,
      description:
        "How a trial's reports become its objective: latest, the last value it reported; best, the best " +
        `value it reported at any step. Default: ${DEFAULTS.objectiveStrategy}.`,
    },
  },
};

const BUDGET: ObjectSchema = {
  type: 'object',
  default: {},
  description: 'When the search stops; the first limit reached ends it.',
  properties: {
    maxTrials: {
      type: 'integer',
      minimum: 1,
      default: DEFAULTS.maxTrials,
      description: `How many trials to run in all, failed ones included (reason MaxTrialsReached). Default: ${DEFAULTS.maxTrials}.`,
    },
    maxFailedTrials: {
      type: 'integer',
      minimum: 0,
      default: DEFAULTS.maxFailedTrials,
      description: `The job fails (reason TooManyFailedTrials) once more trials than this have failed. Default: ${DEFAULTS.maxFailedTrials}.`,
    },
    maxDuration: {
      type: 'string',
      pattern: DURATION_PATTERN,
      patternHint: 'a duration such as 90s, 30m, 6h or 1h30m',
      description:
        'Wall-clock limit of the whole search from its start, such as 90s, 30m, 6h or 1h30m (units ms, s, m, ' +
        'h); running trials are stopped (reason DeadlineExceeded). Default: none.',
    },
    maxGpuHours: {
      type: 'number',
      exclusiveMinimum: 0,
      description:
        'Limit on the GPU time of all trials together, in GPU-hours (one GPU for one hour is 1); running ' +
        'trials are stopped (reason BudgetExhausted). Default: none.',
    },
  },
};

export const HPOJOB_SPEC_SCHEMA: ObjectSchema = {
  type: 'object',
  required: true,
  description: 'The search: what to optimize, over which space, with which algorithm and budget.',
  properties: {
    objective: OBJECTIVE,
    parameters: {
      type: 'array',
      required: true,
      minItems: 1,
      maxItems: MAX_PARAMETERS,
      items: PARAMETER_SCHEMA,
      description: `The search space: an ordered list of hyperparameters, at least one and at most ${MAX_PARAMETERS}, names unique. Each trial gets a value for every active parameter.`,
    },
    sampler: {
      type: 'object',
      default: { name: DEFAULTS.sampler },
      description: `The search algorithm that proposes each trial's parameters. Default: ${DEFAULTS.sampler} (gp for up to 200 trials over at most 10 parameters, none conditional and no categorical of more than 8 values; tpe otherwise).`,
      properties: {
        // It names the NATS subject ultron.suggest.<sampler>, so it is a DNS label (no dots or wildcards).
        name: dnsLabel({
          required: true,
          description: `Built in: ${BUILTIN_SAMPLERS.join(', ')} (tpe and gp are Bayesian optimization, cmaes an evolution strategy, reinforce a policy gradient, auto runs gp or tpe chosen from the space and maxTrials); any other name (a DNS-1123 label) is a custom sampler served over the sampler protocol.`,
        }),
        settings: settings('sampler'),
      },
    },
    earlyStopping: {
      type: 'object',
      default: { name: DEFAULTS.earlyStopping },
      description: `How unpromising trials are stopped early, judged by the metric they report along the way. Default: ${DEFAULTS.earlyStopping}.`,
      properties: {
        name: {
          type: 'string',
          required: true,
          enum: EARLY_STOPPING_NAMES,
          description:
            'none; median: stop a trial worse than the median of the others at the same step; asha or ' +
            'hyperband: successive halving, keep the best fraction at each rung (hyperband needs settings.maxResource).',
        },
        settings: settings('scheduler'),
      },
    },
    budget: BUDGET,
    parallelism: {
      type: 'integer',
      minimum: 1,
      default: DEFAULTS.parallelism,
      description: `How many trials may run at the same time; may be changed while the job runs. Default: ${DEFAULTS.parallelism}.`,
    },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_SEED,
      description: `Random seed of the search (0 to ${MAX_SEED}): the same seed and spec propose the same trials. Default: derived from the job's uid.`,
    },
    queue: dnsLabel({
      description: "The quota tenant whose GPUs the job's trials use. Default: the job's namespace.",
    }),
    priority: {
      type: 'integer',
      minimum: -MAX_PRIORITY,
      maximum: MAX_PRIORITY,
      description: `Within its quota tenant (queue), trials of a job with a higher priority are admitted first; among equal priorities the job furthest below its fair share goes first, then the oldest trial (-${MAX_PRIORITY} to ${MAX_PRIORITY}). Default: 0.`,
    },
    trialTemplate: TRIAL_TEMPLATE_SCHEMA,
  },
};

const typeMeta = (kind: string) =>
  ({
    apiVersion: {
      type: 'string',
      required: true,
      enum: [API_GROUP_VERSION],
      description: `The API version of the object: ${API_GROUP_VERSION}.`,
    },
    kind: { type: 'string', required: true, enum: [kind], description: `The kind of the object: ${kind}.` },
  }) as const;

export const HPOJOB_SCHEMA: ObjectSchema = {
  type: 'object',
  description:
    'A hyperparameter search: Ultron runs trials of the trainer with different hyperparameters and keeps the best.',
  properties: {
    ...typeMeta('HPOJob'),
    metadata: metadata(
      MAX_HPOJOB_NAME,
      `its Trials are named <name>-<index> and must fit in ${MAX_DNS_LABEL}`,
    ),
    spec: HPOJOB_SPEC_SCHEMA,
    status: HPOJOB_STATUS_SCHEMA,
  },
};

export const TRIAL_SCHEMA: ObjectSchema = {
  type: 'object',
  description:
    'One run of the trainer with one set of hyperparameters; created by the operator for its HPOJob.',
  properties: {
    ...typeMeta('Trial'),
    metadata: metadata(MAX_DNS_LABEL, 'it names the worker Job'),
    spec: {
      type: 'object',
      required: true,
      description: 'Which job the trial belongs to and the values it runs with; written by the operator.',
      properties: {
        hpoJob: dnsLabel({
          required: true,
          maxLength: MAX_HPOJOB_NAME,
          description: 'Name of the HPOJob this trial belongs to (same namespace).',
        }),
        index: {
          type: 'integer',
          required: true,
          minimum: 0,
          description: 'Number of the trial in its job, from 0; the trial is named <hpoJob>-<index>.',
        },
        params: {
          type: 'object',
          required: true,
          additionalProperties: { type: 'scalar', description: 'A string, number or boolean.' },
          description:
            'The value of each active parameter, by name; inactive conditional parameters are absent.',
        },
        seed: {
          type: 'integer',
          required: true,
          minimum: 0,
          maximum: MAX_SEED,
          description: "The trial's own seed (ULTRON_SEED), derived from the job's seed and the index.",
        },
        stop: {
          type: 'boolean',
          description: 'Set to true to ask the operator to stop the trial (phase Stopped). Default: false.',
        },
      },
    },
    status: TRIAL_STATUS_SCHEMA,
  },
};
