/**
 * Resource vectors in quota units (integers: cpu in millicores, memory in bytes, GPUs as a count) and the
 * one rule for "fits" that the memory store, the Lua script and the admission order all follow.
 */
import { InvalidQuotaInput } from './errors.js';

/** Resource name → units. A resource that is absent counts as 0 in a demand and as unlimited in limits. */
export type Resources = Readonly<Record<string, number>>;

/** One resource that does not fit: how much the trial asks, how much is in use, the limit, what is free. */
export interface Shortfall {
  readonly resource: string;
  readonly demand: number;
  readonly used: number;
  readonly limit: number;
  readonly free: number;
}

// A Kubernetes resource name: an optional DNS-subdomain prefix and a qualified name ("cpu",
// "nvidia.com/gpu", "hugepages-2Mi"). Keeps "__proto__" and other non-names out of our records.
const RESOURCE_NAME =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isResourceName(name: string): boolean {
  return name.length <= 253 && RESOURCE_NAME.test(name);
}

/**
 * `r` with its resources sorted by name and zero entries dropped, after checking every name and that every
 * value is a non-negative safe integer; `what` names the argument in the error.
 */
export function normalize(r: Resources, what: string): Resources {
  const out: Record<string, number> = {};
  for (const name of Object.keys(r).sort()) {
    const units = r[name]!;
    if (!isResourceName(name)) throw new InvalidQuotaInput(`${what}: '${name}' is not a resource name`);
    if (!Number.isSafeInteger(units) || units < 0) {
      throw new InvalidQuotaInput(`${what}: ${name} must be a non-negative integer of units, not ${units}`);
    }
    if (units > 0) out[name] = units;
  }
  return out;
}

/** Every resource of `demand` that would go over its limit on top of `used`, sorted by name. */
export function shortfalls(demand: Resources, used: Resources, limits: Resources): Shortfall[] {
  const out: Shortfall[] = [];
  for (const resource of Object.keys(demand).sort()) {
    const need = demand[resource] ?? 0;
    const limit = limits[resource];
    if (limit === undefined || need <= 0) continue;
    const inUse = used[resource] ?? 0;
    if (inUse + need > limit) {
      out.push({ resource, demand: need, used: inUse, limit, free: Math.max(0, limit - inUse) });
    }
  }
  return out;
}

/** a + sign × b, per resource, dropping resources that reach 0 or below (an idle tenant has no entries). */
export function combine(a: Resources, b: Resources, sign: 1 | -1 = 1): Resources {
  const out: Record<string, number> = { ...a };
  for (const [name, units] of Object.entries(b)) {
    const v = (out[name] ?? 0) + sign * units;
    if (v > 0) out[name] = v;
    else delete out[name];
  }
  return sorted(out);
}

/** Whether two vectors are equal, a resource at 0 being the same as an absent one. */
export function equalResources(a: Resources, b: Resources): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== 0);
  const kb = Object.keys(b).filter((k) => b[k] !== 0);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}

/** The sum of many resource vectors. */
export function total(all: Iterable<Resources>): Resources {
  let sum: Resources = {};
  for (const r of all) sum = combine(sum, r);
  return sum;
}

/** The same vector with its keys in name order (stable JSON, stable test output). */
export function sorted(r: Resources): Resources {
  const out: Record<string, number> = {};
  for (const name of Object.keys(r).sort()) out[name] = r[name]!;
  return out;
}

/** Canonical JSON of a vector: keys sorted, so equal demands have equal text. */
export function resourcesJson(r: Resources): string {
  return JSON.stringify(sorted(r));
}

/** Parses a stored demand (JSON written by resourcesJson); anything else is an error naming `what`. */
export function parseResourcesJson(text: string, what: string): Resources {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidQuotaInput(`${what}: not JSON: ${text.slice(0, 80)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidQuotaInput(`${what}: not an object: ${text.slice(0, 80)}`);
  }
  return normalize(value as Record<string, number>, what);
}
