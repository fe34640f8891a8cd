/**
 * The admission order of one tenant's queued trials (ARCHITECTURE §7): priority first, then the job
 * furthest below its fair share, then age. Pure and deterministic: the same input gives the same plan.
 *
 * Fair share is dominant-resource fairness (Ghodsi et al., "Dominant Resource Fairness", NSDI 2011): a
 * job's share is the largest fraction of any limited resource it holds (2 of 8 GPUs and 16 of 32 cores
 * → 0.5); its fair share is an equal split of the tenant's limits among the jobs that want capacity (the
 * jobs with queued trials), 1/n; the job furthest below it (largest fairShare − share) goes first. With
 * a tenant that limits nothing, every share is 0 and the order is priority, then age.
 *
 * The plan admits one trial at a time, as the operator will: after each admission the job's share grows,
 * so two jobs that both want more alternate instead of the older one taking everything. A trial that does
 * not fit is queued with its shortfalls (the reason a user sees) and does not hold back smaller ones
 * after it (like Kueue's BestEffortFIFO). The store stays the authority: the operator acquires in this
 * order, and an acquire may still be denied if another replica took the capacity first.
 */
import { combine, shortfalls, total, type Resources, type Shortfall } from './resources.js';

export interface AdmissionCandidate {
  /** The trial's uid (the holder's key in the store); the last tie-break. */
  readonly trial: string;
  /** Its HPOJob (e.g. namespace/name); trials of one job share a fair share. */
  readonly job: string;
  /** Higher goes first; 0 unless the job says otherwise. */
  readonly priority: number;
  /** When the trial was created, in ms since the epoch: older goes first among equals. */
  readonly createdAt: number;
  readonly demand: Resources;
}

export interface AdmissionInput {
  /** The tenant's limits (limits.ts limitsFor); a resource not named is not limited. */
  readonly limits: Resources;
  /** What the tenant's admitted trials hold, by job (from the store's holders). */
  readonly held: ReadonlyArray<{ readonly job: string; readonly demand: Resources }>;
  readonly candidates: readonly AdmissionCandidate[];
}

export interface QueuedCandidate {
  readonly candidate: AdmissionCandidate;
  /** Each resource that did not fit at its turn: demand, used, limit, free. */
  readonly shortfalls: readonly Shortfall[];
}

export interface AdmissionPlan {
  /** In the order to acquire. */
  readonly admit: readonly AdmissionCandidate[];
  /** In the order they were considered. */
  readonly queued: readonly QueuedCandidate[];
}

/** A job's dominant share: the largest used / limit over the limited resources (Infinity if a limit is 0). */
export function dominantShare(usage: Resources, limits: Resources): number {
  let share = 0;
  for (const [resource, units] of Object.entries(usage)) {
    const limit = limits[resource];
    if (limit === undefined || units <= 0) continue;
    share = Math.max(share, limit === 0 ? Infinity : units / limit);
  }
  return share;
}

/** Within one job: priority desc, then age, then uid. */
function byPriorityAge(a: AdmissionCandidate, b: AdmissionCandidate): number {
  return (
    b.priority - a.priority ||
    a.createdAt - b.createdAt ||
    (a.trial < b.trial ? -1 : a.trial > b.trial ? 1 : 0)
  );
}

export function planAdmission(input: AdmissionInput): AdmissionPlan {
  const { limits } = input;
  const queues = new Map<string, AdmissionCandidate[]>();
  for (const c of input.candidates) {
    const q = queues.get(c.job);
    if (q) q.push(c);
    else queues.set(c.job, [c]);
  }
  for (const q of queues.values()) q.sort(byPriorityAge);
  const fairShare = queues.size === 0 ? 0 : 1 / queues.size;
  const holding = new Map<string, Resources>();
  for (const h of input.held) holding.set(h.job, combine(holding.get(h.job) ?? {}, h.demand));
  let used = total(input.held.map((h) => h.demand));

  const heads = new Map<string, number>([...queues.keys()].map((job) => [job, 0]));
  const deficit = (job: string) => fairShare - dominantShare(holding.get(job) ?? {}, limits);
  const admit: AdmissionCandidate[] = [];
  const queued: QueuedCandidate[] = [];
  for (;;) {
    let best: AdmissionCandidate | undefined;
    let bestDeficit = 0;
    for (const [job, at] of heads) {
      const c = queues.get(job)![at]!;
      const d = deficit(job);
      if (!best || before(c, d, best, bestDeficit)) [best, bestDeficit] = [c, d];
    }
    if (!best) break;
    const at = heads.get(best.job)! + 1;
    if (at < queues.get(best.job)!.length) heads.set(best.job, at);
    else heads.delete(best.job);
    const short = shortfalls(best.demand, used, limits);
    if (short.length > 0) {
      queued.push({ candidate: best, shortfalls: short });
      continue;
    }
    admit.push(best);
    used = combine(used, best.demand);
    holding.set(best.job, combine(holding.get(best.job) ?? {}, best.demand));
  }
  return { admit, queued };
}

/** Whether candidate a (its job `da` below fair share) goes before b: priority, deficit, age, job, uid. */
function before(a: AdmissionCandidate, da: number, b: AdmissionCandidate, db: number): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (da !== db) return da > db;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  if (a.job !== b.job) return a.job < b.job;
  return a.trial < b.trial;
}
