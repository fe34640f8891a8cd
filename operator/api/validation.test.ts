import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UltronError } from '../errors.js';
import { Rng } from '../core/rng.js';
import { parseManifestText } from './manifest.js';
import {
  formatError,
  InvalidManifest,
  parseHPOJob,
  parseTrial,
  requireHPOJob,
  validateHPOJob,
  validateTrial,
  type ValidationHooks,
} from './validation.js';

const here = dirname(fileURLToPath(import.meta.url));
const [fullJob, fullTrial] = parseManifestText(
  readFileSync(join(here, '__fixtures__', 'valid', 'full.yaml'), 'utf8'),
).map((d) => d.value as Record<string, unknown>);
const clone = <T>(x: T): T => structuredClone(x);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits

const paths = (errors: { path: string }[]): string[] => errors.map((e) => e.path);

describe('validateHPOJob', () => {
  it('accepts the full fixture and returns it typed', () => {
    expect(validateHPOJob(fullJob)).toEqual([]);
    const { job, errors } = parseHPOJob(fullJob);
    expect(errors).toEqual([]);
    expect(job?.spec.parameters.map((p) => p.name)).toEqual([
      'lr',
      'hidden',
      'dropout',
      'optimizer',
      'momentum',
    ]);
  });

  it('reports every problem at once, structure before cross-field rules', () => {
    const doc = clone(fullJob) as Json;
    doc['kind'] = 'Job';
    doc['spec'].parallelism = 0;
    doc['spec'].parameters[0].min = 0; // log: true
    doc['spec'].parameters[2].max = 'high';
    doc['spec'].parameters[3].values = ['adam', 'adam'];
    expect(validateHPOJob(doc).map(formatError)).toEqual([
      'kind: must be HPOJob, got "Job"',
      'spec.parameters[2].max: must be a finite number, got "high"',
      'spec.parameters[3].values[1]: duplicate value "adam"',
      'spec.parallelism: must be >= 1, got 0',
      'spec.parameters[0].min: must be > 0 when log is true',
      'spec.parameters[4].when.optimizer[0]: must be one of the values of the named parameter ("sgd" is not a value of optimizer)',
    ]);
  });

  it('does not run cross-field rules on a parameter whose fields have the wrong type', () => {
    const doc = clone(fullJob) as Json;
    doc['spec'].parameters[1] = { name: 'hidden', type: 'int', min: '4', max: 2, log: true };
    expect(validateHPOJob(doc).map(formatError)).toEqual([
      'spec.parameters[1].min: must be a finite number, got "4"',
    ]);
  });

  it('names the document when it is not a mapping', () => {
    for (const doc of [null, 'text', 3, [fullJob]])
      expect(validateHPOJob(doc)).toEqual([
        { path: '(document)', message: 'must be a YAML mapping (an HPOJob)' },
      ]);
  });

  it('requires the top-level fields and the spec', () => {
    expect(paths(validateHPOJob({}))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    const doc = clone(fullJob) as Json;
    doc['spec'] = {};
    expect(paths(validateHPOJob(doc))).toEqual(['spec.objective', 'spec.parameters', 'spec.trialTemplate']);
  });

  it('checks fields Ultron owns for unknown names, but not the pod template, metadata or status', () => {
    const doc = clone(fullJob) as Json;
    doc['metadata'].finalizers = ['x'];
    doc['status'] = { phase: 'Running', anything: 1 };
    const tpl = doc['spec'].trialTemplate.template;
    tpl.spec.nodeSelector = { gpu: 'a100' };
    tpl.spec.containers[0].volumeMounts = [];
    expect(validateHPOJob(doc)).toEqual([]);
    for (const [at, key] of [
      ['spec.objective', 'metrc'],
      ['spec.earlyStopping', 'setting'],
      ['spec.trialTemplate.checkpoint', 'every'],
      ['spec.trialTemplate', 'template2'],
      // Names of Object.prototype members are unknown fields too, not inherited properties.
      ['spec', 'constructor'],
      ['spec.budget', 'toString'],
    ] as const) {
      const bad = clone(fullJob) as Json;
      at.split('.').reduce((o: Json, k) => o[k], bad)[key] = 1;
      expect(paths(validateHPOJob(bad))).toEqual([`${at}.${key}`]);
    }
  });

  it('prefixes what the settings hooks say with the settings path', () => {
    const hooks: ValidationHooks = {
      validateSamplerSettings: (name, settings) =>
        name === 'tpe' && settings['nStartupTrials'] === 5
          ? ['nStartupTrials: too few', 'settings do not fit']
          : [],
      validateSchedulerSettings: (name) => (name === 'asha' ? ['reductionFactor: must be >= 2'] : []),
    };
    expect(validateHPOJob(fullJob, hooks)).toEqual([
      { path: 'spec.sampler.settings.nStartupTrials', message: 'too few' },
      { path: 'spec.sampler.settings', message: 'settings do not fit' },
      { path: 'spec.earlyStopping.settings.reductionFactor', message: 'must be >= 2' },
    ]);
  });

  it('calls a hook with empty settings when there are none, and not when the block is malformed', () => {
    const seen: string[] = [];
    const hooks: ValidationHooks = {
      validateSamplerSettings: (name, settings) => (seen.push(`${name} ${JSON.stringify(settings)}`), []),
    };
    const doc = clone(fullJob) as Json;
    doc['spec'].sampler = { name: 'random' };
    validateHPOJob(doc, hooks);
    doc['spec'].sampler = { name: 'random', settings: 'x' };
    validateHPOJob(doc, hooks);
    expect(seen).toEqual(['random {}']);
  });

  it('limits the job name so that its Trial names stay DNS labels', () => {
    const doc = clone(fullJob) as Json;
    doc['metadata'].name = 'a'.repeat(53);
    expect(validateHPOJob(doc).map(formatError)).toEqual([
      'metadata.name: must be at most 52 characters, got 53 (its Trials are named <name>-<index> and must fit in 63)',
    ]);
  });

  it('requires a clear trainer when there are several containers, but not its command (the image may start it)', () => {
    const doc = clone(fullJob) as Json;
    const containers = doc['spec'].trialTemplate.template.spec.containers;
    containers.unshift({ name: 'sidecar', image: 'busybox' });
    expect(validateHPOJob(doc)).toEqual([]);
    delete containers[1].command;
    expect(validateHPOJob(doc)).toEqual([]);
    containers[1].name = 'main';
    expect(paths(validateHPOJob(doc))).toEqual(['spec.trialTemplate.template.spec.containers']);
  });

  it('never throws, whatever is put where (seeded mutations of a valid job)', () => {
    const junk = [null, 0, -1, 1.5, '', 'x', true, [], [null], {}, { a: 1 }, Infinity, NaN, 2 ** 40];
    const rng = new Rng(20251124);
    const slots = (o: unknown, at: (string | number)[] = []): (string | number)[][] =>
      o !== null && typeof o === 'object'
        ? Object.keys(o).flatMap((k) => {
            const key = Array.isArray(o) ? Number(k) : k;
            return [[...at, key], ...slots((o as Json)[k], [...at, key])];
          })
        : [];
    const all = slots(fullJob);
    for (let n = 0; n < 600; n++) {
      const doc = clone(fullJob) as Json;
      for (let m = 0; m <= rng.int(3); m++) {
        const path = all[rng.int(all.length)]!;
        const parent = path.slice(0, -1).reduce((o: Json | undefined, k) => o?.[k], doc);
        if (parent && typeof parent === 'object')
          parent[path.at(-1)!] = structuredClone(junk[rng.int(junk.length)]);
      }
      const errors = validateHPOJob(doc, {
        validateSamplerSettings: () => [],
        validateSchedulerSettings: () => [],
      });
      for (const e of errors) {
        expect(e.path).toMatch(/^(\(document\)|[A-Za-z_]\S*)$/);
        expect(e.message.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('validateTrial', () => {
  it('accepts the full fixture and rejects a wrong one field by field', () => {
    expect(validateTrial(fullTrial)).toEqual([]);
    expect(parseTrial(fullTrial).trial?.spec.index).toBe(0);
    const bad = clone(fullTrial) as Json;
    bad['spec'] = { hpoJob: 'Job', index: -1, params: { a: [1] }, seed: 1.5, stop: 'no', extra: 1 };
    expect(paths(validateTrial(bad))).toEqual([
      'spec.hpoJob',
      'spec.index',
      'spec.params.a',
      'spec.seed',
      'spec.stop',
      'spec.extra',
    ]);
    expect(validateTrial(fullJob)[0]).toEqual({ path: 'kind', message: 'must be Trial, got "HPOJob"' });
    expect(validateTrial(undefined)).toEqual([
      { path: '(document)', message: 'must be a YAML mapping (a Trial)' },
    ]);
  });
});

describe('InvalidManifest', () => {
  it('is a typed UltronError carrying every error', () => {
    expect(requireHPOJob(fullJob).metadata.name).toBe('full-example');
    let caught: unknown;
    try {
      requireHPOJob({ ...fullJob, kind: 'Trial' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidManifest);
    expect(caught).toBeInstanceOf(UltronError);
    expect((caught as InvalidManifest).code).toBe('InvalidManifest');
    expect((caught as InvalidManifest).errors).toEqual([
      { path: 'kind', message: 'must be HPOJob, got "Trial"' },
    ]);
    expect((caught as InvalidManifest).message).toBe('kind: must be HPOJob, got "Trial"');
  });
});
