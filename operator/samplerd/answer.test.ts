import type { Parameter } from '../api/index.js';
import { suggestRequest } from '../bus/messages.js';
import type { SuggestRequest } from '../bus/protocol.js';
import { getSamplerFactory } from '../core/samplers/index.js';
import { Space } from '../core/space/index.js';
import { answerRequest, parameterProblems } from './answer.js';

const SPACE: Parameter[] = [
  { name: 'x', type: 'float', min: 0, max: 1 },
  { name: 'k', type: 'categorical', values: ['a', 'b'] },
];
const req = (o: Partial<SuggestRequest> = {}): SuggestRequest =>
  suggestRequest(
    {
      id: 'r1',
      job: { namespace: 'ns', name: 'j', uid: 'u' },
      sampler: { name: 'random', settings: {} },
      parameters: SPACE,
      direction: 'minimize',
      seed: 3,
      indices: [0],
      pending: [],
      observations: { upToSeq: 0, count: 0 },
      ...o,
    },
    new Date(0),
  );

describe('answerRequest', () => {
  it('answers what the sampler itself returns for the same input', () => {
    const r = answerRequest(req({ indices: [5, 4] }), []);
    const direct = getSamplerFactory('random')!
      .create()
      .sample({
        space: new Space(SPACE),
        settings: {},
        direction: 'minimize',
        seed: 3,
        observations: [],
        pending: [],
        indices: [4, 5],
      });
    expect(r).toEqual({
      v: 1,
      kind: 'suggestions',
      requestId: 'r1',
      sampler: 'random',
      configs: [
        { index: 4, params: direct[0] },
        { index: 5, params: direct[1] },
      ],
    });
  });

  it('hands the trial budget to the sampler (auto chooses its delegate by it)', () => {
    const numeric: Parameter[] = [{ name: 'x', type: 'float', min: 0, max: 1 }];
    const auto = (maxTrials?: number) =>
      answerRequest(
        req({
          sampler: { name: 'auto', settings: {} },
          parameters: numeric,
          indices: [0],
          ...(maxTrials !== undefined ? { maxTrials } : {}),
        }),
        [],
      );
    const first = (name: string) =>
      getSamplerFactory(name)!
        .create()
        .sample({
          space: new Space(numeric),
          settings: {},
          direction: 'minimize',
          seed: 3,
          observations: [],
          pending: [],
          indices: [0],
        })[0];
    expect(auto(50)).toMatchObject({ configs: [{ index: 0, params: first('gp') }] });
    expect(auto(500)).toMatchObject({ configs: [{ index: 0, params: first('tpe') }] });
  });

  it.each([
    ['an unknown sampler', { sampler: { name: 'mine', settings: {} } }, 'InvalidRequest', /not a built-in/],
    ['a repeated index', { indices: [1, 1] }, 'InvalidRequest', /repeats/],
    [
      'a broken parameter',
      { parameters: [{ name: 'x', type: 'float', min: 2, max: 1 }] as Parameter[] },
      'InvalidRequest',
      /parameters\[0\]\.max: must be greater than min/,
    ],
    ['an unknown setting', { sampler: { name: 'tpe', settings: { bogus: 1 } } }, 'InvalidSettings', /bogus/],
    [
      'a grid over a continuous float',
      { sampler: { name: 'grid', settings: {} } },
      'InvalidSettings',
      /step/,
    ],
  ] as const)('refuses %s', (_what, fields, code, message) => {
    const r = answerRequest(req(fields as Partial<SuggestRequest>), []);
    expect(r).toMatchObject({
      kind: 'error',
      requestId: 'r1',
      code,
      message: expect.stringMatching(message),
    });
  });

  it('answers SpaceExhausted when the grid has nothing left', () => {
    const grid = { sampler: { name: 'grid', settings: {} }, parameters: [SPACE[1]!] };
    const observations = ['a', 'b'].map((k, index) => ({
      index,
      params: { k },
      state: 'complete' as const,
      value: 1,
    }));
    expect(answerRequest(req({ ...grid, indices: [2] }), observations)).toMatchObject({
      code: 'SpaceExhausted',
    });
  });
});

it('parameterProblems passes a valid space and names each problem of a bad one', () => {
  expect(parameterProblems(SPACE)).toEqual([]);
  expect(
    parameterProblems([
      { name: 'x', type: 'float', min: 0, max: 1 },
      { name: 'x', type: 'int' },
    ]),
  ).toEqual(
    expect.arrayContaining([expect.stringMatching(/^parameters\[1\]\.min/), expect.stringMatching(/unique/)]),
  );
});
