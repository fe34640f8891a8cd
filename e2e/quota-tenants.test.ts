/**
 * Three tenants sharing the bed (issue 9, ARCHITECTURE §7), each with two jobs that want more than its
 * limit: team A (namespace A, 2 trials' worth of cpu) fair share between its jobs, team B (namespace B,
 * 3 trials) priority between its jobs, and a third tenant named by spec.queue whose two jobs live in both
 * namespaces (1 trial). The pods actually running are sampled every 100 ms; no tenant is ever above its
 * limit, every trial runs, the counters return to 0, and the admissions follow fair share and priority.
 */
import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { kubectl, kubectlJson } from './lib/bed.js';
import { fastJob } from './lib/jobs.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { bedRedis, clearQuotas, countersAtZero, holdersAtLeast, setQuotas, watchPods } from './lib/quota.js';
import { installUltron, trialsOf, waitFinished } from './lib/ultron.js';

jest.setTimeout(900_000);

const TRIAL_CPU_M = 60; // fastJob's trainer (50m) and the agent sidecar (10m)
const TRIALS = 6;

let nsA: string;
let nsB: string;
let shared: string;
let redis: Redis;
beforeAll(async () => {
  await installUltron();
  nsA = await createNamespace('tenant-a');
  nsB = await createNamespace('tenant-b');
  shared = `shared-${Math.random().toString(36).slice(2, 8)}`;
  redis = bedRedis();
});
afterAll(async () => {
  await clearQuotas();
  redis?.disconnect();
  for (const ns of [nsA, nsB]) if (ns) await deleteNamespace(ns);
});

interface Admission {
  job: string;
  at: number;
}

/** The worker Jobs (one per admitted trial) of the named HPOJobs in `ns`, oldest first. */
async function admissions(ns: string, jobs: string[]): Promise<Admission[]> {
  interface JobList {
    items: Array<{ metadata: { creationTimestamp: string; labels: Record<string, string> } }>;
  }
  const list = await kubectlJson<JobList>([
    '-n',
    ns,
    'get',
    'jobs',
    '-l',
    `ultron.dev/hpojob in (${jobs.join(',')})`,
  ]);
  return list.items
    .map((j) => ({
      job: j.metadata.labels['ultron.dev/hpojob']!,
      at: Date.parse(j.metadata.creationTimestamp),
    }))
    .sort((x, y) => x.at - y.at);
}

const firstTrialAt = async (ns: string, job: string): Promise<number> =>
  Math.min(...(await trialsOf(ns, job)).map((t) => Date.parse(String(t.metadata.creationTimestamp))));

it('three tenants, two jobs each, limits below demand: never over a limit, all run, fair share and priority', async () => {
  const fits = { [nsA]: 2, [nsB]: 3, [shared]: 1 };
  await setQuotas(
    Object.fromEntries(Object.entries(fits).map(([t, n]) => [t, { cpu: `${TRIAL_CPU_M * n}m` }])),
  );
  const tenantOf = (ns: string, job: string): string | undefined =>
    job.startsWith('c') ? shared : ns === nsA || ns === nsB ? ns : undefined;
  const watch = watchPods(tenantOf);
  const job = (name: string, o: { parallelism?: number; queue?: string; priority?: number } = {}) =>
    fastJob({ name, maxTrials: TRIALS, parallelism: o.parallelism ?? 3, sleep: 2, cache: false, ...o });

  // The shared tenant's jobs, one in each namespace; then the first job of A and the low-priority job of B.
  await kubectl(['-n', nsA, 'apply', '-f', '-'], job('c1', { queue: shared }));
  await kubectl(['-n', nsB, 'apply', '-f', '-'], job('c2', { queue: shared }));
  // a1 creates all its trials at once: 2 run, 4 wait, all older than any of a2's.
  await kubectl(['-n', nsA, 'apply', '-f', '-'], job('a1', { parallelism: TRIALS }));
  await kubectl(['-n', nsB, 'apply', '-f', '-'], job('lo', { parallelism: 4 }));
  // The later jobs arrive when the earlier ones fill their tenant: a2 must get its fair share at once
  // (not wait behind a1's older queued trials), hi must go before every queued trial of lo.
  await holdersAtLeast(redis, nsA, fits[nsA]!);
  await kubectl(['-n', nsA, 'apply', '-f', '-'], job('a2', { parallelism: TRIALS }));
  await holdersAtLeast(redis, nsB, fits[nsB]!);
  await kubectl(['-n', nsB, 'apply', '-f', '-'], job('hi', { parallelism: 4, priority: 10 }));

  const done = await Promise.all([
    ...['a1', 'a2', 'c1'].map((j) => waitFinished(nsA, j, 600_000)),
    ...['lo', 'hi', 'c2'].map((j) => waitFinished(nsB, j, 600_000)),
  ]);
  const { maxByTenant, samples } = await watch.stop();

  expect(done.map((j) => j.status?.phase)).toEqual(Array(6).fill('Succeeded'));
  for (const [ns, jobs] of [
    [nsA, ['a1', 'a2', 'c1']],
    [nsB, ['lo', 'hi', 'c2']],
  ] as const)
    for (const j of jobs)
      expect((await trialsOf(ns, j)).map((t) => t.status?.phase)).toEqual(Array(TRIALS).fill('Succeeded'));
  expect(samples).toBeGreaterThan(100);
  // Never above the limit at any sample, and each limit was reached (it was the bound, not the demand).
  expect(Object.fromEntries(maxByTenant)).toEqual(fits);
  for (const tenant of Object.keys(fits)) await countersAtZero(redis, tenant);

  // Fair share in A: from a2's first trial until a1's last admission both jobs wanted capacity; DRF gives
  // each half of the tenant, so they take turns. Oldest-first would admit a1's 4 older queued trials
  // before any of a2's: a2 would get nothing in that window.
  const a2From = await firstTrialAt(nsA, 'a2');
  const inA = await admissions(nsA, ['a1', 'a2']);
  const a1Last = Math.max(...inA.filter((x) => x.job === 'a1').map((x) => x.at));
  const windowA = inA.filter((x) => x.at >= a2From && x.at <= a1Last);
  const n1 = windowA.filter((x) => x.job === 'a1').length;
  const n2 = windowA.filter((x) => x.job === 'a2').length;
  console.log(JSON.stringify({ fairShareWindow: { a1: n1, a2: n2 } }));
  expect(n2).toBeGreaterThanOrEqual(2);
  expect(Math.abs(n1 - n2)).toBeLessThanOrEqual(fits[nsA]!);

  // Priority in B: hi (parallelism 4 > the 3 that fit) always has a trial waiting until its last
  // admission, so no trial of lo is admitted in between (1 s of slack: timestamps are whole seconds).
  const hiFrom = (await firstTrialAt(nsB, 'hi')) + 1000;
  const inB = await admissions(nsB, ['lo', 'hi']);
  const hiLast = Math.max(...inB.filter((x) => x.job === 'hi').map((x) => x.at));
  expect(inB.filter((x) => x.job === 'lo' && x.at > hiFrom && x.at < hiLast)).toEqual([]);
  // ...and lo did have trials waiting all that time: it finished after hi.
  const loLast = Math.max(...inB.filter((x) => x.job === 'lo').map((x) => x.at));
  expect(loLast).toBeGreaterThan(hiLast);
});
