/**
 * The schema tables and the TypeScript types describe the same fields: the maps below must list every
 * field of each type (the type checker rejects a missing or extra key) and say whether it is required;
 * the tests compare them with the tables.
 */
import {
  HPOJOB_SCHEMA,
  HPOJOB_SPEC_SCHEMA,
  PARAMETER_SCHEMA,
  TRIAL_SCHEMA,
  type ObjectSchema,
} from './schema.js';
import type {
  Budget,
  CategoricalParameter,
  CheckpointSpec,
  EarlyStoppingSpec,
  FloatParameter,
  HPOJob,
  HPOJobSpec,
  IntParameter,
  Objective,
  SamplerSpec,
  Trial,
  TrialSpec,
  TrialTemplate,
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
const trialTemplate: Required_<TrialTemplate> = { retries: false, checkpoint: false, template: true };
const checkpoint: Required_<CheckpointSpec> = { enabled: false, keep: false };
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
