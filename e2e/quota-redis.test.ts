/**
 * The QuotaStore contract over Redis (operator/quota/__tests__/store-contract.ts) against servers this
 * file starts on loopback ports (e2e/lib/redis-server.ts): one redis-server, and a 3-master Redis Cluster
 * through ioredis's Cluster client, where every script must find both of its keys in one slot. Then what
 * only a real server shows: the key layout of ARCHITECTURE §7, the script cache lost (NOSCRIPT), replies
 * lost to a killed connection, and a server that is down and comes back empty.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { describeQuotaStoreContract } from '../operator/quota/__tests__/store-contract.js';
import { QuotaUnavailable } from '../operator/quota/errors.js';
import { tenantKeys } from '../operator/quota/keys.js';
import { RedisQuotaStore } from '../operator/quota/redis-store.js';
import { quotaScripts } from '../operator/quota/scripts.js';
import { startTcpProxy } from './lib/tcp-proxy.js';
import {
  startRedisCluster,
  startRedisServer,
  type RedisCluster,
  type RedisServer,
} from './lib/redis-server.js';

jest.setTimeout(30_000);

const GPU = 'nvidia.com/gpu';
let single: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [single, cluster] = await Promise.all([startRedisServer(), startRedisCluster(3)]);
});
afterAll(async () => {
  await Promise.all([single?.remove(), cluster?.remove()]);
});

const clusterClient = () =>
  new Cluster(
    cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
    { redisOptions: { maxRetriesPerRequest: 3 } },
  );

describeQuotaStoreContract('redis', async () => {
  const clients = [1, 2, 3].map(() => new Redis(single.url, { maxRetriesPerRequest: 3 }));
  return {
    stores: clients.map((c) => new RedisQuotaStore(c)),
    wipe: async () => void (await clients[0]!.flushall()),
    loseUsed: async (tenant) => void (await clients[0]!.del(tenantKeys(tenant).used)),
    close: async () => void (await Promise.all(clients.map((c) => c.quit()))),
  };
});

describeQuotaStoreContract('redis cluster (3 masters)', async () => {
  const clients = [1, 2, 3].map(clusterClient);
  return {
    stores: clients.map((c) => new RedisQuotaStore(c)),
    wipe: async () => void (await Promise.all(clients[0]!.nodes('master').map((n) => n.flushall()))),
    loseUsed: async (tenant) => void (await clients[0]!.del(tenantKeys(tenant).used)),
    close: async () => void (await Promise.all(clients.map((c) => c.quit()))),
  };
});

describe('RedisQuotaStore on a real server', () => {
  let client: Redis;
  let store: RedisQuotaStore;
  beforeAll(() => {
    client = new Redis(single.url, { maxRetriesPerRequest: 3 });
    store = new RedisQuotaStore(client);
  });
  afterAll(async () => void (await client.quit()));
  const tenant = () => `t-${randomUUID().slice(0, 8)}`;

  it('keeps the keys of ARCHITECTURE §7: used (resource → units) and holders (uid → demand JSON)', async () => {
    const t = tenant();
    await store.acquire(t, 'trial-a', { [GPU]: 2, memory: 2 ** 34, cpu: 1500 }, { [GPU]: 4 });
    expect(await client.hgetall(`ultron:quota:{${t}}:used`)).toEqual({
      cpu: '1500',
      memory: String(2 ** 34),
      [GPU]: '2',
    });
    const holders = await client.hgetall(`ultron:quota:{${t}}:holders`);
    expect(Object.keys(holders)).toEqual(['trial-a']);
    expect(JSON.parse(holders['trial-a']!)).toEqual({ cpu: 1500, memory: 2 ** 34, [GPU]: 2 });
    await store.release(t, 'trial-a');
    expect(await client.exists(`ultron:quota:{${t}}:used`, `ultron:quota:{${t}}:holders`)).toBe(0);
  });

  it('loads its scripts again when the server lost them (SCRIPT FLUSH: NOSCRIPT, then EVAL)', async () => {
    const t = tenant();
    await store.usage(t);
    await client.script('FLUSH');
    const shas = Object.values(quotaScripts()).map((s) => s.sha);
    expect(await client.script('EXISTS', ...shas)).toEqual(shas.map(() => 0));
    await expect(store.acquire(t, 'a', { [GPU]: 1 }, { [GPU]: 1 })).resolves.toMatchObject({ granted: true });
    expect(await client.script('EXISTS', quotaScripts().acquire.sha)).toEqual([1]);
  });

  it('counts each trial once when its replies are lost and ioredis resends the calls', async () => {
    const t = tenant();
    const proxy = await startTcpProxy(single.port);
    const own = new Redis(proxy.port, '127.0.0.1');
    try {
      const s = new RedisQuotaStore(own);
      await s.usage(t); // connected, scripts loaded
      proxy.dropReplies(true);
      const uids = Array.from({ length: 200 }, (_, i) => `trial-${i}`);
      const calls = uids.map((u) => s.acquire(t, u, { [GPU]: 1 }, { [GPU]: 150 }));
      // A marker after them on the same connection: once it is set, every acquire has run on the server.
      const marker = `marker-${t}`;
      void own.set(marker, '1');
      while ((await client.exists(marker)) === 0) await new Promise((r) => setTimeout(r, 5));
      expect(await client.hlen(tenantKeys(t).holders)).toBe(150);
      // No reply came; the connection drops; ioredis reconnects and sends every call again.
      proxy.dropReplies(false);
      proxy.cut();
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.granted && r.already)).toHaveLength(150);
      expect(results.filter((r) => !r.granted)).toHaveLength(50);
      const u = await store.usage(t);
      expect(u.used).toEqual({ [GPU]: 150 });
      expect(Object.keys(u.holders)).toHaveLength(150);
    } finally {
      own.disconnect();
      await proxy.close();
    }
  });

  it('fails with QuotaUnavailable while Redis is down, and after it comes back empty reconcile restores it', async () => {
    const own = await startRedisServer();
    const c = new Redis(own.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    try {
      const s = new RedisQuotaStore(c);
      const t = tenant();
      await ready(c);
      await s.acquire(t, 'a', { [GPU]: 1 }, { [GPU]: 2 });
      const live = (await s.usage(t)).holders;
      expect(s.unreachable()).toBeUndefined();
      await own.stop(true);
      await expect(s.acquire(t, 'b', { [GPU]: 1 }, { [GPU]: 2 })).rejects.toBeInstanceOf(QuotaUnavailable);
      await expect(s.usage(t)).rejects.toMatchObject({ code: 'QuotaUnavailable' });
      // The connection state says so too, without a call (the gate asks it before every admission).
      for (let i = 0; i < 100 && s.unreachable() === undefined; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(s.unreachable()).toMatch(/^redis connection is (reconnecting|connecting|connect|close)$/);
      await own.restart();
      await ready(c);
      expect(s.unreachable()).toBeUndefined();
      await expect(s.usage(t)).resolves.toEqual({ used: {}, holders: {} });
      await expect(s.reconcile(t, live)).resolves.toEqual({
        released: [],
        registered: ['a'],
        repaired: false,
      });
      await expect(s.acquire(t, 'b', { [GPU]: 2 }, { [GPU]: 2 })).resolves.toMatchObject({ granted: false });
    } finally {
      c.disconnect();
      await own.remove();
    }
  });
});

describe('RedisQuotaStore on a Redis Cluster', () => {
  let client: Cluster;
  beforeAll(() => {
    client = clusterClient();
  });
  afterAll(async () => void (await client.quit()));

  it("puts a tenant's two keys in one slot, and spreads tenants over every master", async () => {
    const masters = new Set<string>();
    // The cluster's own slot ranges (ioredis's slot cache may not be filled yet right after connecting).
    const ranges = await client.cluster('SLOTS');
    const masterOf = (slot: number) => {
      const r = ranges.find(([from, to]) => slot >= from && slot <= to);
      const master = r?.[2];
      return master ? `${master[0]}:${master[1]}` : undefined;
    };
    for (let i = 0; i < 12; i++) {
      const keys = tenantKeys(`team-${i}`);
      const [a, b] = await Promise.all([keys.used, keys.holders].map((k) => client.cluster('KEYSLOT', k)));
      expect(a).toBe(b);
      const master = masterOf(Number(a));
      expect(master).toBeDefined();
      masters.add(master!);
    }
    expect(masters.size).toBe(3);
  });
});

const ready = (c: Redis) =>
  new Promise<void>((resolve) => (c.status === 'ready' ? resolve() : c.once('ready', () => resolve())));
