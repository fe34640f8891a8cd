/**
 * Trial admission through the quota store (ARCHITECTURE §7), the operator's side. A trial's tenant is
 * `spec.queue`, else its namespace; its demand is its worker pod's requests (quota/demand.ts, GPUs from
 * limits). A tenant without limits in `ultron-quotas` is not metered: its trials are admitted without a
 * Redis call. Otherwise a trial's worker Job is created only after `acquire` granted it, and `release`
 * gives the quota back when the trial ends.
 *
 * Nothing is admitted until `reconcile` has made the store's holders the trials that hold quota now (at
 * start-up: Redis may have lost its data, or a trial ended while no operator ran), and then periodically.
 * A trial granted moments ago whose Job the cache does not show yet still counts as live (`recent`), or a
 * periodic reconcile would release it and admit another in its place.
 *
 * Every call names the gate's epoch (quota/store.ts invariant 6): if Redis lost its data, the next acquire
 * is refused until this gate has reconciled again, at once, with `live()`; nothing is admitted on an
 * empty count.
 *
 * Redis unreachable: nothing new is admitted (trials wait as Queued with the reason), running trials go
 * on, `health()` says why (the operator's /readyz).
 */
import { TrialReasons as R } from '../../api/index.js';
import { randomUUID } from 'node:crypto';
import {
  limitsFor,
  nextLimits,
  planAdmission,
  type AdmissionCandidate,
  QuotaNotReconciled,
  QuotaUnavailable,
  type AcquireResult,
  type NextLimits,
  type QuotaLimits,
  type QuotaStore,
  type Resources,
  type Shortfall,
  type QuotaGaugeSource,
  type TenantQuota,
} from '../../quota/index.js';

export type Admission =
  | { admitted: true; metered: boolean }
  | { admitted: false; reason: typeof R.QuotaExceeded | typeof R.QuotaUnavailable; message: string };

/** A trial that holds (or may hold) quota: for reconcile's live set. */
export interface Holder {
  tenant: string;
  uid: string;
  demand: Resources;
  /** Its HPOJob (namespace/name): a tenant's jobs share its limits fairly. */
  job?: string;
  /** When the trial was created (ms): older first among equals. */
  createdAt?: number;
  /** Its job's spec.priority: higher first (default 0). */
  priority?: number;
}

const candidateOf = (h: Holder): AdmissionCandidate => ({
  trial: h.uid,
  job: h.job ?? '',
  priority: h.priority ?? 0,
  createdAt: h.createdAt ?? 0,
  demand: h.demand,
});

/** How long a grant counts as live without its worker Job in the cache. */
const RECENT_GRANT_MS = 60_000;

const describe = (s: Shortfall): string =>
  `${s.resource}: needs ${s.demand}, ${Math.max(0, s.free)} free of ${s.limit} (${s.used} in use)`;

export class QuotaGate implements QuotaGaugeSource {
  private limits: QuotaLimits = new Map();
  /** Whether setLimits ran once: until then every tenant looks unlimited, which it may not be. */
  private limitsRead = false;
  private reconciled = false;
  private unavailable: string | undefined;
  private readonly recent = new Map<string, Holder & { at: number }>();

  private pending: Promise<unknown> | undefined;
  /** Tenants whose limits changed since the last reconcile: reconciled before their next admission. */
  private readonly stale = new Set<string>();
  /** The trials that hold quota now, for a reconcile the store asks for (setup sets it). */
  live: () => Holder[] = () => [];
  /** A tenant's trials waiting for admission (no worker Job yet), for the admission order (setup sets it). */
  waiting: (tenant: string) => Holder[] = () => [];
  /** Told that a tenant's trial gave its quota back (setup wakes the trials that may go now: `nextUp`). */
  onReleased: (tenant: string) => void = () => {};
  /** Told what a reconcile the gate ran by itself changed (for the operator's log). */
  onReconciled: (changed: Array<{ tenant: string; released: number; registered: number }>) => void = () => {};

  /**
   * `epoch` names this gate's reconciles: an acquire is granted only under the epoch of the tenant's
   * last reconcile, so after Redis lost its data (no epoch) or another leader reconciled (another
   * epoch) this gate reconciles before it admits again.
   */
  constructor(
    private readonly store: QuotaStore,
    private readonly now: () => number = Date.now,
    private readonly epoch: string = randomUUID(),
  ) {}

  /** Applies the ConfigMap's data (undefined: it is gone); a malformed entry keeps its previous limits. */
  setLimits(data: Readonly<Record<string, string>> | undefined): NextLimits {
    const next = nextLimits(this.limits, data);
    this.limits = next.limits;
    this.limitsRead = true;
    // A tenant that just got limits has trials running that the store never counted.
    for (const t of next.changed) this.stale.add(t);
    return next;
  }

  limitsOf(tenant: string): Resources {
    return limitsFor(this.limits, tenant);
  }

  /** Tenants that have limits of their own (not `_default`). */
  limitedTenants(): string[] {
    return [...this.limits.keys()].filter((t) => t !== '_default');
  }

  async admit(h: Holder): Promise<Admission> {
    // A new leader's trial workers start at once; before the ConfigMap is read an empty map would admit
    // every trial unmetered (found by killing the leader: 9 pods in a tenant limited to 6).
    if (!this.limitsRead)
      return {
        admitted: false,
        reason: R.QuotaUnavailable,
        message: 'waiting for the quota limits (ConfigMap ultron-quotas) to be read',
      };
    const limits = this.limitsOf(h.tenant);
    if (Object.keys(limits).length === 0) return { admitted: true, metered: false };
    if (!this.reconciled) {
      return {
        admitted: false,
        reason: R.QuotaUnavailable,
        message: `waiting for the quota store to be reconciled with the running trials${this.unavailable ? ` (${this.unavailable})` : ''}`,
      };
    }
    // Known to be away: say so, rather than "the queue is full" from the last count (a waiting trial
    // whose turn has not come would otherwise never hear of the outage).
    const away = this.store.unreachable?.();
    if (away)
      return {
        admitted: false,
        reason: R.QuotaUnavailable,
        message: `the quota store is unreachable (${away}); no trial is admitted until it is back`,
      };
    if (this.stale.has(h.tenant) || this.stale.has('_default')) await this.reconcileSoon();
    const turn = this.turn(h, limits);
    if (turn) return turn;
    try {
      let r: AcquireResult;
      try {
        r = await this.store.acquire(h.tenant, h.uid, h.demand, limits, this.epoch);
      } catch (e) {
        if (!(e instanceof QuotaNotReconciled)) throw e;
        // Redis lost the counts (or another replica reconciled): count the live trials first.
        await this.reconcileSoon();
        r = await this.store.acquire(h.tenant, h.uid, h.demand, limits, this.epoch);
      }
      this.unavailable = undefined;
      if (!r.granted) {
        return {
          admitted: false,
          reason: R.QuotaExceeded,
          message: `queue '${h.tenant}' is full: ${r.shortfalls.map(describe).join('; ')}`,
        };
      }
      this.recent.set(h.uid, { ...h, at: this.now() });
      return { admitted: true, metered: true };
    } catch (e) {
      if (e instanceof QuotaNotReconciled)
        return {
          admitted: false,
          reason: R.QuotaUnavailable,
          message: `the quota store is being reconciled: ${e.message}`,
        };
      if (!(e instanceof QuotaUnavailable)) throw e;
      this.unavailable = e.message;
      return {
        admitted: false,
        reason: R.QuotaUnavailable,
        message: `the quota store is unreachable (${e.message}); no trial is admitted until it is back`,
      };
    }
  }

  /**
   * Whether the admission order (quota/admission.ts: priority, the job furthest below its fair share,
   * age) lets `h` go now, given what the tenant's trials hold and who else waits: undefined if it may
   * try, else why it waits. Redis stays the authority; this only decides who asks first.
   */
  private turn(h: Holder, limits: Resources): Admission | undefined {
    const others = this.waiting(h.tenant).filter((w) => w.uid !== h.uid);
    if (others.length === 0) return undefined;
    const held = this.live()
      .filter((x) => x.tenant === h.tenant && x.uid !== h.uid)
      .map((x) => ({ job: x.job ?? '', demand: x.demand }));
    const plan = planAdmission({ limits, held, candidates: [candidateOf(h), ...others.map(candidateOf)] });
    if (plan.admit.some((c) => c.trial === h.uid)) return undefined;
    const mine = plan.queued.find((q) => q.candidate.trial === h.uid);
    return {
      admitted: false,
      reason: R.QuotaExceeded,
      message: mine
        ? `queue '${h.tenant}' is full: ${mine.shortfalls.map(describe).join('; ')}`
        : `queue '${h.tenant}': trials of jobs further below their fair share go first`,
    };
  }

  /** One reconcile with `live()` for every caller waiting on it. */
  private async reconcileSoon(): Promise<void> {
    this.pending ??= this.reconcile(this.live())
      .then((changed) => this.onReconciled(changed))
      .finally(() => (this.pending = undefined));
    await this.pending;
  }

  /** Gives back what the trial holds (idempotent). A failure is left to the next reconcile. */
  async release(tenant: string, uid: string): Promise<void> {
    this.recent.delete(uid);
    await this.store.release(tenant, uid);
    this.onReleased(tenant);
  }

  /**
   * Which of `waiting` the admission order lets go now, by what the tenant's live trials hold (the same
   * order `admit` applies): the trials worth asking again at once when quota was given back.
   */
  nextUp(tenant: string, waiting: readonly Holder[]): string[] {
    const limits = this.limitsOf(tenant);
    if (!waiting.length || !Object.keys(limits).length) return [];
    const held = this.live()
      .filter((x) => x.tenant === tenant)
      .map((x) => ({ job: x.job ?? '', demand: x.demand }));
    return planAdmission({ limits, held, candidates: waiting.map(candidateOf) }).admit.map((c) => c.trial);
  }

  /**
   * Makes every metered tenant's holders exactly `live` (trials admitted and not ended) plus the grants
   * the cache may not show yet. Returns what changed, per tenant; admission starts after the first success.
   */
  async reconcile(
    live: readonly Holder[],
  ): Promise<Array<{ tenant: string; released: number; registered: number }>> {
    const now = this.now();
    for (const [uid, g] of this.recent) if (now - g.at > RECENT_GRANT_MS) this.recent.delete(uid);
    const byTenant = new Map<string, Record<string, Resources>>();
    const add = (h: Holder): void => {
      let m = byTenant.get(h.tenant);
      if (!m) byTenant.set(h.tenant, (m = {}));
      m[h.uid] = h.demand;
    };
    for (const h of live) if (Object.keys(this.limitsOf(h.tenant)).length) add(h);
    for (const g of this.recent.values()) if (!byTenant.get(g.tenant)?.[g.uid]) add(g);
    for (const t of this.limitedTenants()) if (!byTenant.has(t)) byTenant.set(t, {});
    const out: Array<{ tenant: string; released: number; registered: number }> = [];
    try {
      for (const [tenant, holders] of [...byTenant].sort(([a], [b]) => a.localeCompare(b))) {
        const r = await this.store.reconcile(tenant, holders, this.epoch);
        if (r.released.length || r.registered.length)
          out.push({ tenant, released: r.released.length, registered: r.registered.length });
      }
    } catch (e) {
      if (e instanceof QuotaUnavailable) this.unavailable = e.message;
      throw e;
    }
    this.unavailable = undefined;
    this.reconciled = true;
    this.stale.clear();
    return out;
  }

  /** Used and limits of every tenant with limits of its own, for the quota gauges (one read each). */
  async tenants(): Promise<TenantQuota[]> {
    const out: TenantQuota[] = [];
    for (const tenant of this.limitedTenants().sort())
      out.push({ tenant, used: (await this.store.usage(tenant)).used, limits: this.limitsOf(tenant) });
    return out;
  }

  /** Undefined when admission works; otherwise why not (for /readyz). */
  health(): string | undefined {
    // Without limits nothing is metered, so a missing Redis keeps nothing from running.
    const why = this.unavailable ?? this.store.unreachable?.();
    return why && this.limits.size ? `quota store unreachable: ${why}` : undefined;
  }
}
