import { applyDefaults } from '../../api/defaults.js';
import type { HPOJobSpec, TrialPhase } from '../../api/types.js';
import { plan } from './plan.js';
import type { PlanInput, TrialSnapshot } from './types.js';

const baseSpec: HPOJobSpec = {
  objective: { metric: 'loss', direction: 'minimize' },
  parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
  budget: { maxTrials: 10, maxFailedTrials: 2 },
  parallelism: 3,
  trialTemplate: { template: { spec: { containers: [{ name: 'trainer', command: ['true'] }] } } },
};
const spec = (over: Partial<HPOJobSpec> = {}) => applyDefaults({ ...baseSpec, ...over }, 1);

let next = 0;
const trial = (
  phase: TrialPhase,
  values: number[] = [],
  extra: Partial<TrialSnapshot> = {},
): TrialSnapshot => {
  const index = extra.index ?? next++;
  return {
    index,
    name: `job-${index}`,
    params: { x: index / 100 },
    phase,
    reports: values.map((value, i) => ({ step: i + 1, value })),
    ...extra,
  };
};
const input = (trials: TrialSnapshot[], over: Partial<PlanInput> = {}): PlanInput => ({
  spec: spec(),
  trials,
  now: 1_000_000,
  startTime: 0,
  capacity: 10,
  ...over,
});

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
}

beforeEach(() => (next = 0));

describe('plan: finish reasons', () => {
  const cases: Array<[string, PlanInput, string | undefined, 'Succeeded' | 'Failed' | undefined]> = [
    ['nothing yet', input([]), undefined, undefined],
    [
      'goal by a finished trial',
      input([trial('Succeeded', [0.5, 0.04])], {
        spec: spec({ objective: { metric: 'loss', direction: 'minimize', goal: 0.05 } }),
      }),
      'GoalReached',
      'Succeeded',
    ],
    [
      'goal by a running trial',
      input([trial('Running', [0.03])], {
        spec: spec({ objective: { metric: 'loss', direction: 'minimize', goal: 0.05 } }),
      }),
      'GoalReached',
      'Succeeded',
    ],
    [
      'goal not reached (maximize)',
      input([trial('Succeeded', [0.9])], {
        spec: spec({ objective: { metric: 'acc', direction: 'maximize', goal: 0.95 } }),
      }),
      undefined,
      undefined,
    ],
    [
      'too many failures',
      input([trial('Failed'), trial('Failed'), trial('Failed'), trial('Succeeded', [1])]),
      'TooManyFailedTrials',
      'Failed',
    ],
    [
      'deadline',
      input([trial('Running', [1])], {
        spec: spec({ budget: { maxTrials: 10, maxDuration: '10m' } }),
        now: 600_000,
      }),
      'DeadlineExceeded',
      'Failed',
    ],
    [
      'budget',
      input([trial('Running', [1], { gpus: 2, startTime: 0 })], {
        spec: spec({ budget: { maxTrials: 10, maxGpuHours: 1 } }),
        now: 1_800_000,
      }),
      'BudgetExhausted',
      'Failed',
    ],
    [
      'max trials, all done',
      input(Array.from({ length: 10 }, () => trial('Succeeded', [1]))),
      'MaxTrialsReached',
      'Succeeded',
    ],
    [
      'max trials but one still running',
      input([...Array.from({ length: 9 }, () => trial('Succeeded', [1])), trial('Running', [1])]),
      undefined,
      undefined,
    ],
    [
      'space exhausted',
      input([trial('Succeeded', [1])], { spaceExhausted: true }),
      'SpaceExhausted',
      'Succeeded',
    ],
    [
      'space exhausted, trial running',
      input([trial('Running', [1])], { spaceExhausted: true }),
      undefined,
      undefined,
    ],
    [
      'max trials, none succeeded',
      input(Array.from({ length: 10 }, (_, i) => trial(i < 2 ? 'Failed' : 'EarlyStopped', []))),
      'MaxTrialsReached',
      'Failed',
    ],
  ];
  it.each(cases)('%s', (_name, i, reason, phase) => {
    const out = plan(deepFreeze(i));
    expect(out.finish?.reason).toBe(reason);
    expect(out.finish?.phase).toBe(phase);
    if (reason) expect(out.request).toBe(0);
  });

  it('goal wins over failures, failures over deadline', () => {
    const s = spec({
      objective: { metric: 'loss', direction: 'minimize', goal: 1 },
      budget: { maxTrials: 10, maxFailedTrials: 0, maxDuration: '1s' },
    });
    expect(
      plan(input([trial('Failed'), trial('Succeeded', [0.5])], { spec: s, now: 5000 })).finish?.reason,
    ).toBe('GoalReached');
    expect(
      plan(input([trial('Failed'), trial('Succeeded', [2])], { spec: s, now: 5000 })).finish?.reason,
    ).toBe('TooManyFailedTrials');
  });

  it('stops every running and queued trial when the job finishes early', () => {
    const s = spec({ budget: { maxTrials: 10, maxDuration: '1s' } });
    const out = plan(
      input(
        [
          trial('Running', [1]),
          trial('Queued'),
          trial('Succeeded', [1]),
          trial('Running', [], { stopRequested: true }),
        ],
        { spec: s, now: 2000 },
      ),
    );
    expect(out.stop).toEqual([
      { index: 0, phase: 'Stopped', reason: 'the job finished: DeadlineExceeded' },
      { index: 1, phase: 'Stopped', reason: 'the job finished: DeadlineExceeded' },
    ]);
  });
});

describe('plan: requests', () => {
  const cases: Array<[string, PlanInput, number]> = [
    ['empty job fills parallelism', input([]), 3],
    ['capacity limits', input([], { capacity: 1 }), 1],
    ['capacity 0', input([], { capacity: 0 }), 0],
    ['running trials use slots', input([trial('Running'), trial('Queued')]), 1],
    ['outstanding requests count', input([trial('Running')], { outstandingRequests: 1 }), 1],
    ['maxTrials caps', input(Array.from({ length: 9 }, () => trial('Succeeded', [1]))), 1],
    [
      'failed trials count toward maxTrials',
      input([...Array.from({ length: 8 }, () => trial('Succeeded', [1])), trial('Failed')]),
      1,
    ],
    ['space exhausted asks nothing', input([trial('Running')], { spaceExhausted: true }), 0],
  ];
  it.each(cases)('%s', (_n, i, expected) => expect(plan(deepFreeze(i)).request).toBe(expected));
});

describe('plan: best trial and summary', () => {
  it('picks the best by latest value, ties to the lower index, early-stopped trials included', () => {
    const out = plan(
      input([
        trial('Succeeded', [0.1, 0.5]),
        trial('EarlyStopped', [0.3]),
        trial('Succeeded', [0.3]),
        trial('Failed', [0.01]),
      ]),
    );
    expect(out.best).toEqual({ trial: 'job-1', index: 1, params: { x: 0.01 }, objective: 0.3, step: 1 });
    expect(out.summary.trials).toEqual({
      created: 4,
      queued: 0,
      running: 0,
      succeeded: 2,
      failed: 1,
      earlyStopped: 1,
    });
    expect(out.summary.progress).toBe('4/10');
  });
  it('picks by the best report with strategy best, and maximize', () => {
    const s = spec({ objective: { metric: 'acc', direction: 'maximize', strategy: 'best' } });
    const out = plan(input([trial('Succeeded', [0.9, 0.5]), trial('Succeeded', [0.7, 0.8])], { spec: s }));
    expect(out.best).toMatchObject({ index: 0, objective: 0.9, step: 1 });
  });
  it('is deterministic and does not mutate its input', () => {
    const i = deepFreeze(input([trial('Running', [3, 2]), trial('Succeeded', [1])]));
    expect(plan(i)).toEqual(plan(i));
  });
});

describe('plan: early stopping', () => {
  it('stops running trials the scheduler rejects, with its reason', () => {
    const s = spec({ earlyStopping: { name: 'asha', settings: { reductionFactor: 3 } } });
    const done = [1, 2, 3, 4, 5].map((v) => trial('Succeeded', [v]));
    const out = plan(input([...done, trial('Running', [9])], { spec: s }));
    expect(out.stop).toEqual([{ index: 5, phase: 'EarlyStopped', reason: expect.stringMatching(/rung 0/) }]);
    expect(out.request).toBe(2);
  });
  it('uses the median rule and skips trials already being stopped', () => {
    const s = spec({ earlyStopping: { name: 'median', settings: { minTrials: 3 } } });
    const done = [
      [4, 3],
      [5, 4],
      [6, 5],
    ].map((v) => trial('Succeeded', v));
    expect(plan(input([...done, trial('Running', [9, 9])], { spec: s })).stop.map((x) => x.index)).toEqual([
      3,
    ]);
    expect(
      plan(input([...done, trial('Running', [9, 9], { index: 3, stopRequested: true })], { spec: s })).stop,
    ).toEqual([]);
  });
  it('never stops with earlyStopping none', () => {
    const done = [1, 2, 3, 4, 5].map((v) => trial('Succeeded', [v]));
    expect(plan(input([...done, trial('Running', [9])])).stop).toEqual([]);
  });
});
