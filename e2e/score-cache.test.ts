/**
 * The score cache on the real bed (issue 9 scope 4) with the bed's Redis: a second job of the same
 * tenant that draws the same configurations with the same pod template runs none of them — its trials
 * are Succeeded with reason Cached and the first job's objectives, and no worker Job is created —
 * while `trialTemplate.cache: false` runs them.
 */
import { jest } from '@jest/globals';
import { fastJob } from './lib/jobs.js';
import { kubectl, kubectlJson } from './lib/bed.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { installUltron, trialsOf, waitFinished } from './lib/ultron.js';

jest.setTimeout(400_000);

let ns: string;
beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('scores');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

const workerJobs = async (job: string) =>
  (await kubectlJson<{ items: unknown[] }>(['-n', ns, 'get', 'jobs', '-l', `ultron.dev/hpojob=${job}`])).items
    .length;

it('a second job with the same configurations and template reuses the first one’s results; cache: false runs them', async () => {
  await kubectl(['-n', ns, 'apply', '-f', '-'], fastJob({ name: 'first', maxTrials: 3, parallelism: 3 }));
  await waitFinished(ns, 'first', 180_000);
  const first = await trialsOf(ns, 'first');
  expect(first.every((t) => t.status?.phase === 'Succeeded' && !t.status.cachedFrom)).toBe(true);

  // The same spec (seed 1, random): the same three configurations.
  await kubectl(['-n', ns, 'apply', '-f', '-'], fastJob({ name: 'second', maxTrials: 3, parallelism: 3 }));
  const done = await waitFinished(ns, 'second', 120_000);
  expect(done.status?.phase).toBe('Succeeded');
  const second = await trialsOf(ns, 'second');
  expect(second.map((t) => t.spec.params)).toEqual(first.map((t) => t.spec.params));
  for (const [i, t] of second.entries()) {
    expect(t.status).toMatchObject({ phase: 'Succeeded', cachedFrom: `${ns}/first-${i}` });
    expect(t.status?.objective).toBe(first[i]!.status?.objective);
  }
  expect(await workerJobs('second')).toBe(0);
  expect(await kubectl(['-n', ns, 'get', 'trials', '-l', 'ultron.dev/hpojob=second'])).toContain(
    `${ns}/first-0`,
  );

  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name: 'third', maxTrials: 3, parallelism: 3, cache: false }),
  );
  await waitFinished(ns, 'third', 180_000);
  const third = await trialsOf(ns, 'third');
  expect(third.every((t) => t.status?.phase === 'Succeeded' && !t.status.cachedFrom)).toBe(true);
  expect(await workerJobs('third')).toBe(3);
});
