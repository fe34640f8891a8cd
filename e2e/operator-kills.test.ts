/**
 * The operator leader SIGKILLed 10 times at random points of a 200-trial job of fast trials, with quota on
 * (issue 9): exactly 200 trials, indices 0..199 each once, all Succeeded, the sampler's ledger closed, the
 * tenant never above its limit and its counters at 0 at the end.
 */
import { jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { coreApi, kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { fastJob } from './lib/jobs.js';
import { killPod, podProcesses } from './lib/processes.js';
import { countersAtZero, type MeteredNamespace, meteredNamespace, watchTenant } from './lib/quota.js';
import {
  installUltron,
  operatorLeader,
  SYSTEM_NS,
  trialsOf,
  waitFinished,
  waitSucceeded,
} from './lib/ultron.js';

jest.setTimeout(1_500_000);

const TRIALS = 200;
const KILLS = 10;
const TRIAL_CPU_M = 60; // fastJob's trainer (50m) and the agent sidecar (10m)
const FITS = 6;

let ns: string;
let redis: Redis;
let metered: MeteredNamespace | undefined;
beforeAll(async () => {
  await installUltron();
  metered = await meteredNamespace('kills', { cpu: `${TRIAL_CPU_M * FITS}m` });
  ({ ns, redis } = metered);
});
afterAll(async () => {
  await metered?.remove();
});

/** The leader's pod once its operator process runs (a killed one is restarted in place by the kubelet). */
async function liveLeader(): Promise<string> {
  return eventually(
    async () => {
      const pod = await operatorLeader();
      if (podProcesses(pod, 'ultron.js operator').length === 0) throw new Error(`${pod}: not running`);
      return pod;
    },
    180_000,
    200,
  );
}

/** Diagnostics: each moment the tenant's live pods exceed FITS, the pods and Redis's holders then. */
function recordOverLimit(): { stop(): Promise<Array<{ at: string; pods: string[]; holders: string[] }>> } {
  const api = coreApi();
  const out: Array<{ at: string; pods: string[]; holders: string[] }> = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const [pods, holders] = await Promise.all([
        api.listNamespacedPod({ namespace: ns, labelSelector: 'ultron.dev/hpojob' }),
        redis.hkeys(`ultron:quota:{${ns}}:holders`),
      ]);
      const live = pods.items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      if (live.length > FITS)
        out.push({
          at: new Date().toISOString(),
          pods: live.map((p) => `${p.metadata?.name} ${p.status?.phase}`),
          holders,
        });
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return out;
    },
  };
}

it(`the leader SIGKILLed ${KILLS} times during a ${TRIALS}-trial job: every index once, quota 0`, async () => {
  // Kill points: KILLS distinct random counts of finished trials, spread over the job.
  const points = new Set<number>();
  while (points.size < KILLS) points.add(5 + Math.floor(Math.random() * (TRIALS - 20)));
  const schedule = [...points].sort((a, b) => a - b);
  console.log(`kill points (finished trials): ${schedule.join(', ')}`);

  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'many', maxTrials: TRIALS, parallelism: 8, cache: false }),
  );
  const watch = watchTenant(ns);
  const overLimit = recordOverLimit();
  const t0 = Date.now();
  const killed: string[] = [];
  for (const point of schedule) {
    await waitSucceeded(ns, 'many', point, 600_000);
    const leader = await liveLeader();
    killPod(leader, 'ultron.js operator');
    killed.push(`${leader}@${point}`);
  }
  const job = await waitFinished(ns, 'many', 900_000);
  const { maxPods, peak, samples } = await watch.stop();
  const over = await overLimit.stop();
  console.log(
    `${KILLS} kills (${killed.join(', ')}); the job took ${Math.round((Date.now() - t0) / 1000)} s`,
  );

  expect(job.status?.phase).toBe('Succeeded');
  expect(job.status?.progress).toBe(`${TRIALS}/${TRIALS}`);
  const trials = await trialsOf(ns, 'many');
  expect(trials.map((t) => t.spec.index)).toEqual([...Array(TRIALS).keys()]);
  expect(trials.filter((t) => t.status?.phase !== 'Succeeded').map((t) => t.metadata.name)).toEqual([]);
  const full = await kubectlJson<{ status: { sampler: { nextIndex: number; requests: unknown[] } } }>([
    '-n',
    ns,
    'get',
    'hpojob',
    'many',
  ]);
  expect(full.status.sampler).toMatchObject({ nextIndex: TRIALS, requests: [] });
  // One worker Job per trial: a new leader never admitted a trial twice.
  const jobs = await kubectlJson<{ items: unknown[] }>([
    '-n',
    ns,
    'get',
    'jobs',
    '-l',
    'ultron.dev/hpojob=many',
  ]);
  expect(jobs.items.length).toBe(TRIALS);
  expect(samples).toBeGreaterThan(100);
  if (maxPods > FITS) {
    console.log(`over the limit at ${peak?.at}: ${peak?.pods.join(', ')}`);
    const uids = Object.fromEntries(
      (
        await kubectlJson<{ items: Array<{ metadata: { name: string; uid: string } }> }>([
          '-n',
          ns,
          'get',
          'trials',
        ])
      ).items.map((t) => [t.metadata.uid, t.metadata.name]),
    );
    for (const o of over.slice(0, 5))
      console.log(JSON.stringify({ ...o, holders: o.holders.map((u) => uids[u] ?? u) }));
    const pods = await kubectlJson<{ items: Array<{ metadata: { name: string } }> }>([
      '-n',
      SYSTEM_NS,
      'get',
      'pods',
      '-l',
      'app.kubernetes.io/name=ultron-operator',
    ]);
    for (const p of pods.items)
      for (const prev of [false, true])
        await kubectl(['-n', SYSTEM_NS, 'logs', p.metadata.name, ...(prev ? ['--previous'] : [])])
          .then((text) =>
            writeFileSync(join(tmpdir(), `kills-${p.metadata.name}${prev ? '-prev' : ''}.log`), text),
          )
          .catch(() => undefined);
    console.log(`operator logs in ${tmpdir()}/kills-*.log`);
  }
  expect(maxPods).toBeLessThanOrEqual(FITS);
  await countersAtZero(redis, ns);
});
