/**
 * The QuotaStore over Redis or Redis Cluster (ARCHITECTURE §7): each operation is one Lua script on the
 * two keys of one tenant (same hash tag, same slot), so it is atomic on a single server and on a cluster.
 * Limits are arguments, never stored: they live in the ConfigMap and change without touching Redis.
 *
 * The client's own settings decide how long a call waits for a lost server (ioredis queues commands and
 * retries them after reconnecting, resending those whose reply was lost — harmless here, every script is
 * idempotent). Any failure becomes QuotaUnavailable.
 */
import type { Cluster, Redis } from 'ioredis';
import { QuotaNotReconciled, QuotaUnavailable } from './errors.js';
import { checkDemand, checkLimits, checkLive, checkTenant, checkTrialUid } from './input.js';
import { parseResourcesJson, resourcesJson, sorted, type Resources, type Shortfall } from './resources.js';
import { quotaScripts, runScript, type LuaScript, type ScriptName } from './scripts.js';
import type { AcquireResult, QuotaStore, ReconcileResult, ReleaseResult, Usage } from './store.js';

export class RedisQuotaStore implements QuotaStore {
  private readonly scripts: Readonly<Record<ScriptName, LuaScript>> = quotaScripts();

  /** `client` stays the caller's: the store neither connects nor closes it. */
  constructor(private readonly client: Redis | Cluster) {}

  unreachable(): string | undefined {
    return this.client.status === 'ready' ? undefined : `redis connection is ${this.client.status}`;
  }

  async acquire(
    tenant: string,
    trialUid: string,
    demand: Resources,
    limits: Resources,
    epoch = '',
  ): Promise<AcquireResult> {
    const keys = checkTenant(tenant);
    checkTrialUid(trialUid);
    const want = checkDemand(demand);
    const limitArgs = Object.entries(checkLimits(limits)).flatMap(([r, n]) => [r, String(n)]);
    const reply = await this.run(
      'acquire',
      tenant,
      [keys.used, keys.holders, keys.epoch],
      [trialUid, resourcesJson(want), epoch, ...limitArgs],
    );
    const flat = strings(reply, 'acquire');
    if (flat[0] === '3')
      throw new QuotaNotReconciled(
        `tenant ${tenant} is not reconciled under epoch ${epoch}; reconcile first`,
      );
    if (flat[0] === '1') return { granted: true, already: false };
    if (flat[0] === '2') return { granted: true, already: true };
    if (flat[0] !== '0' || flat.length % 4 !== 1) throw badReply('acquire', reply);
    const short: Shortfall[] = [];
    for (let i = 1; i < flat.length; i += 4) {
      const [demandUnits, used, limit] = [flat[i + 1], flat[i + 2], flat[i + 3]].map(Number) as [
        number,
        number,
        number,
      ];
      short.push({ resource: flat[i]!, demand: demandUnits, used, limit, free: Math.max(0, limit - used) });
    }
    short.sort((a, b) => (a.resource < b.resource ? -1 : 1));
    return { granted: false, shortfalls: short };
  }

  async release(tenant: string, trialUid: string): Promise<ReleaseResult> {
    const keys = checkTenant(tenant);
    checkTrialUid(trialUid);
    const reply = await this.run('release', tenant, [keys.used, keys.holders], [trialUid]);
    if (reply === null) return { released: false };
    if (typeof reply !== 'string') throw badReply('release', reply);
    return { released: true, demand: parseResourcesJson(reply, `holder ${trialUid} of ${tenant}`) };
  }

  async reconcile(
    tenant: string,
    live: Readonly<Record<string, Resources>>,
    epoch = '',
  ): Promise<ReconcileResult> {
    const keys = checkTenant(tenant);
    const args = [...checkLive(live)].flatMap(([uid, demand]) => [uid, resourcesJson(demand)]);
    const reply = await this.run(
      'reconcile',
      tenant,
      [keys.used, keys.holders, keys.epoch],
      [epoch, ...args],
    );
    if (!Array.isArray(reply) || reply.length !== 3) throw badReply('reconcile', reply);
    return {
      released: strings(reply[0], 'reconcile').sort(),
      registered: strings(reply[1], 'reconcile').sort(),
      repaired: reply[2] === 1,
    };
  }

  async usage(tenant: string): Promise<Usage> {
    const keys = checkTenant(tenant);
    const reply = await this.run('usage', tenant, [keys.used, keys.holders], []);
    if (!Array.isArray(reply) || reply.length !== 2) throw badReply('usage', reply);
    const usedFlat = strings(reply[0], 'usage');
    const used: Record<string, number> = {};
    for (let i = 0; i < usedFlat.length; i += 2) used[usedFlat[i]!] = Number(usedFlat[i + 1]);
    const holdersFlat = strings(reply[1], 'usage');
    const pairs: [string, string][] = [];
    for (let i = 0; i < holdersFlat.length; i += 2) pairs.push([holdersFlat[i]!, holdersFlat[i + 1]!]);
    pairs.sort(([a], [b]) => (a < b ? -1 : 1));
    const holders: Record<string, Resources> = {};
    for (const [uid, text] of pairs) holders[uid] = parseResourcesJson(text, `holder ${uid} of ${tenant}`);
    return { used: sorted(used), holders };
  }

  private async run(
    name: ScriptName,
    tenant: string,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<unknown> {
    try {
      return await runScript(this.client, this.scripts[name], keys, args);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new QuotaUnavailable(`quota ${name} for tenant ${tenant}: ${why}`, { cause: err });
    }
  }
}

/** A reply that must be an array of strings or integers, as strings. */
function strings(reply: unknown, script: string): string[] {
  if (!Array.isArray(reply)) throw badReply(script, reply);
  return reply.map((v: unknown) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw badReply(script, reply);
  });
}

function badReply(script: string, reply: unknown): QuotaUnavailable {
  return new QuotaUnavailable(`quota ${script}: unexpected reply ${JSON.stringify(reply)?.slice(0, 200)}`);
}
