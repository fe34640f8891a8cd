/**
 * One run of the kwok benchmark (kwok.ts): its HPOJobs on the fake nodes, applied in a namespace of
 * their own, watched until they finish, with what the watches and the sampling saw meanwhile.
 */
import { oneFloatJob } from '../../e2e/lib/jobs.js';
import { bedServer, cpuSnapshot, cpuUse, programOf, type CpuUse, type RoleOf } from '../lib/cpu.js';
import { kubectl, log, values } from './kwok-context.js';
import { fmtMb, fmtMs, now, type Sample } from './kwok-lib.js';
import {
  apiserverCounts,
  leaseTransitions,
  opsMetrics,
  startSampling,
  ultronPods,
  type LogLine,
  type Sampler,
  type UltronPods,
} from './kwok-sampling.js';
import {
  hpojobs,
  injectStats,
  pods,
  trials,
  workerJobs,
  type JobView,
  type PodRec,
  type TrialRec,
} from './kwok-watch.js';

export interface JobSpec {
  name: string;
  sampler: string;
  maxTrials: number;
  parallelism: number;
}

/** A fast trial on a fake node: tolerates the taint, selects the fake nodes; the trainer never runs. */
function hpoJob(o: JobSpec): string {
  return oneFloatJob({
    name: o.name,
    sampler: o.sampler,
    maxTrials: o.maxTrials,
    maxFailedTrials: o.maxTrials,
    parallelism: o.parallelism,
    seed: 1,
    trialTemplate: {
      retries: 0,
      // Repeated runs draw the same configurations: they must run, not come from the score cache.
      cache: false,
      template: {
        spec: {
          nodeSelector: { 'kwok.x-k8s.io/node': 'fake' },
          tolerations: [
            { key: 'kwok.x-k8s.io/node', operator: 'Equal', value: 'fake', effect: 'NoSchedule' },
          ],
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'trainer',
              image: 'ultron.local/python',
              imagePullPolicy: 'Never',
              command: ['python3', '-c', 'pass'],
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  });
}

export interface RunReport {
  label: string;
  createdOnly: boolean;
  ns: string;
  specs: JobSpec[];
  trials: TrialRec[];
  pods: PodRec[];
  jobsAdded: Map<string, number>;
  views: Map<string, JobView>;
  applied: number;
  ended: number;
  timedOut: boolean;
  sampler: Sampler;
  apiBefore: Sample[];
  apiAfter: Sample[];
  leaseTransitions: number;
  leaderLogs: LogLine[];
  samplerdLogs: LogLine[];
  pods0: UltronPods;
  injectErrors: number;
  /** CPU seconds by component from the HPOJobs' apply to the run's end. */
  cpu: CpuUse;
}

/** The role of a process during a run: the installed Ultron by pod, the bed's servers, this program. */
function roleOf(pods: UltronPods): RoleOf {
  return (p) => {
    if (p.pid === process.pid) return 'this benchmark';
    if (p.hostname === pods.leader) return 'operator (leader)';
    if (p.hostname && pods.standby.includes(p.hostname)) return 'operator (standby)';
    if (p.hostname && pods.samplerd.includes(p.hostname)) return 'samplerd';
    if (programOf(p.cmdline) === 'kubectl') return 'kubectl (this benchmark)';
    return bedServer(p);
  };
}

/** `createdOnly`: stop once every trial exists (the burst run: the operator's creation rate alone). */
export async function runJobs(
  label: string,
  ns: string,
  specs: JobSpec[],
  createdOnly = false,
): Promise<RunReport> {
  log(
    `${label}: namespace ${ns}, ${specs.length} HPOJob(s), ${specs.reduce((a, s) => a + s.maxTrials, 0)} trials`,
  );
  kubectl(['create', 'namespace', ns]);
  // A leader that answers on /metrics and a running samplerd (the installed Ultron may be mid-rollout).
  let pods0: UltronPods | undefined;
  let opBefore: Sample[] = [];
  for (let i = 0; i < 60 && !opBefore.length; i++) {
    pods0 = await ultronPods().catch(() => undefined);
    if (pods0?.leader && pods0.samplerd.length) opBefore = await opsMetrics(pods0.leader).catch(() => []);
    if (!opBefore.length) await new Promise((r) => setTimeout(r, 2000));
  }
  if (!pods0 || !opBefore.length)
    throw new Error('no operator leader answering on /metrics, or no samplerd, for 2 min');
  const transitions0 = await leaseTransitions();
  const injected0 = injectStats.errors;
  const apiBefore = apiserverCounts();
  const sampler = startSampling(pods0, () => [...trials.values()].filter((t) => t.ns === ns).length);
  await sampler.tick();
  const cpu0 = cpuSnapshot(roleOf(pods0));
  const applied = now();
  let timedOut = false;
  try {
    kubectl(['-n', ns, 'apply', '-f', '-'], specs.map(hpoJob).join('---\n'));
    const deadline = applied + Number(values['timeout-min']) * 60_000;
    const keys = specs.map((s) => `${ns}/${s.name}`);
    const total = specs.reduce((a, s) => a + s.maxTrials, 0);
    let lastPrint = 0;
    for (;;) {
      const done = keys.filter((k) => hpojobs.get(k)?.seenFinished !== undefined).length;
      if (done === keys.length) break;
      if (createdOnly && [...trials.values()].filter((t) => t.ns === ns).length >= total) break;
      if (now() > deadline) {
        timedOut = true;
        break;
      }
      if (now() - lastPrint > 10_000) {
        lastPrint = now();
        const mine = [...trials.values()].filter((t) => t.ns === ns);
        log(
          `${label}: ${mine.length} trials created, ${mine.filter((t) => t.finished).length} finished, ` +
            `${done}/${keys.length} jobs done, ${((now() - applied) / 1000).toFixed(0)} s; operator RSS max ` +
            `${fmtMb(sampler.leader.maxRssKb)}, samplerd ${fmtMb(sampler.samplerd.maxRssKb)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await sampler.stop();
    throw e;
  }
  const ended = now();
  const cpu = cpuUse(cpu0, cpuSnapshot(roleOf(pods0)));
  await sampler.stop();
  // Let the last status writes land before counting requests.
  await new Promise((r) => setTimeout(r, 2000));
  const apiAfter = apiserverCounts();
  const transitions1 = await leaseTransitions();
  const leaderLogs = sampler.logs.operator;
  const samplerdLogs = sampler.logs.samplerd;
  const mineTrials = [...trials.values()].filter((t) => t.ns === ns);
  const minePods = [...pods.values()].filter((p) => p.trial.startsWith(`${ns}/`));
  const jobsAdded = new Map([...workerJobs].filter(([k]) => k.startsWith(`${ns}/`)));
  const views = new Map([...hpojobs].filter(([k]) => k.startsWith(`${ns}/`)));
  log(`${label}: ${timedOut ? 'TIMED OUT' : 'done'} after ${fmtMs(ended - applied)}; deleting ${ns}`);
  kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=600s']);
  return {
    label,
    createdOnly,
    ns,
    specs,
    trials: mineTrials,
    pods: minePods,
    jobsAdded,
    views,
    applied,
    ended,
    timedOut,
    sampler,
    apiBefore,
    apiAfter,
    leaseTransitions: transitions1 - transitions0,
    leaderLogs,
    samplerdLogs,
    pods0,
    injectErrors: injectStats.errors - injected0,
    cpu,
  };
}
