/**
 * Bad input and failures on the real bed: an invalid pod template, a sampler that does not answer and
 * then answers wrongly, and the operator leader and the sampler service killed mid-job.
 */
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bedEnv, kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { fastJob } from './lib/jobs.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { killPod } from './lib/processes.js';
import { startTestSampler } from './lib/test-sampler.js';
import {
  getJob,
  installUltron,
  operatorLeader,
  REPO,
  SYSTEM_NS,
  trialsOf,
  waitFinished,
  waitSucceeded,
} from './lib/ultron.js';

jest.setTimeout(600_000);

let ns: string;
beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('faults');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

const condition = async (name: string, type: string) =>
  (await getJob(ns, name)).status?.conditions?.find((c) => c.type === type);

it('NATS unreachable at start-up: the operator keeps trying and /readyz says why', async () => {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn(
    join(REPO, 'node_modules/.bin/node'),
    [
      join(REPO, 'bin/ultron.js'),
      'operator',
      '--nats',
      'nats://127.0.0.1:1',
      '--ops-port',
      String(port),
      '--identity',
      'e2e-no-nats',
    ],
    // Its own Lease namespace: it must never take the lead from the installed operator.
    { env: { ...process.env, ...bedEnv(), POD_NAMESPACE: ns }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    const body = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(text).toMatch(/\[-\]nats .*nats:\/\/127\.0\.0\.1:1/);
      // The caches list the cluster meanwhile (slower on a busy bed); only NATS keeps it unready.
      expect(text).toMatch(/\[\+\]caches ok/);
      return text;
    }, 60_000);
    expect(body).toMatch(/\[\+\]leader ok/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(child.exitCode).toBeNull(); // still running, still trying
  } finally {
    child.kill('SIGTERM');
  }
});

it('an invalid pod template fails the job with InvalidSpec and the API server message; nothing is created', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({
      name: 'bad-template',
      maxTrials: 2,
      parallelism: 1,
      extraContainerFields: { resources: { limits: { cpu: 'lots' } } },
    }),
  );
  const job = await waitFinished(ns, 'bad-template', 60_000);
  expect(job.status?.phase).toBe('Failed');
  const c = await condition('bad-template', 'SpecValid');
  expect(c).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  expect(c?.message).toMatch(/pod template is invalid: .*quantities must match/);
  expect(await trialsOf(ns, 'bad-template')).toEqual([]);
  const events = await kubectl([
    '-n',
    ns,
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=bad-template',
  ]);
  expect(events).toMatch(/InvalidSpec/);
});

it('a sampler that never answers shows SamplerUnavailable; a wrong answer is rejected and asked again; then the job completes', async () => {
  const name = `picky-${Math.random().toString(36).slice(2, 8)}`;
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'custom', sampler: name, maxTrials: 4, parallelism: 2 }),
  );
  // Nobody serves ultron.suggest.<name> yet: after the timeout (8 s on the bed) the job says so.
  await eventually(async () => {
    const c = await condition('custom', 'SamplerHealthy');
    if (c?.reason !== 'SamplerUnavailable') throw new Error(JSON.stringify(c));
    expect(c.status).toBe('False');
    expect(c.message).toContain(name);
  }, 60_000);
  expect(await trialsOf(ns, 'custom')).toEqual([]);

  // Requests made before it started (the first, and the one re-asked after the timeout) get an answer
  // outside the space; the operator rejects the current one and asks for the same indices again.
  const started = Date.now();
  const sampler = await startTestSampler(name, (req) =>
    req.indices.map((index) => ({
      index,
      params: { x: Date.parse(req.sentAt) < started ? 5 : (index * 0.37) % 1 },
    })),
  );
  try {
    const job = await waitFinished(ns, 'custom', 180_000);
    expect(job.status?.phase).toBe('Succeeded');
    const trials = await trialsOf(ns, 'custom');
    expect(trials.map((t) => t.spec.index)).toEqual([0, 1, 2, 3]);
    for (const t of trials) expect(t.spec.params['x']).toBeLessThanOrEqual(1);
    const first = sampler.requests[0]!;
    const retried = sampler.requests.find((r) => r.id !== first.id && r.indices.includes(first.indices[0]!));
    expect(retried).toBeDefined();
    const events = await kubectl([
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=custom',
    ]);
    expect(events).toMatch(/InvalidSuggestion/);
    expect(events).toMatch(/SamplerUnavailable/);
    expect((await getJob(ns, 'custom')).status).toMatchObject({ progress: '4/4' });
  } finally {
    await sampler.stop();
  }
});

async function samplerdPod(): Promise<string> {
  const pods = await kubectlJson<{ items: Array<{ metadata: { name: string }; status: { phase: string } }> }>(
    ['-n', SYSTEM_NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=ultron-samplerd'],
  );
  const running = pods.items.find((p) => p.status.phase === 'Running');
  if (!running) throw new Error('no running samplerd pod');
  return running.metadata.name;
}

const waitTrials = (job: string, n: number): Promise<void> => waitSucceeded(ns, job, n);

it('the leader killed twice and samplerd once mid-job: every index once, none skipped, none lost', async () => {
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'chaos', sampler: 'tpe', maxTrials: 24, parallelism: 3, sleep: 1 }),
  );
  await waitTrials('chaos', 4);
  const first = await operatorLeader();
  killPod(first, 'ultron.js operator');
  await waitTrials('chaos', 9);
  killPod(await samplerdPod(), 'ultron.js samplerd');
  await waitTrials('chaos', 14);
  const second = await operatorLeader();
  killPod(second, 'ultron.js operator');
  const job = await waitFinished(ns, 'chaos', 420_000);
  expect(job.status?.phase).toBe('Succeeded');
  expect(job.status?.progress).toBe('24/24');
  const trials = await trialsOf(ns, 'chaos');
  expect(trials.map((t) => t.spec.index)).toEqual([...Array(24).keys()]);
  expect(trials.every((t) => t.status?.phase === 'Succeeded')).toBe(true);
  const full = await kubectlJson<{ status: { sampler: { nextIndex: number; requests: unknown[] } } }>([
    '-n',
    ns,
    'get',
    'hpojob',
    'chaos',
  ]);
  expect(full.status.sampler).toMatchObject({ nextIndex: 24, requests: [] });
});
