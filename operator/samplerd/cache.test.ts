import { ObservationCache, type JobObservations } from './cache.js';

const entry = (seq: number): JobObservations => ({ byIndex: new Map(), seq });

describe('ObservationCache', () => {
  it('evicts the least recently used job beyond the cap', () => {
    const cache = new ObservationCache({ maxJobs: 2 });
    cache.set('a', entry(1));
    cache.set('b', entry(2));
    expect(cache.get('a')?.seq).toBe(1); // a is now the most recent
    cache.set('c', entry(3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.seq).toBe(1);
    expect(cache.get('c')?.seq).toBe(3);
    expect(cache.stats()).toEqual({ jobs: 2, hits: 3, misses: 1, evictions: 1 });
  });

  it('drops jobs idle longer than idleMs, and keeps the ones in use', () => {
    let now = 0;
    const cache = new ObservationCache({ idleMs: 1_000, now: () => now });
    cache.set('old', entry(1));
    now = 600;
    cache.set('recent', entry(2));
    now = 1_200;
    expect(cache.get('recent')?.seq).toBe(2);
    expect(cache.get('old')).toBeUndefined();
    now = 2_100;
    expect(cache.get('recent')?.seq).toBe(2); // used at 1,200: still fresh
    now = 3_300;
    expect(cache.get('recent')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ jobs: 0, evictions: 2 });
  });

  it('replacing a job keeps one slot for it', () => {
    const cache = new ObservationCache({ maxJobs: 1 });
    cache.set('a', entry(1));
    cache.set('a', entry(5));
    expect(cache.stats()).toMatchObject({ jobs: 1, evictions: 0 });
    expect(cache.get('a')?.seq).toBe(5);
    cache.delete('a');
    expect(cache.stats().jobs).toBe(0);
  });
});
