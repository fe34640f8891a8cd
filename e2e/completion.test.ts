/**
 * The HPOJob finalizer on the real bed (issue 9 scope 5): deleting a running job stops its trainers,
 * waits for their agents' final checkpoint flush before the job goes (a step the trainers write on
 * SIGTERM is in the store the moment the HPOJob is gone), and with `checkpoint.deleteOnFinish: true`
 * a clean-up Job in the namespace deletes the job's checkpoints; without it they stay.
 */
import { jest } from '@jest/globals';
import { jobBase, trialBase } from '../operator/checkpoint/index.js';
import { kubectl, kubectlJson } from './lib/bed.js';
import { bedStore, createCheckpointSecret } from './lib/checkpoints.js';
import { eventually } from './lib/eventually.js';
import { checkpointingJob } from './lib/jobs.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { getJob, installUltron, trialsOf } from './lib/ultron.js';

jest.setTimeout(400_000);

/** Checkpoints every 0.5 s; on SIGTERM it writes step 9999 and exits, which only the agent's flush stores. */
const TRAINER = [
  'import json, os, signal, time',
  'd = os.environ["ULTRON_CHECKPOINT_DIR"]',
  'def save(step):',
  '    os.makedirs(os.path.join(d, str(step)), exist_ok=True)',
  '    open(os.path.join(d, str(step), "w.txt"), "w").write(str(step))',
  '    open(os.path.join(d, str(step), ".complete"), "w").close()',
  'def stop(*_):',
  '    save(9999)',
  '    os._exit(143)',
  'signal.signal(signal.SIGTERM, stop)',
  'for step in range(1, 10000):',
  '    time.sleep(0.5)',
  '    save(step)',
  '    with open(os.environ["ULTRON_METRICS_FILE"], "a") as f:',
  '        f.write(json.dumps({"step": step, "loss": 1.0 / step}) + "\\n")',
].join('\n');

const job = (name: string, deleteOnFinish: boolean) =>
  checkpointingJob({
    name,
    trainer: TRAINER,
    maxTrials: 2,
    parallelism: 2,
    deleteOnFinish,
    terminationGracePeriodSeconds: 15,
  });

let ns: string;
const { store, s3 } = bedStore();
beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('complete');
  await createCheckpointSecret(ns);
});
afterAll(async () => {
  store.client.destroy();
  if (ns) await deleteNamespace(ns);
});

async function startAndDelete(
  name: string,
  deleteOnFinish: boolean,
): Promise<{ uid: string; sawFinal: boolean[] }> {
  await kubectl(['-n', ns, 'apply', '-f', '-'], job(name, deleteOnFinish));
  const uid = (await getJob(ns, name)).metadata.uid;
  // Both trials a few checkpoints in.
  await eventually(async () => {
    const trials = await trialsOf(ns, name);
    expect(trials).toHaveLength(2);
    for (const t of trials) expect(t.status?.checkpoint?.step ?? 0).toBeGreaterThanOrEqual(2);
  }, 180_000);
  await kubectl(['-n', ns, 'delete', 'hpojob', name, '--wait=false']);
  // The moment the job is gone, each trial's SIGTERM step must already be stored.
  await eventually(
    async () => {
      const list = await kubectlJson<{ items: unknown[] }>([
        '-n',
        ns,
        'get',
        'hpojobs',
        `--field-selector=metadata.name=${name}`,
      ]);
      expect(list.items).toHaveLength(0);
    },
    120_000,
    100,
  );
  const sawFinal = await Promise.all(
    [0, 1].map(async (index) => {
      const base = trialBase({ prefix: s3.prefix, namespace: ns, hpoJob: name, hpoJobUid: uid, index });
      return (await store.steps(base)).complete.includes(9999);
    }),
  );
  return { uid, sawFinal };
}

it('a deleted job waits for its trainers’ final flush and keeps its checkpoints by default', async () => {
  const { uid, sawFinal } = await startAndDelete('keeps', false);
  expect(sawFinal).toEqual([true, true]);
  // Still there a while later: nothing deletes them.
  await new Promise((r) => setTimeout(r, 3_000));
  const keys = await store.keys(
    jobBase({ prefix: s3.prefix, namespace: ns, hpoJob: 'keeps', hpoJobUid: uid }),
  );
  expect(keys.length).toBeGreaterThan(0);
});

it('with deleteOnFinish the clean-up Job deletes the job’s checkpoints', async () => {
  const { uid, sawFinal } = await startAndDelete('cleans', true);
  expect(sawFinal.some(Boolean)).toBe(true); // the clean-up may already have begun
  const prefix = jobBase({ prefix: s3.prefix, namespace: ns, hpoJob: 'cleans', hpoJobUid: uid });
  await eventually(async () => expect(await store.keys(prefix)).toEqual([]), 120_000);
  const cleanupJobs = async () =>
    (
      await kubectlJson<{ items: Array<{ status?: { succeeded?: number } }> }>([
        '-n',
        ns,
        'get',
        'jobs',
        '-l',
        'ultron.dev/checkpoint-cleanup=cleans',
      ])
    ).items;
  expect(await cleanupJobs()).toHaveLength(1);
  await eventually(async () => {
    const [j] = await cleanupJobs();
    expect(j?.status?.succeeded).toBe(1);
  }, 60_000);
});
