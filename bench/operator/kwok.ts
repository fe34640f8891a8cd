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
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { HPOJob, Trial } from '../../operator/api/index.js';
import { AGENT_ENV } from '../../operator/agent/env.js';
import {
  connectBus,
  metricsSubject,
  msgIds,
  type Bus,
  type MetricMessage,
} from '../../operator/bus/index.js';
import { RESERVED } from '../../operator/workload/labels.js';
import { BED_DIR, bedEnv, kubeConfig } from '../../e2e/lib/bed.js';
import { writeSection } from '../lib/doc-section.js';
import {
  fmtMb,
  fmtMs,
  keepWatching,
  MemoryTracker,
  now,
  parseProm,
  pct,
  perSecond,
  podPid,
  sum,
  type Sample,
} from './kwok-lib.js';

const { values } = parseArgs({
  options: {
    kwok: { type: 'boolean', default: false },
    runs: { type: 'string', default: 'a,b,c' },
    /** Run (a) once per sampler. */
    samplers: { type: 'string', default: 'tpe' },
    'b-sampler': { type: 'string', default: 'tpe' },
    trials: { type: 'string', default: '2000' },
    parallelism: { type: 'string', default: '200' },
    jobs: { type: 'string', default: '20' },
    'job-trials': { type: 'string', default: '100' },
    'job-parallelism': { type: 'string', default: '10' },
    'burst-trials': { type: 'string', default: '1000' },
    /** When the metrics of a pod are published: when its pod appears (added) or its trainer runs. */
    inject: { type: 'string', default: 'added' },
    'timeout-min': { type: 'string', default: '40' },
    'keep-kwok': { type: 'boolean', default: false },
    'no-doc': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});

const REPO = process.cwd();
if (!existsSync(join(REPO, 'bench/operator/kwok-up.sh'))) throw new Error('run from the repository root');
const env = { ...process.env, ...bedEnv() };
const SYSTEM_NS = 'ultron-system';
const NS_PREFIX = 'kwok-bench-';
const inject = values.inject === 'running' ? 'running' : 'added';
const log = (msg: string): void =>
  void process.stderr.write(`[kwok-bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const kubectl = (args: string[], input?: string): string =>
  execFileSync('kubectl', args, { env, input, encoding: 'utf8', maxBuffer: 256 << 20 });
const run = promisify(execFile);
const kubectlAsync = async (args: string[]): Promise<string> =>
  (await run('kubectl', args, { env, encoding: 'utf8', maxBuffer: 256 << 20 })).stdout;

// ---------------------------------------------------------------------------------------------------
// What the watches see

interface TrialRec {
  ns: string;
  job: string;
  index: number;
  /** Watch event time of the Trial's ADDED (ms since the epoch). */
  added: number;
  /** Its creationTimestamp (1 s resolution). */
  created: number;
  running?: number;
  finished?: number;
  phase?: string;
  objective?: number;
  /** The statuses the operator wrote, as the watch saw them: phase and message, each change once. */
  statuses: string[];
  /** MODIFIED events: writes that changed the Trial (a patch that changes nothing makes none). */
  modified: number;
}
interface PodRec {
  trial: string;
  added: number;
  bound?: number;
  running?: number;
  succeeded?: number;
  injected?: number;
  injectedAck?: number;
}
interface JobView {
  phase?: string;
  seenFinished?: number;
  status?: HPOJob['status'];
}

const trials = new Map<string, TrialRec>();
const workerJobs = new Map<string, number>();
const pods = new Map<string, PodRec>();
const hpojobs = new Map<string, JobView>();
let injectErrors = 0;
let lastInjectError = '';

const inBench = (o: k8s.KubernetesObject): boolean => (o.metadata?.namespace ?? '').startsWith(NS_PREFIX);
const keyOf = (o: k8s.KubernetesObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

function onTrial(type: string, o: k8s.KubernetesObject): void {
  if (!inBench(o) || type === 'DELETED') return;
  const t = o as unknown as Trial;
  const key = keyOf(o);
  const at = now();
  let r = trials.get(key);
  if (!r) {
    const created = new Date(String(t.metadata.creationTimestamp ?? '')).getTime();
    r = {
      ns: t.metadata.namespace ?? '',
      job: t.spec.hpoJob,
      index: t.spec.index,
      added: at,
      created,
      statuses: [],
      modified: 0,
    };
    trials.set(key, r);
  }
  const phase = t.status?.phase;
  r.phase = phase;
  if (type === 'MODIFIED') r.modified++;
  if (t.status) {
    const msg = (t.status.message ?? '').replace(/\S*-\d+-\w{5}\b/g, 'POD');
    const sig = `${phase ?? '-'}${msg ? ` (${msg.slice(0, 60)})` : ''}${t.status.metrics ? ' +metrics' : ''}${t.status.observationSeq !== undefined ? ' +observation' : ''}`;
    if (r.statuses.at(-1) !== sig) r.statuses.push(sig);
  }
  if (phase === 'Running') r.running ??= at;
  if (phase && ['Succeeded', 'Failed', 'EarlyStopped', 'Stopped'].includes(phase)) {
    r.finished ??= at;
    if (t.status?.objective !== undefined) r.objective = t.status.objective;
  }
}

function onWorkerJob(type: string, o: k8s.KubernetesObject): void {
  if (!inBench(o) || type === 'DELETED') return;
  const key = keyOf(o);
  if (!workerJobs.has(key)) workerJobs.set(key, now());
}

function onHPOJob(type: string, o: k8s.KubernetesObject): void {
  if (!inBench(o) || type === 'DELETED') return;
  const j = o as unknown as HPOJob;
  const v = hpojobs.get(keyOf(o)) ?? {};
  v.phase = j.status?.phase;
  v.status = j.status;
  if (v.phase === 'Succeeded' || v.phase === 'Failed') v.seenFinished ??= now();
  hpojobs.set(keyOf(o), v);
}

function envOf(c: k8s.V1Container | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}

/** What the agent of this pod would publish: one report, then `end` (every line delivered). */
async function injectMetrics(bus: Bus, pod: k8s.V1Pod, r: PodRec): Promise<void> {
  const uid = pod.metadata?.uid ?? '';
  const agent = pod.spec?.initContainers?.find((c) => c.name === RESERVED.agentContainer);
  const jobUid = envOf(agent, AGENT_ENV.hpoJobUid);
  const index = Number(envOf(agent, AGENT_ENV.trialIndex));
  const trainer = pod.spec?.containers.find((c) => c.name === 'trainer');
  if (!jobUid || !Number.isInteger(index)) throw new Error(`pod ${pod.metadata?.name}: no agent env`);
  const params = JSON.parse(envOf(trainer, 'ULTRON_PARAMS') ?? '{}') as Record<string, unknown>;
  const x = typeof params['x'] === 'number' ? params['x'] : 0.5;
  const subject = metricsSubject(jobUid, index);
  const report: MetricMessage = {
    v: 1,
    kind: 'report',
    pod: uid,
    line: 1,
    step: 1,
    values: { loss: (x - 0.3) ** 2 },
  };
  await bus.publish(subject, report, msgIds.metric(jobUid, index, uid, 1));
  const end: MetricMessage = { v: 1, kind: 'end', pod: uid, lines: 1, malformed: 0 };
  await bus.publish(subject, end, msgIds.metricEnd(jobUid, index, uid));
  r.injectedAck = now();
}

function onPod(bus: Bus, type: string, o: k8s.KubernetesObject): void {
  if (!inBench(o) || type === 'DELETED') return;
  const pod = o as k8s.V1Pod;
  const uid = pod.metadata?.uid;
  if (!uid) return;
  const at = now();
  let r = pods.get(uid);
  if (!r) {
    r = { trial: `${pod.metadata?.namespace}/${pod.metadata?.labels?.['ultron.dev/trial']}`, added: at };
    pods.set(uid, r);
  }
  if (pod.spec?.nodeName) r.bound ??= at;
  const trainer = pod.status?.containerStatuses?.find((c) => c.name === 'trainer')?.state;
  if (trainer?.running || trainer?.terminated) r.running ??= at;
  if (pod.status?.phase === 'Succeeded') r.succeeded ??= at;
  if (r.injected === undefined && (inject === 'added' || r.running !== undefined)) {
    r.injected = at;
    const rec = r;
    injectMetrics(bus, pod, rec).catch((e: unknown) => {
      injectErrors++;
      lastInjectError = String(e);
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// The installed Ultron: leader, standby, samplerd, and their processes on this host

interface UltronPods {
  leader: string;
  standby: string[];
  samplerd: string[];
}

async function leaseTransitions(): Promise<number> {
  const out = await kubectlAsync([
    '-n',
    SYSTEM_NS,
    'get',
    'lease',
    'ultron-operator',
    '-o',
    'jsonpath={.spec.leaseTransitions}',
  ]).catch(() => '');
  return Number(out.trim() || 0);
}

async function leaseHolder(): Promise<string> {
  return (
    await kubectlAsync([
      '-n',
      SYSTEM_NS,
      'get',
      'lease',
      'ultron-operator',
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ])
  ).trim();
}

async function ultronPods(): Promise<UltronPods> {
  const lease = JSON.parse(
    await kubectlAsync(['-n', SYSTEM_NS, 'get', 'lease', 'ultron-operator', '-o', 'json']),
  ) as {
    spec: { holderIdentity?: string };
  };
  const list = JSON.parse(await kubectlAsync(['-n', SYSTEM_NS, 'get', 'pods', '-o', 'json'])) as {
    items: k8s.V1Pod[];
  };
  const running = (app: string) =>
    list.items
      .filter((p) => p.metadata?.labels?.['app.kubernetes.io/name'] === app && p.status?.phase === 'Running')
      .map((p) => p.metadata?.name ?? '');
  const leader = lease.spec.holderIdentity ?? '';
  return {
    leader,
    standby: running('ultron-operator').filter((p) => p !== leader),
    samplerd: running('ultron-samplerd'),
  };
}

const opsMetrics = async (pod: string): Promise<Sample[]> =>
  parseProm(
    await kubectlAsync(['get', '--raw', `/api/v1/namespaces/${SYSTEM_NS}/pods/${pod}:8080/proxy/metrics`]),
  );

const apiserverCounts = (): Sample[] =>
  parseProm(kubectl(['get', '--raw', '/metrics'])).filter((s) => s.name === 'apiserver_request_total');

interface Sampler {
  stop(): Promise<void>;
  /** One sample of the leader's /metrics now (also taken every 5 s and at stop). */
  tick(): Promise<void>;
  leader: MemoryTracker;
  standby: MemoryTracker;
  samplerd: MemoryTracker;
  leaders: Set<string>;
  /** Every operator and samplerd pod seen during the run (a reinstall or restart shows as more). */
  podsSeen: Set<string>;
  /** Namespaces of other workloads on the bed during the run (e.g. the e2e suite's). */
  others: Set<string>;
  /** What the operator replicas and samplerd logged during the run, followed live (pods may go). */
  logs: { operator: LogLine[]; samplerd: LogLine[] };
  maxDepth: Record<string, number>;
  /** The leader's own figures every 5 s, with the number of trials created by then. */
  ops: OpsPoint[];
}

interface OpsPoint {
  pod: string;
  t: number;
  trials: number;
  hpojobSum: number;
  hpojobCount: number;
  trialSum: number;
  trialCount: number;
  errors: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** Memory every second, the leader and the queue depths every 5 s. */
function startSampling(initial: UltronPods, progress: () => number): Sampler {
  const s: Sampler = {
    leader: new MemoryTracker(),
    standby: new MemoryTracker(),
    samplerd: new MemoryTracker(),
    leaders: new Set([initial.leader]),
    podsSeen: new Set(),
    others: new Set(),
    logs: { operator: [], samplerd: [] },
    maxDepth: {},
    ops: [],
    stop: async () => undefined,
    tick: async () => undefined,
  };
  let pods = initial;
  const followers: ChildProcess[] = [];
  const follow = (p: UltronPods) => {
    for (const [pod, into] of [
      ...[p.leader, ...p.standby].map((x) => [x, s.logs.operator] as const),
      ...p.samplerd.map((x) => [x, s.logs.samplerd] as const),
    ]) {
      if (!pod || s.podsSeen.has(pod)) continue;
      s.podsSeen.add(pod);
      followers.push(followLogs(pod, new Date().toISOString(), into));
    }
  };
  follow(initial);
  const pid = (pod: string | undefined, what: string) => (pod ? podPid(pod, `ultron.js ${what}`) : undefined);
  const memTick = () => {
    s.leader.track(pods.leader, pid(pods.leader, 'operator'));
    s.standby.track(pods.standby[0], pid(pods.standby[0], 'operator'));
    s.samplerd.track(pods.samplerd[0], pid(pods.samplerd[0], 'samplerd'));
  };
  memTick();
  const mem = setInterval(memTick, 1000);
  let busy = false;
  let slowTicks = 0;
  const slowTick = async () => {
    if (busy) return;
    busy = true;
    try {
      // The pods are listed again only when the Lease names a new leader.
      const holder = await leaseHolder();
      const seen = await kubectlAsync(['get', 'ns', '-o', 'jsonpath={.items[*].metadata.name}']);
      for (const ns of seen.split(' '))
        if (
          ns &&
          !ns.startsWith(NS_PREFIX) &&
          !ns.startsWith('kube-') &&
          !['default', SYSTEM_NS].includes(ns)
        )
          s.others.add(ns);
      if (holder !== pods.leader || slowTicks++ % 6 === 0) {
        pods = await ultronPods();
        follow(pods);
      }
      s.leaders.add(pods.leader);
      const m = await opsMetrics(pods.leader);
      const leaderPod = pods.leader;
      for (const x of m.filter((x) => x.name === 'ultron_workqueue_depth')) {
        const q = x.labels['queue'] ?? '?';
        s.maxDepth[q] = Math.max(s.maxDepth[q] ?? 0, x.value);
      }
      const by = (name: string, controller?: string) => sum(m, name, controller ? { controller } : {});
      s.ops.push({
        pod: leaderPod,
        t: now(),
        trials: progress(),
        hpojobSum: by('ultron_reconcile_duration_seconds_sum', 'hpojob'),
        hpojobCount: by('ultron_reconcile_duration_seconds_count', 'hpojob'),
        trialSum: by('ultron_reconcile_duration_seconds_sum', 'trial'),
        trialCount: by('ultron_reconcile_duration_seconds_count', 'trial'),
        errors: sum(m, 'ultron_reconcile_total', { result: 'error' }),
        heapUsed: by('ultron_nodejs_heap_size_used_bytes'),
        heapTotal: by('ultron_nodejs_heap_size_total_bytes'),
        external: by('ultron_nodejs_external_memory_bytes'),
      });
    } catch {
      // a replica restarting; the next tick tries again
    } finally {
      busy = false;
    }
  };
  const slow = setInterval(() => void slowTick(), 5000);
  s.tick = async () => {
    while (busy) await new Promise((r) => setTimeout(r, 100));
    await slowTick();
  };
  s.stop = async () => {
    clearInterval(mem);
    clearInterval(slow);
    memTick();
    await s.tick();
    // Give the followers a moment for the last lines, then stop them.
    await new Promise((r) => setTimeout(r, 1500));
    for (const f of followers) f.kill('SIGTERM');
  };
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Runs

interface JobSpec {
  name: string;
  sampler: string;
  maxTrials: number;
  parallelism: number;
}

/** A fast trial on a fake node: tolerates the taint, selects the fake nodes; the trainer never runs. */
function hpoJob(o: JobSpec): string {
  return stringify({
    apiVersion: 'ultron.dev/v1alpha1',
    kind: 'HPOJob',
    metadata: { name: o.name },
    spec: {
      objective: { metric: 'loss', direction: 'minimize' },
      parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
      sampler: { name: o.sampler },
      budget: { maxTrials: o.maxTrials, maxFailedTrials: o.maxTrials },
      parallelism: o.parallelism,
      seed: 1,
      trialTemplate: {
        retries: 0,
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
    },
  });
}

/** `to − from` when both times are known. */
const between = (from: number | undefined, to: number | undefined): number | undefined =>
  from !== undefined && to !== undefined ? to - from : undefined;

interface LogLine {
  level?: number | string;
  msg?: string;
  hpojob?: string;
  namespace?: string;
  requestId?: string;
  observations?: number;
  roundTripMs?: number;
  trials?: number;
  ms?: number;
  indices?: number[];
  job?: string;
  pod?: string;
  time?: string;
  reason?: string;
}

/** `kubectl logs -f` of a pod into `into` (JSON lines only), until killed or the pod goes. */
function followLogs(pod: string, since: string, into: LogLine[]): ChildProcess {
  const child = spawn('kubectl', ['-n', SYSTEM_NS, 'logs', '-f', pod, `--since-time=${since}`], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      into.push({ ...(JSON.parse(l) as LogLine), pod });
    } catch {
      // not a log line of ours
    }
  });
  child.on('error', () => undefined);
  return child;
}

interface RunReport {
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
}

/** `createdOnly`: stop once every trial exists (the burst run: the operator's creation rate alone). */
async function runJobs(label: string, ns: string, specs: JobSpec[], createdOnly = false): Promise<RunReport> {
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
  const injected0 = injectErrors;
  const apiBefore = apiserverCounts();
  const sampler = startSampling(pods0, () => [...trials.values()].filter((t) => t.ns === ns).length);
  await sampler.tick();
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
    injectErrors: injectErrors - injected0,
  };
}

// ---------------------------------------------------------------------------------------------------
// Figures

interface Figures {
  label: string;
  parallelism: number;
  createdOnly: boolean;
  trials: number;
  succeeded: number;
  withoutObjective: number;
  notSucceeded: Record<string, number>;
  createdPerSec: number;
  createdPerSecSteady: number;
  createdPerSecTs: number;
  peakPerSec: number;
  /** The longest time without a new Trial while the job still had trials to create, and when it began. */
  longestGap: { ms: number; at: string };
  /** The most common sequence of Trial statuses the watch saw, and for how many trials. */
  commonStatuses: [string, number];
  /** Trial MODIFIED events per trial. */
  modifiedPerTrial: number;
  firstBatchMs: number;
  finishedPerSec: number;
  e2eMs: number;
  /** From the first HPOJob applied to the last finished. */
  durationS: number;
  jobE2eP50?: number;
  stages: Array<[string, number[]]>;
  turnaround: number[];
  listDelta: Record<string, number>;
  watchDelta: Record<string, number>;
  writes: Record<string, number>;
  reconciles: Record<string, number>;
  suggest: Array<{
    range: string;
    n: number;
    rtP50: number;
    rtP99: number;
    sdP50: number;
    perSuggestionP50: number;
  }>;
  warnings: Array<[string, number]>;
  /** What else happened on the bed during the run. */
  disturbances: {
    others: string[];
    operatorPods: string[];
    leaders: string[];
    leaseTransitions: number;
    leaderLost: string[];
  };
  reconcileThirds: Array<{ trials: string; hpojobMs: number; trialMs: number; hpojobBusy: number }>;
  heap: { usedMax: number; totalMax: number; externalMax: number };
  mem: Sampler;
  timedOut: boolean;
  injectErrors: number;
  phases: string[];
}

const diff = (a: Sample[], b: Sample[], where: Record<string, string>): number =>
  sum(b, 'apiserver_request_total', where) - sum(a, 'apiserver_request_total', where);

function figures(r: RunReport): Figures {
  const added = r.trials.map((t) => t.added).sort((a, b) => a - b);
  const n = added.length;
  const first = added[0] ?? NaN;
  const last = added.at(-1) ?? NaN;
  const parallel = r.specs.reduce((a, s) => a + s.parallelism, 0);
  const created = r.trials.map((t) => t.created).sort((a, b) => a - b);
  const perSec = perSecond(added, first);
  const finished = r.trials.flatMap((t) => (t.finished ? [t.finished] : [])).sort((a, b) => a - b);
  // A trial's pod: the one that succeeded, else its first.
  const podOf = new Map<string, PodRec>();
  for (const p of r.pods) {
    const prev = podOf.get(p.trial);
    if (!prev || (prev.succeeded === undefined && p.succeeded !== undefined)) podOf.set(p.trial, p);
  }
  const stage = (f: (t: TrialRec, p: PodRec | undefined, job: number | undefined) => number | undefined) =>
    r.trials.flatMap((t) => {
      const key = `${t.ns}/${t.job}-${t.index}`;
      const v = f(t, podOf.get(key), r.jobsAdded.get(key));
      return v === undefined || !Number.isFinite(v) ? [] : [v];
    });
  // Turnaround per job: the k-th finish of a job is followed by its (parallelism + k)-th trial.
  const turnaround: number[] = [];
  for (const s of r.specs) {
    const mine = r.trials.filter((t) => t.job === s.name);
    const ends = mine.flatMap((t) => (t.finished ? [t.finished] : [])).sort((a, b) => a - b);
    const adds = mine.map((t) => t.added).sort((a, b) => a - b);
    for (let k = 0; k < ends.length && s.parallelism + k < adds.length; k++) {
      const d = adds[s.parallelism + k]! - ends[k]!;
      if (d >= 0) turnaround.push(d);
    }
  }
  const trialsWhere = { group: 'ultron.dev', resource: 'trials' };
  const listDelta: Record<string, number> = {};
  const watchDelta: Record<string, number> = {};
  for (const [res, where] of [
    ['trials', trialsWhere],
    ['hpojobs', { group: 'ultron.dev', resource: 'hpojobs' }],
    ['jobs', { group: 'batch', resource: 'jobs' }],
    ['pods', { group: '', resource: 'pods' }],
  ] as const)
    for (const scope of ['cluster', 'namespace']) {
      const name = `${res} (${scope === 'cluster' ? 'all namespaces' : 'one namespace'})`;
      listDelta[name] = diff(r.apiBefore, r.apiAfter, { ...where, scope, verb: 'LIST' });
      watchDelta[name] = diff(r.apiBefore, r.apiAfter, { ...where, scope, verb: 'WATCH' });
    }
  const writes: Record<string, number> = {
    'POST trials': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'POST',
      subresource: '',
      dry_run: '',
    }),
    'PATCH trials/status': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'PATCH',
      subresource: 'status',
    }),
    'PATCH trials/status 409': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'PATCH',
      subresource: 'status',
      code: '409',
    }),
    'GET trials': diff(r.apiBefore, r.apiAfter, { ...trialsWhere, verb: 'GET' }),
    'POST trials 409': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'POST',
      dry_run: '',
      code: '409',
    }),
    'POST jobs': diff(r.apiBefore, r.apiAfter, {
      group: 'batch',
      resource: 'jobs',
      verb: 'POST',
      dry_run: '',
    }),
    'POST jobs 409': diff(r.apiBefore, r.apiAfter, {
      group: 'batch',
      resource: 'jobs',
      verb: 'POST',
      dry_run: '',
      code: '409',
    }),
    'hpojobs/status writes': diff(r.apiBefore, r.apiAfter, {
      group: 'ultron.dev',
      resource: 'hpojobs',
      subresource: 'status',
      verb: 'PATCH',
    }),
    // The Job controller's share: pods created, tracking finalizers removed, Job status updates.
    'POST pods': diff(r.apiBefore, r.apiAfter, {
      group: '',
      resource: 'pods',
      verb: 'POST',
      subresource: '',
    }),
    'PATCH pods': diff(r.apiBefore, r.apiAfter, {
      group: '',
      resource: 'pods',
      verb: 'PATCH',
      subresource: '',
    }),
    'PUT jobs/status': diff(r.apiBefore, r.apiAfter, {
      group: 'batch',
      resource: 'jobs',
      verb: 'PUT',
      subresource: 'status',
    }),
    'POST events': diff(r.apiBefore, r.apiAfter, { resource: 'events', verb: 'POST' }),
  };
  // The leader's counters over the run, from its /metrics every 5 s: a new leader process starts them
  // at 0 again, so only steps between two samples of the same pod count.
  const inc = (f: (o: OpsPoint) => number, from = 0, to = r.sampler.ops.length - 1): number => {
    let total = 0;
    for (let k = from + 1; k <= to; k++) {
      const a = r.sampler.ops[k - 1]!;
      const b = r.sampler.ops[k]!;
      if (a.pod === b.pod) total += Math.max(0, f(b) - f(a));
    }
    return total;
  };
  const reconciles: Record<string, number> = {
    'trial reconciles': inc((o) => o.trialCount),
    'hpojob reconciles': inc((o) => o.hpojobCount),
    errors: inc((o) => o.errors),
  };
  // Suggestion round trip (operator: request published → Trials exist) and samplerd's time per request.
  const names = new Set(r.specs.map((s) => s.name));
  const committed = r.leaderLogs.filter(
    (l) => l.msg === 'suggestions committed' && names.has(l.hpojob ?? ''),
  );
  const answered = new Map(
    r.samplerdLogs.filter((l) => l.msg === 'answered' && l.requestId).map((l) => [l.requestId!, l]),
  );
  const maxObs = Math.max(0, ...committed.map((c) => c.observations ?? 0));
  const ranges: Array<[number, number]> =
    maxObs < 300
      ? [[0, maxObs]]
      : [
          [0, 50],
          [Math.round(maxObs / 2) - 50, Math.round(maxObs / 2) + 50],
          [maxObs - 100, maxObs],
        ];
  const suggest = ranges.map(([lo, hi]) => {
    const c = committed.filter((x) => (x.observations ?? -1) >= lo && (x.observations ?? -1) <= hi);
    const sd = c.flatMap((x) => {
      const a = answered.get(x.requestId ?? '');
      return a?.ms !== undefined ? [{ ms: a.ms, k: a.indices?.length ?? x.trials ?? 1 }] : [];
    });
    return {
      range: `${lo}–${hi}`,
      n: c.length,
      rtP50: pct(
        c.map((x) => x.roundTripMs ?? NaN),
        50,
      ),
      rtP99: pct(
        c.map((x) => x.roundTripMs ?? NaN),
        99,
      ),
      sdP50: pct(
        sd.map((x) => x.ms),
        50,
      ),
      perSuggestionP50: pct(
        sd.map((x) => x.ms / Math.max(1, x.k)),
        50,
      ),
    };
  });
  const warnCounts = new Map<string, number>();
  for (const l of r.leaderLogs) {
    const lvl = typeof l.level === 'number' ? l.level : ({ warn: 40, error: 50 }[String(l.level)] ?? 30);
    if (lvl >= 40) warnCounts.set(l.msg ?? '?', (warnCounts.get(l.msg ?? '?') ?? 0) + 1);
  }
  // The leader's mean reconcile time over the first, second and last third of the trials created.
  const ops = r.sampler.ops;
  const cut = (frac: number) => ops.find((o) => o.trials >= frac * n) ?? ops.at(-1);
  const marks = [ops[0], cut(1 / 3), cut(2 / 3), ops.at(-1)];
  const idx = (o: OpsPoint | undefined) => (o ? ops.indexOf(o) : -1);
  const reconcileThirds = [0, 1, 2].map((i) => {
    const a = idx(marks[i]);
    const b = idx(marks[i + 1]);
    const mean = (sumOf: (o: OpsPoint) => number, countOf: (o: OpsPoint) => number) => {
      const dc = inc(countOf, a, b);
      return a >= 0 && dc > 0 ? (inc(sumOf, a, b) / dc) * 1000 : NaN;
    };
    const span = a >= 0 && b > a ? (ops[b]!.t - ops[a]!.t) / 1000 : NaN;
    return {
      trials: `${marks[i]?.trials ?? '?'}–${marks[i + 1]?.trials ?? '?'}`,
      hpojobMs: mean(
        (o) => o.hpojobSum,
        (o) => o.hpojobCount,
      ),
      trialMs: mean(
        (o) => o.trialSum,
        (o) => o.trialCount,
      ),
      hpojobBusy: inc((o) => o.hpojobSum, a, b) / span,
    };
  });
  const heap = {
    usedMax: Math.max(0, ...ops.map((o) => o.heapUsed)),
    totalMax: Math.max(0, ...ops.map((o) => o.heapTotal)),
    externalMax: Math.max(0, ...ops.map((o) => o.external)),
  };
  const seqCount = new Map<string, number>();
  for (const t of r.trials) {
    const k = t.statuses.join(' → ');
    seqCount.set(k, (seqCount.get(k) ?? 0) + 1);
  }
  const commonStatuses = [...seqCount].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
  const notSucceeded: Record<string, number> = {};
  for (const t of r.trials)
    if (t.phase !== 'Succeeded') notSucceeded[t.phase ?? 'none'] = (notSucceeded[t.phase ?? 'none'] ?? 0) + 1;
  const jobE2e = [...r.views.values()].flatMap((v) => (v.seenFinished ? [v.seenFinished - r.applied] : []));
  const steadyFrom = added[Math.min(parallel, n - 1)] ?? first;
  return {
    label: r.label,
    parallelism: parallel,
    createdOnly: r.createdOnly,
    trials: n,
    succeeded: r.trials.filter((t) => t.phase === 'Succeeded').length,
    withoutObjective: r.trials.filter((t) => t.phase === 'Succeeded' && t.objective === undefined).length,
    notSucceeded,
    createdPerSec: n > 1 ? (n - 1) / ((last - first) / 1000) : NaN,
    createdPerSecSteady: n > parallel + 1 ? (n - 1 - parallel) / ((last - steadyFrom) / 1000) : NaN,
    createdPerSecTs: n > 1 ? n / ((created.at(-1)! - created[0]!) / 1000 + 1) : NaN,
    commonStatuses,
    modifiedPerTrial: r.trials.reduce((x, t) => x + t.modified, 0) / Math.max(1, n),
    peakPerSec: Math.max(0, ...perSec),
    longestGap: added
      .slice(1)
      .reduce(
        (g, t, k) =>
          t - added[k]! > g.ms
            ? { ms: t - added[k]!, at: new Date(added[k]!).toISOString().slice(11, 19) }
            : g,
        { ms: 0, at: '' },
      ),
    firstBatchMs: (added[Math.min(parallel, n) - 1] ?? NaN) - r.applied,
    finishedPerSec: finished.length > 1 ? finished.length / ((finished.at(-1)! - r.applied) / 1000) : NaN,
    e2eMs: Math.max(...jobE2e, 0) || r.ended - r.applied,
    durationS: (r.ended - r.applied) / 1000,
    ...(r.specs.length > 1 ? { jobE2eP50: pct(jobE2e, 50) } : {}),
    stages: [
      ['Trial → its Job (operator)', stage((t, _p, j) => between(t.added, j))],
      ['Job → its Pod (Job controller)', stage((_t, p, j) => (p ? between(j, p.added) : undefined))],
      ['Pod → bound (scheduler)', stage((_t, p) => between(p?.added, p?.bound))],
      ['bound → trainer running (kwok)', stage((_t, p) => between(p?.bound, p?.running))],
      ['running → Pod Succeeded (kwok delay)', stage((_t, p) => between(p?.running, p?.succeeded))],
      ['metrics injected → acked (this program)', stage((_t, p) => between(p?.injected, p?.injectedAck))],
      ['Pod Succeeded → Trial Succeeded (operator)', stage((t, p) => between(p?.succeeded, t.finished))],
      ['Trial created → Trial finished', stage((t) => between(t.added, t.finished))],
    ],
    turnaround,
    listDelta,
    watchDelta,
    writes,
    reconciles,
    suggest,
    reconcileThirds,
    heap,
    disturbances: {
      others: [...r.sampler.others],
      operatorPods: [...r.sampler.podsSeen],
      leaders: [...r.sampler.leaders],
      leaseTransitions: r.leaseTransitions,
      leaderLost: r.leaderLogs
        .filter((l) => (l.msg ?? '').startsWith('stopped leading'))
        .map((l) => `${l.time?.slice(11, 19) ?? '?'} ${l.pod ?? '?'}: ${l.reason ?? ''}`),
    },
    warnings: [...warnCounts].sort((a, b) => b[1] - a[1]).slice(0, 6),
    mem: r.sampler,
    timedOut: r.timedOut,
    injectErrors: r.injectErrors,
    phases: [...r.views].map(([k, v]) => `${k.split('/')[1]}: ${v.phase ?? '?'} ${v.status?.progress ?? ''}`),
  };
}

function printFigures(f: Figures): void {
  console.log(`\n== ${f.label}`);
  console.log(JSON.stringify({ ...f, mem: undefined, stages: undefined, turnaround: undefined }, null, 1));
  for (const [name, xs] of f.stages)
    console.log(`  ${name}: n=${xs.length} p50 ${fmtMs(pct(xs, 50))} p99 ${fmtMs(pct(xs, 99))}`);
  console.log(
    `  turnaround: n=${f.turnaround.length} p50 ${fmtMs(pct(f.turnaround, 50))} p99 ${fmtMs(pct(f.turnaround, 99))}`,
  );
  for (const [name, m] of [
    ['operator leader', f.mem.leader],
    ['operator standby', f.mem.standby],
    ['samplerd', f.mem.samplerd],
  ] as const)
    for (const p of m.processes.values())
      console.log(
        `  ${name} ${p.pod} (pid ${p.pid}): RSS ${fmtMb(p.startRssKb)} → max ${fmtMb(p.maxRssKb)}, ` +
          `VmHWM ${fmtMb(p.hwmKb)}, ${p.samples} samples`,
      );
}

// ---------------------------------------------------------------------------------------------------
// The document section

const rate = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

const perTrial = (f: Figures, k: string): string => ((f.writes[k] ?? 0) / Math.max(1, f.trials)).toFixed(1);
const ratePerS = (f: Figures, k: string): string => ((f.writes[k] ?? 0) / f.durationS).toFixed(1);
const jobControllerRequests = (f: Figures): number =>
  (f.writes['POST pods'] ?? 0) + (f.writes['PATCH pods'] ?? 0) + (f.writes['PUT jobs/status'] ?? 0);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** What the figures say, from the figures (so a new run states its own numbers). */
function notes(all: Figures[]): string[] {
  const ends = all.filter((f) => !f.createdOnly);
  const burst = all.find((f) => f.createdOnly);
  const a = all.find((f) => f.label.startsWith('(a)'));
  const stage = (f: Figures, name: string) => f.stages.find(([n]) => n.startsWith(name))?.[1] ?? [];
  const out: string[] = [];
  if (ends.length) {
    const jc = ends.map(
      (f) => `${(jobControllerRequests(f) / f.durationS).toFixed(1)}/s in ${f.label.slice(0, 3)}`,
    );
    out.push(
      `**End to end, the bed's two cores set the pace.** The API server, etcd, kube-controller-manager (started with ` +
        `\`--kube-api-qps 200 --kube-api-burst 400 --concurrent-job-syncs 50\`: its defaults of 20 requests/s and 5 Job ` +
        `workers had left a Job ~17 s without its Pod), the scheduler, kwok, the operator, samplerd and this benchmark all ` +
        `share them, and every stage slows together: a Trial waits ${ends
          .map((f) => `${fmtMs(pct(stage(f, 'Trial → its Job'), 50))} (p50, ${f.label.slice(0, 3)})`)
          .join(', ')} for its Job, a Job ${ends
          .map((f) => fmtMs(pct(stage(f, 'Job → its Pod'), 50)))
          .join(' / ')} for its Pod, a Pod ${ends
          .map((f) => fmtMs(pct(stage(f, 'Pod → bound'), 50)))
          .join(' / ')} to be bound and ${ends
          .map((f) => fmtMs(pct(stage(f, 'bound → trainer running'), 50)))
          .join(' / ')} for kwok to run it; the operator turns a finished trial into the next Trial in ` +
        `${ends.map((f) => fmtMs(pct(f.turnaround, 50))).join(' / ')} (turnaround p50). kube-controller-manager's requests ran at ` +
        `${jc.join(', ')} (${ends.map((f) => ((jobControllerRequests(f) + (f.writes['POST events'] ?? 0)) / f.trials).toFixed(1)).join(' / ')} ` +
        `per trial with its Events). So about ${ends.map((f) => rate(f.finishedPerSec)).join(' / ')} trials finish, and as many are ` +
        `created, per second: the 50 trials/s target is not reached end to end on this machine, only as a burst (below).`,
    );
  }
  if (burst || a) {
    const parts: string[] = [];
    if (a)
      parts.push(
        `the first ${a.label.includes('200') ? 200 : 'batch of'} trials of (a) in ${fmtMs(a.firstBatchMs)} after the HPOJob was applied (peak ${a.peakPerSec} in one second)`,
      );
    if (burst)
      parts.push(
        `${burst.trials} at once in (c) at ${rate(burst.createdPerSec)} trials/s (peak ${burst.peakPerSec} in one second; Jobs created ${burst.writes['POST jobs']})`,
      );
    out.push(
      `**The operator's own creation rate** is seen when nothing waits for trials to finish: ${parts.join('; ')}. ` +
        `That is above the 50 trials/s target for one job; it is a burst, paid by one HPOJob reconcile at a time.`,
    );
  }
  if (a) {
    const t = a.reconcileThirds;
    out.push(
      `**Per trial the operator does much more work than the trial needs**: ${perTrial(a, 'PATCH trials/status')} Trial status ` +
        `writes (${a.writes['PATCH trials/status']} for ${a.trials} trials; the statuses the watch saw most often, for ` +
        `${a.commonStatuses[1]} trials: ${a.commonStatuses[0]}; only ${a.modifiedPerTrial.toFixed(1)} writes per trial changed the ` +
        `Trial, the others patched it with what it already had), ${perTrial(a, 'hpojobs/status writes')} HPOJob ` +
        `status writes, and ${(a.reconciles['trial reconciles'] ?? 0) / a.trials > 0 ? ((a.reconciles['trial reconciles'] ?? 0) / a.trials).toFixed(1) : '?'} trial ` +
        `reconciles. The HPOJob reconcile of the one big job took ${t.map((x) => `${fmtMs(x.hpojobMs)} (trials ${x.trials})`).join(', ')} ` +
        `on average, and the leader spent ${t.map((x) => `${Math.round(x.hpojobBusy * 100)} %`).join(' / ')} of the ` +
        `wall-clock time in HPOJob reconciles (their summed durations, every HPOJob on the bed): a reconcile's cost grows with the ` +
        `trials its job has, and one job's reconciles never overlap, so one HPOJob with thousands of trials cannot be reconciled ` +
        `much more than ${Number.isFinite(t[2]?.hpojobMs ?? NaN) ? Math.floor(1000 / t[2]!.hpojobMs) : '?'} times a second here; ` +
        `each pass handles every change since the last one, which is why it keeps up at this rate. Trial reconciles averaged ${t.map((x) => fmtMs(x.trialMs)).join(' / ')}.`,
    );
    out.push(
      `**Memory**: the leader went from ${fmtMb(a.mem.leader.peak?.startRssKb)} to ${fmtMb(a.mem.leader.maxRssKb)} RSS over the ` +
        `${a.trials} trials of (a) (its V8 heap: at most ${mb(a.heap.usedMax)} used, ${mb(a.heap.totalMax)} reserved; the rest of the RSS ` +
        `is native memory, which V8 and malloc do not give back), the standby, which ` +
        `only keeps the informer caches, to ${fmtMb(a.mem.standby.maxRssKb)}. Every Trial, Job and Pod of a job stays cached ` +
        `until the HPOJob is deleted (finished trials keep their Job and Pod, for \`kubectl logs\`), trimmed to what the reconcilers ` +
        `read (operator/controller/trim.ts), so the operator's memory grows with the number of trials it has seen; ${a.mem.leader.maxRssKb / 1024 > 300 ? 'the 300 MB target is missed at 2,000 trials' : 'the 300 MB target holds at this size'}. ` +
        `samplerd stayed at ${fmtMb(a.mem.samplerd.maxRssKb)} (target 200 MB met).`,
    );
  }
  for (const f of all.filter((x) => x.disturbances.leaderLost.length))
    out.push(
      `**${f.label.slice(0, 3)}: the leader lost its Lease under load** (${f.disturbances.leaderLost.join('; ')}); the longest ` +
        `pause in Trial creation was ${fmtMs(f.longestGap.ms)} from ${f.longestGap.at}. See the report of this run for the ` +
        `elector's part in it: a replica that steps down campaigns again after its elector was stopped.`,
    );
  const top = a?.suggest.at(-1);
  if (a && top && top.n > 0)
    out.push(
      `**TPE does not dominate**: at ${top.range} observations samplerd took ${fmtMs(top.sdP50)} per request ` +
        `(${fmtMs(top.perSuggestionP50)} per suggestion, replaying the new observations included), while the operator's ` +
        `round trip was ${fmtMs(top.rtP50)} (p50) and a trial spent ${fmtMs(pct(a.stages.find(([n]) => n.startsWith('Job → its Pod'))?.[1] ?? [], 50))} ` +
        `waiting for its Pod. So the runs use TPE only; \`--samplers tpe,random\` repeats (a) with random.`,
    );
  const lists = all.map((f) => f.listDelta['trials (all namespaces)'] ?? 0);
  const nsLists = all.map((f) => f.listDelta['trials (one namespace)'] ?? 0);
  out.push(
    `**No reconcile lists trials from the API server**: during the runs the API server served ${lists.join(' / ')} LIST of ` +
      `trials across namespaces (the informers' only kind of list; a re-list after a 410 would show here) and ${nsLists.join(' / ')} in ` +
      `one namespace, against ${all.map((f) => f.writes['PATCH trials/status']).join(' / ')} Trial status writes. The reconcilers read the caches.`,
  );
  return out;
}

function section(all: Figures[], context: { date: string; machine: string; versions: string }): string {
  const row = (f: Figures) =>
    `| ${f.label} | ${f.trials}${f.timedOut ? ' (timed out)' : ''} | ${rate(f.createdPerSec)} | ${rate(f.createdPerSecSteady)} | ${f.peakPerSec} | ${rate(f.finishedPerSec)} | ${fmtMs(f.e2eMs)}${f.jobE2eP50 !== undefined ? ` (p50 of a job ${fmtMs(f.jobE2eP50)})` : ''} | ${fmtMs(pct(f.turnaround, 50))} / ${fmtMs(pct(f.turnaround, 99))} |`;
  const memCell = (m: MemoryTracker) => {
    const p = m.peak;
    const n = m.processes.size;
    return p
      ? `${fmtMb(p.startRssKb)} → ${fmtMb(p.maxRssKb)} (VmHWM ${fmtMb(p.hwmKb)})${n > 1 ? `, ${n} processes` : ''}`
      : '–';
  };
  const memRow = (f: Figures) =>
    `| ${f.label.slice(0, 3)} | ${memCell(f.mem.leader)} | ${mb(f.heap.usedMax)} / ${mb(f.heap.totalMax)} | ${memCell(f.mem.standby)} | ${memCell(f.mem.samplerd)} |`;
  const head = `| | ${all.map((f) => f.label.slice(0, 3)).join(' | ')} |\n|---|${all.map(() => '---:|').join('')}`;
  const stageNames = all[0]?.stages.map(([n]) => n) ?? [];
  const stageRows = stageNames.map(
    (name, i) =>
      `| ${name} | ${all.map((f) => `${fmtMs(pct(f.stages[i]![1], 50))} / ${fmtMs(pct(f.stages[i]![1], 99))}`).join(' | ')} |`,
  );
  const apiRows = Object.keys(all[0]?.listDelta ?? {}).map(
    (k) => `| LIST ${k} | ${all.map((f) => `${f.listDelta[k]} (WATCH ${f.watchDelta[k]})`).join(' | ')} |`,
  );
  const writeRows = Object.keys(all[0]?.writes ?? {}).map(
    (k) => `| ${k} | ${all.map((f) => `${f.writes[k]} (${ratePerS(f, k)}/s)`).join(' | ')} |`,
  );
  const opRows = [
    `| trial reconciles per trial | ${all.map((f) => ((f.reconciles['trial reconciles'] ?? 0) / Math.max(1, f.trials)).toFixed(1)).join(' | ')} |`,
    `| HPOJob reconciles per trial | ${all.map((f) => ((f.reconciles['hpojob reconciles'] ?? 0) / Math.max(1, f.trials)).toFixed(2)).join(' | ')} |`,
    `| reconcile errors | ${all.map((f) => f.reconciles['errors'] ?? 0).join(' | ')} |`,
    `| Trial status writes per trial | ${all.map((f) => perTrial(f, 'PATCH trials/status')).join(' | ')} |`,
    `| of which changed the Trial (watch MODIFIED events per trial) | ${all.map((f) => f.modifiedPerTrial.toFixed(1)).join(' | ')} |`,
    `| HPOJob status writes per trial | ${all.map((f) => perTrial(f, 'hpojobs/status writes')).join(' | ')} |`,
    ...[0, 1, 2].map(
      (i) =>
        `| mean reconcile, ${['first', 'second', 'last'][i]} third of the trials: HPOJob / Trial | ${all.map((f) => `${fmtMs(f.reconcileThirds[i]?.hpojobMs ?? NaN)} / ${fmtMs(f.reconcileThirds[i]?.trialMs ?? NaN)}`).join(' | ')} |`,
    ),
    `| deepest work queue: hpojob / trial | ${all.map((f) => `${f.mem.maxDepth['hpojob'] ?? '–'} / ${f.mem.maxDepth['trial'] ?? '–'}`).join(' | ')} |`,
  ];
  const suggestRows = all.flatMap((f) =>
    f.suggest
      .filter((s) => s.n > 0)
      .map(
        (s) =>
          `| ${f.label.slice(0, 3)} | ${s.range} | ${s.n} | ${fmtMs(s.rtP50)} / ${fmtMs(s.rtP99)} | ${fmtMs(s.sdP50)} | ${fmtMs(s.perSuggestionP50)} |`,
      ),
  );
  const outcome = all.map((f) =>
    f.createdOnly
      ? `- ${f.label}: all ${f.trials} Trials existed ${fmtMs(f.e2eMs)} after the HPOJob was applied; the run stops there (the Job controller had created ${f.writes['POST pods']} Pods by then).`
      : `- ${f.label}: ${f.succeeded} of ${f.trials} trials Succeeded${f.withoutObjective ? ` (${f.withoutObjective} without an objective)` : ''}` +
        `${Object.keys(f.notSucceeded).length ? `, the others ${JSON.stringify(f.notSucceeded)}` : ''}; ` +
        `HPOJobs: ${f.phases.length > 3 ? `${f.phases.filter((p) => p.includes('Succeeded')).length} of ${f.phases.length} Succeeded` : f.phases.join(', ')}` +
        `${f.injectErrors ? `; ${f.injectErrors} metric publishes failed` : ''}` +
        `${f.warnings.length ? `; the operator warned: ${f.warnings.map(([m, c]) => `${m} ×${c}`).join(', ')}` : '; no operator warnings'}` +
        `${f.disturbances.leaseTransitions ? `; the Lease changed hands ${f.disturbances.leaseTransitions} time(s) (leaders: ${f.disturbances.leaders.join(', ')})` : ''}` +
        `${f.disturbances.leaderLost.length ? `; leadership lost: ${f.disturbances.leaderLost.join('; ')}` : ''}` +
        `${f.disturbances.others.length ? `; other workloads on the bed meanwhile: namespaces ${f.disturbances.others.join(', ')}` : ''}.`,
  );
  return `## Operator at scale on kwok fake nodes

Generated by \`npm run bench:operator -- --kwok\` on ${context.date}: ${context.machine}; ${context.versions}. One run of each.

**How it is measured.** \`bench/operator/kwok-up.sh\` starts kwok against the bed's API server with 20 fake nodes
(label and taint \`kwok.x-k8s.io/node=fake\`, 1,000 CPUs and 1,000 pods each) and our Stages
(\`bench/operator/kwok-stages.yaml\`): a pod bound to a fake node runs 0.1–0.3 s later (the agent sidecar and the
trainer running), and a Job's pod ends \`Succeeded\`, every container terminated with exit code 0, 1–1.5 s after
that. The operator is the installed one (\`kubectl apply -k manifests/overlays/testbed\`: 2 replicas, 16 workers per
controller), and so is samplerd; the HPOJobs (one float parameter, TPE) have a pod template that tolerates the taint
and selects the fake nodes. No agent runs in a fake pod: the benchmark plays it, publishing each pod's \`report\`
(loss = (x − 0.3)²) and \`end\` on NATS with the agent's subjects and message ids
${inject === 'added' ? 'as soon as the pod appears' : 'once its trainer runs'}. Runs: (a) one HPOJob of 2,000 trials at
parallelism 200; (b) 20 HPOJobs of 100 trials at once, parallelism 10 each; (c) one HPOJob of 1,000 trials at
parallelism 1,000, stopped once every Trial exists (the operator's creation rate alone). Times are watch events
seen by the benchmark: *created/s* is (trials − 1) / (last − first Trial ADDED); *after the first batch* leaves
out the first \`parallelism\` trials, which are created at once; *peak* is the most Trials ADDED in one second;
*turnaround* is a job's k-th finished trial to its (parallelism + k)-th Trial. Memory is VmRSS of the processes
on this host (found by HOSTNAME=<pod> in /proc) sampled every second, VmHWM at the end, and the leader's V8 heap from
its /metrics. API requests are \`apiserver_request_total\` deltas over a run: they count every client of the bed
(kwok, the benchmark's watches, the lead's tests if any ran). Targets: ≥ 50 trials created per second, operator RSS
≤ 300 MB, samplerd ≤ 200 MB.

| run | trials | created/s | created/s after the first batch | peak /s | finished/s | end to end | turnaround p50 / p99 |
|---|---:|---:|---:|---:|---:|---:|---:|
${all.map(row).join('\n')}

| memory | leader RSS: start → max | leader V8 heap used / reserved (max) | standby RSS | samplerd RSS |
|---|---:|---:|---:|---:|
${all.map(memRow).join('\n')}

Where a trial's time goes (p50 / p99):

${head}
${stageRows.join('\n')}

The operator's work (leader's /metrics, API server counts):

${head}
${opRows.join('\n')}

API server requests during each run:

${head}
${apiRows.join('\n')}
${writeRows.join('\n')}

Suggestions: the operator's round trip (request published → its Trials exist, from its \`suggestions committed\` log
lines) and samplerd's time per request and per suggestion (its \`answered\` lines), by the job's observations:

| run | observations | requests | round trip p50 / p99 | samplerd per request (p50) | per suggestion (p50) |
|---|---|---:|---:|---:|---:|
${suggestRows.join('\n')}

${outcome.join('\n')}

### What the numbers mean

${notes(all).join('\n\n')}
`;
}

// ---------------------------------------------------------------------------------------------------
// Main

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
  if (injectErrors) log(`${injectErrors} metric publishes failed; last: ${lastInjectError}`);
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
