/**
 * The installed Ultron during a kwok benchmark run (kwok.ts): leader, standby and samplerd, their
 * processes on this host, the operator's Lease, the leader's /metrics and the replicas' logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as k8s from '@kubernetes/client-node';
import { env, kubectl, kubectlAsync, NS_PREFIX, SYSTEM_NS } from './kwok-context.js';
import { MemoryTracker, now, parseProm, podPid, sum, type Sample } from './kwok-lib.js';

export interface UltronPods {
  leader: string;
  standby: string[];
  samplerd: string[];
}

/** The operator's leader Lease: who holds it and how often it changed hands. */
async function readLease(): Promise<{ holder: string; transitions: number }> {
  const lease = JSON.parse(
    await kubectlAsync(['-n', SYSTEM_NS, 'get', 'lease', 'ultron-operator', '-o', 'json']),
  ) as { spec: { holderIdentity?: string; leaseTransitions?: number } };
  return { holder: lease.spec.holderIdentity ?? '', transitions: lease.spec.leaseTransitions ?? 0 };
}

export async function leaseTransitions(): Promise<number> {
  return (await readLease().catch(() => ({ transitions: 0 }))).transitions;
}

const leaseHolder = async (): Promise<string> => (await readLease()).holder;

export async function ultronPods(): Promise<UltronPods> {
  const { holder: leader } = await readLease();
  const list = JSON.parse(await kubectlAsync(['-n', SYSTEM_NS, 'get', 'pods', '-o', 'json'])) as {
    items: k8s.V1Pod[];
  };
  const running = (app: string) =>
    list.items
      .filter((p) => p.metadata?.labels?.['app.kubernetes.io/name'] === app && p.status?.phase === 'Running')
      .map((p) => p.metadata?.name ?? '');
  return {
    leader,
    standby: running('ultron-operator').filter((p) => p !== leader),
    samplerd: running('ultron-samplerd'),
  };
}

export const opsMetrics = async (pod: string): Promise<Sample[]> =>
  parseProm(
    await kubectlAsync(['get', '--raw', `/api/v1/namespaces/${SYSTEM_NS}/pods/${pod}:8080/proxy/metrics`]),
  );

export const apiserverCounts = (): Sample[] =>
  parseProm(kubectl(['get', '--raw', '/metrics'])).filter((s) => s.name === 'apiserver_request_total');

export interface Sampler {
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

export interface OpsPoint {
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
export function startSampling(initial: UltronPods, progress: () => number): Sampler {
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

export interface LogLine {
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
