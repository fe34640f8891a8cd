/**
 * JSON with object keys sorted at every depth, so that equal values give equal text whatever order their
 * keys were built in. The API server returns a custom resource's fields with their keys sorted, while
 * the reconcilers build statuses in their own order: comparing plain JSON.stringify output called every
 * status changed, so an unchanged status was written again (a Trial's once a second while it ran, an
 * HPOJob's on every pass).
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Whether two JSON values are equal, whatever the order of their keys. */
export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
