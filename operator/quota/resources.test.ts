import { InvalidQuotaInput } from './errors.js';
import { tenantKeys } from './keys.js';
import {
  combine,
  equalResources,
  isResourceName,
  normalize,
  parseResourcesJson,
  resourcesJson,
  shortfalls,
  total,
} from './resources.js';

const GPU = 'nvidia.com/gpu';

describe('resource vectors', () => {
  it.each([
    ['cpu', true],
    ['memory', true],
    [GPU, true],
    ['hugepages-2Mi', true],
    ['example.com/foo_bar', true],
    ['', false],
    ['__proto__', false],
    ['a b', false],
    ['/gpu', false],
    ['Example.com/gpu', false],
  ])('%p is a resource name: %p', (name, ok) => expect(isResourceName(name)).toBe(ok));

  it('normalises: sorted, zeros dropped, non-integers refused', () => {
    expect(JSON.stringify(normalize({ memory: 2, cpu: 1, [GPU]: 0 }, 'd'))).toBe('{"cpu":1,"memory":2}');
    expect(() => normalize({ cpu: 1.5 }, 'd')).toThrow(InvalidQuotaInput);
    expect(() => normalize({ cpu: Number.NaN }, 'd')).toThrow(InvalidQuotaInput);
  });

  it('lists every resource over its limit, and only limited ones', () => {
    expect(shortfalls({ cpu: 5, memory: 5, [GPU]: 1 }, { cpu: 6, [GPU]: 0 }, { cpu: 10, [GPU]: 1 })).toEqual([
      { resource: 'cpu', demand: 5, used: 6, limit: 10, free: 4 },
    ]);
    expect(shortfalls({ cpu: 1 }, { cpu: 12 }, { cpu: 10 })).toEqual([
      { resource: 'cpu', demand: 1, used: 12, limit: 10, free: 0 },
    ]);
    expect(shortfalls({ cpu: 4 }, { cpu: 6 }, { cpu: 10 })).toEqual([]);
  });

  it('adds and subtracts, dropping what reaches 0', () => {
    expect(combine({ cpu: 3, memory: 1 }, { cpu: 1, [GPU]: 2 })).toEqual({ cpu: 4, memory: 1, [GPU]: 2 });
    expect(combine({ cpu: 3, memory: 1 }, { memory: 1 }, -1)).toEqual({ cpu: 3 });
    expect(total([{ cpu: 1 }, { cpu: 2, memory: 3 }, {}])).toEqual({ cpu: 3, memory: 3 });
    expect(equalResources({ cpu: 1, memory: 0 }, { cpu: 1 })).toBe(true);
    expect(equalResources({ cpu: 1 }, { cpu: 2 })).toBe(false);
  });

  it('round-trips canonical JSON and refuses stored text that is not a demand', () => {
    expect(resourcesJson({ memory: 2, cpu: 1 })).toBe('{"cpu":1,"memory":2}');
    expect(parseResourcesJson('{"cpu":1}', 'h')).toEqual({ cpu: 1 });
    for (const bad of ['x', '[1]', 'null', '{"cpu":"1"}']) {
      expect(() => parseResourcesJson(bad, 'h')).toThrow(InvalidQuotaInput);
    }
  });
});

describe('tenantKeys', () => {
  it('are the keys of ARCHITECTURE §7, sharing the tenant as hash tag', () => {
    expect(tenantKeys('team-a')).toEqual({
      used: 'ultron:quota:{team-a}:used',
      holders: 'ultron:quota:{team-a}:holders',
      epoch: 'ultron:quota:{team-a}:epoch',
    });
  });
  it.each(['', 'a}b', '{a', '}'])('refuses %p, which would split or share a slot', (t) => {
    expect(() => tenantKeys(t)).toThrow(InvalidQuotaInput);
  });
});
