/**
 * npm run bench:operator -- --kwok — the installed operator at scale, on fake nodes simulated by kwok
 * (bench/operator/kwok-up.sh: 20 tainted nodes; a worker pod runs ~0.1–0.3 s after binding and ends
 * Succeeded, trainer exit 0, 1–1.5 s later). No agent runs in a fake pod, so this program plays it: it
 * watches the trial pods and publishes each pod's `report` (loss = (x − 0.3)²) and `end` on NATS, with
 * the agent's subjects and message ids.
 *
 * Runs: (a) one HPOJob of 2,000 trials at parallelism 200, once per sampler in --samplers; (b) 20 HPOJobs
 * of 100 trials at once (parallelism 10 each). Per run: trials created per second (watch events; the
 * Trials' creationTimestamps as a check), end-to-end time, where a trial's time goes (operator, Job
 * controller, scheduler, kwok), the peak memory of the operator replicas and of samplerd (VmRSS sampled
 * every second from /proc, and VmHWM), the API server's request counts for trials (a reconcile must read
 * the informer caches: only informer lists may show as LIST), the suggestion round trip by number of
 * observations, and what the operator logged as warnings. Writes the `operator-kwok` section of
 * docs/benchmarks.md.
 *
 * Modules: kwok-context.ts (options, env, kubectl), kwok-watch.ts (what the watches see, the metrics
 * injected), kwok-sampling.ts (the installed Ultron: pods, Lease, /metrics, logs), kwok-run.ts (the
 * HPOJobs of a run), kwok-figures.ts (the figures of a run), kwok-report.ts (the docs section),
 * kwok-lib.ts (helpers).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { connectBus } from '../../operator/bus/index.js';
import { BED_DIR, bedEnv, kubeConfig } from '../../e2e/lib/bed.js';
import { writeSection } from '../lib/doc-section.js';
import { env, kubectl, log, NS_PREFIX, REPO, values } from './kwok-context.js';
import { figures, printFigures, type Figures } from './kwok-figures.js';
import { keepWatching } from './kwok-lib.js';
import { section } from './kwok-report.js';
import { runJobs } from './kwok-run.js';
import { injectStats, onHPOJob, onPod, onTrial, onWorkerJob } from './kwok-watch.js';

export async function main(): Promise<void> {
  const runs = (values.runs ?? 'a,b').split(',');
  const bedDirEnv = { ...env, ULTRON_BED_DIR: BED_DIR };
  log('kwok up');
  execFileSync('bash', [join(REPO, 'bench/operator/kwok-up.sh')], { env: bedDirEnv, stdio: 'inherit' });
  const kc = kubeConfig();
  const bus = connectBus({
    servers: bedEnv()['ULTRON_NATS_URL'] ?? 'nats://10.244.1.1:4222',
    name: 'ultron-bench-kwok',
  });
  await bus.ready;
  const stops = [
    keepWatching(kc, '/apis/ultron.dev/v1alpha1/trials', {}, onTrial),
    keepWatching(kc, '/apis/ultron.dev/v1alpha1/hpojobs', {}, onHPOJob),
    keepWatching(kc, '/apis/batch/v1/jobs', { labelSelector: 'ultron.dev/hpojob' }, onWorkerJob),
    keepWatching(kc, '/api/v1/pods', { labelSelector: 'ultron.dev/hpojob' }, (t, o) => onPod(bus, t, o)),
  ];
  await new Promise((r) => setTimeout(r, 1000));
  const all: Figures[] = [];
  try {
    const attempt = async (what: string, f: () => Promise<void>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        log(`${what} failed: ${String(e)}`);
        process.exitCode = 1;
        const left = kubectl(['get', 'ns', '-o', 'name'])
          .split('\n')
          .filter((n) => n.startsWith(`namespace/${NS_PREFIX}`));
        if (left.length) kubectl(['delete', ...left, '--wait=true', '--timeout=600s']);
      }
    };
    if (runs.includes('a'))
      for (const sampler of (values.samplers ?? 'tpe').split(',')) {
        await attempt(`run (a) ${sampler}`, async () => {
          const r = await runJobs(
            `(a) 1 job × ${values.trials}, parallelism ${values.parallelism}, ${sampler}`,
            `${NS_PREFIX}a-${sampler}`,
            [
              {
                name: `scale-${sampler}`,
                sampler,
                maxTrials: Number(values.trials),
                parallelism: Number(values.parallelism),
              },
            ],
          );
          all.push(figures(r));
          printFigures(all.at(-1)!);
        });
      }
    if (runs.includes('b')) {
      const n = Number(values.jobs);
      const sampler = values['b-sampler'] ?? 'tpe';
      const specs = Array.from({ length: n }, (_, i) => ({
        name: `multi-${String(i).padStart(2, '0')}`,
        sampler,
        maxTrials: Number(values['job-trials']),
        parallelism: Number(values['job-parallelism']),
      }));
      await attempt('run (b)', async () => {
        const r = await runJobs(
          `(b) ${n} jobs × ${values['job-trials']}, parallelism ${values['job-parallelism']} each, ${sampler}`,
          `${NS_PREFIX}b`,
          specs,
        );
        all.push(figures(r));
        printFigures(all.at(-1)!);
      });
    }
    if (runs.includes('c')) {
      // Every trial at once: how fast the operator and the sampler create Trials (and their Jobs) when
      // nothing waits for a trial to finish. Stops once all exist.
      const n = Number(values['burst-trials']);
      const sampler = values['b-sampler'] ?? 'tpe';
      await attempt('run (c)', async () => {
        const r = await runJobs(
          `(c) burst: 1 job × ${n}, parallelism ${n}, ${sampler}`,
          `${NS_PREFIX}c`,
          [{ name: 'burst', sampler, maxTrials: n, parallelism: n }],
          true,
        );
        all.push(figures(r));
        printFigures(all.at(-1)!);
      });
    }
  } finally {
    for (const s of stops) s();
    await bus.close().catch(() => undefined);
    if (!values['keep-kwok']) {
      log('kwok down');
      execFileSync('bash', [join(REPO, 'bench/operator/kwok-down.sh')], { env: bedDirEnv, stdio: 'inherit' });
    }
  }
  if (injectStats.errors)
    log(`${injectStats.errors} metric publishes failed; last: ${injectStats.lastError}`);
  if (values['no-doc'] || all.length === 0) return;
  const versions = readFileSync(join(REPO, 'e2e/cluster/versions.env'), 'utf8');
  const v = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(versions)?.[1] ?? '?';
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  writeSection(
    values.out!,
    'operator-kwok',
    section(all, {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, shared by the whole bed`,
      versions: `Kubernetes ${v('KUBERNETES_VERSION')}, kwok ${v('KWOK_VERSION')}, NATS ${v('NATS_SERVER_VERSION')}, Node ${process.version}, Ultron at ${commit}`,
    }),
  );
  log(`wrote the operator-kwok section of ${values.out}`);
}
