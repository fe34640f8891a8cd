/**
 * The QuotaStore contract (quota/store.ts, invariants 1-6), run over every implementation: in memory
 * (quota/memory-store.test.ts) and over a real Redis and a real 3-master Redis Cluster
 * (e2e/quota-redis.test.ts). Each test uses tenants of its own, so the suites can share one server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidQuotaInput, QuotaNotReconciled } from '../errors.js';
import { total, type Resources } from '../resources.js';
import type { QuotaStore, Usage } from '../store.js';

export interface QuotaStoreHarness {
  /** Stores on separate clients of one backend (like operator replicas sharing one Redis); ≥ 3. */
  readonly stores: readonly QuotaStore[];
  /** Loses every counter of every tenant (FLUSHALL on every master; the memory backend cleared). */
  wipe(): Promise<void>;
  /** Loses one tenant's used hash and keeps its holders. */
  loseUsed(tenant: string): Promise<void>;
  close(): Promise<void>;
}

const GPU = 'nvidia.com/gpu';
const GiB = 2 ** 30;

/** Invariant 1 on one snapshot. */
function expectConsistent(u: Usage): void {
  expect(u.used).toEqual(total(Object.values(u.holders)));
}

export function describeQuotaStoreContract(name: string, open: () => Promise<QuotaStoreHarness>): void {
  describe(`QuotaStore contract: ${name}`, () => {
    let h: QuotaStoreHarness;
    let store: QuotaStore;
    const tenant = () => `t-${randomUUID().slice(0, 8)}`;
    const uid = () => randomUUID();
    beforeAll(async () => {
      h = await open();
      store = h.stores[0]!;
    });
    afterAll(async () => h.close());

    it('grants within every limit, counts the demand, and denies naming each resource that does not fit', async () => {
      const t = tenant();
      const limits = { [GPU]: 4, cpu: 8000, memory: 32 * GiB };
      const a = uid();
      await expect(store.acquire(t, a, { [GPU]: 3, cpu: 4000, memory: 16 * GiB }, limits)).resolves.toEqual({
        granted: true,
        already: false,
      });
      const b = uid();
      const denied = await store.acquire(t, b, { [GPU]: 2, cpu: 4000, memory: 20 * GiB }, limits);
      expect(denied).toEqual({
        granted: false,
        shortfalls: [
          { resource: 'memory', demand: 20 * GiB, used: 16 * GiB, limit: 32 * GiB, free: 16 * GiB },
          { resource: GPU, demand: 2, used: 3, limit: 4, free: 1 },
        ],
      });
      // Exactly at the limit fits.
      await expect(store.acquire(t, b, { [GPU]: 1, cpu: 4000 }, limits)).resolves.toMatchObject({
        granted: true,
      });
      const u = await store.usage(t);
      expect(u.used).toEqual({ cpu: 8000, memory: 16 * GiB, [GPU]: 4 });
      expect(Object.keys(u.holders).sort()).toEqual([a, b].sort());
      expect(u.holders[b]).toEqual({ cpu: 4000, [GPU]: 1 });
      expectConsistent(u);
    });

    it('does not limit a resource without a limit; a zero limit admits none of it; zeros are not counted', async () => {
      const t = tenant();
      await expect(store.acquire(t, uid(), { cpu: 10 ** 9, memory: 1 }, { [GPU]: 0 })).resolves.toMatchObject(
        {
          granted: true,
        },
      );
      const r = await store.acquire(t, uid(), { [GPU]: 1 }, { [GPU]: 0 });
      expect(r).toEqual({
        granted: false,
        shortfalls: [{ resource: GPU, demand: 1, used: 0, limit: 0, free: 0 }],
      });
      const z = uid();
      await expect(store.acquire(t, z, { [GPU]: 0, cpu: 0 }, { [GPU]: 0 })).resolves.toMatchObject({
        granted: true,
      });
      const u = await store.usage(t);
      expect(u.used).toEqual({ cpu: 10 ** 9, memory: 1 });
      expect(u.holders[z]).toEqual({});
      expectConsistent(u);
    });

    it('is idempotent per trial: a second acquire is granted as already held and counts nothing', async () => {
      const t = tenant();
      const a = uid();
      await store.acquire(t, a, { [GPU]: 2 }, { [GPU]: 2 });
      // Even with a different demand and limits it would not fit now: the recorded demand stays.
      await expect(store.acquire(t, a, { [GPU]: 5 }, { [GPU]: 1 })).resolves.toEqual({
        granted: true,
        already: true,
      });
      const u = await store.usage(t);
      expect(u.used).toEqual({ [GPU]: 2 });
      expect(u.holders).toEqual({ [a]: { [GPU]: 2 } });
    });

    it('releases idempotently, returning the demand, and leaves an idle tenant empty', async () => {
      const t = tenant();
      const [a, b] = [uid(), uid()];
      await store.acquire(t, a, { [GPU]: 1, cpu: 500 }, {});
      await store.acquire(t, b, { [GPU]: 2 }, {});
      await expect(store.release(t, a)).resolves.toEqual({ released: true, demand: { cpu: 500, [GPU]: 1 } });
      await expect(store.release(t, a)).resolves.toEqual({ released: false });
      await expect(store.release(t, uid())).resolves.toEqual({ released: false });
      expect((await store.usage(t)).used).toEqual({ [GPU]: 2 });
      await store.release(t, b);
      await expect(store.usage(t)).resolves.toEqual({ used: {}, holders: {} });
    });

    it('keeps tenants apart', async () => {
      const [t1, t2] = [tenant(), tenant()];
      await store.acquire(t1, uid(), { [GPU]: 4 }, { [GPU]: 4 });
      await expect(store.acquire(t2, uid(), { [GPU]: 4 }, { [GPU]: 4 })).resolves.toMatchObject({
        granted: true,
      });
      expect((await store.usage(t1)).used).toEqual({ [GPU]: 4 });
      expect((await store.usage(t2)).used).toEqual({ [GPU]: 4 });
    });

    it('counts exactly up to 2^53 - 1 (bytes of very large memory)', async () => {
      const t = tenant();
      const big = 2 ** 51 + 1;
      const [a, b] = [uid(), uid()];
      await store.acquire(t, a, { memory: big }, { memory: Number.MAX_SAFE_INTEGER });
      await store.acquire(t, b, { memory: big }, { memory: Number.MAX_SAFE_INTEGER });
      expect((await store.usage(t)).used).toEqual({ memory: 2 * big });
      const denied = await store.acquire(t, uid(), { memory: 2 ** 52 }, { memory: Number.MAX_SAFE_INTEGER });
      expect(denied).toMatchObject({
        granted: false,
        shortfalls: [{ used: 2 * big, limit: Number.MAX_SAFE_INTEGER }],
      });
      await store.release(t, a);
      expect((await store.usage(t)).used).toEqual({ memory: big });
    });

    it('refuses what it cannot count', async () => {
      const t = tenant();
      const bad: [string, string, Resources, Resources][] = [
        ['a{b}', 'u', {}, {}],
        ['', 'u', {}, {}],
        [t, '', {}, {}],
        [t, 'u', { cpu: -1 }, {}],
        [t, 'u', { cpu: 0.5 }, {}],
        [t, 'u', { cpu: Number.MAX_SAFE_INTEGER + 1 }, {}],
        [t, 'u', { 'no spaces': 1 }, {}],
        [t, 'u', { __proto__x: 1 }, {}],
        [t, 'u', {}, { cpu: -1 }],
      ];
      for (const [tn, u, d, l] of bad)
        await expect(store.acquire(tn, u, d, l)).rejects.toBeInstanceOf(InvalidQuotaInput);
      await expect(store.reconcile(t, { u: { cpu: 1.5 } })).rejects.toBeInstanceOf(InvalidQuotaInput);
      await expect(store.usage(t)).resolves.toEqual({ used: {}, holders: {} });
    });

    it('reconcile releases holders not live and registers live trials without one, above the limit too', async () => {
      const t = tenant();
      const [gone, kept, lost1, lost2] = [uid(), uid(), uid(), uid()];
      await store.acquire(t, gone, { [GPU]: 1 }, { [GPU]: 2 });
      await store.acquire(t, kept, { [GPU]: 1, cpu: 100 }, { [GPU]: 2 });
      const live: Record<string, Resources> = {
        [kept]: { [GPU]: 1, cpu: 100 },
        [lost1]: { [GPU]: 2 },
        [lost2]: { cpu: 250 },
      };
      const r = await store.reconcile(t, live);
      expect(r).toEqual({ released: [gone], registered: [lost1, lost2].sort(), repaired: false });
      const u = await store.usage(t);
      expect(u.holders).toEqual(live);
      expect(u.used).toEqual({ cpu: 350, [GPU]: 3 });
      // Nothing new fits until the running trials drop below the limit.
      await expect(store.acquire(t, uid(), { [GPU]: 1 }, { [GPU]: 2 })).resolves.toMatchObject({
        granted: false,
      });
      await expect(store.reconcile(t, live)).resolves.toEqual({
        released: [],
        registered: [],
        repaired: false,
      });
      await expect(store.reconcile(t, {})).resolves.toMatchObject({ released: Object.keys(live).sort() });
      await expect(store.usage(t)).resolves.toEqual({ used: {}, holders: {} });
    });

    it('reconcile repairs a used hash that lost its data while the holders stayed', async () => {
      const t = tenant();
      const [a, b] = [uid(), uid()];
      await store.acquire(t, a, { [GPU]: 1 }, {});
      await store.acquire(t, b, { [GPU]: 2, cpu: 10 }, {});
      await h.loseUsed(t);
      const r = await store.reconcile(t, { [a]: { [GPU]: 1 }, [b]: { [GPU]: 2, cpu: 10 } });
      expect(r).toEqual({ released: [], registered: [], repaired: true });
      expect((await store.usage(t)).used).toEqual({ cpu: 10, [GPU]: 3 });
    });

    it('after a wipe (FLUSHALL) reconcile restores used from the live holders, then the limit holds', async () => {
      const [t1, t2] = [tenant(), tenant()];
      const limits = { [GPU]: 3 };
      for (const t of [t1, t2])
        for (let i = 0; i < 3; i++) await store.acquire(t, uid(), { [GPU]: 1 }, limits);
      const before = [await store.usage(t1), await store.usage(t2)];
      await h.wipe();
      await expect(store.usage(t1)).resolves.toEqual({ used: {}, holders: {} });
      for (const [i, t] of [t1, t2].entries()) {
        const r = await store.reconcile(t, before[i]!.holders);
        expect(r.registered).toEqual(Object.keys(before[i]!.holders).sort());
        await expect(store.usage(t)).resolves.toEqual(before[i]);
        await expect(store.acquire(t, uid(), { [GPU]: 1 }, limits)).resolves.toMatchObject({
          granted: false,
        });
      }
    });

    it('with an epoch, nothing is granted until a reconcile under that epoch, and again after a wipe', async () => {
      const t = tenant();
      const limits = { [GPU]: 2 };
      const [a, b] = [uid(), uid()];
      const epoch = `e-${randomUUID()}`;
      // Never reconciled under it: refused, nothing counted.
      await expect(store.acquire(t, a, { [GPU]: 1 }, limits, epoch)).rejects.toBeInstanceOf(
        QuotaNotReconciled,
      );
      await expect(store.usage(t)).resolves.toEqual({ used: {}, holders: {} });
      await store.reconcile(t, {}, epoch);
      await expect(store.acquire(t, a, { [GPU]: 1 }, limits, epoch)).resolves.toEqual({
        granted: true,
        already: false,
      });
      // Another replica reconciled since (a new leader): the old epoch is refused.
      await h.stores[1]!.reconcile(t, { [a]: { [GPU]: 1 } }, 'e-other');
      await expect(store.acquire(t, b, { [GPU]: 1 }, limits, epoch)).rejects.toBeInstanceOf(
        QuotaNotReconciled,
      );
      // The data is lost: an empty count never admits; the reconcile with the live trial comes first.
      await store.reconcile(t, { [a]: { [GPU]: 1 } }, epoch);
      await h.wipe();
      await expect(store.acquire(t, b, { [GPU]: 1 }, limits, epoch)).rejects.toBeInstanceOf(
        QuotaNotReconciled,
      );
      await store.reconcile(t, { [a]: { [GPU]: 1 } }, epoch);
      await expect(store.acquire(t, b, { [GPU]: 1 }, limits, epoch)).resolves.toMatchObject({
        granted: true,
      });
      await expect(store.acquire(t, uid(), { [GPU]: 1 }, limits, epoch)).resolves.toMatchObject({
        granted: false,
      });
      // Without an epoch the check is skipped (invariants 1-5 alone).
      await expect(store.acquire(tenant(), uid(), { [GPU]: 1 }, limits)).resolves.toMatchObject({
        granted: true,
      });
    });

    it('many concurrent acquires from several clients never exceed the limit', async () => {
      const t = tenant();
      const limits = { [GPU]: 10, cpu: 16_000 };
      const demand = { [GPU]: 1, cpu: 1000 };
      const trials = Array.from({ length: 120 }, uid);
      const seen: Usage[] = [];
      const results = await Promise.all(
        trials.map(async (u, i) => {
          const r = await h.stores[i % h.stores.length]!.acquire(t, u, demand, limits);
          seen.push(await h.stores[(i + 1) % h.stores.length]!.usage(t));
          return r;
        }),
      );
      expect(results.filter((r) => r.granted)).toHaveLength(10);
      for (const u of seen) {
        expect(u.used[GPU] ?? 0).toBeLessThanOrEqual(10);
        expectConsistent(u);
      }
      const end = await store.usage(t);
      expect(end.used).toEqual({ cpu: 10_000, [GPU]: 10 });
      expect(Object.keys(end.holders).sort()).toEqual(trials.filter((_, i) => results[i]!.granted).sort());
    });

    it('under churn (acquires and releases from several clients) every snapshot is within the limit', async () => {
      const t = tenant();
      const limits = { [GPU]: 8, memory: 40 * GiB };
      let done = false;
      let snapshots = 0;
      const watcher = (async () => {
        while (!done) {
          const u = await h.stores[0]!.usage(t);
          expect(u.used[GPU] ?? 0).toBeLessThanOrEqual(8);
          expect(u.used['memory'] ?? 0).toBeLessThanOrEqual(40 * GiB);
          expectConsistent(u);
          snapshots++;
        }
      })();
      let granted = 0;
      await Promise.all(
        h.stores.map(async (s, w) => {
          for (let i = 0; i < 40; i++) {
            const u = `w${w}-${i}`;
            const r = await s.acquire(
              t,
              u,
              { [GPU]: 1 + ((w + i) % 3), memory: ((i % 4) + 1) * 4 * GiB },
              limits,
            );
            if (r.granted) granted++;
            if (i % 2 === 1) await s.release(t, `w${w}-${i - 1}`);
          }
        }),
      );
      done = true;
      await watcher;
      expect(granted).toBeGreaterThan(0);
      expect(snapshots).toBeGreaterThan(0);
      expectConsistent(await store.usage(t));
    });

    it('retries are harmless: one trial acquired and released by every client at once counts once', async () => {
      const t = tenant();
      const a = uid();
      const acquires = await Promise.all(
        h.stores.flatMap((s) => [1, 2, 3].map(() => s.acquire(t, a, { [GPU]: 1 }, { [GPU]: 1 }))),
      );
      expect(acquires.every((r) => r.granted)).toBe(true);
      expect(acquires.filter((r) => r.granted && !r.already)).toHaveLength(1);
      expect((await store.usage(t)).used).toEqual({ [GPU]: 1 });
      const releases = await Promise.all(h.stores.flatMap((s) => [1, 2].map(() => s.release(t, a))));
      expect(releases.filter((r) => r.released)).toHaveLength(1);
      await expect(store.usage(t)).resolves.toEqual({ used: {}, holders: {} });
    });
  });
}
