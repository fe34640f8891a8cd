/**
 * Quota on the real bed: the `ultron-quotas` ConfigMap, a watcher of what tenants actually run (their
 * live pods, every 100 ms, never Redis's word for it) and the tenants' counters in the bed's Redis.
 */
import { Redis } from 'ioredis';
import { bedEnv, coreApi, kubectl, kubectlJson } from './bed.js';
import { eventually } from './eventually.js';
import { createNamespace, deleteNamespace } from './namespace.js';
import { operatorLeader, SYSTEM_NS } from './ultron.js';

export const bedRedis = (): Redis =>
  new Redis(bedEnv()['ULTRON_REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });

/**
 * Writes `ultron-quotas` (tenant → limits) and waits until the leader has read every tenant's limits.
 * Tenants that an earlier call set are replaced, not merged.
 */
export async function setQuotas(limits: Record<string, Record<string, string>>): Promise<void> {
  const data = Object.fromEntries(Object.entries(limits).map(([t, l]) => [t, JSON.stringify(l)]));
  await kubectl(
    ['-n', SYSTEM_NS, 'apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ultron-quotas' }, data }),
  );
  await eventually(
    async () => {
      const lines = (await kubectl(['-n', SYSTEM_NS, 'logs', await operatorLeader()])).split('\n');
      const changed = lines.filter((l) => l.includes('quota limits changed'));
      const missing = Object.keys(limits).filter((t) => !changed.some((l) => l.includes(t)));
      if (missing.length) throw new Error(`limits of ${missing.join(', ')} not read yet`);
    },
    60_000,
    500,
  );
}

export const clearQuotas = (): Promise<string> =>
  kubectl(['-n', SYSTEM_NS, 'delete', 'configmap', 'ultron-quotas', '--ignore-not-found']);

export interface MeteredNamespace {
  ns: string;
  redis: Redis;
  /** Clears the quotas, closes the Redis client and deletes the namespace. */
  remove(): Promise<void>;
}

/** A fresh namespace that is its own quota tenant with `limits`, and a client of the bed's Redis. */
export async function meteredNamespace(
  prefix: string,
  limits: Record<string, string>,
): Promise<MeteredNamespace> {
  const ns = await createNamespace(prefix);
  const redis = bedRedis();
  await setQuotas({ [ns]: limits });
  return {
    ns,
    redis,
    async remove() {
      await clearQuotas();
      redis.disconnect();
      await deleteNamespace(ns);
    },
  };
}

interface TrialList {
  items: Array<{
    metadata: { name: string };
    status?: {
      phase?: string;
      conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
    };
  }>;
}

export interface PodsWatchResult {
  /** Per tenant, the most trial pods seen alive (not Succeeded or Failed) at one sample. */
  maxByTenant: Map<string, number>;
  /** Per tenant, the pods of that sample (`name phase`, at an ISO time): what to look at when it is too many. */
  peakByTenant: Map<string, { at: string; pods: string[] }>;
  samples: number;
}

export interface PodsWatch {
  stop(): Promise<PodsWatchResult>;
}

/**
 * Samples every trial pod of the cluster (label ultron.dev/hpojob) every 100 ms through the API, and
 * counts the live ones per tenant (`tenantOf(namespace, job)`; undefined: not watched).
 */
export function watchPods(tenantOf: (ns: string, job: string) => string | undefined): PodsWatch {
  const api = coreApi();
  const maxByTenant = new Map<string, number>();
  const peakByTenant = new Map<string, { at: string; pods: string[] }>();
  let samples = 0;
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const pods = await api.listPodForAllNamespaces({ labelSelector: 'ultron.dev/hpojob' });
      const livePods = new Map<string, string[]>();
      for (const p of pods.items) {
        const ns = p.metadata?.namespace ?? '';
        const job = p.metadata?.labels?.['ultron.dev/hpojob'] ?? '';
        const tenant = tenantOf(ns, job);
        if (tenant === undefined) continue;
        if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
        livePods.set(tenant, [...(livePods.get(tenant) ?? []), `${p.metadata?.name} ${p.status?.phase}`]);
      }
      for (const [t, live] of livePods) {
        if (live.length <= (maxByTenant.get(t) ?? 0)) continue;
        maxByTenant.set(t, live.length);
        peakByTenant.set(t, { at: new Date().toISOString(), pods: live });
      }
      samples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      watching = false;
      await loop;
      return { maxByTenant, peakByTenant, samples };
    },
  };
}

export interface TenantWatch {
  /** The most pods seen alive at one sample, the number of samples, the Queued trials' reasons seen. */
  stop(): Promise<{
    maxPods: number;
    peak: { at: string; pods: string[] } | undefined;
    samples: number;
    queuedReasons: Set<string>;
  }>;
}

/** One namespace as one tenant (watchPods), and every 500 ms its Queued trials' reasons. */
export function watchTenant(ns: string): TenantWatch {
  const pods = watchPods((podNs) => (podNs === ns ? ns : undefined));
  const queuedReasons = new Set<string>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const trials = await kubectlJson<TrialList>(['-n', ns, 'get', 'trials']);
      for (const t of trials.items) {
        const c = t.status?.conditions?.find((x) => x.type === 'Admitted' && x.status === 'False');
        if (t.status?.phase === 'Queued' && c) queuedReasons.add(`${c.reason}: ${c.message}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      watching = false;
      const [{ maxByTenant, peakByTenant, samples }] = await Promise.all([pods.stop(), loop]);
      return { maxPods: maxByTenant.get(ns) ?? 0, peak: peakByTenant.get(ns), samples, queuedReasons };
    },
  };
}

/** Waits until the tenant's counters in Redis are all 0 and nothing holds quota. */
export async function countersAtZero(redis: Redis, tenant: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const used = await redis.hgetall(`ultron:quota:{${tenant}}:used`);
    const holders = await redis.hlen(`ultron:quota:{${tenant}}:holders`);
    if (Object.values(used).some((v) => Number(v) !== 0) || holders !== 0)
      throw new Error(`${tenant}: used ${JSON.stringify(used)}, ${holders} holders`);
  }, timeoutMs);
}

/** Waits until `n` trials of the tenant hold quota. */
export async function holdersAtLeast(redis: Redis, tenant: string, n: number): Promise<void> {
  await eventually(
    async () => {
      const have = await redis.hlen(`ultron:quota:{${tenant}}:holders`);
      if (have < n) throw new Error(`${have} of ${n} holders`);
    },
    120_000,
    100,
  );
}
