/**
 * Pre-emption on the real bed (issue 9, ARCHITECTURE §6): a trial whose trainer checkpoints every step
 * is pre-empted three times mid-training — twice through the Eviction API and once by losing its node
 * (kubelet and containerd stopped) — and completes: each new pod's restore step put back the newest
 * uploaded step (never an older one), the trainer's log says it resumed from there, its running state
 * survived (the sum of all steps is exact), and `preemptions: 3` with `restarts` and retries untouched.
 * The object store is the bed's MinIO, reached by its Service name from the pods.
 */
import { jest } from '@jest/globals';
import { kubectl } from './lib/bed.js';
import { createCheckpointSecret } from './lib/checkpoints.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { checkpointingJob } from './lib/jobs.js';
import { failNode, restartNode } from './lib/nodes.js';
import { evict, jobPods, logs, type PodInfo } from './lib/pods.js';
import { getJob, installUltron, trialsOf, waitFinished, type TrialView } from './lib/ultron.js';

jest.setTimeout(600_000);

const STEPS = 40;
/** Resumes from its newest complete checkpoint; its state (a running sum) must survive every restart. */
const TRAINER = [
  'import json, os, signal, time',
  // PID 1 of a container ignores SIGTERM unless it handles it: without this the trainer would train on
  // through the grace period and be killed.
  'signal.signal(signal.SIGTERM, lambda *_: os._exit(143))',
  'd = os.environ["ULTRON_CHECKPOINT_DIR"]',
  'done = [int(n) for n in os.listdir(d) if n.isdigit() and os.path.exists(os.path.join(d, n, ".complete"))] if os.path.isdir(d) else []',
  'start = max(done) if done else 0',
  'state = json.load(open(os.path.join(d, str(start), "state.json"))) if start else {"sum": 0}',
  'print(f"resumed from step {start}" if start else "starting from step 0", flush=True)',
  'for step in range(start + 1, int(os.environ["STEPS"]) + 1):',
  '    time.sleep(float(os.environ["SLEEP"]))',
  '    state["sum"] += step',
  '    os.makedirs(os.path.join(d, str(step)), exist_ok=True)',
  '    json.dump(state, open(os.path.join(d, str(step), "state.json"), "w"))',
  '    open(os.path.join(d, str(step), ".complete"), "w").close()',
  '    with open(os.environ["ULTRON_METRICS_FILE"], "a") as f:',
  '        f.write(json.dumps({"step": step, "loss": 1.0 / step, "sum": state["sum"]}) + "\\n")',
  'print("done", state, flush=True)',
].join('\n');

let ns: string;
beforeAll(async () => {
  await installUltron();
  ns = await createNamespace('preempt');
  await createCheckpointSecret(ns);
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

const job = checkpointingJob({
  name: 'resumable',
  trainer: TRAINER,
  env: { STEPS: String(STEPS), SLEEP: '0.5' },
  maxTrials: 1,
  parallelism: 1,
  seed: 1,
  terminationGracePeriodSeconds: 10,
  // The bed's nodes advertise nvidia.com/gpu: the trial is metered in GPU-seconds.
  gpu: true,
  // A lost node's pods are evicted after this, not the default 300 s.
  tolerations: ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 2,
  })),
});

const trial = async (): Promise<TrialView> => {
  const [t] = await trialsOf(ns, 'resumable');
  if (!t) throw new Error('no trial yet');
  return t;
};
const running = async (not: ReadonlySet<string>): Promise<PodInfo> =>
  eventually(async () => {
    const pod = (await jobPods(ns, 'resumable-0')).find(
      (p) => !not.has(p.metadata.uid) && p.status.phase === 'Running' && !p.metadata.deletionTimestamp,
    );
    expect(pod).toBeDefined();
    return pod!;
  }, 180_000);

it('a trial pre-empted twice by eviction and once by node loss resumes each time from its last uploaded step', async () => {
  await kubectl(['-n', ns, 'apply', '-f', '-'], job);
  const seen = new Set<string>();
  let pod = await running(seen);
  let uploaded = 0;
  for (const how of ['evict', 'evict', 'node'] as const) {
    // A few steps into this pod's training, as the operator reports it from the agent's announcements.
    const at = await eventually(async () => {
      const c = (await trial()).status?.checkpoint;
      expect(c?.step).toBeGreaterThanOrEqual(uploaded + 4);
      return c!.step;
    }, 120_000);
    seen.add(pod.metadata.uid);
    const node = pod.spec.nodeName!;
    if (how === 'evict') await evict(ns, pod.metadata.name);
    else {
      // The node dies. The Job replaces a pod only once it is terminal, which for a pod of a dead node
      // takes the non-graceful-shutdown taint (what an operator or a cloud's node controller applies);
      // the pod garbage collector then fails and removes the pod, with DisruptionTarget.
      await failNode(node);
      await eventually(async () => {
        const ready = await kubectl([
          'get',
          'node',
          node,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        expect(ready).not.toBe('True');
      }, 60_000);
      await kubectl([
        'taint',
        'node',
        node,
        'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute',
        '--overwrite',
      ]);
    }
    let next: PodInfo;
    try {
      next = await running(seen);
    } finally {
      if (how === 'node') {
        await kubectl(['taint', 'node', node, 'node.kubernetes.io/out-of-service-']).catch(() => '');
        await restartNode(node);
      }
    }
    // The restore step put back the newest uploaded step (at least the one the Trial showed), and the
    // trainer started from it.
    const restored = await eventually(async () => {
      const m = /restored step (\d+) from s3:\/\//.exec(await logs(ns, next.metadata.name, 'ultron-restore'));
      expect(m).not.toBeNull();
      return Number(m![1]);
    }, 30_000);
    expect(restored).toBeGreaterThanOrEqual(at);
    await eventually(
      async () =>
        expect(await logs(ns, next.metadata.name, 'trainer')).toContain(`resumed from step ${restored}`),
      30_000,
    );
    uploaded = restored;
    pod = next;
    console.log(JSON.stringify({ how, checkpointShown: at, restored }));
  }

  const finished = await waitFinished(ns, 'resumable', 300_000);
  expect(finished.status?.phase).toBe('Succeeded');
  const t = await trial();
  console.log(JSON.stringify({ preemptedPods: t.status?.preemptedPods, usage: t.status?.usage }));
  expect(t.status).toMatchObject({ phase: 'Succeeded', preemptions: 3, restarts: 0 });
  // Every step's contribution counted exactly once across four pods: nothing redone from an older state.
  expect(t.status?.metrics?.['sum']).toBe((STEPS * (STEPS + 1)) / 2);
  expect(t.status?.step).toBe(STEPS);
  // What the pre-emptions cost: each evicted pod lost at most about one checkpoint interval (0.5 s; the
  // trainer exits on SIGTERM), the lost node's pod the time until the control plane gave it up.
  const records = t.status?.preemptedPods ?? [];
  expect(records.map((r) => r.reason)).toEqual([
    'EvictionByEvictionAPI',
    'EvictionByEvictionAPI',
    expect.stringMatching(/DeletionBy(PodGC|TaintManager)|NodeLost/),
  ]);
  // Each pre-emption wasted at most one checkpoint interval (0.5 s) plus the moments around it (0.25 s):
  // the agent's look every 0.1 s and the upload before a step is stored; for an eviction the trainer's
  // exit on SIGTERM and the sidecar's stop after it (the agent's stop time gives the end to the ms). The
  // lost node's pod is counted to its agent's last sign of life (a message or a heartbeat), not to when
  // the control plane gave the pod up (~14 s later on the bed).
  for (const r of records) expect(r.lostSeconds).toBeLessThanOrEqual(0.5 + 0.25);
  // A pod never loses more than it ran (its start is taken mid-second against an exact end).
  for (const r of records) expect(r.lostSeconds).toBeLessThanOrEqual(r.ranSeconds);
  const usage = t.status?.usage;
  const ran = records.reduce((s, r) => s + r.ranSeconds, 0);
  // All of the training (40 steps of 0.5 s) ran on one GPU at least once, and the lost pods' runs too.
  expect(usage?.gpuSeconds).toBeGreaterThanOrEqual(STEPS * 0.5);
  expect(usage?.gpuSeconds).toBeGreaterThanOrEqual(ran);
  expect(usage?.wastedGpuSeconds).toBeCloseTo(
    records.reduce((s, r) => s + r.lostSeconds, 0),
    2,
  );
  const jobUsage = (await getJob(ns, 'resumable')).status as { usage?: { wastedGpuSeconds: number } };
  expect(jobUsage.usage?.wastedGpuSeconds).toBeCloseTo(usage!.wastedGpuSeconds, 2);
  expect(t.status?.checkpoint?.uri).toMatch(
    /^s3:\/\/[^/]+\/ultron\/preempt-[0-9a-f]+\/resumable\/[0-9a-f-]+\/0\/\d+\/$/,
  );
}, 600_000);
