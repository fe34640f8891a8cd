/**
 * What the kwok benchmark's watches see (kwok.ts): the Trials, worker Jobs, Pods and HPOJobs of the
 * benchmark's namespaces, and the metrics this program publishes for a pod in place of its agent.
 */
import * as k8s from '@kubernetes/client-node';
import type { HPOJob, Trial } from '../../operator/api/index.js';
import { AGENT_ENV } from '../../operator/agent/env.js';
import { metricsSubject, msgIds, type Bus, type MetricMessage } from '../../operator/bus/index.js';
import { RESERVED } from '../../operator/workload/labels.js';
import { inject, NS_PREFIX } from './kwok-context.js';
import { now } from './kwok-lib.js';

export interface TrialRec {
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
export interface PodRec {
  trial: string;
  added: number;
  bound?: number;
  running?: number;
  succeeded?: number;
  injected?: number;
  injectedAck?: number;
  /** The trainer's terminated.finishedAt as kwok wrote it (ms since the epoch). */
  trainerFinishedAt?: number;
  /** Its creationTimestamp (1 s resolution): `added` minus this is how late this program's watch saw it. */
  created?: number;
  /** The first event this program saw of the pod already had its trainer terminated. */
  firstSeenFinished?: boolean;
}
export interface JobView {
  phase?: string;
  seenFinished?: number;
  status?: HPOJob['status'];
}

export const trials = new Map<string, TrialRec>();
export const workerJobs = new Map<string, number>();
export const pods = new Map<string, PodRec>();
export const hpojobs = new Map<string, JobView>();
/** Metric publishes that failed, and the last error. */
export const injectStats = { errors: 0, lastError: '' };

const inBench = (o: k8s.KubernetesObject): boolean => (o.metadata?.namespace ?? '').startsWith(NS_PREFIX);
const keyOf = (o: k8s.KubernetesObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

export function onTrial(type: string, o: k8s.KubernetesObject): void {
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

export function onWorkerJob(type: string, o: k8s.KubernetesObject): void {
  if (!inBench(o) || type === 'DELETED') return;
  const key = keyOf(o);
  if (!workerJobs.has(key)) workerJobs.set(key, now());
}

export function onHPOJob(type: string, o: k8s.KubernetesObject): void {
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

export function onPod(bus: Bus, type: string, o: k8s.KubernetesObject): void {
  if (!inBench(o) || type === 'DELETED') return;
  const pod = o as k8s.V1Pod;
  const uid = pod.metadata?.uid;
  if (!uid) return;
  const at = now();
  let r = pods.get(uid);
  if (!r) {
    const ts = pod.metadata?.creationTimestamp as Date | string | undefined;
    r = {
      trial: `${pod.metadata?.namespace}/${pod.metadata?.labels?.['ultron.dev/trial']}`,
      added: at,
      ...(ts === undefined ? {} : { created: new Date(ts).getTime() }),
    };
    pods.set(uid, r);
  }
  if (pod.spec?.nodeName) r.bound ??= at;
  const trainer = pod.status?.containerStatuses?.find((c) => c.name === 'trainer')?.state;
  if (trainer?.running || trainer?.terminated) r.running ??= at;
  const finishedAt = trainer?.terminated?.finishedAt as Date | string | undefined;
  if (finishedAt !== undefined) r.trainerFinishedAt ??= new Date(finishedAt).getTime();
  r.firstSeenFinished ??= finishedAt !== undefined;
  if (pod.status?.phase === 'Succeeded') r.succeeded ??= at;
  if (r.injected === undefined && (inject === 'added' || r.running !== undefined)) {
    r.injected = at;
    const rec = r;
    injectMetrics(bus, pod, rec).catch((e: unknown) => {
      injectStats.errors++;
      injectStats.lastError = String(e);
    });
  }
}
