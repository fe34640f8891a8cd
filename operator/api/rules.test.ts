import {
  BUDGET_RULES,
  CONTAINER_LIST_RULES,
  PARAMETER_LIST_RULES,
  PARAMETER_RULES,
  TRIAL_RULES,
  trainerContainerIndex,
  type ParameterFields,
} from './rules.js';
import { validateHPOJob } from './validation.js';

/** Which rules (by `field: message`) a parameter breaks. */
const broken = (p: ParameterFields): string[] =>
  PARAMETER_RULES.filter((r) => !r.check(p)).map((r) => `${r.field}: ${r.message}`);

describe('parameter rules', () => {
  it.each<[string, ParameterFields, string[]]>([
    ['a plain float', { type: 'float', min: 0, max: 1 }, []],
    ['a log float with min > 0', { type: 'float', min: 1e-5, max: 1, log: true }, []],
    ['an int with an int step', { type: 'int', min: 0, max: 10, step: 2 }, []],
    ['a categorical', { type: 'categorical', values: ['a'] }, []],
    ['min == max', { type: 'float', min: 1, max: 1 }, ['max: must be greater than min']],
    ['min > max', { type: 'int', min: 5, max: 1 }, ['max: must be greater than min']],
    ['log with min 0', { type: 'float', min: 0, max: 1, log: true }, ['min: must be > 0 when log is true']],
    [
      'log int with min -1',
      { type: 'int', min: -1, max: 8, log: true },
      ['min: must be > 0 when log is true'],
    ],
    ['log false with min 0', { type: 'float', min: 0, max: 1, log: false }, []],
    [
      'step with log',
      { type: 'float', min: 1, max: 10, log: true, step: 1 },
      ['step: cannot be combined with log: true'],
    ],
    [
      'step larger than the range',
      { type: 'float', min: 0, max: 1, step: 2 },
      ['step: must not exceed max - min'],
    ],
    ['step equal to the range', { type: 'float', min: 0, max: 1, step: 1 }, []],
    ['a step that does not divide the range', { type: 'float', min: 0, max: 1, step: 0.3 }, []],
    [
      'int with fractional min',
      { type: 'int', min: 0.5, max: 3 },
      ['min: must be an integer for int parameters'],
    ],
    [
      'int with fractional max',
      { type: 'int', min: 0, max: 2.5 },
      ['max: must be an integer for int parameters'],
    ],
    [
      'int with fractional step',
      { type: 'int', min: 0, max: 3, step: 1.5 },
      ['step: must be an integer for int parameters'],
    ],
    ['float with fractional bounds', { type: 'float', min: 0.5, max: 2.5, step: 0.5 }, []],
    ['float without min', { type: 'float', max: 1 }, ['min: required for float and int parameters']],
    ['int without max', { type: 'int', min: 1 }, ['max: required for float and int parameters']],
    ['categorical without values', { type: 'categorical' }, ['values: required for categorical parameters']],
    [
      'float with values',
      { type: 'float', min: 0, max: 1, values: [0.5] },
      ['values: only categorical parameters have values'],
    ],
    [
      'categorical with min, max, log and step',
      { type: 'categorical', values: ['a'], min: 1, max: 2, log: true, step: 1 },
      [
        'min: only float and int parameters have min',
        'max: only float and int parameters have max',
        'log: only float and int parameters have log',
        'step: only float and int parameters have step',
      ],
    ],
  ])('%s', (_name, param, expected) => expect(broken(param)).toEqual(expected));
});

describe('the rule tables', () => {
  const all = [
    ...PARAMETER_RULES,
    ...PARAMETER_LIST_RULES,
    ...CONTAINER_LIST_RULES,
    ...BUDGET_RULES,
    ...TRIAL_RULES,
  ];
  it('give every rule a CEL expression over self, a schema location and a message', () => {
    for (const r of all) {
      expect(r.cel).toMatch(/\bself\b/);
      expect(r.message).toMatch(/^[a-z<].{8,}[^.]$/);
      expect(r.at).toMatch(/^(spec(\.[A-Za-z]+(\[\*\])?)*)?$/);
    }
  });
  it('have no two rules with the same location, field and message', () => {
    const keys = all.map((r) => `${r.at}|${'field' in r ? r.field : ''}|${r.message}|${r.cel}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
  it('print the same message in TypeScript as the CEL rule carries', () => {
    const doc = {
      apiVersion: 'ultron.dev/v1alpha1',
      kind: 'HPOJob',
      metadata: { name: 'j' },
      spec: {
        objective: { metric: 'm', direction: 'minimize' },
        parameters: [{ name: 'x', type: 'float', min: 0, max: 1, log: true }],
        trialTemplate: { template: { spec: { containers: [{ name: 't', command: ['x'] }] } } },
      },
    };
    const rule = PARAMETER_RULES.find((r) => r.cel.includes('self.min > 0'))!;
    expect(validateHPOJob(doc)).toEqual([
      { path: `spec.parameters[0].${rule.field}`, message: rule.message },
    ]);
  });
});

describe('list rules', () => {
  const rule = (rules: typeof PARAMETER_LIST_RULES, text: string) =>
    rules.find((r) => r.message.includes(text))!;

  it('find duplicate names, reporting the later one and the earlier it repeats', () => {
    const r = rule(PARAMETER_LIST_RULES, 'unique');
    expect(r.violations([{ name: 'a' }, { name: 'b' }, { name: 'a' }, { name: 'a' }])).toEqual([
      { at: '[2].name', detail: 'also spec.parameters[0]' },
      { at: '[3].name', detail: 'also spec.parameters[0]' },
    ]);
  });

  it('find names that differ only in case, without repeating exact duplicates', () => {
    const r = rule(PARAMETER_LIST_RULES, 'case');
    expect(r.violations([{ name: 'lr' }, { name: 'LR' }, { name: 'lr' }])).toEqual([
      { at: '[1].name', detail: 'clashes with spec.parameters[0]' },
    ]);
  });

  it('require `when` to name an earlier categorical', () => {
    const r = rule(PARAMETER_LIST_RULES, 'earlier categorical');
    const params = [
      { name: 'n', type: 'int' },
      { name: 'c', type: 'categorical', values: ['a'] },
      { name: 'x', when: { c: ['a'] } },
      { name: 'y', when: { n: [1], nope: ['a'], z: ['a'], y: ['a'] } },
      { name: 'z', type: 'categorical', values: ['a'] },
    ];
    expect(r.violations(params)).toEqual([
      { at: '[3].when.n', detail: 'it is not categorical' },
      { at: '[3].when.nope', detail: 'no such parameter' },
      { at: '[3].when.z', detail: 'it is spec.parameters[4]' },
      { at: '[3].when.y', detail: 'it is spec.parameters[3]' },
    ]);
  });

  it("require `when` values to be the parent's values, compared by type", () => {
    const r = rule(PARAMETER_LIST_RULES, 'values of the named');
    const params = [
      { name: 'c', type: 'categorical', values: [1, true, 'x'] },
      { name: 'x', when: { c: [1, 'x', true, '1', 2] } },
    ];
    expect(r.violations(params).map((v) => v.at)).toEqual(['[1].when.c[3]', '[1].when.c[4]']);
  });

  it('pick the trainer: the container named trainer, else the first; and require it to be clear', () => {
    expect(trainerContainerIndex([{ name: 'a' }, { name: 'trainer' }])).toBe(1);
    expect(trainerContainerIndex([{ name: 'a' }])).toBe(0);
    const clear = rule(CONTAINER_LIST_RULES, 'named trainer');
    expect(clear.violations([{ name: 'a' }])).toEqual([]);
    expect(clear.violations([{ name: 'a' }, { name: 'trainer' }])).toEqual([]);
    expect(clear.violations([{ name: 'a' }, { name: 'b' }])).toEqual([{ at: '' }]);
  });
});

describe('object rules', () => {
  it('reject a zero deadline and accept a positive one', () => {
    const [r] = BUDGET_RULES;
    expect(r!.check({ maxDuration: '0s' })).toBe(false);
    expect(r!.check({ maxDuration: '0h0m' })).toBe(false);
    expect(r!.check({ maxDuration: '1ms' })).toBe(true);
    expect(r!.check({})).toBe(true);
  });
  it('require a Trial to be named <hpoJob>-<index>', () => {
    const [r] = TRIAL_RULES;
    expect(r!.check({ metadata: { name: 'job-3' }, spec: { hpoJob: 'job', index: 3 } })).toBe(true);
    expect(r!.check({ metadata: { name: 'job-03' }, spec: { hpoJob: 'job', index: 3 } })).toBe(false);
  });
});
