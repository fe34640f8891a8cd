/**
 * The schema tables and the TypeScript types describe the same fields: the maps below must list every
 * field of each type (the type checker rejects a missing or extra key) and say whether it is required;
 * the tests compare them with the tables.
 */
import {
  HPOJOB_SCHEMA,
  HPOJOB_SPEC_SCHEMA,
  HPOJOB_STATUS_SCHEMA,
  MAX_PARAMETERS,
  PARAMETER_SCHEMA,
  TRIAL_SCHEMA,
  TRIAL_STATUS_SCHEMA,
  type ObjectSchema,
} from './schema.js';
import { checkSchema, type ValidationError } from './schema-check.js';
import type {
  BestTrial,
  Budget,
  CategoricalParameter,
  CheckpointSpec,
  EarlyStoppingSpec,
  FloatParameter,
  HPOJob,
  HPOJobSpec,
  HPOJobStatus,
  IntParameter,
  Objective,
  SamplerSpec,
  SamplerStatus,
  StatusCondition,
  SuggestionRequestRecord,
  Trial,
  TrialCheckpointStatus,
  TrialCounts,
  TrialSpec,
  TrialStatus,
  TrialTemplate,
  Usage,
} from './types.js';

/** For each field of T: true when required, false when optional. */
type Required_<T> = { [K in keyof T]-?: object extends Pick<T, K> ? false : true };

const spec: Required_<HPOJobSpec> = {
  objective: true,
  parameters: true,
  sampler: false,
  earlyStopping: false,
  budget: false,
  parallelism: false,
  seed: false,
  queue: false,
  priority: false,
  trialTemplate: true,
};
const objective: Required_<Objective> = { metric: true, direction: true, goal: false, strategy: false };
const sampler: Required_<SamplerSpec> = { name: true, settings: false };
const earlyStopping: Required_<EarlyStoppingSpec> = { name: true, settings: false };
const budget: Required_<Budget> = {
  maxTrials: false,
  maxFailedTrials: false,
  maxDuration: false,
  maxGpuHours: false,
};
const trialTemplate: Required_<TrialTemplate> = {
  retries: false,
  checkpoint: false,
  cache: false,
  template: true,
};
const checkpoint: Required_<CheckpointSpec> = { enabled: false, keep: false, deleteOnFinish: false };
// The schema is one object for all parameter types (their own fields are checked by rules.ts), so only
// the fields every type has are required.
type Own<T> = Omit<T, 'name' | 'type'>;
type AnyParameter = Pick<FloatParameter, 'name'> & { type: string } & Partial<
    Own<FloatParameter> & Own<IntParameter> & Own<CategoricalParameter>
  >;
const parameter: Required_<AnyParameter> = {
  name: true,
  type: true,
  min: false,
  max: false,
  log: false,
  step: false,
  values: false,
  when: false,
};
const trialSpec: Required_<TrialSpec> = { hpoJob: true, index: true, params: true, seed: true, stop: false };
const hpoJob: Required_<HPOJob> = { apiVersion: true, kind: true, metadata: true, spec: true, status: false };
const trial: Required_<Trial> = { apiVersion: true, kind: true, metadata: true, spec: true, status: false };

const hpoJobStatus: Required_<HPOJobStatus> = {
  phase: false,
  conditions: false,
  observedGeneration: false,
  trials: false,
  progress: false,
  best: false,
  usage: false,
  startTime: false,
  completionTime: false,
  sampler: false,
};
const condition: Required_<StatusCondition> = {
  type: true,
  status: true,
  reason: true,
  message: true,
  observedGeneration: false,
  lastTransitionTime: true,
};
const counts: Required_<TrialCounts> = {
  created: true,
  queued: true,
  running: true,
  succeeded: true,
  failed: true,
  earlyStopped: true,
};
const best: Required_<BestTrial> = { trial: true, index: true, params: true, objective: true, step: false };
const usage: Required_<Usage> = { gpuSeconds: true, wastedGpuSeconds: true };
const samplerStatus: Required_<SamplerStatus> = {
  nextIndex: true,
  requests: true,
  spaceExhausted: false,
  invalidAnswers: false,
};
const request: Required_<SuggestionRequestRecord> = { id: true, indices: true, sentAt: true, attempt: true };
const trialStatus: Required_<TrialStatus> = {
  phase: false,
  objective: false,
  metrics: false,
  step: false,
  paramsSummary: false,
  restarts: false,
  preemptions: false,
  preemptedPods: false,
  checkpoint: false,
  usage: false,
  startTime: false,
  completionTime: false,
  message: false,
  conditions: false,
  malformedMetricLines: false,
  observationSeq: false,
  cachedFrom: false,
};
const trialCheckpoint: Required_<TrialCheckpointStatus> = { step: true, uri: true, at: true };

const items = (s: ObjectSchema, key: string): ObjectSchema => {
  const list = s.properties![key]!;
  if (list.type !== 'array' || list.items.type !== 'object')
    throw new Error(`${key} is not a list of objects`);
  return list.items;
};

const requiredness = (s: ObjectSchema): Record<string, boolean> =>
  Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, v.required === true]));
const at = (s: ObjectSchema, ...path: string[]): ObjectSchema =>
  path.reduce((o, k) => o.properties![k] as ObjectSchema, s);

describe('schema tables match the TypeScript types', () => {
  it.each<[string, ObjectSchema, Record<string, boolean>]>([
    ['HPOJob', HPOJOB_SCHEMA, hpoJob],
    ['spec', HPOJOB_SPEC_SCHEMA, spec],
    ['spec.objective', at(HPOJOB_SPEC_SCHEMA, 'objective'), objective],
    ['spec.parameters[*]', PARAMETER_SCHEMA, parameter],
    ['spec.sampler', at(HPOJOB_SPEC_SCHEMA, 'sampler'), sampler],
    ['spec.earlyStopping', at(HPOJOB_SPEC_SCHEMA, 'earlyStopping'), earlyStopping],
    ['spec.budget', at(HPOJOB_SPEC_SCHEMA, 'budget'), budget],
    ['spec.trialTemplate', at(HPOJOB_SPEC_SCHEMA, 'trialTemplate'), trialTemplate],
    ['spec.trialTemplate.checkpoint', at(HPOJOB_SPEC_SCHEMA, 'trialTemplate', 'checkpoint'), checkpoint],
    ['Trial', TRIAL_SCHEMA, trial],
    ['Trial spec', at(TRIAL_SCHEMA, 'spec'), trialSpec],
    ['HPOJob status', HPOJOB_STATUS_SCHEMA, hpoJobStatus],
    ['status.conditions[*]', items(HPOJOB_STATUS_SCHEMA, 'conditions'), condition],
    ['status.trials', at(HPOJOB_STATUS_SCHEMA, 'trials'), counts],
    ['status.best', at(HPOJOB_STATUS_SCHEMA, 'best'), best],
    ['status.usage', at(HPOJOB_STATUS_SCHEMA, 'usage'), usage],
    ['status.sampler', at(HPOJOB_STATUS_SCHEMA, 'sampler'), samplerStatus],
    ['status.sampler.requests[*]', items(at(HPOJOB_STATUS_SCHEMA, 'sampler'), 'requests'), request],
    ['Trial status', TRIAL_STATUS_SCHEMA, trialStatus],
    ['Trial status.checkpoint', at(TRIAL_STATUS_SCHEMA, 'checkpoint'), trialCheckpoint],
    ['Trial status.conditions[*]', items(TRIAL_STATUS_SCHEMA, 'conditions'), condition],
  ])('%s', (_name, schema, fields) => expect(requiredness(schema)).toEqual(fields));

  it('lets only objects Ultron does not own keep unknown fields', () => {
    const open: string[] = [];
    const walk = (s: ObjectSchema, path: string): void => {
      if (s.preserveUnknownFields) open.push(path);
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        const sub = v.type === 'array' ? v.items : v;
        if (sub.type === 'object') walk(sub, path ? `${path}.${k}` : k);
      }
    };
    walk(HPOJOB_SCHEMA, '');
    expect(open.sort()).toEqual([
      'metadata',
      'spec.earlyStopping.settings',
      'spec.sampler.settings',
      'spec.trialTemplate.template',
      'spec.trialTemplate.template.spec',
      'spec.trialTemplate.template.spec.containers',
      'status',
    ]);
  });
});

describe('list bounds', () => {
  const check = (value: unknown): ValidationError[] => {
    const out: ValidationError[] = [];
    checkSchema(HPOJOB_SPEC_SCHEMA.properties!['parameters']!, value, 'spec.parameters', out);
    return out;
  };
  const param = (i: number) => ({ name: `p${i}`, type: 'float', min: 0, max: 1 });

  it('refuses more parameters than the CRD allows, saying how many', () => {
    const many = Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => param(i));
    expect(check(many)).toEqual([
      {
        path: 'spec.parameters',
        message: `must have at most ${MAX_PARAMETERS} items, got ${MAX_PARAMETERS + 1}`,
      },
    ]);
    expect(check(many.slice(1))).toEqual([]);
  });
});
