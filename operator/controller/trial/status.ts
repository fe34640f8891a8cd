/**
 * A Trial's status from what the operator observed, pure: the phase from its Job and Pods (phase.ts),
 * the metrics from the agent's messages, the objective by the job's strategy; and the observation a
 * finished trial publishes for the samplers (the same mapping as the local runner's, samplerView).
 */
import {
  TrialConditions,
  TrialReasons,
  setCondition,
  type ResolvedHPOJobSpec,
  type Trial,
  type TrialPhase,
  type TrialStatus,
  type PreemptionRecord,
  type StatusCondition,
  type Usage,
} from '../../api/index.js';
import type { CheckpointsOffReason, ObservationMessage } from '../../bus/index.js';
import { samplerView, trialObjective } from '../../core/planner/index.js';
import { paramsSummary } from '../../core/trial/index.js';
import { inSpecOrder } from '../hpojob/trials.js';
import type { TrialMetrics } from '../metrics-store.js';
import type { PreemptedPod, TrialObservation } from './phase.js';
import { sameJson } from '../canonical.js';

// An agent's reason for storing no checkpoints is the Trial condition's reason: each must be one.
const offReasonsCovered: { [R in CheckpointsOffReason]: R } = TrialReasons;
void offReasonsCovered;

/** What phase.ts derives from the worker Job and its Pods. */
export type ObservedTrial = Pick<
  TrialObservation,
  | 'phase'
  | 'restarts'
  | 'preemptions'
  | 'startTime'
  | 'completionTime'
  | 'message'
  | 'reason'
  | 'newlyPreempted'
  | 'runSeconds'
>;

/** Pre-empted pods a Trial's status keeps (its schema's maxItems). */
export const PREEMPTION_RECORDS_KEPT = 100;

/**
 * What a pre-empted pod cost: its trainer's run, and the part after the last checkpoint it completed
 * (checkpoints from before it started are a previous pod's: everything it did after starting is lost then).
 * A pod lost with its node has no trainer end: its agent's last message (`lastHeard`) stands for it, since
 * the node went away within one report of it; without one, the disruption's time (when the control plane
 * gave the pod up, which may be much later).
 */
export function preemptionRecord(
  p: PreemptedPod,
  checkpointTimes: readonly number[],
  lastHeard?: number,
  stoppedAt?: number,
): PreemptionRecord {
  const end =
    p.endedAt !== undefined
      ? trainerEnd(p.endedAt, stoppedAt)
      : lastHeard !== undefined
        ? Math.min(lastHeard, p.at)
        : p.at;
  const reportedStart = Math.min(p.startedAt ?? end, end);
  // The kubelet's start is cut down to the second as well. Against an end in whole seconds that cancels
  // out; against an end to the millisecond (the agent's stop or last message) it would add half a second
  // to every pre-empted pod on average, so the start is taken in the middle of its second then.
  const exactEnd = end !== p.endedAt && end !== p.at;
  const start = exactEnd ? Math.min(reportedStart + HALF_SECOND_MS, end) : reportedStart;
  const kept = checkpointTimes.filter((t) => t >= reportedStart && t <= end).at(-1) ?? start;
  const secs = (ms: number) => Math.round(ms) / 1000;
  return {
    pod: p.pod,
    uid: p.uid,
    at: new Date(p.at).toISOString(),
    reason: p.reason,
    ranSeconds: secs(end - start),
    lostSeconds: secs(end - Math.max(kept, start)),
  };
}

/**
 * The trainer's end to the millisecond: the kubelet reports it in whole seconds (cut down), and the pod's
 * agent, a native sidecar stopped only after the trainer exited, said when it was told to stop. That is
 * the end when it falls within the reported second (plus the kubelet's moment to stop the sidecar).
 */
function trainerEnd(reported: number, agentStopped: number | undefined): number {
  if (agentStopped === undefined) return reported;
  return agentStopped >= reported && agentStopped < reported + SIDECAR_STOP_WINDOW_MS
    ? agentStopped
    : reported;
}
const SIDECAR_STOP_WINDOW_MS = 1_500;
const HALF_SECOND_MS = 500;

/**
 * GPU time used: every pre-empted pod's run plus the current pods'; wasted: the pre-empted pods' lost
 * parts. GPU-seconds are GPUs × seconds; never below what was written before.
 */
export function trialUsage(
  records: readonly PreemptionRecord[],
  runSeconds: number,
  gpus: number,
  prev?: Usage,
): Usage {
  const ran = records.reduce((s, r) => s + r.ranSeconds, 0) + runSeconds;
  const lost = records.reduce((s, r) => s + r.lostSeconds, 0);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    gpuSeconds: round(Math.max(prev?.gpuSeconds ?? 0, ran * gpus)),
    wastedGpuSeconds: round(Math.max(prev?.wastedGpuSeconds ?? 0, lost * gpus)),
  };
}

const objectiveReports = (m: TrialMetrics | undefined, metric: string) =>
  (m?.steps ?? []).flatMap((s) =>
    s.values[metric] !== undefined ? [{ step: s.step, value: s.values[metric]! }] : [],
  );

export function trialStatus(
  trial: Trial,
  spec: ResolvedHPOJobSpec,
  observed: ObservedTrial,
  metrics: TrialMetrics | undefined,
  now: string,
  gpus = 0,
): TrialStatus {
  const prev = trial.status ?? {};
  const records = [
    ...(prev.preemptedPods ?? []),
    ...observed.newlyPreempted.map((p) =>
      preemptionRecord(
        p,
        metrics?.checkpointTimes ?? [],
        metrics?.lastHeard.get(p.uid),
        metrics?.stoppedAt.get(p.uid),
      ),
    ),
  ].slice(-PREEMPTION_RECORDS_KEPT);
  const reports = objectiveReports(metrics, spec.objective.metric);
  const phase: TrialPhase = observed.phase;
  const objective = trialObjective({ phase, reports }, spec.objective);
  let message = observed.message;
  if (phase === 'Succeeded' && objective === undefined)
    message = `the trainer never reported the objective metric '${spec.objective.metric}' (write it to ULTRON_METRICS_FILE, e.g. with ultron.report)`;
  let conditions = prev.conditions;
  const set = (type: string, ok: boolean, reason: string, msg: string) => {
    conditions = setCondition(
      conditions,
      { type, status: ok ? 'True' : 'False', reason, message: msg },
      now,
    ).conditions;
  };
  if (phase === 'Running')
    set(TrialConditions.Running, true, TrialReasons.PodRunning, 'the trainer is running');
  if (phase === 'Succeeded')
    set(TrialConditions.Completed, true, TrialReasons.TrainerExited, message ?? 'the trainer exited 0');
  if (phase === 'Failed')
    set(
      TrialConditions.Failed,
      true,
      observed.reason ?? TrialReasons.BackoffLimitExceeded,
      message ?? 'the trainer failed',
    );
  if (metrics?.malformed)
    set(
      TrialConditions.MetricsHealthy,
      false,
      TrialReasons.MalformedMetrics,
      `${metrics.malformed} metric line(s) could not be read; lines must be JSON {"step": 1, "loss": 0.3} or step=1 loss=0.3`,
    );
  if (metrics?.checkpointsOff) {
    const off = metrics.checkpointsOff;
    set(TrialConditions.CheckpointsHealthy, false, off.reason, off.message);
  } else if (metrics?.checkpoint)
    set(
      TrialConditions.CheckpointsHealthy,
      true,
      TrialReasons.CheckpointStored,
      'checkpoints are stored in the object store',
    );
  const next: TrialStatus = {
    ...prev,
    phase,
    paramsSummary: paramsSummary(inSpecOrder(spec, trial.spec.params)),
    restarts: observed.restarts,
    preemptions: Math.max(observed.preemptions, prev.preemptions ?? 0),
    ...(records.length ? { preemptedPods: records } : {}),
    // Trials without GPUs have no usage to show (and no write to make for it).
    ...(gpus > 0 ? { usage: trialUsage(records, observed.runSeconds, gpus, prev.usage) } : {}),
    ...(conditions ? { conditions } : {}),
  };
  if (objective !== undefined) next.objective = objective;
  if (metrics) {
    next.metrics = { ...metrics.latest };
    if (metrics.step !== undefined) next.step = metrics.step;
    if (metrics.checkpoint) next.checkpoint = { ...metrics.checkpoint };
    next.malformedMetricLines = metrics.malformed;
  }
  if (observed.startTime ?? prev.startTime) next.startTime = prev.startTime ?? observed.startTime!;
  if (phase === 'Succeeded' || phase === 'Failed') next.completionTime = observed.completionTime ?? now;
  // A merge patch keeps a field it does not mention: an old "waiting: PodInitializing" would outlive the wait.
  if (message !== undefined) next.message = message;
  else if (prev.message) next.message = '';
  return next;
}

/** The observation of a finished trial, as the samplers replay it. */
export function observationOf(
  trial: Trial,
  spec: ResolvedHPOJobSpec,
  metrics: TrialMetrics | undefined,
): ObservationMessage {
  const phase = trial.status?.phase ?? 'Failed';
  let reports = objectiveReports(metrics, spec.objective.metric);
  if (reports.length === 0 && trial.status?.objective !== undefined)
    reports = [{ step: trial.status.step ?? 0, value: trial.status.objective }];
  const [o] = samplerView(
    [{ index: trial.spec.index, params: trial.spec.params, phase, reports }],
    spec.objective,
  ).observations;
  const obs = o ?? { index: trial.spec.index, params: trial.spec.params, state: 'failed' as const };
  return {
    v: 1,
    kind: 'observation',
    index: obs.index,
    params: obs.params,
    state: obs.state,
    ...(obs.value !== undefined ? { value: obs.value } : {}),
    ...(obs.intermediate?.length ? { intermediate: obs.intermediate } : {}),
  };
}

/** Whether a reader could see a difference worth an API write. */
export const trialStatusChanged = (a: TrialStatus | undefined, b: TrialStatus): boolean =>
  !sameJson(a ?? {}, b);

/**
 * The phase is the same: whatever else moved (metrics, a waiting message, a restart count) may wait for
 * the throttle; a new phase is written at once. A trial's life is then a handful of writes: at
 * parallelism 8 every pod event was one (9 Trial status writes per short trial on the bed).
 */
export function withinPhase(a: TrialStatus | undefined, b: TrialStatus): boolean {
  return a?.phase !== undefined && a.phase === b.phase;
}

/** What a trial reached when it is stopped: its objective by the job's strategy, latest metrics, step. */
export function reachedStatus(
  trial: Trial,
  phase: 'EarlyStopped' | 'Stopped',
  spec: ResolvedHPOJobSpec,
  metrics: TrialMetrics | undefined,
): Partial<TrialStatus> {
  if (!metrics) return {};
  const objective = trialObjective(
    { phase, reports: objectiveReports(metrics, spec.objective.metric) },
    spec.objective,
  );
  return {
    ...(objective !== undefined ? { objective } : {}),
    metrics: { ...metrics.latest },
    ...(metrics.step !== undefined ? { step: metrics.step } : {}),
    malformedMetricLines: metrics.malformed,
    paramsSummary: paramsSummary(inSpecOrder(spec, trial.spec.params)),
  };
}

/** The status of a trial answered by the score cache: Succeeded at once with the earlier trial's result. */
export function cachedStatus(
  trial: Trial,
  spec: ResolvedHPOJobSpec,
  score: {
    reports: Array<{ step: number; value: number }>;
    metrics: Record<string, number>;
    step?: number;
    from: string;
  },
  now: string,
): TrialStatus {
  const objective = trialObjective({ phase: 'Succeeded', reports: score.reports }, spec.objective);
  const message = `not run: trial ${score.from} already trained these parameters with this pod template (set trialTemplate.cache: false to run it anyway)`;
  const { conditions } = setCondition(
    trial.status?.conditions,
    { type: TrialConditions.Completed, status: 'True', reason: TrialReasons.Cached, message },
    now,
  );
  return {
    ...trial.status,
    phase: 'Succeeded',
    paramsSummary: paramsSummary(inSpecOrder(spec, trial.spec.params)),
    ...(objective !== undefined ? { objective } : {}),
    metrics: { ...score.metrics },
    ...(score.step !== undefined ? { step: score.step } : {}),
    cachedFrom: score.from,
    startTime: now,
    completionTime: now,
    message,
    conditions,
  };
}

/** What a succeeded trial leaves in the score cache. */
export function scoreOf(
  trial: Trial,
  spec: ResolvedHPOJobSpec,
  metrics: TrialMetrics | undefined,
):
  | {
      reports: Array<{ step: number; value: number }>;
      metrics: Record<string, number>;
      step?: number;
      from: string;
    }
  | undefined {
  let reports = objectiveReports(metrics, spec.objective.metric);
  const st = trial.status;
  if (reports.length === 0 && st?.objective !== undefined)
    reports = [{ step: st.step ?? 0, value: st.objective }];
  if (reports.length === 0) return undefined;
  return {
    reports,
    metrics: { ...(metrics?.latest ?? st?.metrics ?? {}) },
    ...(st?.step !== undefined ? { step: st.step } : {}),
    from: `${trial.metadata.namespace ?? 'default'}/${trial.metadata.name}`,
  };
}

/** Conditions whose turn to False the user must hear of: a Warning Event on the Trial, once per turn. */
const WARNING_CONDITIONS: readonly string[] = [
  TrialConditions.MetricsHealthy,
  TrialConditions.CheckpointsHealthy,
];

/** The warning conditions that are False in `next` and were not False (or had another reason) before. */
export function newlyFalse(
  prev: readonly StatusCondition[] | undefined,
  next: readonly StatusCondition[] | undefined,
): StatusCondition[] {
  return (next ?? []).filter((c) => {
    if (!WARNING_CONDITIONS.includes(c.type) || c.status !== 'False') return false;
    const before = prev?.find((p) => p.type === c.type);
    return before?.status !== 'False' || before.reason !== c.reason;
  });
}
