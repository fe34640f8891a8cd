/**
 * The status of HPOJob and Trial as tables (types.ts: HPOJobStatus, TrialStatus), written by the operator
 * only. They give the CRDs a typed status (printer columns, `kubectl explain`) while keeping unknown fields
 * (`preserveUnknownFields`), so an operator newer than the installed CRD can still write what it knows.
 * schema.test.ts checks the tables list every field of the types.
 */
import type { FieldSchema, ObjectSchema } from './schema-types.js';
import { HPOJOB_PHASES, TRIAL_PHASES } from './types.js';

const int = (description: string): FieldSchema => ({ type: 'integer', required: true, description });
const optional = (s: FieldSchema): FieldSchema => ({ ...s, required: false });
const str = (description: string): FieldSchema => ({ type: 'string', description });
const time = (what: string): FieldSchema => str(`${what}, an RFC 3339 timestamp.`);

const CONDITIONS: FieldSchema = {
  type: 'array',
  description: 'The latest observations of the object, one per type (standard Kubernetes conditions).',
  items: {
    type: 'object',
    description: 'One condition.',
    properties: {
      type: { type: 'string', required: true, description: 'The kind of condition, such as Running.' },
      status: {
        type: 'string',
        required: true,
        enum: ['True', 'False', 'Unknown'],
        description: 'True, False or Unknown.',
      },
      reason: { type: 'string', required: true, description: 'Why, as one CamelCase word.' },
      message: { type: 'string', required: true, description: 'Why, in words.' },
      observedGeneration: optional(int('The metadata.generation the condition was set for.')),
      lastTransitionTime: { ...time('When the status last changed'), required: true },
    },
  },
};

const USAGE: FieldSchema = {
  type: 'object',
  description: 'GPU time used.',
  properties: {
    gpuSeconds: { type: 'number', required: true, description: 'GPU time used, in GPU-seconds.' },
    wastedGpuSeconds: {
      type: 'number',
      required: true,
      description: 'GPU time whose work was lost (preempted or failed before a checkpoint), in GPU-seconds.',
    },
  },
};

const PARAMS: FieldSchema = {
  type: 'object',
  additionalProperties: { type: 'scalar', description: 'A string, number or boolean.' },
  description: 'The value of each active parameter, by name.',
};

export const HPOJOB_STATUS_SCHEMA: ObjectSchema = {
  type: 'object',
  preserveUnknownFields: true,
  description: 'What the operator observed and decided; written by Ultron only.',
  properties: {
    phase: {
      type: 'string',
      enum: HPOJOB_PHASES,
      description: `${HPOJOB_PHASES.join(', ')}; the conditions say why.`,
    },
    conditions: CONDITIONS,
    observedGeneration: optional(int('The metadata.generation of the spec this status reflects.')),
    trials: {
      type: 'object',
      description: 'How many trials are in each phase.',
      properties: {
        created: int('Trials created so far, finished ones included.'),
        queued: int('Trials waiting for a GPU quota or a node.'),
        running: int('Trials running now.'),
        succeeded: int('Trials that finished and reported their objective.'),
        failed: int('Trials that failed after their retries.'),
        earlyStopped: int('Trials stopped early by the early-stopping rule.'),
      },
    },
    progress: str('Finished trials of maxTrials, such as 37/100.'),
    best: {
      type: 'object',
      description: 'The best trial so far.',
      properties: {
        trial: { type: 'string', required: true, description: 'Name of the Trial.' },
        index: int('Its index.'),
        params: { ...PARAMS, required: true },
        objective: { type: 'number', required: true, description: 'Its objective.' },
        step: optional(int('The step at which it reported that objective.')),
      },
    },
    usage: USAGE,
    startTime: time('When the search started'),
    completionTime: time('When the search finished'),
    sampler: {
      type: 'object',
      description: "The operator's ledger of the requests it made to the sampler.",
      properties: {
        nextIndex: int('The next trial index to ask the sampler for.'),
        requests: {
          type: 'array',
          required: true,
          description: 'Requests not yet turned into Trials.',
          items: {
            type: 'object',
            description: 'One request.',
            properties: {
              id: { type: 'string', required: true, description: 'The request id.' },
              indices: {
                type: 'array',
                required: true,
                items: { type: 'integer' },
                description: 'The trial indices asked for.',
              },
              sentAt: { ...time('When it was last sent'), required: true },
              attempt: int('1 for the first request of these indices, more after an invalid answer.'),
            },
          },
        },
        spaceExhausted: { type: 'boolean', description: 'The sampler has no new configuration left.' },
        invalidAnswers: optional(int('Answers refused as invalid, in total.')),
      },
    },
  },
};

export const TRIAL_STATUS_SCHEMA: ObjectSchema = {
  type: 'object',
  preserveUnknownFields: true,
  description: 'What the operator observed of the trial; written by Ultron only.',
  properties: {
    phase: { type: 'string', enum: TRIAL_PHASES, description: `${TRIAL_PHASES.join(', ')}.` },
    objective: { type: 'number', description: "The trial's objective so far (see spec.objective.strategy)." },
    metrics: {
      type: 'object',
      additionalProperties: { type: 'number', description: 'The latest value.' },
      description: 'The latest value of each metric the trainer reported.',
    },
    step: optional(int('The last step the trainer reported.')),
    paramsSummary: str('The parameters in one line, such as lr=0.001 layers=2.'),
    restarts: optional(int('Restarts after failures.')),
    preemptions: optional(int('Restarts after preemption or eviction (these do not count as failures).')),
    preemptedPods: {
      type: 'array',
      description: 'The newest pods lost to preemption, eviction or their node, and what each cost.',
      maxItems: 100,
      items: {
        type: 'object',
        description: 'One lost pod.',
        properties: {
          pod: { type: 'string', required: true, description: "The pod's name." },
          uid: { type: 'string', required: true, description: "The pod's uid." },
          at: { ...time('When it was disrupted'), required: true },
          reason: { type: 'string', required: true, description: 'Why (the DisruptionTarget reason).' },
          ranSeconds: {
            type: 'number',
            required: true,
            description: 'How long its trainer ran, in seconds.',
          },
          lostSeconds: {
            type: 'number',
            required: true,
            description: 'The part of that after its last completed checkpoint: work done again, in seconds.',
          },
        },
      },
    },
    checkpoint: {
      type: 'object',
      description: 'The last complete checkpoint.',
      properties: {
        step: int('Its step.'),
        uri: { type: 'string', required: true, description: 'Where it is stored.' },
        at: { ...time('When it was written'), required: true },
      },
    },
    usage: USAGE,
    startTime: time('When the trial started running'),
    completionTime: time('When the trial finished'),
    message: str('What happened last, in words.'),
    conditions: CONDITIONS,
    malformedMetricLines: optional(int('Metric lines the trainer wrote that could not be read.')),
    observationSeq: optional(int("The stream sequence of this trial's observation, once published.")),
    cachedFrom: str(
      'The trial whose result this one reused (namespace/name), when it came from the score cache.',
    ),
  },
};
