/**
 * The checks both stores make on their arguments before touching anything, so the memory store refuses
 * exactly what the Redis store refuses (the contract suite relies on it).
 */
import { InvalidQuotaInput } from './errors.js';
import { tenantKeys, type TenantKeys } from './keys.js';
import { normalize, type Resources } from './resources.js';

export function checkTenant(tenant: string): TenantKeys {
  return tenantKeys(tenant);
}

export function checkTrialUid(uid: string): string {
  if (typeof uid !== 'string' || uid === '') throw new InvalidQuotaInput('a trial uid must be non-empty');
  return uid;
}

/** The live set of a reconcile, each uid and demand checked and normalised. */
export function checkLive(live: Readonly<Record<string, Resources>>): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const uid of Object.keys(live).sort()) {
    out.set(checkTrialUid(uid), normalize(live[uid]!, `demand of live trial ${uid}`));
  }
  return out;
}

export function checkDemand(demand: Resources): Resources {
  return normalize(demand, 'demand');
}

export function checkLimits(limits: Resources): Resources {
  // normalize drops zeros, but a zero limit means "none of it", so keep them here.
  const kept = normalize(limits, 'limits');
  const out: Record<string, number> = {};
  for (const name of Object.keys(limits).sort()) out[name] = kept[name] ?? 0;
  return out;
}
