/**
 * A Trial's observed state from its worker Job and Pods (pure): what the trial reconciler writes to
 * status. Stopped and EarlyStopped are the operator's decisions, never derived here.
 *
 * Two things are not waited for: the Job's Complete condition (the Job controller batches status for
 * about a second; a pod's trainer exiting 0 with its metrics flushed is enough), and the Job's `failed`
 * count (a pod whose trainer exited non-zero already is a failed attempt).
 */
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { TrialReasons } from '../../api/index.js';

export type ObservedPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Reasons this module adds to TrialReasons; Kubernetes' own (Unschedulable, ErrImagePull) pass through. */
export const PhaseReasons = {
  JobNotCreated: 'JobNotCreated',
  PodPending: 'PodPending',
  /** The trainer exited 0 and the agent's `end` has not arrived (nor has the pod finished). */
  AwaitingMetrics: 'AwaitingMetrics',
  Retrying: 'Retrying',
} as const;

export interface PhaseInput {
  /** The Trial's worker Job, if it exists. */
  job?: V1Job;
  /** The Job's pods (by label); pods controlled by another Job of the same name are skipped. */
  pods: readonly V1Pod[];
  /** Pod uids whose agent sent `end` (MetricsStore's endedPods): all that pod's metric lines arrived. */
  metrics: { endedPods: ReadonlySet<string> };
  /** Uids of `pods` that are deleted already (the cache's tombstones of disrupted pods). */
  gone?: ReadonlySet<string>;
  /**
   * The previous observation. An evicted pod is deleted soon after (the Job controller releases it), so
   * only the preempted uids counted before keep it in `preemptions`; the caller stores them. Counts
   * never go down: the previous `restarts` and `preemptions` (the Trial's status) are floors.
   */
  previous?: { restarts?: number; preemptions?: number; preemptedPods?: readonly string[] };
  /** Now, ms since the epoch: a finished pod whose agent's `end` is missing is waited for until then. */
  now?: number;
}

/**
 * How long a trial whose pod (or Job) has finished waits for its agent's `end`. The agent exits only
 * after `end` is stored, so a missing one is the operator's metrics feed lagging (seen under load): the
 * last metrics would be lost if the trial finished at once. An agent that gave up (NATS away) exits
 * without `end`; its trial finishes after this, with what arrived.
 */
export const METRICS_GRACE_MS = 10_000;

export interface PreemptedPod {
  pod: string;
  uid: string;
  /** Epoch ms: the disruption (its condition's time, else the deletion's). */
  at: number;
  reason: string;
  /** Epoch ms the trainer started and ended (ended: undefined when its node took it). */
  startedAt?: number;
  endedAt?: number;
}

export interface TrialObservation {
  phase: ObservedPhase;
  /** Failed attempts that count against retries (not disruptions). */
  restarts: number;
  /** Pods lost to eviction, pre-emption or node loss (DisruptionTarget); they never count as failures. */
  preemptions: number;
  /** The uids behind `preemptions`, for the next call's `previous`. */
  preemptedPods: string[];
  /** Pods pre-empted that `previous` did not know of: when, why, and when their trainer ran. */
  newlyPreempted: PreemptedPod[];
  /**
   * Seconds the trainers of the pods not pre-empted ran, counting only trainers that ended: a running
   * one would change the status on every look (the planner meters running trials by wall time).
   */
  runSeconds: number;
  /** RFC 3339: when a trainer first started. */
  startTime?: string;
  completionTime?: string;
  reason?: string;
  message?: string;
  /** Observe again after this long (waiting for an agent's `end`, METRICS_GRACE_MS). */
  recheckInMs?: number;
}

const DEFAULT_BACKOFF_LIMIT = 6;

type When = Date | string | undefined;
/** client-node parses date-times to Date; objects from other paths (informer caches, tests) may hold strings. */
const iso = (t: When): string | undefined =>
  t == null ? undefined : typeof t === 'string' ? new Date(t).toISOString() : t.toISOString();

/** The first of `types` (in that order of preference) whose condition is True. */
function isTrue<C extends { type: string; status: string }>(
  conds: readonly C[] | undefined,
  ...types: string[]
) {
  for (const type of types) {
    const c = conds?.find((x) => x.type === type && x.status === 'True');
    if (c) return c;
  }
  return undefined;
}

/** The trainer: the container named `trainer`, else the first regular container (core/trial's rule). */
function trainerStatus(pod: V1Pod): { name: string; status?: V1ContainerStatus } {
  const containers = pod.spec?.containers ?? [];
  const name = (containers.find((c) => c.name === 'trainer') ?? containers[0])?.name ?? 'trainer';
  return { name, status: pod.status?.containerStatuses?.find((s) => s.name === name) };
}

interface Disruption {
  reason: string;
  message: string;
}
function disruption(pod: V1Pod): Disruption | undefined {
  const c = isTrue(pod.status?.conditions, 'DisruptionTarget');
  if (c) return { reason: c.reason ?? 'DisruptionTarget', message: c.message ?? '' };
  // Before DisruptionTarget existed the node controller marked pods of a lost node this way.
  if (pod.status?.reason === 'NodeLost') return { reason: 'NodeLost', message: pod.status.message ?? '' };
  return undefined;
}

type PodState = 'active' | 'succeeded' | 'failed' | 'preempted';
function podState(pod: V1Pod): PodState {
  const trainer = trainerStatus(pod).status?.state?.terminated;
  if (trainer?.exitCode === 0 || pod.status?.phase === 'Succeeded') return 'succeeded';
  const ended = pod.status?.phase === 'Failed' || trainer !== undefined;
  const disrupted = disruption(pod) !== undefined;
  // A disrupted pod is lost as soon as its deletion starts; its trainer's exit code is only the SIGTERM.
  if (disrupted && (ended || pod.metadata?.deletionTimestamp)) return 'preempted';
  return ended ? 'failed' : 'active';
}

const ms = (t: When): number | undefined => {
  const v = iso(t);
  return v === undefined ? undefined : Date.parse(v);
};

/**
 * Whether a pre-empted pod's end is as known as it will be: its trainer exited and its agent said `end`
 * (with the time it was stopped, which the trainer's whole-second exit time lacks), or the pod is over
 * (terminal, or deleted: a lost node's pod never reports its trainer's exit).
 */
function endKnown(pod: V1Pod, ended: ReadonlySet<string>, gone: ReadonlySet<string> | undefined): boolean {
  const uid = pod.metadata?.uid ?? '';
  if (gone?.has(uid) || pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return true;
  return trainerStatus(pod).status?.state?.terminated !== undefined && ended.has(uid);
}

function preemptedPod(pod: V1Pod, now: number | undefined): PreemptedPod {
  const c = isTrue(pod.status?.conditions, 'DisruptionTarget');
  const state = trainerStatus(pod).status?.state;
  const startedAt = ms((state?.running?.startedAt ?? state?.terminated?.startedAt) as When);
  const endedAt = ms(state?.terminated?.finishedAt as When);
  return {
    pod: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    at: ms(c?.lastTransitionTime as When) ?? ms(pod.metadata?.deletionTimestamp as When) ?? now ?? Date.now(),
    reason: disruption(pod)?.reason ?? 'DisruptionTarget',
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
  };
}

/** What went wrong in a failed pod, and where to look. */
function describeFailure(pod: V1Pod): string {
  const name = pod.metadata?.name ?? '?';
  const logs = (container: string) =>
    `kubectl logs${pod.metadata?.namespace ? ` -n ${pod.metadata.namespace}` : ''} ${name} -c ${container}`;
  const trainer = trainerStatus(pod);
  const t = trainer.status?.state?.terminated;
  const exit = (what: string, term: { exitCode: number; reason?: string; message?: string }) =>
    `${what} exited with code ${term.exitCode}` +
    (term.reason && term.reason !== 'Error' ? ` (${term.reason})` : '') +
    (term.message ? `: ${term.message.trim()}` : '');
  if (t) return `${exit(`container ${trainer.name}`, t)} in pod ${name}; see ${logs(trainer.name)}`;
  for (const s of pod.status?.initContainerStatuses ?? []) {
    const term = s.state?.terminated;
    if (term && term.exitCode !== 0)
      return `${exit(`init container ${s.name}`, term)} in pod ${name}; see ${logs(s.name)}`;
  }
  const why = [pod.status?.reason, pod.status?.message].filter(Boolean).join(': ');
  return `pod ${name} failed${why ? ` (${why})` : ''}; see kubectl describe pod ${name}`;
}

function describePreemption(pod: V1Pod): { reason: string; message: string } {
  const d = disruption(pod)!;
  const nodeLost = ['DeletionByTaintManager', 'DeletionByPodGC', 'NodeLost'].includes(d.reason);
  const what = nodeLost ? 'lost with its node' : 'evicted';
  return {
    reason: nodeLost ? TrialReasons.NodeLost : TrialReasons.Evicted,
    message:
      `pod ${pod.metadata?.name} was ${what} (${d.reason}${d.message ? `: ${d.message}` : ''}); ` +
      'a new pod replaces it, and preemptions do not count as failures',
  };
}

/** Why a pod that exists has not started its trainer: the scheduler's word, else a waiting container's. */
function describePending(pod: V1Pod): { reason: string; message: string } {
  const name = pod.metadata?.name;
  const sched = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (sched)
    return {
      reason: sched.reason ?? PhaseReasons.PodPending,
      message: `pod ${name} is not scheduled: ${sched.message ?? sched.reason ?? 'no node fits'}`,
    };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const waiting = statuses.flatMap((s) => (s.state?.waiting ? [{ name: s.name, w: s.state.waiting }] : []));
  // ContainerCreating and PodInitializing are progress; anything else (ErrImagePull, ...) is a problem.
  const routine = new Set(['ContainerCreating', 'PodInitializing']);
  const worst = waiting.find((x) => x.w.reason && !routine.has(x.w.reason)) ?? waiting[0];
  if (worst)
    return {
      reason: worst.w.reason ?? PhaseReasons.PodPending,
      message: `pod ${name}: container ${worst.name} is waiting: ${worst.w.reason ?? ''}${worst.w.message ? `: ${worst.w.message}` : ''}`,
    };
  return { reason: PhaseReasons.PodPending, message: `pod ${name} is starting` };
}

const created = (p: V1Pod): number => {
  const t = p.metadata?.creationTimestamp as When;
  return t === undefined ? 0 : new Date(t).getTime();
};

/** The ms left to wait for the `end` of a finished pod's agent, or 0 when there is nothing to wait for. */
function awaitingEnd(pod: V1Pod, ended: ReadonlySet<string>, now: number | undefined): number {
  if (now === undefined || ended.has(pod.metadata?.uid ?? '')) return 0;
  const finished = trainerStatus(pod).status?.state?.terminated?.finishedAt as When;
  const at = finished === undefined ? NaN : new Date(finished).getTime();
  if (Number.isNaN(at)) return 0;
  const left = at + METRICS_GRACE_MS - now;
  return left > 0 ? left : 0;
}

export function observeTrial(input: PhaseInput): TrialObservation {
  const { job, metrics, previous } = input;
  const jobUid = job?.metadata?.uid;
  const pods = input.pods
    .filter((p) => {
      const owner = p.metadata?.ownerReferences?.find((o) => o.controller);
      return !jobUid || !owner || owner.uid === jobUid;
    })
    .sort((a, b) => created(a) - created(b));
  const states = pods.map((pod) => ({ pod, state: podState(pod) }));

  const preempted = new Set(previous?.preemptedPods ?? []);
  const newlyPreempted: PreemptedPod[] = [];
  for (const { pod, state } of states) {
    const uid = pod.metadata?.uid ?? '';
    if (state !== 'preempted' || preempted.has(uid)) continue;
    preempted.add(uid);
    // Counted at once; its record (what it ran and lost) waits until its end is known, so that the
    // figures have it: see endKnown.
    if (endKnown(pod, metrics.endedPods, input.gone)) newlyPreempted.push(preemptedPod(pod, input.now));
  }
  const failed = states.filter((s) => s.state === 'failed');
  const restarts = Math.max(previous?.restarts ?? 0, job?.status?.failed ?? 0, failed.length);
  const starts = pods.flatMap((p) => {
    const s = trainerStatus(p).status?.state;
    const t = iso((s?.running?.startedAt ?? s?.terminated?.startedAt) as When);
    return t ? [t] : [];
  });
  const base = {
    restarts,
    preemptions: Math.max(previous?.preemptions ?? 0, preempted.size),
    preemptedPods: [...preempted].sort(),
    newlyPreempted,
    runSeconds: states.reduce((sum, { pod, state }) => {
      if (state === 'preempted') return sum;
      const t = trainerStatus(pod).status?.state;
      const from = ms((t?.running?.startedAt ?? t?.terminated?.startedAt) as When);
      const to = ms(t?.terminated?.finishedAt as When);
      return from === undefined || to === undefined ? sum : sum + Math.max(0, to - from) / 1000;
    }, 0),
    ...(starts.length ? { startTime: starts.sort()[0] } : {}),
  };
  const lastFailure = failed.length ? describeFailure(failed.at(-1)!.pod) : undefined;

  if (!job)
    return {
      ...base,
      phase: 'Pending',
      reason: PhaseReasons.JobNotCreated,
      message: 'the worker Job is not created yet',
    };
  const done = isTrue(job.status?.conditions, 'Complete', 'SuccessCriteriaMet');
  const succeededPod = states.find((s) => s.state === 'succeeded');
  const finishedAt = (p: V1Pod | undefined) =>
    iso(trainerStatus(p ?? {}).status?.state?.terminated?.finishedAt as When);
  const awaiting = succeededPod && awaitingEnd(succeededPod.pod, metrics.endedPods, input.now);
  if (awaiting)
    return {
      ...base,
      phase: 'Running',
      reason: PhaseReasons.AwaitingMetrics,
      message: `the trainer of pod ${succeededPod.pod.metadata?.name} exited 0; waiting for its last metrics`,
      recheckInMs: awaiting,
    };
  if (done) {
    const at =
      iso((job.status?.completionTime ?? done.lastTransitionTime) as When) ?? finishedAt(succeededPod?.pod);
    return {
      ...base,
      phase: 'Succeeded',
      reason: TrialReasons.TrainerExited,
      ...(at ? { completionTime: at } : {}),
    };
  }
  const fail = isTrue(job.status?.conditions, 'Failed', 'FailureTarget');
  if (fail) {
    const at = iso(fail.lastTransitionTime as When) ?? finishedAt(failed.at(-1)?.pod);
    const why = [fail.reason, fail.message].filter(Boolean).join(': ') || 'the Job failed';
    return {
      ...base,
      phase: 'Failed',
      reason: fail.reason ?? TrialReasons.BackoffLimitExceeded,
      message: lastFailure ? `${why}; last failure: ${lastFailure}` : why,
      ...(at ? { completionTime: at } : {}),
    };
  }
  if (succeededPod) {
    const { pod } = succeededPod;
    if (metrics.endedPods.has(pod.metadata?.uid ?? '') || pod.status?.phase === 'Succeeded') {
      const at = finishedAt(pod);
      return {
        ...base,
        phase: 'Succeeded',
        reason: TrialReasons.TrainerExited,
        ...(at ? { completionTime: at } : {}),
      };
    }
    return {
      ...base,
      phase: 'Running',
      reason: PhaseReasons.AwaitingMetrics,
      message: `the trainer of pod ${pod.metadata?.name} exited 0; waiting for its last metrics`,
    };
  }
  const backoffLimit = job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
  if (restarts > backoffLimit) {
    const at = finishedAt(failed.at(-1)?.pod);
    return {
      ...base,
      phase: 'Failed',
      reason: TrialReasons.BackoffLimitExceeded,
      message: `${restarts} failed attempts, more than retries (${backoffLimit})${lastFailure ? `; last failure: ${lastFailure}` : ''}`,
      ...(at ? { completionTime: at } : {}),
    };
  }
  const active = states.filter((s) => s.state === 'active').at(-1)?.pod;
  const retryNote = lastFailure ? `; retry ${restarts} of ${backoffLimit} after: ${lastFailure}` : '';
  if (active && trainerStatus(active).status?.state?.running)
    return {
      ...base,
      phase: 'Running',
      reason: TrialReasons.PodRunning,
      ...(retryNote ? { message: `running again${retryNote}` } : {}),
    };
  if (active) {
    const p = describePending(active);
    return { ...base, phase: 'Pending', reason: p.reason, message: p.message + retryNote };
  }
  // No live pod: the Job is about to create one. Say why the last one ended.
  const last = states.at(-1);
  if (last?.state === 'preempted') return { ...base, phase: 'Pending', ...describePreemption(last.pod) };
  if (last?.state === 'failed')
    return {
      ...base,
      phase: 'Pending',
      reason: PhaseReasons.Retrying,
      message: `retry ${restarts} of ${backoffLimit} after: ${lastFailure}`,
    };
  return {
    ...base,
    phase: 'Pending',
    reason: PhaseReasons.PodPending,
    message: 'waiting for the Job to create a pod',
  };
}
