/**
 * The QuotaStore in process memory, for tests and the local runner. Several stores may share one
 * MemoryQuotaBackend, like several operator replicas share one Redis; each call runs to completion
 * without awaiting, so calls are atomic as the Lua scripts are.
 */
import { QuotaNotReconciled } from './errors.js';
import { checkDemand, checkLimits, checkLive, checkTenant, checkTrialUid } from './input.js';
import { combine, equalResources, shortfalls, sorted, total, type Resources } from './resources.js';
import type { AcquireResult, QuotaStore, ReconcileResult, ReleaseResult, Usage } from './store.js';

interface TenantState {
  used: Resources;
  epoch?: string;
  readonly holders: Map<string, Resources>;
}

/** What a Redis would hold: every tenant's used and holders. */
export class MemoryQuotaBackend {
  private readonly tenants = new Map<string, TenantState>();

  tenant(name: string): TenantState {
    let t = this.tenants.get(name);
    if (!t) {
      t = { used: {}, holders: new Map() };
      this.tenants.set(name, t);
    }
    return t;
  }

  /** Loses everything, as a Redis FLUSHALL or a restart without persistence does. */
  wipe(): void {
    this.tenants.clear();
  }

  /** Loses only a tenant's `used`, keeping its holders (a partial loss reconcile must repair). */
  loseUsed(tenant: string): void {
    this.tenant(tenant).used = {};
  }
}

export class MemoryQuotaStore implements QuotaStore {
  constructor(readonly backend: MemoryQuotaBackend = new MemoryQuotaBackend()) {}

  async acquire(
    tenant: string,
    trialUid: string,
    demand: Resources,
    limits: Resources,
    epoch = '',
  ): Promise<AcquireResult> {
    checkTenant(tenant);
    checkTrialUid(trialUid);
    const want = checkDemand(demand);
    const limit = checkLimits(limits);
    const t = this.backend.tenant(tenant);
    if (epoch !== '' && t.epoch !== epoch)
      throw new QuotaNotReconciled(
        `tenant ${tenant} is not reconciled under epoch ${epoch}; reconcile first`,
      );
    if (t.holders.has(trialUid)) return { granted: true, already: true };
    const short = shortfalls(want, t.used, limit);
    if (short.length > 0) return { granted: false, shortfalls: short };
    t.holders.set(trialUid, want);
    t.used = combine(t.used, want);
    return { granted: true, already: false };
  }

  async release(tenant: string, trialUid: string): Promise<ReleaseResult> {
    checkTenant(tenant);
    checkTrialUid(trialUid);
    const t = this.backend.tenant(tenant);
    const held = t.holders.get(trialUid);
    if (!held) return { released: false };
    t.holders.delete(trialUid);
    t.used = combine(t.used, held, -1);
    return { released: true, demand: held };
  }

  async reconcile(
    tenant: string,
    live: Readonly<Record<string, Resources>>,
    epoch = '',
  ): Promise<ReconcileResult> {
    checkTenant(tenant);
    const want = checkLive(live);
    const t = this.backend.tenant(tenant);
    const repaired = !equalResources(t.used, total(t.holders.values()));
    const released = [...t.holders.keys()].filter((uid) => !want.has(uid)).sort();
    for (const uid of released) t.holders.delete(uid);
    const registered: string[] = [];
    for (const [uid, demand] of want) {
      if (t.holders.has(uid)) continue;
      t.holders.set(uid, demand);
      registered.push(uid);
    }
    t.used = total(t.holders.values());
    if (epoch !== '') t.epoch = epoch;
    return { released, registered, repaired };
  }

  async usage(tenant: string): Promise<Usage> {
    checkTenant(tenant);
    const t = this.backend.tenant(tenant);
    const holders: Record<string, Resources> = {};
    for (const uid of [...t.holders.keys()].sort()) holders[uid] = t.holders.get(uid)!;
    return { used: sorted(t.used), holders };
  }
}
