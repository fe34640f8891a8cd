/**
 * The last step of an HPOJob reconcile, pure: the next status from the plan's actions, the ledger and
 * what the reconcile learnt (spec valid or not, the sampler's health). Written only when it changed.
 */
import {
  HPOJobConditions as C,
  HPOJobReasons as R,
  setCondition,
  type FinishReason,
  type HPOJob,
  type HPOJobStatus,
  type SamplerStatus,
  type StatusCondition,
} from '../../api/index.js';
import type { PlanActions } from '../../core/planner/index.js';
import { canonicalJson, sameJson } from '../canonical.js';

export interface SamplerHealth {
  healthy: boolean;
  reason: string;
  message: string;
}

export interface StatusInput {
  job: HPOJob;
  now: string;
  /** Set when the spec cannot run: the job fails with InvalidSpec and creates nothing. */
  specError?: string;
  actions?: PlanActions;
  ledger: SamplerStatus;
  sampler?: SamplerHealth;
}

function condition(
  list: StatusCondition[] | undefined,
  type: string,
  status: boolean,
  reason: string,
  message: string,
  generation: number | undefined,
  now: string,
): StatusCondition[] {
  return setCondition(
    list,
    {
      type,
      status: status ? 'True' : 'False',
      reason,
      message,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    },
    now,
  ).conditions;
}

export function nextStatus(input: StatusInput): HPOJobStatus {
  const { job, now, actions } = input;
  const prev = job.status ?? {};
  const gen = job.metadata.generation;
  const next: HPOJobStatus = {
    ...prev,
    observedGeneration: gen,
    startTime: prev.startTime ?? now,
    sampler: input.ledger,
  };
  let conditions = prev.conditions;
  if (input.specError !== undefined) {
    conditions = condition(conditions, C.SpecValid, false, R.InvalidSpec, input.specError, gen, now);
    conditions = condition(conditions, C.Failed, true, R.InvalidSpec, input.specError, gen, now);
    return { ...next, phase: 'Failed', completionTime: prev.completionTime ?? now, conditions };
  }
  conditions = condition(conditions, C.SpecValid, true, R.SpecAccepted, 'the spec is valid', gen, now);
  if (actions) {
    const s = actions.summary;
    next.trials = s.trials;
    next.progress = s.progress;
    next.usage = { gpuSeconds: s.gpuSeconds, wastedGpuSeconds: s.wastedGpuSeconds };
    if (actions.best) next.best = actions.best;
  }
  if (input.sampler) {
    const h = input.sampler;
    conditions = condition(conditions, C.SamplerHealthy, h.healthy, h.reason, h.message, gen, now);
  }
  const finish = actions?.finish;
  const running = next.trials ? next.trials.running + next.trials.queued : 0;
  if (finish && running === 0) {
    const ok = finish.phase === 'Succeeded';
    conditions = condition(conditions, C.Running, false, finish.reason, finish.message, gen, now);
    conditions = condition(
      conditions,
      ok ? C.Succeeded : C.Failed,
      true,
      finish.reason,
      finish.message,
      gen,
      now,
    );
    return { ...next, phase: finish.phase, completionTime: prev.completionTime ?? now, conditions };
  }
  const message = finish
    ? `finishing (${finish.reason}): waiting for ${running} trial(s) to stop`
    : `${running} trial(s) running or queued`;
  conditions = condition(conditions, C.Running, true, R.TrialsRunning, message, gen, now);
  return { ...next, phase: 'Running', conditions };
}

/** The finish reason a finished job's status records. */
export function finishedReason(job: HPOJob): FinishReason | undefined {
  const c = job.status?.conditions?.find(
    (x) => (x.type === C.Succeeded || x.type === C.Failed) && x.status === 'True',
  );
  return c?.reason as FinishReason | undefined;
}

export const isFinished = (job: HPOJob): boolean =>
  job.status?.phase === 'Succeeded' || job.status?.phase === 'Failed';

/** Whether a reader could see a difference (lastTransitionTime aside, setCondition keeps it). */
export function statusChanged(a: HPOJobStatus | undefined, b: HPOJobStatus): boolean {
  return !sameJson(a ?? {}, b);
}

/**
 * Whether every change can wait for the next interval's write: counts, progress, usage, the Running
 * condition's "N trial(s) running" message, the best trial, and ledger entries dropped because their
 * Trials exist. Each pass recomputes all of them from the cache (settleLedger, plan), and a new leader
 * does too, so a status that is a second old loses nothing. At parallelism 8 they were four of a
 * trial's six HPOJob status writes. Written at once: the phase, other conditions, and any ledger entry
 * added or changed (a request is recorded before it is published).
 */
export function onlyDeferrableChanged(a: HPOJobStatus | undefined, b: HPOJobStatus): boolean {
  if (!a || a.phase !== b.phase) return false;
  if (!onlySettledRequestsDropped(a.sampler, b.sampler)) return false;
  const strip = (s: HPOJobStatus) => ({
    ...s,
    trials: undefined,
    progress: undefined,
    usage: undefined,
    best: undefined,
    sampler: undefined,
    conditions: s.conditions?.map((c) => (c.type === C.Running ? { ...c, message: '' } : c)),
  });
  return sameJson(strip(a), strip(b));
}

/** The ledger `b` is `a` less some requests (settled: their Trials exist, which the cache shows). */
function onlySettledRequestsDropped(a: SamplerStatus | undefined, b: SamplerStatus | undefined): boolean {
  if (!a || !b) return a === b;
  const rest = (l: SamplerStatus) => canonicalJson({ ...l, requests: undefined, nextIndex: undefined });
  if (rest(a) !== rest(b) || b.nextIndex < a.nextIndex) return false;
  const before = new Map(a.requests.map((r) => [r.id, canonicalJson(r)]));
  return b.requests.every((r) => before.get(r.id) === canonicalJson(r));
}
