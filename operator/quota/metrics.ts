/**
 * Prometheus gauges of the quota: `ultron_quota_used{tenant,resource}` and
 * `ultron_quota_limit{tenant,resource}`, in base units (cpu in cores, memory in bytes, devices as a
 * count), read at scrape time so no one has to remember to update them.
 */
import { Gauge, type Registry } from 'prom-client';
import { unitScale } from './quantity.js';
import type { Resources } from './resources.js';

export interface QuotaSample {
  readonly name: 'ultron_quota_used' | 'ultron_quota_limit';
  readonly labels: { readonly tenant: string; readonly resource: string };
  readonly value: number;
}

export interface TenantQuota {
  readonly tenant: string;
  readonly used: Resources;
  readonly limits: Resources;
}

/** Used and limit of every tenant and resource, in base units, sorted by tenant, resource and name. */
export function quotaSamples(tenants: readonly TenantQuota[]): QuotaSample[] {
  const out: QuotaSample[] = [];
  for (const t of [...tenants].sort((a, b) => (a.tenant < b.tenant ? -1 : 1))) {
    const resources = [...new Set([...Object.keys(t.used), ...Object.keys(t.limits)])].sort();
    for (const resource of resources) {
      const labels = { tenant: t.tenant, resource };
      const base = (units: number) => units / unitScale(resource);
      // A limited resource nobody uses is at 0, not missing, so used/limit can be graphed.
      out.push({ name: 'ultron_quota_used', labels, value: base(t.used[resource] ?? 0) });
      if (t.limits[resource] !== undefined) {
        out.push({ name: 'ultron_quota_limit', labels, value: base(t.limits[resource]) });
      }
    }
  }
  return out;
}

export interface QuotaGaugeSource {
  /** Every tenant to report with its used and limits; read once per scrape. */
  tenants(): Promise<readonly TenantQuota[]>;
}

/**
 * Registers the two gauges on `registry`. When the source fails (Redis unreachable) the scrape still
 * succeeds, without quota series: /readyz is where the outage is reported, and a stale number would lie.
 */
export function registerQuotaGauges(registry: Registry, source: QuotaGaugeSource): void {
  let pending: Promise<QuotaSample[]> | undefined;
  // Both gauges are collected in one scrape: they share one read of the source.
  const samples = (): Promise<QuotaSample[]> => {
    pending ??= source
      .tenants()
      .then(quotaSamples, () => [])
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  const gauge = (name: QuotaSample['name'], help: string) =>
    new Gauge({
      name,
      help,
      labelNames: ['tenant', 'resource'],
      registers: [registry],
      async collect() {
        const all = await samples();
        this.reset();
        for (const s of all) if (s.name === name) this.set(s.labels, s.value);
      },
    });
  gauge(
    'ultron_quota_used',
    'Quota in use by admitted trials, per tenant and resource (cpu in cores, memory in bytes).',
  );
  gauge(
    'ultron_quota_limit',
    'Quota limit from the ultron-quotas ConfigMap, per tenant and resource (same units).',
  );
}
