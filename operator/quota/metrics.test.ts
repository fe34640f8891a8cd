import { Registry } from 'prom-client';
import { quotaSamples, registerQuotaGauges, type TenantQuota } from './metrics.js';

const GPU = 'nvidia.com/gpu';
const tenants: TenantQuota[] = [
  { tenant: 'team-b', used: {}, limits: { [GPU]: 2 } },
  { tenant: 'team-a', used: { cpu: 1500, memory: 2 ** 30, [GPU]: 3 }, limits: { cpu: 16_000, [GPU]: 4 } },
];

describe('quotaSamples', () => {
  it('gives used and limit per tenant and resource in base units; an unused limited resource at 0', () => {
    expect(
      quotaSamples(tenants).map((s) => `${s.name}{${s.labels.tenant},${s.labels.resource}} ${s.value}`),
    ).toEqual([
      'ultron_quota_used{team-a,cpu} 1.5',
      'ultron_quota_limit{team-a,cpu} 16',
      'ultron_quota_used{team-a,memory} 1073741824',
      'ultron_quota_used{team-a,nvidia.com/gpu} 3',
      'ultron_quota_limit{team-a,nvidia.com/gpu} 4',
      'ultron_quota_used{team-b,nvidia.com/gpu} 0',
      'ultron_quota_limit{team-b,nvidia.com/gpu} 2',
    ]);
  });
});

describe('registerQuotaGauges', () => {
  it('reads the source once per scrape and exposes both gauges', async () => {
    const registry = new Registry();
    let reads = 0;
    registerQuotaGauges(registry, {
      tenants: async () => {
        reads++;
        return tenants;
      },
    });
    const text = await registry.metrics();
    expect(reads).toBe(1);
    expect(text).toContain('ultron_quota_used{tenant="team-a",resource="cpu"} 1.5');
    expect(text).toContain('ultron_quota_limit{tenant="team-b",resource="nvidia.com/gpu"} 2');
    await new Promise((r) => setImmediate(r));
    await registry.metrics();
    expect(reads).toBe(2);
  });

  it('drops the series rather than failing the scrape when the source fails', async () => {
    const registry = new Registry();
    let fail = false;
    registerQuotaGauges(registry, {
      tenants: async () => {
        if (fail) throw new Error('redis down');
        return tenants;
      },
    });
    expect(await registry.metrics()).toContain('ultron_quota_used{tenant="team-a"');
    await new Promise((r) => setImmediate(r));
    fail = true;
    const text = await registry.metrics();
    expect(text).not.toContain('tenant="team-a"');
    expect(text).toContain('# TYPE ultron_quota_used gauge');
  });
});
