import type { Direction, JsonObject } from '../../api/types.js';
import { InvalidSettings } from '../errors.js';
import { bracketOf, bracketWeights } from './hyperband.js';
import { getSchedulerFactory, schedulerNames } from './registry.js';
import type { SchedulerInput, TrialReports } from './types.js';

const curve = (index: number, values: number[], state: TrialReports['state'] = 'running'): TrialReports => ({
  index,
  state,
  reports: values.map((value, i) => ({ step: i + 1, value })),
});
const input = (
  trials: TrialReports[],
  settings: JsonObject = {},
  direction: Direction = 'minimize',
): SchedulerInput => ({
  direction,
  settings,
  seed: 1,
  trials,
});
const decide = (name: string, i: SchedulerInput): number[] =>
  getSchedulerFactory(name)!
    .create()
    .decide(i)
    .map((d) => d.index)
    .sort((a, b) => a - b);

const SETTINGS: Record<string, JsonObject> = {
  none: {},
  median: { minTrials: 2 },
  asha: { minResource: 1, reductionFactor: 3, maxResource: 27 },
  hyperband: { minResource: 1, reductionFactor: 3, maxResource: 27 },
};

describe.each(schedulerNames())('scheduler contract: %s', (name) => {
  const factory = getSchedulerFactory(name)!;
  const trials = [
    curve(0, [5, 4, 3, 2, 1], 'complete'),
    curve(1, [6, 5, 4, 3, 2], 'complete'),
    curve(2, [9, 9, 9, 9, 9]),
    curve(3, [9, 9, 9, 9, 9], 'complete'),
    curve(4, [1, 1], 'failed'),
    curve(5, []),
    curve(6, [9, 9, 9, 9, 9], 'pruned'),
    curve(7, [0.5, 0.4, 0.3]),
  ];
  const settings = SETTINGS[name]!;

  it('never stops a trial that is not running or has not reported', () => {
    const stopped = decide(name, input(trials, settings));
    for (const i of stopped) {
      const t = trials.find((x) => x.index === i)!;
      expect(t.state).toBe('running');
      expect(t.reports.length).toBeGreaterThan(0);
    }
  });

  it('is deterministic and independent of the order of trials', () => {
    expect(decide(name, input(trials, settings))).toEqual(
      decide(name, input([...trials].reverse(), settings)),
    );
  });

  it('stops nothing when a single trial runs alone', () => {
    expect(decide(name, input([curve(0, [1, 2, 3, 4, 5, 6, 7, 8, 9])], settings))).toEqual([]);
  });

  it('rejects unknown settings', () => {
    expect(() => factory.validateSettings({ bogus: 1 })).toThrow(InvalidSettings);
    expect(() => factory.validateSettings(settings)).not.toThrow();
  });
});

describe('median stopping rule', () => {
  const done = [
    curve(0, [4, 3, 2], 'complete'),
    curve(1, [5, 4, 3], 'complete'),
    curve(2, [6, 5, 4], 'complete'),
  ];
  it('stops a trial whose best is worse than the median of running averages at its step', () => {
    // running averages at step 2: 3.5, 4.5, 5.5 → median 4.5
    expect(decide('median', input([...done, curve(3, [7, 4.6])], { minTrials: 3 }))).toEqual([3]);
    expect(decide('median', input([...done, curve(3, [7, 4.4])], { minTrials: 3 }))).toEqual([]);
  });
  it('waits for minTrials and the grace period, and honours maximize', () => {
    expect(decide('median', input([...done, curve(3, [7, 9])], { minTrials: 4 }))).toEqual([]);
    expect(decide('median', input([...done, curve(3, [7, 9])], { minTrials: 3, gracePeriod: 3 }))).toEqual(
      [],
    );
    expect(decide('median', input([...done, curve(3, [1, 1])], { minTrials: 3 }, 'maximize'))).toEqual([3]);
  });
});

describe('ASHA', () => {
  it('keeps exactly the top ⌊n/η⌋ of 9 trials at rung 0 (η = 3)', () => {
    const trials = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((v, i) => curve(i, [v]));
    expect(decide('asha', input(trials, { reductionFactor: 3 }))).toEqual([3, 4, 5, 6, 7, 8]);
    expect(decide('asha', input(trials, { reductionFactor: 3 }, 'maximize'))).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('compares at the rung step (the first report at or after it) and respects the grace period', () => {
    // rungs at 1, 3, 9. Trial 3 sits between rung 1 (step 3) and rung 2: compared at step 3 values.
    const trials = [
      curve(0, [5, 5, 1]),
      curve(1, [5, 5, 2], 'complete'),
      curve(2, [5, 5, 3], 'complete'),
      curve(3, [1, 1, 4, 0]),
    ];
    expect(decide('asha', input(trials, {}))).toEqual([3]);
    expect(decide('asha', input(trials, { gracePeriod: 5 }))).toEqual([]);
  });
  it('never stops a trial that reached maxResource, and only the best continues while n < η', () => {
    expect(
      decide('asha', input([curve(0, [1, 1, 1], 'complete'), curve(1, [2, 2, 2])], { maxResource: 3 })),
    ).toEqual([]);
    expect(decide('asha', input([curve(0, [1], 'complete'), curve(1, [2])], {}))).toEqual([1]);
  });
  it('rejects maxResource below minResource', () => {
    expect(() => getSchedulerFactory('asha')!.validateSettings({ minResource: 3, maxResource: 1 })).toThrow(
      /maxResource/,
    );
  });
});

describe('Hyperband', () => {
  const s = { minResource: 1, maxResource: 27, reductionFactor: 3, gracePeriod: 1, minEarlyStoppingRate: 0 };
  it('has s_max + 1 brackets weighted as Hyperband sizes them', () => {
    expect(bracketWeights(s)).toEqual([27, 12, 6, 4]);
  });
  it('assigns brackets stably and in proportion to the weights', () => {
    const weights = bracketWeights(s);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4900; i++) {
      expect(bracketOf(7, i, weights)).toBe(bracketOf(7, i, weights));
      counts[bracketOf(7, i, weights)]!++;
    }
    [27, 12, 6, 4].forEach((w, b) => expect(Math.abs(counts[b]! - w * 100)).toBeLessThan(250));
  });
  it('compares trials only within a bracket, and requires maxResource', () => {
    const weights = bracketWeights(s);
    const trials = Array.from({ length: 60 }, (_, i) => curve(i, [i]));
    const stopped = new Set(decide('hyperband', input(trials, { maxResource: 27 })));
    for (let b = 0; b < 4; b++) {
      const members = trials.filter((t) => bracketOf(1, t.index, weights) === b);
      if (b === 0) {
        const keep = Math.max(1, Math.floor(members.length / 3));
        expect(members.filter((t) => !stopped.has(t.index)).length).toBe(keep);
      } else {
        for (const t of members) expect(stopped.has(t.index)).toBe(false); // their first rung is beyond step 1
      }
    }
    expect(() => getSchedulerFactory('hyperband')!.validateSettings({})).toThrow(/maxResource/);
  });
});
