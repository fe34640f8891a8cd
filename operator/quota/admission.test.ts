import { dominantShare, planAdmission, type AdmissionCandidate, type AdmissionInput } from './admission.js';

const GPU = 'nvidia.com/gpu';
let clock = 0;
const trial = (
  job: string,
  demand: Record<string, number>,
  o: Partial<AdmissionCandidate> = {},
): AdmissionCandidate => ({
  trial: `${job}-${clock}`,
  job,
  priority: 0,
  createdAt: clock++,
  demand,
  ...o,
});
const ids = (cs: readonly AdmissionCandidate[]) => cs.map((c) => c.trial);
const jobs = (cs: readonly AdmissionCandidate[]) => cs.map((c) => c.job).join('');

beforeEach(() => {
  clock = 0;
});

describe('dominantShare', () => {
  it('is the largest fraction of a limited resource; unlimited resources do not count', () => {
    expect(dominantShare({ [GPU]: 2, cpu: 16_000, memory: 10 }, { [GPU]: 8, cpu: 32_000 })).toBe(0.5);
    expect(dominantShare({ memory: 10 }, { [GPU]: 8 })).toBe(0);
    expect(dominantShare({}, { [GPU]: 8 })).toBe(0);
    expect(dominantShare({ [GPU]: 1 }, { [GPU]: 0 })).toBe(Infinity);
  });
});

describe('planAdmission', () => {
  it('admits higher priority first, whatever the shares and ages', () => {
    const old = trial('a', { [GPU]: 1 });
    const urgent = trial('b', { [GPU]: 1 }, { priority: 10 });
    const plan = planAdmission({ limits: { [GPU]: 1 }, held: [], candidates: [old, urgent] });
    expect(ids(plan.admit)).toEqual([urgent.trial]);
    expect(plan.queued).toEqual([
      { candidate: old, shortfalls: [{ resource: GPU, demand: 1, used: 1, limit: 1, free: 0 }] },
    ]);
  });

  it('gives the free capacity to the job furthest below its fair share', () => {
    // a already holds 4 of 8 GPUs (its fair share with b wanting too); b holds none.
    const candidates = [
      ...[1, 2, 3, 4].map(() => trial('a', { [GPU]: 1 })),
      ...[1, 2, 3, 4].map(() => trial('b', { [GPU]: 1 })),
    ];
    const held = [1, 2, 3, 4].map(() => ({ job: 'a', demand: { [GPU]: 1 } }));
    const plan = planAdmission({ limits: { [GPU]: 8 }, held, candidates });
    expect(jobs(plan.admit)).toBe('bbbb');
    expect(plan.queued.map((q) => q.candidate.job).join('')).toBe('aaaa');
  });

  it('alternates between jobs at equal shares, the older trial first at each tie', () => {
    const candidates = [
      ...[1, 2, 3].map(() => trial('a', { [GPU]: 1 })),
      ...[1, 2, 3].map(() => trial('b', { [GPU]: 1 })),
    ];
    const plan = planAdmission({ limits: { [GPU]: 4 }, held: [], candidates });
    expect(jobs(plan.admit)).toBe('abab');
    expect(plan.queued).toHaveLength(2);
  });

  it('measures shares by the dominant resource', () => {
    // cpu-heavy a holds half the cpu; gpu job b holds a quarter of the GPUs: b is further below.
    const held: AdmissionInput['held'] = [
      { job: 'a', demand: { cpu: 16_000 } },
      { job: 'b', demand: { [GPU]: 2, cpu: 1000 } },
    ];
    const candidates = [trial('a', { cpu: 1000 }), trial('b', { [GPU]: 1, cpu: 1000 })];
    const plan = planAdmission({ limits: { [GPU]: 8, cpu: 32_000 }, held, candidates });
    expect(jobs(plan.admit)).toBe('ba');
  });

  it('splits fair share among the jobs that want capacity only; every holder counts in used', () => {
    // c holds 6 GPUs and wants nothing more: it is not in the split, but its GPUs are not free.
    const held = [
      { job: 'c', demand: { [GPU]: 6 } },
      { job: 'a', demand: { [GPU]: 1 } },
    ];
    const candidates = [trial('a', { [GPU]: 1 }), trial('b', { [GPU]: 1 }), trial('b', { [GPU]: 1 })];
    const plan = planAdmission({ limits: { [GPU]: 8 }, held, candidates });
    expect(jobs(plan.admit)).toBe('b');
    // Then a and b are level (1 of 8 each): the older trial, a's, is considered first; neither fits.
    expect(plan.queued.map((q) => [q.candidate.job, q.shortfalls[0]?.free])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
  });

  it('lets a smaller trial past one that does not fit, which stays queued with what is missing', () => {
    const big = trial('a', { [GPU]: 4, memory: 100 });
    const small = trial('b', { [GPU]: 1, memory: 10 });
    const plan = planAdmission({ limits: { [GPU]: 3, memory: 50 }, held: [], candidates: [big, small] });
    expect(ids(plan.admit)).toEqual([small.trial]);
    expect(plan.queued).toEqual([
      {
        candidate: big,
        shortfalls: [
          { resource: 'memory', demand: 100, used: 0, limit: 50, free: 50 },
          { resource: GPU, demand: 4, used: 0, limit: 3, free: 3 },
        ],
      },
    ]);
  });

  it('orders an unlimited tenant by priority, then age; the same plan for any input order', () => {
    const cs = [
      trial('a', { cpu: 1 }),
      trial('b', { cpu: 1 }, { priority: 1 }),
      trial('a', { cpu: 1 }, { createdAt: 0, trial: 'a-tie' }),
      trial('c', { cpu: 1 }),
    ];
    const plan = planAdmission({ limits: {}, held: [], candidates: cs });
    expect(ids(plan.admit)).toEqual(['b-1', 'a-0', 'a-tie', 'c-3']);
    for (let seed = 1; seed < 20; seed++) {
      const shuffled = [...cs].sort(
        (x, y) => ((x.trial.charCodeAt(2) * seed) % 7) - ((y.trial.charCodeAt(2) * seed) % 7),
      );
      expect(planAdmission({ limits: {}, held: [], candidates: shuffled })).toEqual(plan);
    }
  });

  it('admits in proportion to fair share over many trials of two jobs', () => {
    const candidates = [
      ...Array.from({ length: 50 }, () => trial('a', { [GPU]: 2 })),
      ...Array.from({ length: 50 }, () => trial('b', { [GPU]: 1 })),
    ];
    const plan = planAdmission({ limits: { [GPU]: 12 }, held: [], candidates });
    const gpus = (job: string) =>
      plan.admit.filter((c) => c.job === job).reduce((s, c) => s + c.demand[GPU]!, 0);
    expect(gpus('a')).toBe(6);
    expect(gpus('b')).toBe(6);
  });

  it('is empty for no candidates', () => {
    expect(planAdmission({ limits: { [GPU]: 1 }, held: [], candidates: [] })).toEqual({
      admit: [],
      queued: [],
    });
  });
});
