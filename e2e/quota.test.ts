/**
 * Quota on the real bed (issue 9, ARCHITECTURE §7): a tenant with a cpu limit in `ultron-quotas` never has
 * more trial pods than fit, seen from the pods themselves every 100 ms, not from Redis; the trials that wait
 * say why (Queued, Admitted=False naming the resource); every trial runs in the end and the tenant's
 * counters in the bed's real Redis return to zero.
 */
import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { fastJob } from './lib/jobs.js';
import { kubectl, kubectlJson } from './lib/bed.js';
import {
  countersAtZero,
  holdersAtLeast,
  type MeteredNamespace,
  meteredNamespace,
  watchTenant,
} from './lib/quota.js';
import { installUltron, trialsOf, waitFinished } from './lib/ultron.js';

jest.setTimeout(600_000);

// One trial's pod asks for 60m cpu: the trainer's 50m (fastJob) and the agent sidecar's 10m.
const TRIAL_CPU_M = 60;
const FITS = 2;

let ns: string;
let redis: Redis;
let metered: MeteredNamespace | undefined;
beforeAll(async () => {
  await installUltron();
  metered = await meteredNamespace('quota', { cpu: `${TRIAL_CPU_M * FITS}m` });
  ({ ns, redis } = metered);
});
afterAll(async () => {
  await metered?.remove();
});

it('a metered tenant never runs more trials than its limit; waiting trials say why; counters end at 0', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'q', maxTrials: 8, parallelism: 4, sleep: 2, cache: false }),
  );
  const watch = watchTenant(ns);
  const job = await waitFinished(ns, 'q', 480_000);
  const { maxPods, samples, queuedReasons } = await watch.stop();

  expect(job.status?.phase).toBe('Succeeded');
  const trials = await trialsOf(ns, 'q');
  expect(trials.map((t) => t.status?.phase)).toEqual(Array(8).fill('Succeeded'));
  expect(samples).toBeGreaterThan(20);
  expect(maxPods).toBeLessThanOrEqual(FITS);
  expect(maxPods).toBe(FITS); // the limit was used, not just respected
  expect(
    [...queuedReasons].some((r) =>
      /^QuotaExceeded: queue '.*' is full: cpu: needs 60, \d+ free of 120/.test(r),
    ),
  ).toBe(true);
  await countersAtZero(redis, ns);
});

it('Redis FLUSHALL mid-job: no sample over the limit, the counts are rebuilt from the running trials, the job completes', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'f', maxTrials: 8, parallelism: 4, sleep: 3, cache: false }),
  );
  const watch = watchTenant(ns);
  // Once two trials hold the tenant's whole limit, Redis forgets everything.
  await holdersAtLeast(redis, ns, FITS);
  await redis.flushall();
  const job = await waitFinished(ns, 'f', 480_000);
  const { maxPods, samples } = await watch.stop();
  expect(job.status?.phase).toBe('Succeeded');
  expect((await trialsOf(ns, 'f')).map((t) => t.status?.phase)).toEqual(Array(8).fill('Succeeded'));
  expect(samples).toBeGreaterThan(20);
  expect(maxPods).toBeLessThanOrEqual(FITS);
  await countersAtZero(redis, ns);
});

it('two jobs of one tenant share its limit: the later job is not starved by the older one’s queue', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'fa', maxTrials: 8, parallelism: 4, sleep: 3, cache: false }),
  );
  await holdersAtLeast(redis, ns, FITS);
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'fb', maxTrials: 8, parallelism: 4, sleep: 3, cache: false }),
  );
  const watch = watchTenant(ns);
  await Promise.all([waitFinished(ns, 'fa', 480_000), waitFinished(ns, 'fb', 480_000)]);
  const { maxPods } = await watch.stop();
  expect(maxPods).toBeLessThanOrEqual(FITS);
  interface JobList {
    items: Array<{ metadata: { name: string; creationTimestamp: string; labels: Record<string, string> } }>;
  }
  const jobs = (await kubectlJson<JobList>(['-n', ns, 'get', 'jobs', '-l', 'ultron.dev/hpojob in (fa,fb)']))
    .items;
  const fbFirstTrial = Math.min(
    ...(await trialsOf(ns, 'fb')).map((t) => Date.parse(String(t.metadata.creationTimestamp))),
  );
  // Worker Jobs (admissions) from the moment fb had trials waiting, in order: oldest-first would give
  // fa's queued trials the first turns. (This does not tell fair share from a random order; the order
  // itself is unit-tested in controller/quota/gate.test.ts and quota/admission.test.ts.)
  const after = jobs
    .filter((j) => Date.parse(j.metadata.creationTimestamp) >= fbFirstTrial)
    .sort((x, y) => Date.parse(x.metadata.creationTimestamp) - Date.parse(y.metadata.creationTimestamp))
    .slice(0, 6)
    .map((j) => j.metadata.labels['ultron.dev/hpojob']);
  expect(after.filter((j) => j === 'fb').length).toBeGreaterThanOrEqual(2);
  expect(after.filter((j) => j === 'fa').length).toBeGreaterThanOrEqual(2);
  await countersAtZero(redis, ns);
});
