import {
  findCondition,
  HPOJobConditions,
  HPOJobReasons,
  isConditionTrue,
  setCondition,
  TrialConditions,
  TrialReasons,
} from './conditions.js';
import { FINISH_REASONS, type StatusCondition } from './types.js';

describe('condition constants', () => {
  it('have values equal to their names', () => {
    for (const table of [HPOJobConditions, HPOJobReasons, TrialConditions, TrialReasons])
      for (const [k, v] of Object.entries(table)) expect(v).toBe(k);
  });
  it('name every condition and reason the design asks for', () => {
    expect(Object.values(HPOJobConditions)).toEqual(
      expect.arrayContaining(['Running', 'Succeeded', 'Failed', 'SpecValid', 'SamplerHealthy']),
    );
    expect(Object.values(TrialConditions)).toEqual(
      expect.arrayContaining(['Admitted', 'Running', 'Preempted', 'EarlyStopped', 'Completed', 'Failed']),
    );
    expect(Object.values(HPOJobReasons)).toEqual(
      expect.arrayContaining([...FINISH_REASONS, 'InvalidSpec', 'InvalidSuggestion', 'TrialsRunning']),
    );
    expect(Object.values(TrialReasons)).toEqual(
      expect.arrayContaining(['MalformedMetrics', 'QuotaExceeded']),
    );
  });
});

describe('setCondition', () => {
  const running = (message: string, status: StatusCondition['status'] = 'True') => ({
    type: HPOJobConditions.Running,
    status,
    reason: HPOJobReasons.TrialsRunning,
    message,
    observedGeneration: 1,
  });

  it('adds a condition with the given time', () => {
    const r = setCondition(undefined, running('2 running'), 't1');
    expect(r).toEqual({ conditions: [{ ...running('2 running'), lastTransitionTime: 't1' }], changed: true });
  });

  it('reports no change when nothing a reader sees changed, keeping the old time', () => {
    const a = setCondition([], running('2 running'), 't1');
    const b = setCondition(a.conditions, running('2 running'), 't2');
    expect(b).toEqual({ conditions: a.conditions, changed: false });
  });

  it('keeps lastTransitionTime when only the message, reason or generation change', () => {
    const a = setCondition([], running('2 running'), 't1');
    for (const next of [
      running('3 running'),
      { ...running('2 running'), reason: 'Other' },
      { ...running('2 running'), observedGeneration: 2 },
    ]) {
      const r = setCondition(a.conditions, next, 't2');
      expect(r.changed).toBe(true);
      expect(r.conditions[0]!.lastTransitionTime).toBe('t1');
    }
  });

  it('moves lastTransitionTime when the status changes', () => {
    const a = setCondition([], running('2 running'), 't1');
    const b = setCondition(a.conditions, running('done', 'False'), 't2');
    expect(b.changed).toBe(true);
    expect(b.conditions[0]).toMatchObject({ status: 'False', lastTransitionTime: 't2' });
  });

  it('leaves other conditions and the input list alone', () => {
    const other: StatusCondition = {
      type: 'SpecValid',
      status: 'True',
      reason: 'SpecAccepted',
      message: '',
      lastTransitionTime: 't0',
    };
    const input = Object.freeze([other, { ...running('1'), lastTransitionTime: 't0' }]);
    const r = setCondition(input, running('2'), 't1');
    expect(r.conditions).toEqual([other, { ...running('2'), lastTransitionTime: 't0' }]);
    expect(input[1]!.message).toBe('1');
    expect(findCondition(r.conditions, 'SpecValid')).toBe(other);
    expect(isConditionTrue(r.conditions, 'Running')).toBe(true);
    expect(isConditionTrue(r.conditions, 'Failed')).toBe(false);
  });
});
