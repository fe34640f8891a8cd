/**
 * The operator end to end on the real bed: installed with `kubectl apply -k`, HPOJobs applied with real
 * kubectl run through real Jobs and Pods, the sampler loop over the bed's NATS JetStream.
 */
import { jest } from '@jest/globals';
import { join } from 'node:path';
import { kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { getJob, installUltron, REPO, trialsOf, waitFinished } from './lib/ultron.js';

jest.setTimeout(600_000);

let ns: string;
beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('op');
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

describe('the quickstart on the cluster', () => {
  it('runs to Succeeded through real pods; trials and the best agree; the spec is never written', async () => {
    await kubectl(['-n', ns, 'apply', '-f', join(REPO, 'examples/quickstart/k8s/')]);
    const before = await getJob(ns, 'quickstart');
    const job = await waitFinished(ns, 'quickstart', 480_000);
    expect(job.status?.phase).toBe('Succeeded');
    expect(job.status?.progress).toBe('20/20');
    expect(job.metadata.generation).toBe(before.metadata.generation);

    const trials = await trialsOf(ns, 'quickstart');
    expect(trials.map((t) => t.spec.index)).toEqual([...Array(20).keys()]);
    for (const t of trials) {
      expect(t.status?.phase).toBe('Succeeded');
      expect(typeof t.status?.objective).toBe('number');
      // In the spec's parameter order.
      expect(t.status?.paramsSummary).toMatch(/^lr=\S+ l2=\S+ hidden=\d+ batch_size=\d+$/);
    }
    // The namespace has no checkpoint Secret: the trials ran without checkpoints, and each says so.
    for (const t of trials)
      expect(t.status?.conditions?.find((c) => c.type === 'CheckpointsHealthy')).toMatchObject({
        status: 'False',
        reason: 'NoCheckpointStore',
        message: expect.stringContaining(`namespace ${ns} has no Secret ultron-checkpoints`),
      });
    const warned = await kubectlJson<{
      items: Array<{ type: string; involvedObject: { kind: string; name: string } }>;
    }>(['-n', ns, 'get', 'events', '--field-selector', 'reason=NoCheckpointStore']);
    const warnedTrials = warned.items.filter(
      (e) => e.type === 'Warning' && e.involvedObject.kind === 'Trial',
    );
    expect(new Set(warnedTrials.map((e) => e.involvedObject.name)).size).toBe(20);
    expect(warnedTrials.length).toBe(20); // once per trial
    const best = trials.reduce((a, b) => (b.status!.objective! < a.status!.objective! ? b : a));
    expect(job.status?.best).toMatchObject({
      trial: best.metadata.name,
      index: best.spec.index,
      objective: best.status!.objective,
    });

    // What a user sees.
    const table = await kubectl(['-n', ns, 'get', 'hpojobs']);
    expect(table).toMatch(/NAME\s+PHASE\s+PROGRESS\s+RUNNING\s+BEST\s+SAMPLER\s+AGE/);
    expect(table).toMatch(/quickstart\s+Succeeded\s+20\/20\s+0\s+\S+\s+tpe/);
    const trialTable = await kubectl(['-n', ns, 'get', 'trials', '-l', 'ultron.dev/hpojob=quickstart']);
    expect(trialTable).toMatch(/quickstart-3\s+quickstart\s+Succeeded\s+\S+\s+lr=/);
    const pods = await kubectlJson<{ items: Array<{ metadata: { name: string } }> }>([
      '-n',
      ns,
      'get',
      'pods',
      '-l',
      'ultron.dev/trial=quickstart-3',
    ]);
    const log = await kubectl(['-n', ns, 'logs', pods.items[0]!.metadata.name, '-c', 'trainer']);
    expect(log.length).toBeGreaterThan(0);
  });

  it('raising maxTrials of the finished job continues it from the next index', async () => {
    await kubectl([
      '-n',
      ns,
      'patch',
      'hpojob',
      'quickstart',
      '--type',
      'merge',
      '-p',
      '{"spec":{"budget":{"maxTrials":22}}}',
    ]);
    await eventually(async () => {
      const job = await getJob(ns, 'quickstart');
      if (job.status?.progress !== '22/22' || job.status.phase !== 'Succeeded')
        throw new Error(`${job.status?.phase} ${job.status?.progress}`);
    }, 240_000);
    const trials = await trialsOf(ns, 'quickstart');
    expect(trials.map((t) => t.spec.index)).toEqual([...Array(22).keys()]);
  });

  it('deleting the job removes its Trials, Jobs and Pods', async () => {
    await kubectl(['-n', ns, 'delete', 'hpojob', 'quickstart', '--wait=true', '--timeout=120s']);
    await eventually(async () => {
      const left = await kubectl([
        '-n',
        ns,
        'get',
        'trials,jobs,pods',
        '-l',
        'ultron.dev/hpojob=quickstart',
        '-o',
        'name',
      ]);
      if (left.trim()) throw new Error(`left: ${left}`);
    }, 120_000);
  });
});

describe('early stopping and custom samplers on the cluster', () => {
  it('ASHA stops trials: their phase is EarlyStopped and their pods are gone', async () => {
    await kubectl([
      '-n',
      ns,
      'apply',
      '-f',
      join(REPO, 'examples/quickstart/k8s/code.yaml'),
      '-f',
      join(REPO, 'examples/asha/k8s/'),
    ]);
    const job = await waitFinished(ns, 'asha', 480_000);
    expect(job.status?.phase).toBe('Succeeded');
    const trials = await trialsOf(ns, 'asha');
    const stopped = trials.filter((t) => t.status?.phase === 'EarlyStopped');
    expect(stopped.length).toBeGreaterThan(0);
    expect(job.status?.trials?.['earlyStopped']).toBe(stopped.length);
    for (const t of stopped) expect(t.status?.message).toMatch(/rung/);
    // Stopping deletes the worker Job; its pod goes after the trainer's SIGTERM.
    await eventually(async () => {
      const pods = await kubectlJson<{ items: Array<{ metadata: { labels: Record<string, string> } }> }>([
        '-n',
        ns,
        'get',
        'pods',
        '-l',
        'ultron.dev/hpojob=asha',
      ]);
      const podTrials = new Set(pods.items.map((p) => p.metadata.labels['ultron.dev/trial']));
      const left = stopped.filter((t) => podTrials.has(t.metadata.name)).map((t) => t.metadata.name);
      if (left.length) throw new Error(`pods of early-stopped trials still there: ${left.join(', ')}`);
    }, 90_000);
  });

  it('the Python custom sampler (the SDK, in a Deployment) drives a job to completion', async () => {
    await kubectl([
      '-n',
      ns,
      'apply',
      '-f',
      join(REPO, 'examples/quickstart/k8s/code.yaml'),
      '-f',
      join(REPO, 'examples/custom-sampler/k8s/'),
    ]);
    const job = await waitFinished(ns, 'custom-sampler', 480_000);
    expect(job.status?.phase).toBe('Succeeded');
    expect(job.status?.progress).toBe('20/20');
    const trials = await trialsOf(ns, 'custom-sampler');
    expect(trials.map((t) => t.spec.index)).toEqual([...Array(20).keys()]);
    const logs = await kubectl(['-n', ns, 'logs', 'deploy/around-the-best-sampler']);
    expect(logs.length).toBeGreaterThan(0);
    await kubectl(['-n', ns, 'delete', 'deploy', 'around-the-best-sampler', '--wait=false']);
  });
});
