/**
 * The generated CRDs on the real API server (crds/README.md): installed with server-side apply, they
 * reject every invalid fixture at the path `ultron validate` names (or, for a rule over a whole list, at
 * the list, a documented prefix of it), accept every valid fixture and example, describe their fields
 * to `kubectl explain`, fill in DEFAULTS and refuse changes to the search once a job exists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifestText } from '../operator/api/manifest.js';
import { placedRules, prefixLocations } from '../operator/api/crd/placement.js';
import { crdFiles } from '../operator/api/crd/render.js';
import { DEFAULTS } from '../operator/api/defaults.js';
import { IMMUTABLE } from '../operator/api/immutable.js';
import { PARAMETER_SCHEMA } from '../operator/api/schema.js';
import { validateHPOJob, validateTrial, type ValidationError } from '../operator/api/validation.js';
import { kubectl, kubectlJson } from './lib/bed.js';
import { dryRun, serverErrors, type ServerError } from './lib/dry-run.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';

jest.setTimeout(120_000);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'operator/api/__fixtures__');
const yamlIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

/** Fixtures kubectl cannot send as an HPOJob or Trial at all: there is nothing to compare. */
const NOT_SENT: Record<string, string> = {
  'yaml-syntax.yaml': 'not YAML: kubectl fails to parse it before any request',
  'not-a-mapping.yaml': 'a list, not an object: kubectl refuses it before any request',
  'other-kind.yaml': 'a Deployment in ultron.dev/v1alpha1: no such resource, and not an HPOJob to check',
};
/** Refused, but by kubectl or API discovery before validation: no field path to compare. */
const REFUSED_UNCHECKED: Record<string, RegExp> = {
  'wrong-api-version.yaml': /no matches for kind "HPOJob" in version "ultron.dev\/v1"/,
  'wrong-kind.yaml': /no matches for kind "HpoJob" in version "ultron.dev\/v1alpha1"/,
  // kubectl reads YAML 1.1, where .inf is infinity, and JSON has no infinity.
  'infinite-goal.yaml': /json: unsupported value: \+Inf/,
};
/** Accepted by the API server, refused by ultron validate and by the operator when the job starts. */
const ACCEPTED: Record<string, string> = {
  'asha-bad-setting.yaml': 'settings are checked by their scheduler, not by the schema',
  'bad-sampler-setting.yaml': 'settings are checked by their sampler, not by the schema',
  'hyperband-needs-max.yaml': 'settings are checked by their scheduler, not by the schema',
  'unknown-sampler-setting.yaml': 'settings are checked by their sampler, not by the schema',
  'log-not-boolean.yaml':
    'kubectl reads YAML 1.1, where yes is true; ultron validate reads YAML 1.2 (a string)',
};
/** Where the API server names the list a rule is about, not the item ultron validate names. */
const AT_THE_LIST = [
  'case-clash-name.yaml',
  'duplicate-container-names.yaml',
  'duplicate-name.yaml',
  'duplicate-values.yaml',
  'grid-continuous-float.yaml',
  'when-bad-value.yaml',
  'when-later-parent.yaml',
  'when-numeric-parent.yaml',
  'when-unknown-parent.yaml',
];

let ns: string;
beforeAll(async () => {
  const files = crdFiles().flatMap((f) => ['-f', join(root, 'crds', f.file)]);
  await kubectl(['apply', '--server-side', '--force-conflicts', ...files]);
  await kubectl([
    'wait',
    '--for',
    'condition=Established',
    '--timeout=60s',
    'crd/hpojobs.ultron.dev',
    'crd/trials.ultron.dev',
  ]);
  ns = await createNamespace('e2e-crds');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

/** The fixture in the test's namespace (the only change), checked by parsing both. */
function inNamespace(text: string): string {
  const moved = text.replace(/\bnamespace: [a-z0-9-]+/g, `namespace: ${ns}`);
  const values = (t: string) => parseManifestText(t).map((d) => d.value);
  const expected = values(text).map((v) => {
    const meta = (v as { metadata?: { namespace?: string } } | null)?.metadata;
    return meta?.namespace ? { ...(v as object), metadata: { ...meta, namespace: ns } } : v;
  });
  expect(values(moved)).toEqual(expected);
  return moved;
}

/** What ultron validate says about the fixture's documents. */
function tsErrors(text: string): ValidationError[] {
  return parseManifestText(text).flatMap((d) =>
    (d.value as { kind?: string }).kind === 'Trial' ? validateTrial(d.value) : validateHPOJob(d.value),
  );
}

const prefixes = [...prefixLocations('HPOJob'), ...prefixLocations('Trial')].map((l) => ({
  path: new RegExp(`^${l.path.replace(/[.[\]]/g, '\\$&').replace(/\\\[\*\\\]/g, '\\[\\d+\\]')}$`),
  message: l.message,
}));
const RULE_MESSAGES = new Set([...placedRules('HPOJob'), ...placedRules('Trial')].map((p) => p.rule.message));
/** The server error names `expected`, or the list a list rule is about and that rule's message. */
const covers = (e: ServerError, expected: string): 'exact' | 'list' | undefined =>
  e.path === expected
    ? 'exact'
    : (expected.startsWith(`${e.path}.`) || expected.startsWith(`${e.path}[`)) &&
        prefixes.some((p) => p.path.test(e.path) && e.text.includes(p.message))
      ? 'list'
      : undefined;

describe('invalid fixtures', () => {
  const dir = join(fixtures, 'invalid');
  const sent = yamlIn(dir).filter((f) => !(f in NOT_SENT));

  it('leave out only the fixtures kubectl cannot send, each with its reason', () => {
    expect(yamlIn(dir).filter((f) => f in NOT_SENT)).toEqual(Object.keys(NOT_SENT).sort());
  });

  it.each(sent)('%s', async (name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const expected = /^# expect: (.+)$/m.exec(text)![1]!.split(/,\s*/);
    const result = await dryRun(inNamespace(text), ns);
    if (name in ACCEPTED) return expect(result).toMatchObject({ ok: true });
    if (result.ok) throw new Error(`${name} was accepted: ${result.stdout}`);
    if (name in REFUSED_UNCHECKED) return expect(result.stderr).toMatch(REFUSED_UNCHECKED[name]!);

    const errors = serverErrors(result.stderr);
    const uncovered = expected.filter((p) => !errors.some((e) => covers(e, p)));
    const unexpected = errors.filter((e) => !expected.some((p) => covers(e, p)));
    expect({ uncovered, unexpected, stderr: result.stderr }).toEqual({
      uncovered: [],
      unexpected: [],
      stderr: result.stderr,
    });
    const atList = errors.some((e) => expected.some((p) => covers(e, p) === 'list'));
    expect({ name, atList }).toEqual({ name, atList: AT_THE_LIST.includes(name) });

    // A CEL rule's message is the one ultron validate prints for the field (it may add a detail).
    const ts = tsErrors(text);
    for (const e of errors) {
      const message = e.text.replace(/^Invalid value: /, '');
      if (RULE_MESSAGES.has(message))
        expect({ e, same: ts.some((t) => covers(e, t.path) && t.message.startsWith(message)) }).toEqual({
          e,
          same: true,
        });
    }
  });
});

describe('valid manifests', () => {
  const examples = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? examples(join(d, e.name)) : /^hpojob.*\.ya?ml$/.test(e.name) ? [join(d, e.name)] : [],
    );
  const files = [
    ...yamlIn(join(fixtures, 'valid')).map((f) => join(fixtures, 'valid', f)),
    ...examples(join(root, 'examples')),
  ];

  it.each(files.map((f) => [f.slice(root.length + 1), f]))('%s is accepted', async (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const result = await dryRun(inNamespace(text), ns);
    expect(result).toMatchObject({ ok: true });
    if (result.ok)
      expect(result.stdout.match(/created \(server dry run\)/g)).toHaveLength(parseManifestText(text).length);
  });
});

it('kubectl explain hpojob.spec.parameters lists and describes every field', async () => {
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  const out = await kubectl(['explain', 'hpojob.spec.parameters']);
  for (const [name, field] of Object.entries(PARAMETER_SCHEMA.properties!)) {
    expect(out).toMatch(new RegExp(`^  ${name}\\t<`, 'm'));
    expect(flat(out)).toContain(flat(field.description!));
  }
});

describe('a job in the cluster', () => {
  const minimal = () => readFileSync(join(fixtures, 'valid/minimal.yaml'), 'utf8');
  const patch = (kind: string, name: string, spec: object) =>
    kubectl(['-n', ns, 'patch', kind, name, '--type', 'merge', '-p', JSON.stringify({ spec })]);
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: Error) => e.message,
    );

  beforeAll(async () => {
    await kubectl(['apply', '-n', ns, '-f', '-'], minimal());
  });

  it('gets the defaults of DEFAULTS from the API server', async () => {
    const { spec } = await kubectlJson<{ spec: Record<string, Record<string, unknown>> }>([
      '-n',
      ns,
      'get',
      'hpojob',
      'm',
    ]);
    expect(spec['objective']!['strategy']).toBe(DEFAULTS.objectiveStrategy);
    expect(spec['sampler']).toEqual({ name: DEFAULTS.sampler });
    expect(spec['earlyStopping']).toEqual({ name: DEFAULTS.earlyStopping });
    expect(spec['budget']).toEqual({
      maxTrials: DEFAULTS.maxTrials,
      maxFailedTrials: DEFAULTS.maxFailedTrials,
    });
    expect(spec['parallelism']).toBe(DEFAULTS.parallelism);
    expect(spec['trialTemplate']).toMatchObject({
      retries: DEFAULTS.retries,
      checkpoint: { enabled: DEFAULTS.checkpointEnabled, keep: DEFAULTS.checkpointKeep },
    });
  });

  it('refuses a change of its parameters, objective, sampler or seed, with the message, and takes parallelism', async () => {
    const message = (field: string) =>
      IMMUTABLE.find((f) => f.kind === 'HPOJob' && f.field === field)!.message;
    expect(
      await refusal(patch('hpojob', 'm', { parameters: [{ name: 'x', type: 'int', min: -3, max: 4 }] })),
    ).toContain(`spec.parameters: Invalid value: ${message('parameters')}`);
    expect(await refusal(patch('hpojob', 'm', { seed: 7 }))).toContain(
      `spec.seed: Invalid value: ${message('seed')}`,
    );
    expect(await refusal(patch('hpojob', 'm', { sampler: { name: 'random' } }))).toContain(
      `spec.sampler: Invalid value:`,
    );
    expect(await refusal(patch('hpojob', 'm', { objective: { goal: 1 } }))).toContain(
      `spec.objective: Invalid value:`,
    );
    await patch('hpojob', 'm', { parallelism: 3, budget: { maxTrials: 7 } });
    const { spec } = await kubectlJson<{ spec: { parallelism: number; budget: { maxTrials: number } } }>([
      '-n',
      ns,
      'get',
      'hpojob',
      'm',
    ]);
    expect([spec.parallelism, spec.budget.maxTrials]).toEqual([3, 7]);
  });

  it('refuses reordered categorical values: the order is part of the search, as in ultron validate', async () => {
    await kubectl(['apply', '-n', ns, '-f', join(fixtures, 'valid/quickstart.yaml')]);
    const reorder = [{ op: 'replace', path: '/spec/parameters/2/values', value: ['sgd', 'adam'] }];
    const message = IMMUTABLE.find((f) => f.kind === 'HPOJob' && f.field === 'parameters')!.message;
    const args = ['-n', ns, 'patch', 'hpojob', 'quickstart', '--type', 'json', '-p', JSON.stringify(reorder)];
    expect(await refusal(kubectl(args))).toContain(`spec.parameters: Invalid value: ${message}`);
  });

  it('lets a Trial be stopped and refuses a change of its params', async () => {
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'ultron.dev/v1alpha1',
        kind: 'Trial',
        metadata: { name: 'm-0' },
        spec: { hpoJob: 'm', index: 0, params: { x: 1 }, seed: 5 },
      }),
    );
    await patch('trial', 'm-0', { stop: true });
    const message = IMMUTABLE.find((f) => f.kind === 'Trial' && f.field === 'params')!.message;
    expect(await refusal(patch('trial', 'm-0', { params: { x: 2 } }))).toContain(
      `spec.params: Invalid value: ${message}`,
    );
  });

  it('drops a null the way the API server does (ultron validate refuses it: a null is a forgotten value)', async () => {
    const doc = minimal()
      .replace('name: m}', 'name: null-goal}')
      .replace('direction: maximize}', 'direction: maximize, goal: null}');
    expect(validateHPOJob(parseManifestText(doc)[0]!.value)).toEqual([
      { path: 'spec.objective.goal', message: 'must be a finite number, got null' },
    ]);
    await kubectl(['apply', '-n', ns, '-f', '-'], doc);
    const { spec } = await kubectlJson<{ spec: { objective: object } }>([
      '-n',
      ns,
      'get',
      'hpojob',
      'null-goal',
    ]);
    expect(spec.objective).toEqual({
      metric: 'loss',
      direction: 'maximize',
      strategy: DEFAULTS.objectiveStrategy,
    });
  });
});
