/**
 * Quota on the real bed (issue 9, ARCHITECTURE §7): a tenant with a cpu limit in `ultron-quotas` never has
 * more trial pods than fit, seen from the pods themselves every 100 ms, not from Redis; the trials that wait
 * say why (Queued, Admitted=False naming the resource); every trial runs in the end and the tenant's
 * counters in the bed's real Redis return to zero.
 */
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { fastJob } from './lib/jobs.js';
import { bedEnv, kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { installUltron, operatorLeader, SYSTEM_NS, trialsOf, waitFinished } from './lib/ultron.js';

jest.setTimeout(600_000);

// One trial's pod asks for 60m cpu: the trainer's 50m (fastJob) and the agent sidecar's 10m.
const TRIAL_CPU_M = 60;
const FITS = 2;

let ns: string;
let redis: Redis;
beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('quota');
  redis = new Redis(bedEnv()['ULTRON_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  await kubectl(
    ['-n', SYSTEM_NS, 'apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ultron-quotas' },
      data: { [ns]: JSON.stringify({ cpu: `${TRIAL_CPU_M * FITS}m` }) },
    }),
  );
  // The operator reads the ConfigMap every few seconds: wait until the leader has this tenant's limits.
  await eventually(
    async () => {
      const leader = await operatorLeader();
      const logs = await kubectl(['-n', SYSTEM_NS, 'logs', leader]);
      if (!logs.split('\n').some((l) => l.includes('quota limits changed') && l.includes(ns)))
        throw new Error('limits not read yet');
    },
    60_000,
    500,
  );
});
afterAll(async () => {
  await kubectl(['-n', SYSTEM_NS, 'delete', 'configmap', 'ultron-quotas', '--ignore-not-found']);
  redis?.disconnect();
  if (ns) await deleteNamespace(ns);
});

interface PodList {
  items: Array<{ metadata: { name: string }; status?: { phase?: string } }>;
}
interface TrialList {
  items: Array<{
    metadata: { name: string };
    status?: {
      phase?: string;
      conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
    };
  }>;
}

/** Samples the namespace's live pods (and, every 5th sample, its Queued trials' reasons) every 100 ms. */
function watchTenant(ns: string): {
  stop(): Promise<{ maxPods: number; samples: number; queuedReasons: Set<string> }>;
} {
  let maxPods = 0;
  let samples = 0;
  const queuedReasons = new Set<string>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const pods = await kubectlJson<PodList>(['-n', ns, 'get', 'pods']);
      const live = pods.items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      maxPods = Math.max(maxPods, live.length);
      samples++;
      if (samples % 5 === 0) {
        const trials = await kubectlJson<TrialList>(['-n', ns, 'get', 'trials']);
        for (const t of trials.items) {
          const c = t.status?.conditions?.find((x) => x.type === 'Admitted' && x.status === 'False');
          if (t.status?.phase === 'Queued' && c) queuedReasons.add(`${c.reason}: ${c.message}`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      watching = false;
      await loop;
      return { maxPods, samples, queuedReasons };
    },
  };
}

async function countersAtZero(ns: string): Promise<void> {
  await eventually(async () => {
    const used = await redis.hgetall(`ultron:quota:{${ns}}:used`);
    const holders = await redis.hlen(`ultron:quota:{${ns}}:holders`);
    if (Object.values(used).some((v) => Number(v) !== 0) || holders !== 0)
      throw new Error(`used ${JSON.stringify(used)}, ${holders} holders`);
  }, 30_000);
}

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
  await countersAtZero(ns);
});

it('Redis FLUSHALL mid-job: no sample over the limit, the counts are rebuilt from the running trials, the job completes', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'f', maxTrials: 8, parallelism: 4, sleep: 3, cache: false }),
  );
  const watch = watchTenant(ns);
  // Once two trials hold the tenant's whole limit, Redis forgets everything.
  await eventually(
    async () => {
      if ((await redis.hlen(`ultron:quota:{${ns}}:holders`)) < FITS) throw new Error('not full yet');
    },
    120_000,
    100,
  );
  await redis.flushall();
  const job = await waitFinished(ns, 'f', 480_000);
  const { maxPods, samples } = await watch.stop();
  expect(job.status?.phase).toBe('Succeeded');
  expect((await trialsOf(ns, 'f')).map((t) => t.status?.phase)).toEqual(Array(8).fill('Succeeded'));
  expect(samples).toBeGreaterThan(20);
  expect(maxPods).toBeLessThanOrEqual(FITS);
  await countersAtZero(ns);
});

it('two jobs of one tenant share its limit: the later job is not starved by the older one’s queue', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'fa', maxTrials: 8, parallelism: 4, sleep: 3, cache: false }),
  );
  await eventually(
    async () => {
      if ((await redis.hlen(`ultron:quota:{${ns}}:holders`)) < FITS) throw new Error('not full yet');
    },
    120_000,
    100,
  );
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
  await countersAtZero(ns);
});
