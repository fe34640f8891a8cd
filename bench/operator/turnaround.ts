/**
 * npm run bench:operator — the operator on the test bed (Ultron installed in-cluster):
 * - trial turnaround: from the watch event in which a trial's trainer container is terminated to the watch
 *   event that adds the next trial's Pod, at parallelism 1 and 8 (watching Pods, not Job conditions,
 *   which the Job controller batches for about a second);
 * - the suggestion round trip over NATS (request published → its Trials exist), from the operator's
 *   `suggestions committed` log lines, at about 10 and 1,000 observations.
 * Writes its section of docs/benchmarks.md. With `--kwok`: the scale run on fake nodes instead (kwok.ts).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { writeSection } from '../lib/doc-section.js';
import { fastJob } from '../../e2e/lib/jobs.js';
import { bedEnv, kubeConfig } from '../../e2e/lib/bed.js';

const kwokMode = process.argv.includes('--kwok');
const { values } = parseArgs({
  // kwok.ts reads its own options.
  strict: !kwokMode,
  options: {
    trials1: { type: 'string', default: '30' },
    trials8: { type: 'string', default: '80' },
    observations: { type: 'string', default: '1000' },
    // A trainer that ends before its agent has loaded (0.2 s idle, 2-5 s on a busy 2-core bed) puts the
    // agent's start on the path; real trainers run for minutes.
    'trainer-seconds': { type: 'string', default: '3' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});

const env = { ...process.env, ...bedEnv() };
const kubectl = (args: string[], input?: string): string =>
  execFileSync('kubectl', args, { env, input, encoding: 'utf8', maxBuffer: 64 << 20 });

interface PodTimes {
  trial: string;
  index: number;
  added: number;
  trainerTerminated?: number;
}

/** Watches the job's pods and records, per pod, when it was added and when its trainer terminated. */
async function watchPods(
  kc: k8s.KubeConfig,
  ns: string,
  job: string,
  pods: Map<string, PodTimes>,
): Promise<() => void> {
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(
    `/api/v1/namespaces/${ns}/pods`,
    { labelSelector: `ultron.dev/hpojob=${job}` },
    (type: string, pod: k8s.V1Pod) => {
      const now = performance.timeOrigin + performance.now();
      const uid = pod.metadata?.uid ?? '';
      const trial = pod.metadata?.labels?.['ultron.dev/trial'] ?? '';
      let t = pods.get(uid);
      if (!t && type !== 'DELETED') {
        t = { trial, index: Number(pod.metadata?.labels?.['ultron.dev/index'] ?? -1), added: now };
        pods.set(uid, t);
      }
      const trainer = pod.status?.containerStatuses?.find((c) => c.name === 'trainer');
      if (t && t.trainerTerminated === undefined && trainer?.state?.terminated) t.trainerTerminated = now;
    },
    () => undefined,
  );
  return () => req.abort();
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};

async function runJob(
  name: string,
  ns: string,
  trials: number,
  parallelism: number,
  sleep = 0,
  /** Once `afterDone` trials have finished, set spec.parallelism to `parallelism` (it is editable). */
  change?: { afterDone: number; parallelism: number; onChange?: () => void },
): Promise<{ pods: PodTimes[]; trials: Map<string, TrialTimes> }> {
  const kc = kubeConfig();
  const pods = new Map<string, PodTimes>();
  const trialTimes = new Map<string, TrialTimes>();
  const stop = await watchPods(kc, ns, name, pods);
  const stopTrials = await watchTrials(kc, ns, name, trialTimes);
  kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    fastJob({ name, sampler: 'tpe', maxTrials: trials, parallelism, sleep, cache: false }),
  );
  const t0 = Date.now();
  for (;;) {
    const phase = kubectl([
      '-n',
      ns,
      'get',
      'hpojob',
      name,
      '-o',
      'jsonpath={.status.phase} {.status.progress}',
    ]);
    process.stderr.write(`\r${name}: ${phase}   `);
    if (/^(Succeeded|Failed)/.test(phase)) break;
    const done = Number(/ (\d+)\//.exec(phase)?.[1] ?? 0);
    if (change && done >= change.afterDone) {
      kubectl([
        '-n',
        ns,
        'patch',
        'hpojob',
        name,
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { parallelism: change.parallelism } }),
      ]);
      process.stderr.write(`\n${name}: parallelism → ${change.parallelism} after ${done} trials\n`);
      change.onChange?.();
      change = undefined;
    }
    if (Date.now() - t0 > 30 * 60_000) throw new Error(`${name} did not finish in 30 min`);
    await new Promise((r) => setTimeout(r, change ? 500 : 2000));
  }
  process.stderr.write('\n');
  stop();
  stopTrials();
  return { pods: [...pods.values()], trials: trialTimes };
}

interface TrialTimes {
  created: number;
  finished?: number;
}

/** Watches the job's Trials: when each appeared, and when it first showed a finished phase. */
async function watchTrials(
  kc: k8s.KubeConfig,
  ns: string,
  job: string,
  trials: Map<string, TrialTimes>,
): Promise<() => void> {
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(
    `/apis/ultron.dev/v1alpha1/namespaces/${ns}/trials`,
    { labelSelector: `ultron.dev/hpojob=${job}` },
    (type: string, trial: { metadata?: k8s.V1ObjectMeta; status?: { phase?: string } }) => {
      const now = performance.timeOrigin + performance.now();
      const name = trial.metadata?.name ?? '';
      let t = trials.get(name);
      if (!t && type !== 'DELETED') trials.set(name, (t = { created: now }));
      if (
        t &&
        t.finished === undefined &&
        /^(Succeeded|Failed|EarlyStopped|Stopped)$/.test(trial.status?.phase ?? '')
      )
        t.finished = now;
    },
    () => undefined,
  );
  return () => req.abort();
}

/**
 * Where a turnaround goes, p50 / p99 of each: trainer terminated → its Trial finished (the agent's last
 * metrics, the Trial reconciler); the k-th finish → the (parallelism + k)-th Trial created (request,
 * sampler, commit); a Trial created → its Pod added (worker Job, the Job controller).
 */
function breakdown(pods: PodTimes[], trials: Map<string, TrialTimes>, parallelism: number): string {
  const spread = (xs: number[]): string => {
    const ok = xs.filter((x) => x >= 0);
    return `${Math.round(pct(ok, 50))} / ${Math.round(pct(ok, 99))} ms`;
  };
  const firstPod = new Map<string, PodTimes>();
  for (const p of [...pods].sort((a, b) => a.added - b.added))
    if (!firstPod.has(p.trial)) firstPod.set(p.trial, p);
  const finishing = [...firstPod.values()].flatMap((p) => {
    const f = trials.get(p.trial)?.finished;
    return p.trainerTerminated !== undefined && f !== undefined ? [f - p.trainerTerminated] : [];
  });
  const finishes = [...trials.values()]
    .flatMap((t) => (t.finished !== undefined ? [t.finished] : []))
    .sort((a, b) => a - b);
  const creations = [...trials.values()].map((t) => t.created).sort((a, b) => a - b);
  const asking: number[] = [];
  for (let k = 0; k < finishes.length && parallelism + k < creations.length; k++)
    asking.push(creations[parallelism + k]! - finishes[k]!);
  const starting = [...firstPod.values()].flatMap((p) => {
    const c = trials.get(p.trial)?.created;
    return c !== undefined ? [p.added - c] : [];
  });
  return `p50 / p99: trainer end → trial finished ${spread(finishing)}, → next Trial ${spread(asking)}, → its Pod ${spread(starting)}`;
}

/** Turnaround: the k-th trainer end is followed by the (parallelism + k)-th pod. */
function turnarounds(pods: PodTimes[], parallelism: number): number[] {
  const ends = pods
    .flatMap((p) => (p.trainerTerminated !== undefined ? [p.trainerTerminated] : []))
    .sort((a, b) => a - b);
  const adds = pods.map((p) => p.added).sort((a, b) => a - b);
  const out: number[] = [];
  for (let k = 0; k < ends.length && parallelism + k < adds.length; k++)
    out.push(adds[parallelism + k]! - ends[k]!);
  return out.filter((x) => x >= 0);
}

interface Committed {
  hpojob: string;
  observations: number;
  roundTripMs: number;
  /** Request published → the answer reached the operator (the rest is creating the Trials). */
  answeredMs?: number;
  requestId: string;
  /** Absolute times, ms since the epoch (all on this machine's clock). */
  at?: { publishedAt: number; answerStoredAt?: number; receivedAt?: number; committedAt: number };
}

/** samplerd's `answered` line: when the request was stored, reached samplerd, was served, was answered. */
interface Answered {
  requestId: string;
  at?: { storedAt: number; receivedAt: number; startedAt: number; answeredAt: number; publishedAt: number };
}

/** The `answered` lines of every samplerd pod since `since`, by request id. */
function answeredLines(since: string): Map<string, Answered> {
  const logs = kubectl([
    '-n',
    'ultron-system',
    'logs',
    '-l',
    'app.kubernetes.io/name=ultron-samplerd',
    '--tail=-1',
    `--since-time=${since}`,
  ]);
  const out = new Map<string, Answered>();
  for (const l of logs.split('\n')) {
    try {
      const j = JSON.parse(l) as { msg?: string } & Answered;
      if (j.msg === 'answered' && j.at) out.set(j.requestId, j);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/**
 * Where a round trip goes, p50 of each hop: the operator's publish → the request stored by JetStream →
 * samplerd has it → the answer computed (replay and sampling) → the answer stored → the operator has it →
 * its Trials exist.
 */
function hops(lines: Committed[], answered: Map<string, Answered>): string {
  const parts: Record<string, number[]> = {
    'publish → stored': [],
    '→ samplerd': [],
    '→ computed': [],
    '→ answer stored': [],
    '→ operator': [],
    '→ Trials created': [],
  };
  for (const l of lines) {
    const o = l.at;
    const s = answered.get(l.requestId)?.at;
    if (!o || !s || o.answerStoredAt === undefined || o.receivedAt === undefined) continue;
    const v = [
      s.storedAt - o.publishedAt,
      s.receivedAt - s.storedAt,
      s.answeredAt - s.receivedAt,
      o.answerStoredAt - s.answeredAt,
      o.receivedAt - o.answerStoredAt,
      o.committedAt - o.receivedAt,
    ];
    Object.values(parts).forEach((list, i) => list.push(v[i]!));
  }
  const n = parts['publish → stored']!.length;
  if (!n) return 'no per-hop times';
  return `hops p50 (${n} joined): ${Object.entries(parts)
    .map(([k, list]) => `${k} ${pct(list, 50).toFixed(1)}`)
    .join(', ')} ms`;
}

function committedLines(since: string): Committed[] {
  const leader = JSON.parse(
    kubectl(['-n', 'ultron-system', 'get', 'lease', 'ultron-operator', '-o', 'json']),
  ) as {
    spec: { holderIdentity: string };
  };
  const logs = kubectl(['-n', 'ultron-system', 'logs', leader.spec.holderIdentity, `--since-time=${since}`]);
  return logs.split('\n').flatMap((l) => {
    try {
      const j = JSON.parse(l) as { msg?: string } & Committed;
      return j.msg === 'suggestions committed' ? [j] : [];
    } catch {
      return [];
    }
  });
}

/** The API server's cumulative time and count of Trial creates, and etcd's part of them. */
interface CreateTotals {
  apiSeconds: number;
  apiCount: number;
  etcdSeconds: number;
  etcdCount: number;
}

function trialCreateTotals(): CreateTotals {
  const lines = kubectl(['get', '--raw', '/metrics']).split('\n');
  const sum = (metric: string, keep: (line: string) => boolean): number =>
    lines
      .filter((l) => l.startsWith(`${metric}{`) && keep(l))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  // Real Trial creates (the operator's dry runs are of Jobs, but leave any dry run out).
  const api = (l: string) => /resource="trials".*verb="POST"/.test(l) && !l.includes('dry_run="All"');
  const etcd = (l: string) => l.includes('group="ultron.dev",operation="create",resource="trials"');
  return {
    apiSeconds: sum('apiserver_request_duration_seconds_sum', api),
    apiCount: sum('apiserver_request_duration_seconds_count', api),
    etcdSeconds: sum('etcd_request_duration_seconds_sum', etcd),
    etcdCount: sum('etcd_request_duration_seconds_count', etcd),
  };
}

/** Mean ms per Trial create between two readings: the API server's whole handling, and etcd's part. */
function createMeans(a: CreateTotals, b: CreateTotals): string {
  const api = ((b.apiSeconds - a.apiSeconds) * 1000) / Math.max(1, b.apiCount - a.apiCount);
  const etcd = ((b.etcdSeconds - a.etcdSeconds) * 1000) / Math.max(1, b.etcdCount - a.etcdCount);
  return `${api.toFixed(1)} ms in the API server (${b.apiCount - a.apiCount} creates), of which ${etcd.toFixed(1)} ms waiting for etcd`;
}

async function turnaround(): Promise<void> {
  const loadAtStart = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const since = new Date().toISOString();
  const ns = `bench-${Date.now().toString(36)}`;
  kubectl(['create', 'namespace', ns]);
  const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const rows: string[] = [];
  const verdicts: string[] = [];
  const verdict = (what: string, value: number, target: number) =>
    verdicts.push(`${what} ${fmt(value)} (target ${fmt(target)}): ${value <= target ? 'met' : 'missed'}`);
  try {
    for (const [parallelism, trials] of [
      [1, Number(values.trials1)],
      [8, Number(values.trials8)],
    ] as const) {
      if (trials <= 0) continue; // --trials1 0 / --trials8 0 leave that run out
      const started = Date.now();
      const run = await runJob(
        `turnaround-p${parallelism}`,
        ns,
        trials,
        parallelism,
        Number(values['trainer-seconds']),
      );
      const t = turnarounds(run.pods, parallelism);
      verdict(`turnaround p50 at parallelism ${parallelism}`, pct(t, 50), 300);
      verdict(`turnaround p99 at parallelism ${parallelism}`, pct(t, 99), 1000);
      rows.push(
        `| turnaround, parallelism ${parallelism} | ${trials} trials, ${t.length} gaps | ${fmt(pct(t, 50))} | ${fmt(pct(t, 99))} | ${fmt((Date.now() - started) / trials)} per trial overall; ${breakdown(run.pods, run.trials, parallelism)} |`,
      );
      console.log(rows.at(-1));
    }
    const n = Number(values.observations);
    if (n <= 0) {
      // --observations 0: no round-trip job and no doc (a partial run); its verdicts go to the console.
      for (const v of verdicts) console.log(`- ${v}`);
      return;
    }
    const started = Date.now();
    // Parallelism 8 with trainers that end at once (the bed's most churn: ~10 pods a second start and
    // end around every request), then parallelism 1 for the last trials (one pod ending per request,
    // as when trainers run for minutes): the round trip under both.
    const atStart = trialCreateTotals();
    let atChange = atStart;
    await runJob('roundtrip', ns, n + 8, 8, 0, {
      afterDone: n - 25,
      parallelism: 1,
      onChange: () => (atChange = trialCreateTotals()),
    });
    const atEnd = trialCreateTotals();
    const serverSide = {
      'parallelism 8': createMeans(atStart, atChange),
      'parallelism 1': createMeans(atChange, atEnd),
    };
    const lines = committedLines(since).filter((l) => l.hpojob === 'roundtrip');
    const byRequest = answeredLines(since);
    for (const [lo, hi, load] of [
      [5, 15, 'parallelism 8'],
      [n - 60, n - 35, 'parallelism 8'],
      [n - 12, n + 8, 'parallelism 1'],
    ] as const) {
      const inRange = lines.filter((l) => l.observations >= lo && l.observations <= hi);
      const ms = inRange.map((l) => l.roundTripMs);
      if (lo > 15) verdict(`round trip p50 at ${lo}–${hi} observations, ${load}`, pct(ms, 50), 20);
      const answered = inRange.flatMap((l) => (l.answeredMs !== undefined ? [l.answeredMs] : []));
      rows.push(
        `| suggestion round trip (TPE), ${lo}–${hi} observations, ${load} | ${ms.length} requests | ${fmt(pct(ms, 50))} | ${fmt(pct(ms, 99))} | answer in ${fmt(pct(answered, 50))} p50, the rest is creating the Trials; ${hops(inRange, byRequest)}; a Trial create at ${load}: ${serverSide[load]}; job of ${n + 8} trials took ${fmt(Date.now() - started)} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    kubectl(['delete', 'namespace', ns, '--wait=false']);
  }

  const node = process.version;
  writeSection(
    String(values.out),
    'operator',
    `## Operator on the test bed

Generated by \`npm run bench:operator\` on ${new Date().toISOString().slice(0, 10)} (Node ${node}, the bed's 2 real nodes,
Ultron installed with \`kubectl apply -k manifests/overlays/testbed\`). Trials are the e2e suite's fast trainer (one metric
line after ${values['trainer-seconds']} s of sleep in the turnaround jobs, so that the pod agent has loaded before its trainer
ends, as with any real trainer; none in the round-trip job) in \`ultron.local/python\`; TPE through \`ultron samplerd\`. Load average of the machine
(other work included) at the start and end: ${loadAtStart} → ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}. Turnaround is measured from the watch event
in which a trial's trainer container is terminated to the watch event that adds the next trial's Pod; the round trip
from the operator publishing a request to the requested Trials existing (its \`suggestions committed\` log lines).
Targets: turnaround p50 ≤ 0.3 s, p99 ≤ 1 s; round trip p50 ≤ 20 ms at 1,000 observations.

| what | sample | p50 | p99 | note |
|---|---|---:|---:|---|
${rows.join('\n')}

The round-trip job runs at parallelism 8 with trainers that end at once — the bed's worst churn, about ten pods
starting and ending around every request — until 25 trials are left; then its \`spec.parallelism\` is set to 1, so
each of the last requests meets one pod ending, as when trainers run for minutes. The hops are p50s of each part
on its own (so they need not add up to the round trip's p50), from the absolute times in samplerd's \`answered\` and
the operator's \`suggestions committed\` lines; a Trial create's time in the API server and in etcd is read from the
API server's own metrics (\`apiserver_request_duration_seconds\`, \`etcd_request_duration_seconds\`) before, at the
switch to parallelism 1, and after the job. Under churn the Trial's creation waits for an API server that every
component of the bed keeps busy on two cores (the same create takes ~2 ms in the API server on a quiet bed).

${verdicts.map((v) => `- ${v}`).join('\n')}${Number(values.observations) < 1000 ? `\n\nRun with \`--observations ${values.observations}\`; the target is stated at 1,000 observations (a job of 1,008 real trials).` : ''}
`,
  );
  console.log(`wrote the operator section of ${values.out}`);
}

if (kwokMode) await (await import('./kwok.js')).main();
else await turnaround();
