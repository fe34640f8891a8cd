import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinValidationHooks } from '../core/settings-validation.js';
import { applyDefaults, parseDuration } from './defaults.js';
import { parseManifestText } from './manifest.js';
import { PARAMETER_RULES } from './rules.js';
import { formatError, parseHPOJob, validateHPOJob, validateTrial } from './validation.js';
import { setCondition } from './conditions.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '__fixtures__');
const repo = join(here, '..', '..');

function errorsOf(text: string): string[] {
  const docs = parseManifestText(text);
  if (docs.some((d) => d.errors.length)) return docs.flatMap((d) => d.errors.map((e) => `YAML ${e}`));
  return docs.flatMap((d) => validateHPOJob(d.value, builtinValidationHooks).map(formatError));
}

describe('invalid manifests', () => {
  const files = readdirSync(join(fixtures, 'invalid')).filter((f) => f.endsWith('.yaml'));
  it('there are at least 40 distinct malformed manifests', () =>
    expect(files.length).toBeGreaterThanOrEqual(40));
  it.each(files)('%s is rejected with the offending field named', (file) => {
    const text = readFileSync(join(fixtures, 'invalid', file), 'utf8');
    const expected = /^# expect: (\S+)/.exec(text)![1]!;
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(`${expected}: `) || e.startsWith(`${expected} `))).toBe(true);
  });
});

describe('valid manifests', () => {
  it('accepts the full example (HPOJob and Trial)', () => {
    const docs = parseManifestText(readFileSync(join(fixtures, 'valid', 'full.yaml'), 'utf8'));
    expect(validateHPOJob(docs[0]!.value, builtinValidationHooks)).toEqual([]);
    expect(validateTrial(docs[1]!.value)).toEqual([]);
  });

  it('accepts every example in examples/', () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : /^hpojob.*\.ya?ml$/.test(e.name) ? [join(d, e.name)] : [],
      );
    const examples = walk(join(repo, 'examples'));
    for (const file of examples) expect([file, errorsOf(readFileSync(file, 'utf8'))]).toEqual([file, []]);
  });

  it('reports several errors at once and returns a typed job when valid', () => {
    const { errors } = parseHPOJob({ apiVersion: 'x', kind: 'y', metadata: {}, spec: { parameters: 3 } });
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        'apiVersion',
        'kind',
        'metadata.name',
        'spec.objective',
        'spec.parameters',
        'spec.trialTemplate',
      ]),
    );
    expect(validateHPOJob('text')).toEqual([
      { path: '(document)', message: 'must be a YAML mapping (an HPOJob)' },
    ]);
  });
});

describe('rules table', () => {
  it('has a CEL expression and a message for every cross-field rule', () => {
    for (const r of PARAMETER_RULES) {
      expect(r.cel).toMatch(/self/);
      expect(r.message.length).toBeGreaterThan(5);
    }
  });
});

describe('defaults', () => {
  it('fills every default without touching the input', () => {
    const spec = Object.freeze({
      objective: Object.freeze({ metric: 'loss', direction: 'minimize' as const }),
      parameters: [],
      trialTemplate: Object.freeze({ template: { spec: { containers: [] } } }),
    });
    const r = applyDefaults(spec, 77);
    expect(r).toMatchObject({
      objective: { strategy: 'latest' },
      sampler: { name: 'tpe', settings: {} },
      earlyStopping: { name: 'none', settings: {} },
      budget: { maxTrials: 100, maxFailedTrials: 5 },
      parallelism: 1,
      seed: 77,
      trialTemplate: { retries: 3, checkpoint: { enabled: true, keep: 3 } },
    });
  });
  it('parses Go-style durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('6 hours')).toBeUndefined();
  });
});

describe('setCondition', () => {
  it('keeps the transition time when the status does not change, and says whether anything changed', () => {
    const a = setCondition(
      undefined,
      { type: 'Running', status: 'True', reason: 'TrialsRunning', message: '2 running' },
      't1',
    );
    expect(a.changed).toBe(true);
    const b = setCondition(
      a.conditions,
      { type: 'Running', status: 'True', reason: 'TrialsRunning', message: '2 running' },
      't2',
    );
    expect(b).toEqual({ conditions: a.conditions, changed: false });
    const c = setCondition(
      b.conditions,
      { type: 'Running', status: 'True', reason: 'TrialsRunning', message: '3 running' },
      't3',
    );
    expect(c.changed).toBe(true);
    expect(c.conditions[0]!.lastTransitionTime).toBe('t1');
    const d = setCondition(
      c.conditions,
      { type: 'Running', status: 'False', reason: 'MaxTrialsReached', message: 'done' },
      't4',
    );
    expect(d.conditions[0]!.lastTransitionTime).toBe('t4');
  });
});
