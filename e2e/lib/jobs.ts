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
  /** spec.queue (the quota tenant; default: the namespace) and spec.priority. */
  queue?: string;
  priority?: number;
}

export function fastJob(o: FastJobOptions): string {
  return stringify({
    apiVersion: 'ultron.dev/v1alpha1',
    kind: 'HPOJob',
    metadata: { name: o.name },
    spec: {
      objective: { metric: 'loss', direction: 'minimize' },
      parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
      sampler: { name: o.sampler ?? 'random' },
      ...(o.earlyStopping ? { earlyStopping: o.earlyStopping } : {}),
      budget: { maxTrials: o.maxTrials, maxFailedTrials: 0 },
      parallelism: o.parallelism,
      seed: 1,
      ...(o.queue !== undefined ? { queue: o.queue } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      trialTemplate: {
        retries: 0,
        ...(o.cache !== undefined ? { cache: o.cache } : {}),
        template: {
          spec: {
            terminationGracePeriodSeconds: 5,
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
    },
  });
}
