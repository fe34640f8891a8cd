import { IMMUTABLE, immutableErrors, sameJson } from './immutable.js';
import { HPOJOB_SPEC_SCHEMA, TRIAL_SCHEMA } from './schema.js';

const spec = {
  objective: { metric: 'loss', direction: 'minimize' },
  parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
  sampler: { name: 'tpe' },
  seed: 1,
  parallelism: 1,
  budget: { maxTrials: 10 },
  trialTemplate: { template: { spec: { containers: [{ name: 't' }] } } },
};
const paths = (before: object, after: object, kind: 'HPOJob' | 'Trial' = 'HPOJob') =>
  immutableErrors(kind, before as Record<string, unknown>, after as Record<string, unknown>).map(
    (e) => e.path,
  );

describe('immutable fields', () => {
  it('are the search (objective, parameters, sampler, seed) and a Trial all but stop', () => {
    expect(IMMUTABLE.map((f) => `${f.kind}.${f.field}`)).toEqual([
      'HPOJob.objective',
      'HPOJob.parameters',
      'HPOJob.sampler',
      'HPOJob.seed',
      'Trial.hpoJob',
      'Trial.index',
      'Trial.params',
      'Trial.seed',
    ]);
    const trialSpec = TRIAL_SCHEMA.properties!['spec']!;
    for (const f of IMMUTABLE) {
      const table = f.kind === 'HPOJob' ? HPOJOB_SPEC_SCHEMA : trialSpec;
      const field = table.type === 'object' ? table.properties?.[f.field] : undefined;
      expect({ f: f.field, exists: field !== undefined, optional: !field?.required }).toEqual({
        f: f.field,
        exists: true,
        optional: f.optional,
      });
    }
  });

  it('say how to go on in their message', () => {
    for (const f of IMMUTABLE) expect(f.message).toMatch(/^cannot change once the (HPOJob|Trial) exists \(/);
    expect(
      IMMUTABLE.filter((f) => f.kind === 'HPOJob').every((f) => f.message.endsWith('create a new HPOJob')),
    ).toBe(true);
  });

  it('compare an optional field by presence too, in CEL as in TypeScript', () => {
    const seed = IMMUTABLE.find((f) => f.field === 'seed' && f.kind === 'HPOJob')!;
    expect(seed.cel).toBe(
      'has(self.seed) == has(oldSelf.seed) && (!has(self.seed) || self.seed == oldSelf.seed)',
    );
    const { seed: _, ...noSeed } = spec;
    expect(paths(spec, noSeed)).toEqual(['spec.seed']);
    expect(paths(noSeed, spec)).toEqual(['spec.seed']);
    expect(paths(noSeed, noSeed)).toEqual([]);
  });

  it('refuse a changed search and let parallelism and budget change', () => {
    expect(paths(spec, { ...spec, parallelism: 4, budget: { maxTrials: 50 } })).toEqual([]);
    expect(paths(spec, { ...spec, parameters: [{ name: 'x', type: 'float', min: 0, max: 2 }] })).toEqual([
      'spec.parameters',
    ]);
    expect(
      paths(spec, { ...spec, objective: { ...spec.objective, goal: 0.1 }, sampler: { name: 'random' } }),
    ).toEqual(['spec.objective', 'spec.sampler']);
    // The order of a categorical's values is part of the search (the CRD compares lists in order too).
    const choices = (values: string[]) => ({
      ...spec,
      parameters: [{ name: 'c', type: 'categorical', values }],
    });
    expect(paths(choices(['a', 'b']), choices(['b', 'a']))).toEqual(['spec.parameters']);
  });

  it('let a Trial be stopped and nothing else', () => {
    const trial = { hpoJob: 'j', index: 0, params: { x: 1 }, seed: 3 };
    expect(paths(trial, { ...trial, stop: true }, 'Trial')).toEqual([]);
    expect(paths(trial, { ...trial, params: { x: 2 }, seed: 4 }, 'Trial')).toEqual([
      'spec.params',
      'spec.seed',
    ]);
  });
});

describe('sameJson', () => {
  it.each<[unknown, unknown, boolean]>([
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{ a: 1 }, { b: 1 }, false],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [1, '1', false],
    [null, null, true],
    [undefined, undefined, true],
  ])('%j and %j: %s', (a, b, same) => expect(sameJson(a, b)).toBe(same));
});
