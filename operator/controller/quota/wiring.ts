/**
 * The quota gate's moving parts in the operator: the Redis client (no offline queue, short timeouts: a
 * lost Redis must make admission say so at once, not hang a reconcile), the `ultron-quotas` ConfigMap
 * read every few seconds (a change applies to the next admission; a malformed entry is logged and an
 * Event on the ConfigMap, and keeps its previous limits), and the reconcile of the store with the trials
 * that hold quota — before the first admission and then periodically, while leading.
 */
import { Redis } from 'ioredis';
import {
  applyDefaults,
  isFinishedPhase,
  type HPOJob,
  type ResolvedHPOJobSpec,
  type Trial,
} from '../../api/index.js';
import { formatLimitsError, QUOTA_CONFIGMAP, RedisQuotaStore, type Resources } from '../../quota/index.js';
import type { ClusterCache } from '../cache.js';
import { seedOf } from '../hpojob/reconciler.js';
import type { KubeApi } from '../kube.js';
import type { Logger } from '../runtime/index.js';
import { QuotaGate, type Holder } from './gate.js';
import { podsHoldResources, trialDemand, trialHolder } from './tenant.js';
import type * as k8s from '@kubernetes/client-node';

export interface QuotaWiring {
  gate: QuotaGate;
  /** The connection, shared with the score cache (one Redis for the operator). */
  redis: Redis;
  /** Reconciles at once, then every `reconcileMs`, and follows the ConfigMap, until `signal` aborts. */
  lead(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface QuotaConfig {
  redisUrl: string;
  /** Where `ultron-quotas` lives (the operator's namespace). */
  namespace: string;
  reconcileMs?: number;
  limitsPollMs?: number;
}

export function startQuota(args: {
  config: QuotaConfig;
  kube: KubeApi;
  cache: ClusterCache;
  workerJob: (t: Trial, j: HPOJob, s: ResolvedHPOJobSpec) => k8s.V1Job;
  log: Logger;
  /** Reconciles a trial soon (its key in the trial work queue). */
  wake?: (trialKey: string) => void;
}): QuotaWiring {
  const { config, kube, cache, log } = args;
  const redis = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    retryStrategy: (n) => Math.min(2_000, 100 * n),
    lazyConnect: false,
  });
  redis.on('error', (e: Error) => log.debug({ err: e.message }, 'redis'));
  const gate = new QuotaGate(new RedisQuotaStore(redis));
  let lastData: string | undefined = '\u0000';

  // A job's trials all ask for the same (one pod template): computed once per job generation.
  const demands = new Map<string, Resources>();
  const holderOf = (t: Trial): Holder | undefined => {
    const ns = t.metadata.namespace ?? 'default';
    const jobKey = `${ns}/${t.spec.hpoJob}`;
    const job = cache.hpojob(jobKey);
    if (!job || !t.metadata.uid) return undefined;
    const dk = `${job.metadata.uid}/${job.metadata.generation}`;
    let demand = demands.get(dk);
    if (!demand) {
      demand = trialDemand(t, job, applyDefaults(job.spec, seedOf(job)), args.workerJob);
      if (demands.size > 10_000) demands.clear();
      demands.set(dk, demand);
    }
    return trialHolder(t, job, demand);
  };
  const trialKey = (t: Trial): string => `${t.metadata.namespace ?? 'default'}/${t.metadata.name}`;

  /** The trials that hold quota: admitted (their worker Job exists) and not finished, or with pods still running. */
  const liveHolders = (): Holder[] =>
    cache.trials.list().flatMap((t) => {
      const active =
        !isFinishedPhase(t.status?.phase ?? 'Pending') && cache.workerJob(trialKey(t)) !== undefined;
      if (!(active || podsHoldResources(cache.podsOf(trialKey(t))))) return [];
      return holderOf(t) ?? [];
    });

  /** A tenant's trials that wait for admission: not finished, no worker Job yet. */
  const waitingTrials = (tenant: string): Array<{ key: string; holder: Holder }> =>
    cache.trials.list().flatMap((t) => {
      const key = trialKey(t);
      if (isFinishedPhase(t.status?.phase ?? 'Pending') || cache.workerJob(key)) return [];
      const holder = holderOf(t);
      return holder && holder.tenant === tenant ? [{ key, holder }] : [];
    });
  /** Quota was given back: the trials the admission order lets go ask again now, not at their recheck. */
  const wakeNextUp = (tenant: string): void => {
    if (!args.wake) return;
    const waiting = waitingTrials(tenant);
    const next = new Set(
      gate.nextUp(
        tenant,
        waiting.map((w) => w.holder),
      ),
    );
    for (const w of waiting) if (next.has(w.holder.uid)) args.wake(w.key);
  };

  gate.live = liveHolders;
  gate.waiting = (tenant) => waitingTrials(tenant).map((w) => w.holder);
  gate.onReleased = wakeNextUp;
  gate.onReconciled = (changed) => {
    for (const c of changed) {
      log.warn(c, 'quota store reconciled: holders released or re-registered');
      if (c.released) wakeNextUp(c.tenant);
    }
  };

  const readLimits = async (): Promise<void> => {
    const data = await kube.configMapData(config.namespace, QUOTA_CONFIGMAP);
    const text = JSON.stringify(data ?? null);
    if (text === lastData) return;
    lastData = text;
    const next = gate.setLimits(data);
    if (next.changed.length) log.info({ tenants: next.changed }, 'quota limits changed');
    for (const e of next.errors) {
      const message = formatLimitsError(e);
      log.warn({ configMap: QUOTA_CONFIGMAP, tenant: e.tenant }, message);
      await kube
        .event(
          { kind: 'ConfigMap', apiVersion: 'v1', namespace: config.namespace, name: QUOTA_CONFIGMAP },
          'Warning',
          'InvalidQuota',
          message,
          new Date(),
        )
        .catch(() => undefined);
    }
  };

  const reconcile = async (): Promise<void> => {
    gate.onReconciled(await gate.reconcile(liveHolders()));
  };

  const every = (ms: number, f: () => Promise<void>, what: string, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const timer = setInterval(() => void f().catch((e: unknown) => log.warn({ err: String(e) }, what)), ms);
      signal.addEventListener('abort', () => (clearInterval(timer), resolve()), { once: true });
    });

  return {
    gate,
    redis,
    async lead(signal) {
      // Limits first, then the holders, then admission: retried until Redis answers.
      for (let attempt = 0; !signal.aborted; attempt++) {
        try {
          await readLimits();
          await reconcile();
          log.info({ tenants: gate.limitedTenants() }, 'quota store reconciled; admitting');
          break;
        } catch (e) {
          log.warn({ err: String(e) }, 'quota reconcile failed; nothing is admitted until it works');
          await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
        }
      }
      await Promise.all([
        every(config.limitsPollMs ?? 5_000, readLimits, 'reading the quota ConfigMap failed', signal),
        every(config.reconcileMs ?? 30_000, reconcile, 'quota reconcile failed', signal),
      ]);
    },
    async close() {
      redis.disconnect();
    },
  };
}
