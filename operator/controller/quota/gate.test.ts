import { MemoryQuotaStore, QuotaUnavailable, type QuotaStore } from '../../quota/index.js';
import { QuotaGate } from './gate.js';

const limits = (cpu: string) => ({ 'team-a': `{cpu: "${cpu}"}` });
const h = (uid: string, cpu = 300) => ({ tenant: 'team-a', uid, demand: { cpu } });

describe('QuotaGate', () => {
  it('admits nothing before the limits were read once, then an unlimited tenant at once', async () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    expect(await gate.admit(h('t1'))).toMatchObject({
      admitted: false,
      reason: 'QuotaUnavailable',
      message: expect.stringContaining('ultron-quotas'),
    });
    gate.setLimits(undefined); // no ConfigMap: nobody is limited
    expect(await gate.admit(h('t1'))).toEqual({ admitted: true, metered: false });
  });

  it('admits a tenant without limits without asking the store', async () => {
    const failing = {
      acquire: () => Promise.reject(new Error('must not be called')),
    } as unknown as QuotaStore;
    const gate = new QuotaGate(failing);
    gate.setLimits(limits('1'));
    expect(await gate.admit({ ...h('t1'), tenant: 'team-b' })).toEqual({ admitted: true, metered: false });
  });

  it('admits nothing metered before its first reconcile, then only what fits, naming the resource', async () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    gate.setLimits(limits('1'));
    const first = await gate.admit(h('t1'));
    expect(first).toMatchObject({ admitted: false, reason: 'QuotaUnavailable' });
    // A trial that ran before the restart is counted before anything new is admitted.
    await gate.reconcile([h('running', 500)]);
    expect(await gate.admit(h('t1'))).toEqual({ admitted: true, metered: true });
    const full = await gate.admit(h('t2'));
    expect(full).toMatchObject({ admitted: false, reason: 'QuotaExceeded' });
    expect(full.admitted === false && full.message).toBe(
      "queue 'team-a' is full: cpu: needs 300, 200 free of 1000 (800 in use)",
    );
    await gate.release('team-a', 'running');
    expect(await gate.admit(h('t2'))).toEqual({ admitted: true, metered: true });
  });

  it('keeps a fresh grant whose Job the cache does not show yet through a reconcile', async () => {
    let now = 0;
    const store = new MemoryQuotaStore();
    const gate = new QuotaGate(store, () => now);
    gate.setLimits(limits('1'));
    await gate.reconcile([]);
    expect(await gate.admit(h('t1', 600))).toMatchObject({ admitted: true });
    await gate.reconcile([]); // t1's Job is not in the cache yet
    expect((await store.usage('team-a')).used).toEqual({ cpu: 600 });
    expect(await gate.admit(h('t2', 600))).toMatchObject({ admitted: false, reason: 'QuotaExceeded' });
    now += 61_000; // long enough: a grant without a Job by now is gone
    await gate.reconcile([]);
    expect((await store.usage('team-a')).used).toEqual({});
  });

  it('after Redis lost its data, the next admission reconciles with the live trials first: no over-admission', async () => {
    const store = new MemoryQuotaStore();
    const gate = new QuotaGate(store);
    gate.setLimits(limits('1'));
    const running = [h('a', 400), h('b', 400)];
    gate.live = () => running;
    await gate.reconcile([]);
    for (const r of running) expect(await gate.admit(r)).toMatchObject({ admitted: true });
    store.backend.wipe(); // FLUSHALL
    // An empty count would grant 600 more; the gate counts a and b again first.
    expect(await gate.admit(h('c', 600))).toMatchObject({ admitted: false, reason: 'QuotaExceeded' });
    expect((await store.usage('team-a')).used).toEqual({ cpu: 800 });
    expect(await gate.admit(h('d', 200))).toMatchObject({ admitted: true });
  });

  it('a tenant that just got limits counts its running trials before admitting more', async () => {
    const store = new MemoryQuotaStore();
    const gate = new QuotaGate(store);
    gate.setLimits(undefined);
    await gate.reconcile([]);
    // Unmetered so far: these two run without holding anything.
    const running = [h('a', 400), h('b', 400)];
    gate.live = () => running;
    for (const r of running) expect(await gate.admit(r)).toEqual({ admitted: true, metered: false });
    gate.setLimits(limits('1'));
    expect(await gate.admit(h('c', 600))).toMatchObject({ admitted: false, reason: 'QuotaExceeded' });
    expect((await store.usage('team-a')).used).toEqual({ cpu: 800 });
  });

  it('admits in the order of fair share between a tenant’s jobs, not in the order trials ask', async () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    gate.setLimits(limits('1'));
    const a = (uid: string, createdAt: number) => ({ ...h(uid), job: 'ns/a', createdAt });
    const running = [a('a1', 1), a('a2', 2)];
    const waiting = [a('a3', 3), { ...h('b1'), job: 'ns/b', createdAt: 4 }];
    gate.live = () => running;
    gate.waiting = () => waiting;
    await gate.reconcile(running);
    // a3 is older, but job a holds 60 % and b nothing: b1 goes first, and then a3 no longer fits.
    expect(await gate.admit(waiting[0]!)).toMatchObject({
      admitted: false,
      message: "queue 'team-a' is full: cpu: needs 300, 100 free of 1000 (900 in use)",
    });
    expect(await gate.admit(waiting[1]!)).toEqual({ admitted: true, metered: true });
  });

  it('a job’s priority goes before fair share: its trial takes the last room even above its share', async () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    gate.setLimits(limits('1'));
    const a = (uid: string, createdAt: number) => ({ ...h(uid), job: 'ns/a', createdAt, priority: 5 });
    const running = [a('a1', 1), a('a2', 2)];
    const waiting = [{ ...h('b1'), job: 'ns/b', createdAt: 0 }, a('a3', 3)];
    gate.live = () => running;
    gate.waiting = () => waiting;
    await gate.reconcile(running);
    // Same as above but job a has priority 5: a3 goes first although b1 is older and b holds nothing.
    expect(await gate.admit(waiting[0]!)).toMatchObject({ admitted: false, reason: 'QuotaExceeded' });
    expect(await gate.admit(waiting[1]!)).toEqual({ admitted: true, metered: true });
  });

  it('a release names the trials the admission order lets go now, so they need not wait for a recheck', async () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    gate.setLimits(limits('1'));
    const a = (uid: string, createdAt: number) => ({ ...h(uid), job: 'ns/a', createdAt });
    let running = [a('a1', 1), a('a2', 2), a('a3', 3)];
    const waiting = [
      a('a4', 4),
      { ...h('b1'), job: 'ns/b', createdAt: 5 },
      { ...h('b2'), job: 'ns/b', createdAt: 6 },
    ];
    gate.live = () => running;
    gate.waiting = () => waiting;
    const released: string[] = [];
    gate.onReleased = (tenant) => released.push(tenant);
    await gate.reconcile(running);
    expect(gate.nextUp('team-a', waiting)).toEqual([]); // 900 of 1000 in use: nobody fits
    running = running.filter((r) => r.uid !== 'a1');
    await gate.release('team-a', 'a1');
    expect(released).toEqual(['team-a']);
    // 400 free: one trial fits, job b's (furthest below its share), the older of its two.
    expect(gate.nextUp('team-a', waiting)).toEqual(['b1']);
    expect(gate.nextUp('team-b', waiting)).toEqual([]); // a tenant without limits never waits
  });

  it('an unreachable store queues trials and shows in health; a working one clears it', async () => {
    const store = new MemoryQuotaStore();
    let down = false;
    const flaky: QuotaStore = {
      acquire: (...a) =>
        down ? Promise.reject(new QuotaUnavailable('connection refused')) : store.acquire(...a),
      release: (...a) => store.release(...a),
      reconcile: (...a) => store.reconcile(...a),
      usage: (...a) => store.usage(...a),
    };
    const gate = new QuotaGate(flaky);
    gate.setLimits(limits('1'));
    await gate.reconcile([]);
    down = true;
    expect(await gate.admit(h('t1'))).toMatchObject({ admitted: false, reason: 'QuotaUnavailable' });
    expect(gate.health()).toMatch(/quota store unreachable: .*connection refused/);
    down = false;
    expect(await gate.admit(h('t1'))).toMatchObject({ admitted: true });
    expect(gate.health()).toBeUndefined();
  });

  it('a store known to be away (its connection) queues a trial whose turn has not come as QuotaUnavailable, not full', async () => {
    const store = new MemoryQuotaStore();
    let away: string | undefined;
    const watched: QuotaStore = {
      acquire: (...a) => store.acquire(...a),
      release: (...a) => store.release(...a),
      reconcile: (...a) => store.reconcile(...a),
      usage: (...a) => store.usage(...a),
      unreachable: () => away,
    };
    const gate = new QuotaGate(watched);
    gate.setLimits(limits('0.6'));
    const running = [h('r1'), h('r2')];
    const waiting = [h('w1'), h('w2')];
    gate.live = () => running;
    gate.waiting = () => waiting;
    await gate.reconcile(running);
    expect(await gate.admit(waiting[0]!)).toMatchObject({ reason: 'QuotaExceeded' });
    away = 'redis connection is reconnecting';
    expect(await gate.admit(waiting[0]!)).toMatchObject({
      admitted: false,
      reason: 'QuotaUnavailable',
      message: expect.stringContaining('redis connection is reconnecting'),
    });
    expect(gate.health()).toBe('quota store unreachable: redis connection is reconnecting');
    away = undefined;
    expect(gate.health()).toBeUndefined();
    expect(await gate.admit(waiting[0]!)).toMatchObject({ reason: 'QuotaExceeded' });
  });

  it('a malformed entry keeps the tenant’s previous limits', () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    gate.setLimits(limits('2'));
    const next = gate.setLimits({ 'team-a': '{cpu: lots}' });
    expect(next.errors).toHaveLength(1);
    expect(gate.limitsOf('team-a')).toEqual({ cpu: 2000 });
  });

  it('reports used and limits of each tenant with limits for the gauges', async () => {
    const gate = new QuotaGate(new MemoryQuotaStore());
    gate.setLimits({ ...limits('1'), 'team-z': '{cpu: "2"}' });
    await gate.reconcile([h('a', 250)]);
    expect(await gate.tenants()).toEqual([
      { tenant: 'team-a', used: { cpu: 250 }, limits: { cpu: 1000 } },
      { tenant: 'team-z', used: {}, limits: { cpu: 2000 } },
    ]);
  });
});
