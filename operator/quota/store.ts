/**
 * The quota store: per tenant, which trials hold quota (holders) and how much they hold in total (used).
 *
 * Invariants every implementation keeps (quota/__tests__/store-contract.ts checks them on each):
 * 1. `used` equals the sum of the holders' demands after every operation, under any concurrency, in one
 *    atomic step: no reader ever sees one without the other.
 * 2. acquire grants only if, for every resource that has a limit, used + demand ≤ limit. A resource with
 *    no limit is not limited. Zero or absent resources in a demand are not counted.
 * 3. acquire is idempotent per trial: a trial that already holds quota is granted again (`already: true`)
 *    and nothing is counted twice, whatever the limits or the demand passed the second time (the recorded
 *    demand stays). So a retried call whose first reply was lost is harmless.
 * 4. release is idempotent: releasing a trial that holds nothing changes nothing.
 * 5. reconcile makes the holders exactly the live set: holders not in it are released; live trials without
 *    a holder are registered with the demand given, without a limit check (they are already running, and
 *    must be counted before anything new is admitted); `used` is rewritten from the holders if it drifted.
 * 6. An acquire with an epoch is granted only if the tenant's last reconcile set that epoch; a store that
 *    lost its data (FLUSHALL, a restart without persistence) has none, so the caller must reconcile with
 *    the live trials first: a loss never lets more in than the limit.
 *
 * When the operator calls it: acquire before it creates a trial's worker Job (denied → the trial stays
 * Queued, the shortfalls name why); release when a trial ends or is deleted (and from the finalizer);
 * reconcile at start-up, before anything is admitted, and then periodically, with the trials that are
 * admitted and not ended; usage for metrics and for the admission order. Limits live in the ConfigMap
 * `ultron-quotas` (limits.ts), so each acquire takes the tenant's current ones.
 *
 * A store never blocks a running trial and never evicts one: shrinking a limit only stops new admissions.
 * Backend failures surface as QuotaUnavailable; the caller then admits nothing.
 */
import type { Resources, Shortfall } from './resources.js';

export type AcquireResult =
  | { readonly granted: true; readonly already: boolean }
  | { readonly granted: false; readonly shortfalls: readonly Shortfall[] };

export type ReleaseResult =
  { readonly released: true; readonly demand: Resources } | { readonly released: false };

export interface ReconcileResult {
  /** Trial uids whose holder was dropped (not live), sorted. */
  readonly released: readonly string[];
  /** Live trial uids that had no holder and were registered, sorted. */
  readonly registered: readonly string[];
  /** `used` did not equal the sum of the holders found and was rewritten (a partial loss). */
  readonly repaired: boolean;
}

export interface Usage {
  /** Resource → units in use, sorted; an idle tenant has none. */
  readonly used: Resources;
  /** Trial uid → its recorded demand. */
  readonly holders: Readonly<Record<string, Resources>>;
}

export interface QuotaStore {
  /** Grants `demand` to `trialUid` in `tenant` if it fits `limits` (invariants 2, 3). */
  /**
   * With `epoch`, refused (QuotaNotReconciled, nothing granted) unless the tenant's last reconcile passed
   * the same epoch: after a data loss nothing is admitted from an empty count (invariant 6).
   */
  acquire(
    tenant: string,
    trialUid: string,
    demand: Resources,
    limits: Resources,
    epoch?: string,
  ): Promise<AcquireResult>;
  /** Gives back what `trialUid` holds, returning its demand (invariant 4). */
  release(tenant: string, trialUid: string): Promise<ReleaseResult>;
  /** Makes the holders of `tenant` exactly `live` (trial uid → demand), returning what changed (invariant 5). */
  reconcile(
    tenant: string,
    live: Readonly<Record<string, Resources>>,
    epoch?: string,
  ): Promise<ReconcileResult>;
  /** `used` and the holders of `tenant`, read in one atomic step. */
  usage(tenant: string): Promise<Usage>;
  /**
   * Why the backend cannot be reached right now, from the client's own connection state (no round trip),
   * or undefined when it can (or the store cannot tell).
   */
  unreachable?(): string | undefined;
}
