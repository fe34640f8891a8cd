/** HPOJob manifests for the operator's e2e tests: fast trials in the stock trainer image. */
import { stringify } from 'yaml';

/** A trainer that reports loss = (x - 0.3)² (+ a little per step) for `steps` steps, `sleep` s apart. */
export const FAST_TRAINER = [
  'import json, os, time',
  'p = json.loads(os.environ["ULTRON_PARAMS"])',
  'steps = int(os.environ.get("STEPS", "1"))',
  'for step in range(1, steps + 1):',
  '    time.sleep(float(os.environ.get("SLEEP", "0")))',
  '    with open(os.environ["ULTRON_METRICS_FILE"], "a") as f:',
  '        f.write(json.dumps({"step": step, "loss": (p["x"] - 0.3) ** 2 + 1.0 / step}) + "\\n")',
  'print("done", p)',
].join('\n');

/** What the e2e jobs vary around one float parameter `x` in [0, 1], minimising `loss`. */
export interface OneFloatJob {
  name: string;
  sampler: string;
  maxTrials: number;
  maxFailedTrials: number;
  parallelism: number;
  seed?: number;
  /** Spec fields beside the shared ones (earlyStopping, queue, priority). */
  extra?: Record<string, unknown>;
  trialTemplate: Record<string, unknown>;
}

/** The HPOJob manifest (YAML) every e2e and bed benchmark job shares. */
export function oneFloatJob(o: OneFloatJob): string {
  return stringify({
    apiVersion: 'ultron.dev/v1alpha1',
    kind: 'HPOJob',
    metadata: { name: o.name },
    spec: {
      objective: { metric: 'loss', direction: 'minimize' },
      parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
      sampler: { name: o.sampler },
      budget: { maxTrials: o.maxTrials, maxFailedTrials: o.maxFailedTrials },
      parallelism: o.parallelism,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.extra ?? {}),
      trialTemplate: o.trialTemplate,
    },
  });
}

export interface FastJobOptions {
  name: string;
  sampler?: string;
  maxTrials: number;
  parallelism: number;
  steps?: number;
  sleep?: number;
  extraContainerFields?: Record<string, unknown>;
  earlyStopping?: Record<string, unknown>;
  /** trialTemplate.cache (the score cache; the CRD's default is on). */
  cache?: boolean;
  /**
   * trialTemplate.checkpoint.enabled; default false here (the CRD's is true): FAST_TRAINER writes none,
   * and a pod without the restore step starts sooner.
   */
  checkpoint?: boolean;
  /** The pod's terminationGracePeriodSeconds (default 5: FAST_TRAINER ignores SIGTERM as PID 1). */
  gracePeriodSeconds?: number;
  /** spec.queue (the quota tenant; default: the namespace) and spec.priority. */
  queue?: string;
  priority?: number;
}

export function fastJob(o: FastJobOptions): string {
  return oneFloatJob({
    name: o.name,
    sampler: o.sampler ?? 'random',
    maxTrials: o.maxTrials,
    maxFailedTrials: 0,
    parallelism: o.parallelism,
    seed: 1,
    extra: {
      ...(o.earlyStopping ? { earlyStopping: o.earlyStopping } : {}),
      ...(o.queue !== undefined ? { queue: o.queue } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
    },
    trialTemplate: {
      retries: 0,
      ...(o.cache !== undefined ? { cache: o.cache } : {}),
      checkpoint: { enabled: o.checkpoint ?? false },
      template: {
        spec: {
          terminationGracePeriodSeconds: o.gracePeriodSeconds ?? 5,
          containers: [
            {
              name: 'trainer',
              image: 'ultron.local/python',
              imagePullPolicy: 'IfNotPresent',
              command: ['python3', '-c', FAST_TRAINER],
              env: [
                { name: 'STEPS', value: String(o.steps ?? 1) },
                { name: 'SLEEP', value: String(o.sleep ?? 0) },
              ],
              resources: { requests: { cpu: '50m', memory: '64Mi' } },
              ...(o.extraContainerFields ?? {}),
            },
          ],
        },
      },
    },
  });
}

export interface CheckpointingJobOptions {
  name: string;
  /** The trainer's Python source (run with `python3 -c`). */
  trainer: string;
  env?: Record<string, string>;
  maxTrials: number;
  parallelism: number;
  keep?: number;
  deleteOnFinish?: boolean;
  terminationGracePeriodSeconds: number;
  /** One nvidia.com/gpu per trial (the bed's nodes advertise them): metered in GPU-seconds. */
  gpu?: boolean;
  tolerations?: unknown[];
  /** trialTemplate.cache; omitted: the CRD's default. */
  cache?: boolean;
  seed?: number;
}

/** A job whose trainer checkpoints (a random float `x`; failures end it: retries 0, maxFailedTrials 0). */
export function checkpointingJob(o: CheckpointingJobOptions): string {
  return oneFloatJob({
    name: o.name,
    sampler: 'random',
    maxTrials: o.maxTrials,
    maxFailedTrials: 0,
    parallelism: o.parallelism,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    trialTemplate: {
      retries: 0,
      ...(o.cache !== undefined ? { cache: o.cache } : {}),
      checkpoint: {
        keep: o.keep ?? 2,
        ...(o.deleteOnFinish !== undefined ? { deleteOnFinish: o.deleteOnFinish } : {}),
      },
      template: {
        spec: {
          terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
          ...(o.tolerations ? { tolerations: o.tolerations } : {}),
          containers: [
            {
              name: 'trainer',
              image: 'ultron.local/python',
              imagePullPolicy: 'IfNotPresent',
              command: ['python3', '-c', o.trainer],
              env: Object.entries(o.env ?? {}).map(([name, value]) => ({ name, value })),
              resources: {
                requests: { cpu: '50m', memory: '64Mi' },
                ...(o.gpu ? { limits: { 'nvidia.com/gpu': 1 } } : {}),
              },
            },
          ],
        },
      },
    },
  });
}
