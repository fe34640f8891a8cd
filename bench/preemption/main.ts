/**
 * `npm run bench:preemption` (issue 9): what pre-emption costs. The same GPU job runs twice on the bed,
 * one run after the other in one invocation: undisturbed, then with each trial pod evicted through the
 * Eviction API once its trainer has run `--period` seconds (how a node drain or a scheduler's pre-emption
 * ends a pod). The trainer checkpoints every `--every` steps and resumes from the newest complete one. Reports
 * wall-clock, GPU-seconds used and wasted (the operator's own accounting, HPOJob status.usage) and the
 * pre-emptions counted, against the target GPU-s ≤ (1 + interval / period) × undisturbed. Needs the bed
 * (`npm run cluster:up`, Ultron installed by the e2e tests or `kubectl apply -k manifests/overlays/testbed`).
 * Writes the `preemption` section of docs/benchmarks.md.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { kubectl, kubectlJson } from '../../e2e/lib/bed.js';
import { createCheckpointSecret } from '../../e2e/lib/checkpoints.js';
import { createNamespace, deleteNamespace } from '../../e2e/lib/namespace.js';
import { checkpointingJob } from '../../e2e/lib/jobs.js';
import { evict } from '../../e2e/lib/pods.js';
import { getJob, trialsOf, waitFinished } from '../../e2e/lib/ultron.js';
import { writeSection } from '../lib/doc-section.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '2' },
    steps: { type: 'string', default: '120' },
    'step-seconds': { type: 'string', default: '0.5' },
    every: { type: 'string', default: '4' },
    period: { type: 'string', default: '15' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const TRIALS = Number(values.trials);
const STEPS = Number(values.steps);
const STEP_S = Number(values['step-seconds']);
const EVERY = Number(values.every);
const PERIOD_S = Number(values.period);
const INTERVAL_S = EVERY * STEP_S;

/** Checkpoints every CKPT_EVERY steps, resumes from the newest complete one, exits at once on SIGTERM. */
const TRAINER = [
  'import json, os, signal, time',
  'signal.signal(signal.SIGTERM, lambda *_: os._exit(143))',
  'd = os.environ["ULTRON_CHECKPOINT_DIR"]',
  'done = [int(n) for n in os.listdir(d) if n.isdigit() and os.path.exists(os.path.join(d, n, ".complete"))] if os.path.isdir(d) else []',
  'start = max(done) if done else 0',
  'print(f"resumed from step {start}" if start else "starting from step 0", flush=True)',
  'every = int(os.environ["CKPT_EVERY"])',
  'for step in range(start + 1, int(os.environ["STEPS"]) + 1):',
  '    time.sleep(float(os.environ["SLEEP"]))',
  '    if step % every == 0:',
  '        os.makedirs(os.path.join(d, str(step)), exist_ok=True)',
  '        open(os.path.join(d, str(step), "weights.bin"), "wb").write(os.urandom(1 << 16))',
  '        open(os.path.join(d, str(step), ".complete"), "w").close()',
  '    with open(os.environ["ULTRON_METRICS_FILE"], "a") as f:',
  '        f.write(json.dumps({"step": step, "loss": 1.0 / step}) + "\\n")',
].join('\n');

const job = (name: string): string =>
  checkpointingJob({
    name,
    trainer: TRAINER,
    env: { STEPS: String(STEPS), SLEEP: String(STEP_S), CKPT_EVERY: String(EVERY) },
    maxTrials: TRIALS,
    parallelism: TRIALS,
    terminationGracePeriodSeconds: 10,
    gpu: true,
    cache: false,
    seed: 1,
  });

interface Run {
  label: string;
  wallS: number;
  gpuSeconds: number;
  wastedGpuSeconds: number;
  preemptions: number;
  evictions: number;
}

interface PodList {
  items: Array<{
    metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
    status: {
      phase: string;
      containerStatuses?: Array<{ name: string; state: { running?: { startedAt?: string } } }>;
    };
  }>;
}

/**
 * Evicts each pod of `name` once its trainer has run PERIOD_S seconds, until stopped: a pre-emption
 * every PERIOD_S seconds of GPU time. (Evicting on a wall-clock timer instead kills a replacement pod
 * before it trained at all whenever the period is not much longer than a pod's start, ~8 s here: a
 * first version livelocked at step 71 of 80.)
 */
function preemptEvery(ns: string, name: string): { stop(): Promise<number> } {
  let on = true;
  let evictions = 0;
  let wake = (): void => {};
  const nap = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  const loop = (async () => {
    while (on) {
      await nap(250);
      if (!on) break;
      const pods = await kubectlJson<PodList>(['-n', ns, 'get', 'pods', '-l', `ultron.dev/hpojob=${name}`]);
      for (const p of pods.items) {
        const started = p.status.containerStatuses?.find((c) => c.name === 'trainer')?.state.running
          ?.startedAt;
        const ranS = started ? (Date.now() - Date.parse(started)) / 1000 : 0;
        if (p.status.phase !== 'Running' || p.metadata.deletionTimestamp || ranS < PERIOD_S) continue;
        await evict(ns, p.metadata.name).then(
          () => evictions++,
          () => undefined, // it ended meanwhile
        );
      }
    }
  })();
  return {
    async stop() {
      on = false;
      wake();
      await loop;
      return evictions;
    },
  };
}

async function runOnce(ns: string, name: string, preempt: boolean): Promise<Run> {
  const t0 = Date.now();
  await kubectl(['-n', ns, 'apply', '-f', '-'], job(name));
  const disturber = preempt ? preemptEvery(ns, name) : undefined;
  const finished = await waitFinished(ns, name, 900_000).finally(() => disturber?.stop());
  const wallS = (Date.now() - t0) / 1000;
  const evictions = (await disturber?.stop()) ?? 0;
  if (finished.status?.phase !== 'Succeeded') throw new Error(`${name} ended ${finished.status?.phase}`);
  // The operator sums its trials' usage into the job's status.
  const usage = (await getJob(ns, name)).status?.usage ?? { gpuSeconds: NaN, wastedGpuSeconds: NaN };
  const trials = await trialsOf(ns, name);
  const preemptions = trials.reduce((s, t) => s + (t.status?.preemptions ?? 0), 0);
  const run = {
    label: preempt ? `evicted after every ${PERIOD_S} s of training` : 'undisturbed',
    wallS,
    ...usage,
    preemptions,
    evictions,
  };
  console.log(JSON.stringify(run));
  return run;
}

const f1 = (x: number): string => x.toFixed(1);

async function main(): Promise<void> {
  const ns = await createNamespace('bench-preempt');
  try {
    await createCheckpointSecret(ns);
    console.log(
      `bench:preemption: ${TRIALS} trials × ${STEPS} steps of ${STEP_S} s, checkpoint every ${EVERY} steps (${INTERVAL_S} s), eviction after every ${PERIOD_S} s of training`,
    );
    const calm = await runOnce(ns, 'calm', false);
    const rough = await runOnce(ns, 'rough', true);
    const bound = (1 + INTERVAL_S / PERIOD_S) * calm.gpuSeconds;
    const ratio = rough.gpuSeconds / calm.gpuSeconds;
    const row = (r: Run) =>
      `| ${r.label} | ${f1(r.wallS)} | ${f1(r.gpuSeconds)} | ${f1(r.wastedGpuSeconds)} | ${r.preemptions} |`;
    const perPreemption = rough.preemptions ? rough.wastedGpuSeconds / rough.preemptions : 0;
    const body = [
      '## Pre-emption (`npm run bench:preemption`)',
      '',
      `The same job run twice, one run after the other: ${TRIALS} trials on 1 GPU each (the bed's extended`,
      `resource), ${STEPS} steps of ${STEP_S} s, a checkpoint every ${EVERY} steps (interval ${INTERVAL_S} s) uploaded`,
      'by the agent sidecar to MinIO and restored by the restore step. In the second run each training pod is',
      `evicted through the Eviction API once its trainer has run ${PERIOD_S} s. GPU-seconds are the operator's own accounting`,
      '(HPOJob `status.usage`: trainer running time × GPUs; wasted = work since the last uploaded checkpoint',
      'at each pre-emption).',
      '',
      '| run | wall-clock s | GPU-s | wasted GPU-s | pre-emptions |',
      '| --- | ---: | ---: | ---: | ---: |',
      row(calm),
      row(rough),
      '',
      `GPU-s ratio ${ratio.toFixed(2)} (target ≤ 1 + interval / period = ${(1 + INTERVAL_S / PERIOD_S).toFixed(2)}, i.e. ≤ ${f1(bound)} GPU-s): ` +
        `${rough.gpuSeconds <= bound ? 'met' : 'missed'}. Wasted per pre-emption ${perPreemption.toFixed(2)} GPU-s ` +
        `(≤ one interval, ${INTERVAL_S} s: ${perPreemption <= INTERVAL_S ? 'yes' : 'no'}); ${rough.evictions} evictions sent.`,
      `Wall-clock grows by ${f1((rough.wallS - calm.wallS) / Math.max(1, rough.preemptions))} s per pre-emption: the evicted pod's termination (the agent's`,
      "final flush), the Job controller's replacement, scheduling, the restore step and the trainer's start. By this",
      'accounting that time holds no GPU; on a real cluster the node may hold it idle. Not broken down here.',
      '',
      `Run ${new Date().toISOString().slice(0, 10)} on the bed (load average ${loadavg()[0]!.toFixed(1)} at the end).`,
    ].join('\n');
    writeSection(values.out!, 'preemption', body);
    console.log(body);
  } finally {
    await deleteNamespace(ns);
  }
}

main().catch((e: unknown) => {
  console.error(`bench:preemption: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
