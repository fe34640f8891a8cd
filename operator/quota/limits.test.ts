import { DEFAULT_TENANT, formatLimitsError, limitsFor, nextLimits, type QuotaLimits } from './limits.js';

const GPU = 'nvidia.com/gpu';
const GiB = 2 ** 30;
const none: QuotaLimits = new Map();

describe('nextLimits', () => {
  it('reads one YAML or JSON entry per tenant into quota units', () => {
    const { limits, errors, changed } = nextLimits(none, {
      'team-a': `nvidia.com/gpu: 4\ncpu: "16"\nmemory: 64Gi\n`,
      'team-b': '{ "nvidia.com/gpu": 2, "cpu": 0.5 }',
      'team-c': '{}',
      [DEFAULT_TENANT]: `${GPU}: 0`,
    });
    expect(errors).toEqual([]);
    expect(Object.fromEntries(limits)).toEqual({
      'team-a': { cpu: 16_000, memory: 64 * GiB, [GPU]: 4 },
      'team-b': { cpu: 500, [GPU]: 2 },
      'team-c': {},
      [DEFAULT_TENANT]: { [GPU]: 0 },
    });
    expect(changed).toEqual([DEFAULT_TENANT, 'team-a', 'team-b', 'team-c']);
  });

  it('rounds limits down, so a limit never admits more than it says', () => {
    const { limits } = nextLimits(none, { t: 'cpu: 0.0015\nmemory: "1.5"' });
    expect(limits.get('t')).toEqual({ cpu: 1, memory: 1 });
  });

  it('keeps the previous limits of a tenant whose entry is malformed, naming the tenant and the field', () => {
    const before = nextLimits(none, { 'team-a': `${GPU}: 4\nmemory: 64Gi`, 'team-b': `${GPU}: 2` }).limits;
    const after = nextLimits(before, {
      'team-a': `${GPU}: 8\nmemory: 64GB`, // one bad field: the whole entry waits
      'team-b': `${GPU}: 3`,
      'team-new': 'cpu: [1, 2]',
    });
    expect(after.errors).toEqual([
      { tenant: 'team-a', field: 'memory', message: expect.stringContaining("invalid quantity '64GB'") },
      { tenant: 'team-new', field: 'cpu', message: expect.stringContaining('expected a quantity') },
    ]);
    expect(after.limits.get('team-a')).toEqual({ memory: 64 * GiB, [GPU]: 4 });
    expect(after.limits.get('team-b')).toEqual({ [GPU]: 3 });
    expect(after.limits.has('team-new')).toBe(false);
    expect(after.changed).toEqual(['team-b']);
    expect(formatLimitsError(after.errors[0]!)).toBe(
      "ultron-quotas: team-a: memory: invalid quantity '64GB': expected a number with an optional suffix (m, k, Mi, Gi, e3, ...); the previous limits of team-a stay in force",
    );
  });

  it.each([
    ['not YAML', 'cpu: [1', 'not YAML or JSON'],
    ['a duplicate key', 'cpu: 1\ncpu: 2', 'not YAML or JSON'],
    ['a list', '- cpu: 1', 'expected a mapping'],
    ['a scalar', '4', 'expected a mapping'],
    ['empty', '', 'empty'],
  ])('reports an entry that is %s as a whole', (_what, text, message) => {
    const r = nextLimits(new Map([['t', { cpu: 1 }]]), { t: text });
    expect(r.errors).toEqual([{ tenant: 't', message: expect.stringContaining(message) }]);
    expect(r.limits.get('t')).toEqual({ cpu: 1 });
  });

  it('reports a bad resource name, a negative quantity, and a key that is not a tenant', () => {
    const r = nextLimits(none, { a: 'GPU!: 1', b: 'cpu: -1', Team_A: 'cpu: 1' });
    expect(r.errors).toEqual([
      { tenant: 'Team_A', message: expect.stringContaining('not a tenant') },
      { tenant: 'a', field: 'GPU!', message: 'not a resource name' },
      { tenant: 'b', field: 'cpu', message: expect.stringContaining('must not be negative') },
    ]);
    expect(r.limits.size).toBe(0);
  });

  it('drops tenants whose entry is gone; with the ConfigMap gone no tenant is limited', () => {
    const before = nextLimits(none, { a: 'cpu: 1', b: 'cpu: 2' }).limits;
    const r = nextLimits(before, { b: 'cpu: 2' });
    expect([...r.limits.keys()]).toEqual(['b']);
    expect(r.changed).toEqual(['a']);
    expect(nextLimits(before, undefined)).toEqual({ limits: new Map(), errors: [], changed: ['a', 'b'] });
  });

  it('tells a limit of 0 from no limit when reporting changes', () => {
    const before = nextLimits(none, { a: `${GPU}: 0` }).limits;
    expect(nextLimits(before, { a: '{}' }).changed).toEqual(['a']);
    expect(nextLimits(before, { a: `${GPU}: "0"` }).changed).toEqual([]);
  });
});

describe('limitsFor', () => {
  it("uses the tenant's entry, else _default, else nothing limited", () => {
    const { limits } = nextLimits(none, { a: 'cpu: 1', [DEFAULT_TENANT]: `${GPU}: 1` });
    expect(limitsFor(limits, 'a')).toEqual({ cpu: 1000 });
    expect(limitsFor(limits, 'b')).toEqual({ [GPU]: 1 });
    expect(limitsFor(new Map(), 'b')).toEqual({});
  });
});
