/**
 * The bed's own servers crash mid-job (issue 9): NATS and Redis are SIGKILLed while trials run and started
 * again a few seconds later on what they left (NATS: its JetStream file store; Redis: nothing, it saves
 * nothing). The job still completes with every index exactly once, no metric lost, and with Redis gone
 * the tenant's limit still holds (nothing is admitted, the waiting trials say QuotaUnavailable).
 */
import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { type BedServer, killBedServer, startBedServer } from './lib/bed-servers.js';
import { kubectl, kubectlJson } from './lib/bed.js';
import { fastJob } from './lib/jobs.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import {
  bedRedis,
  clearQuotas,
  countersAtZero,
  holdersAtLeast,
  setQuotas,
  watchTenant,
} from './lib/quota.js';
import { installUltron, trialsOf, waitFinished, waitSucceeded } from './lib/ultron.js';

jest.setTimeout(600_000);

const TRIAL_CPU_M = 60; // fastJob's trainer (50m) and the agent sidecar (10m)
const FITS = 2;
const STEPS = 3;

let ns: string;
let redis: Redis | undefined;
const down = new Set<BedServer>();

async function outage(name: BedServer, seconds: number): Promise<void> {
  await killBedServer(name);
  down.add(name);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await startBedServer(name);
  down.delete(name);
}

beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('infra');
});
afterAll(async () => {
  // A failed test must not leave the bed without its servers for the files that run after this one.
  for (const name of down) await startBedServer(name);
  await clearQuotas();
  redis?.disconnect();
  if (ns) await deleteNamespace(ns);
});

async function expectEveryIndexOnce(job: string, n: number): Promise<void> {
  const trials = await trialsOf(ns, job);
  expect(trials.map((t) => t.spec.index)).toEqual([...Array(n).keys()]);
  expect(trials.map((t) => t.status?.phase)).toEqual(Array(n).fill('Succeeded'));
  // Every trial's last report arrived: the trainer's loss at step STEPS is (x - 0.3)² + 1/STEPS.
  expect(
    trials.filter((t) => t.status?.objective === undefined).map((t) => [t.metadata.name, t.status]),
  ).toEqual([]);
  for (const t of trials) {
    const x = Number(t.spec.params['x']);
    expect(t.status?.objective).toBeCloseTo((x - 0.3) ** 2 + 1 / STEPS, 9);
  }
  const full = await kubectlJson<{ status: { sampler: { nextIndex: number; requests: unknown[] } } }>([
    '-n',
    ns,
    'get',
    'hpojob',
    job,
  ]);
  expect(full.status.sampler).toMatchObject({ nextIndex: n, requests: [] });
}

it('NATS SIGKILLed mid-job and back after 5 s: the sampler loop and the metrics resume, every index once', async () => {
  const n = 12;
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({
      name: 'nats',
      sampler: 'tpe',
      maxTrials: n,
      parallelism: 3,
      steps: STEPS,
      sleep: 1,
      cache: false,
      // A trainer that ends while NATS is away leaves its last lines with the agent, which may hold on
      // for the grace period less 2 s to deliver them: longer than the outage here, so none is lost.
      gracePeriodSeconds: 20,
    }),
  );
  await waitSucceeded(ns, 'nats', 3);
  await outage('nats', 5);
  const job = await waitFinished(ns, 'nats', 420_000);
  expect(job.status?.phase).toBe('Succeeded');
  expect(job.status?.progress).toBe(`${n}/${n}`);
  await expectEveryIndexOnce('nats', n);
});

it('Redis SIGKILLed while the tenant is at its limit and back empty after 8 s: never over the limit, counts rebuilt, the job completes', async () => {
  redis = bedRedis();
  await setQuotas({ [ns]: { cpu: `${TRIAL_CPU_M * FITS}m` } });
  const n = 8;
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'redis', maxTrials: n, parallelism: 4, steps: STEPS, sleep: 1, cache: false }),
  );
  const watch = watchTenant(ns);
  await holdersAtLeast(redis, ns, FITS);
  await outage('redis', 8);
  const job = await waitFinished(ns, 'redis', 480_000);
  const { maxPods, samples, queuedReasons } = await watch.stop();
  expect(job.status?.phase).toBe('Succeeded');
  await expectEveryIndexOnce('redis', n);
  expect(samples).toBeGreaterThan(20);
  expect(maxPods).toBeLessThanOrEqual(FITS);
  // While Redis was away the waiting trials said so, rather than a stale "queue is full".
  expect([...queuedReasons].some((r) => r.startsWith('QuotaUnavailable: '))).toBe(true);
  await countersAtZero(redis, ns);
});
