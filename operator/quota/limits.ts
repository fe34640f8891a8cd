/**
 * The tenants' limits, from the ConfigMap `ultron-quotas` (docs/quota.md). One data key per tenant (a
 * namespace or an HPOJob's spec.queue), its value a YAML or JSON mapping of resource → quantity:
 *
 *   data:
 *     team-a: |
 *       nvidia.com/gpu: 4
 *       cpu: "16"
 *       memory: 64Gi
 *     team-b: '{"nvidia.com/gpu": 2}'
 *     _default: |              # tenants without an entry of their own
 *       nvidia.com/gpu: 0
 *
 * A resource not named is not limited; a tenant with no entry and no `_default` is not limited at all.
 * Quantities are rounded down to quota units (cpu in millicores), so a limit never admits more than it
 * says. An entry that does not parse is reported (tenant and field named) and the tenant's previous
 * limits stay in force, whole: one bad field never half-applies an entry.
 */
import { parse } from 'yaml';
import { DNS_LABEL_PATTERN, MAX_DNS_LABEL } from '../api/index.js';
import { toUnits } from './quantity.js';
import { isResourceName, sorted, type Resources } from './resources.js';

export const QUOTA_CONFIGMAP = 'ultron-quotas';
/** The data key whose limits apply to every tenant without an entry; not a DNS label, so never a tenant. */
export const DEFAULT_TENANT = '_default';

/** Entry (tenant or DEFAULT_TENANT) → its limits in quota units. */
export type QuotaLimits = ReadonlyMap<string, Resources>;

export interface LimitsError {
  /** The data key of the entry. */
  readonly tenant: string;
  /** The resource whose value is wrong; absent when the entry as a whole is. */
  readonly field?: string;
  readonly message: string;
}

export interface NextLimits {
  readonly limits: QuotaLimits;
  /** Entries that did not parse, sorted by tenant; each kept its previous limits (or stayed absent). */
  readonly errors: readonly LimitsError[];
  /** Entries whose limits differ from `previous` (added, changed or removed), sorted. */
  readonly changed: readonly string[];
}

/** The limits that apply to `tenant`: its entry, else `_default`, else none ({}: nothing limited). */
export function limitsFor(limits: QuotaLimits, tenant: string): Resources {
  return limits.get(tenant) ?? limits.get(DEFAULT_TENANT) ?? {};
}

/**
 * The limits after the ConfigMap's `data` changed to `data` (undefined: the ConfigMap is gone, so no
 * tenant is limited), given the limits in force before.
 */
export function nextLimits(
  previous: QuotaLimits,
  data: Readonly<Record<string, string>> | undefined,
): NextLimits {
  const limits = new Map<string, Resources>();
  const errors: LimitsError[] = [];
  for (const tenant of Object.keys(data ?? {}).sort()) {
    const parsed = parseEntry(tenant, data![tenant]!);
    if ('limits' in parsed) {
      limits.set(tenant, parsed.limits);
      continue;
    }
    errors.push(parsed.error);
    const kept = previous.get(tenant);
    if (kept) limits.set(tenant, kept);
  }
  const changed = [...new Set([...previous.keys(), ...limits.keys()])]
    .filter((t) => {
      const [a, b] = [previous.get(t), limits.get(t)];
      return a === undefined || b === undefined ? a !== b : !sameLimits(a, b);
    })
    .sort();
  return { limits, errors, changed };
}

/** One line for an Event or a log: which entry, which field, what is wrong, what applies instead. */
export function formatLimitsError(e: LimitsError): string {
  const where = e.field ? `${e.tenant}: ${e.field}` : e.tenant;
  return `${QUOTA_CONFIGMAP}: ${where}: ${e.message}; the previous limits of ${e.tenant} stay in force`;
}

type Parsed = { limits: Resources } | { error: LimitsError };

function parseEntry(tenant: string, text: string): Parsed {
  const fail = (message: string, field?: string): Parsed => ({
    error: field === undefined ? { tenant, message } : { tenant, field, message },
  });
  const isTenant = tenant.length <= MAX_DNS_LABEL && new RegExp(DNS_LABEL_PATTERN).test(tenant);
  if (!isTenant && tenant !== DEFAULT_TENANT) {
    return fail(`not a tenant: a key is a namespace or queue name (a DNS label) or ${DEFAULT_TENANT}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    return fail(`not YAML or JSON: ${firstLine(err)}`);
  }
  if (value === null || value === undefined) return fail('empty; write {} for no limits');
  if (typeof value !== 'object' || Array.isArray(value)) {
    return fail('expected a mapping of resource to quantity, e.g. {"nvidia.com/gpu": 4, memory: 64Gi}');
  }
  const out: Record<string, number> = {};
  for (const [resource, q] of Object.entries(value as Record<string, unknown>)) {
    if (!isResourceName(resource)) return fail('not a resource name', resource);
    if (typeof q !== 'string' && typeof q !== 'number')
      return fail('expected a quantity such as 4, "500m" or 64Gi', resource);
    try {
      out[resource] = toUnits(resource, q, 'down');
    } catch (err) {
      return fail(firstLine(err), resource);
    }
  }
  return { limits: sorted(out) };
}

// Not equalResources: there 0 and absent are the same, but a limit of 0 (none allowed) is not no limit.
function sameLimits(a: Resources, b: Resources): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((r) => a[r] === b[r]);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
