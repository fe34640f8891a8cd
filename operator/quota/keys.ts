/**
 * Every Redis key the quota uses (ARCHITECTURE §7). A tenant's keys share the hash tag `{tenant}`, so
 * Redis Cluster puts them in one slot and a script may touch both; every script call takes the keys of
 * exactly one tenant.
 */
import { InvalidQuotaInput } from './errors.js';

export const QUOTA_KEY_PREFIX = 'ultron:quota';

export interface TenantKeys {
  /** Hash resource → units in use (the sum of the holders' demands). */
  readonly used: string;
  /** Hash trial uid → that trial's demand as JSON (resource → units). */
  readonly holders: string;
  /**
   * String: the epoch of the last reconcile that passed one. An acquire that names an epoch is refused
   * when this is missing (Redis lost its data) or another's, so a loss is repaired before anything more
   * is admitted.
   */
  readonly epoch: string;
}

/**
 * The keys of `tenant`. Braces are refused: Redis hashes only up to the first '}', so "a}b" would share
 * a slot with "a", and a tenant starting with '}' would leave its two keys an empty tag (different slots).
 * Tenants are DNS labels (a namespace or spec.queue), which never contain them.
 */
export function tenantKeys(tenant: string): TenantKeys {
  if (tenant === '' || /[{}]/.test(tenant)) {
    throw new InvalidQuotaInput(`tenant '${tenant}' must be non-empty and contain no braces`);
  }
  const base = `${QUOTA_KEY_PREFIX}:{${tenant}}`;
  return { used: `${base}:used`, holders: `${base}:holders`, epoch: `${base}:epoch` };
}
