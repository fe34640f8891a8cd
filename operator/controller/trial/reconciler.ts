/**
 * The Trial reconciler (ARCHITECTURE §6, §8): creates the worker Job, keeps the Trial's status current
 * from its Job, Pods and metrics (phase changes at once, metric-only changes at most once per
 * `statusIntervalMs`), stops it on `spec.stop`, and publishes a finished trial's observation for the
 * samplers before recording its sequence (a retry re-publishes with the same Nats-Msg-Id: stored once).
 * With quota, the worker Job is created only once the trial is admitted (controller/quota/gate.ts).
 */
import type { V1Job } from '@kubernetes/client-node';
import {
  applyDefaults,
  isFinishedPhase,
  setCondition,
  TrialConditions as TC,
  TrialReasons as TR,
  type HPOJob,
  type ResolvedHPOJobSpec,
  type Trial,
  type TrialStatus,
} from '../../api/index.js';
import type { ObservationMessage } from '../../bus/index.js';
import { keyOf, type ClusterCache } from '../cache.js';
import { seedOf } from '../hpojob/reconciler.js';
import { stopTrial } from '../hpojob/stops.js';
import { gpusOf } from '../hpojob/snapshot.js';
import { apiErrorCode, objectRef, type KubeApi } from '../kube.js';
import type { MetricsStore, TrialMetrics } from '../metrics-store.js';
import { OwnWrites } from '../own-writes.js';
import type { QuotaGate } from '../quota/gate.js';
import { podsHoldResources, tenantOf, trialDemand, trialHolder } from '../quota/tenant.js';
import type { Clock, Logger } from '../runtime/index.js';

/** How soon a Queued trial asks for quota again. */
const QUEUED_RECHECK_MS = 2_000;
import {
  cachedStatus,
  newlyFalse,
  observationOf,
  reachedStatus,
  scoreOf,
  trialStatus,
  trialStatusChanged,
  withinPhase,
} from './status.js';
import { scoreKey, type CachedScore, type ScoreCache } from '../score-cache.js';
import { observeTrial } from './phase.js';

export interface TrialReconcilerOptions {
  cache: ClusterCache;
  kube: KubeApi;
  metrics: MetricsStore;
  clock: Clock;
  log: Logger;
  /** The worker Job for a trial (workload/buildJob with the operator's options). */
  workerJob(trial: Trial, job: HPOJob, spec: ResolvedHPOJobSpec): V1Job;
  /** Publishes on ultron.obs.<job uid> with Nats-Msg-Id obs-<uid>-<index>; returns the stream sequence. */
  publishObservation(jobUid: string, message: ObservationMessage): Promise<number>;
  requeueAfter(key: string, ms: number): void;
  /** Metric-only status writes per trial at most this often. */
  statusIntervalMs?: number;
  /** The HPOJob reconciler's own status writes (see OwnWrites). */
  jobWrites?: OwnWrites<HPOJob>;
  /** This reconciler's status writes, shared with the HPOJob reconciler (see `wakeJob`). */
  trialWrites?: OwnWrites<Trial>;
  /**
   * Queues a trial's HPOJob as soon as the trial's final status (with its observation's sequence) is
   * on its way: the job's next request needs only that, and not waiting for the write and its watch
   * event takes both off every turnaround. The HPOJob reconcile reads it through `trialWrites`.
   */
  wakeJob?: (jobKey: string) => void;
  /** Admission through quota (absent: every trial is admitted at once). */
  quota?: QuotaGate;
  /** Results of earlier trials by configuration (absent: every trial runs). */
  scores?: ScoreCache;
}

export const TRIAL_RBAC = [
  { apiGroups: ['ultron.dev'], resources: ['trials'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['ultron.dev'], resources: ['trials/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
] as const;

export class TrialReconciler {
  private readonly lastWrite = new Map<string, number>();
  /** The statuses this reconciler wrote, until the cache shows them. */
  private readonly written: OwnWrites<Trial>;
  private readonly interval: number;

  constructor(private readonly o: TrialReconcilerOptions) {
    this.interval = o.statusIntervalMs ?? 1000;
    this.written = o.trialWrites ?? new OwnWrites<Trial>();
  }

  async reconcile(key: string): Promise<void> {
    const { cache, kube } = this.o;
    // 1. The trial and its job, from the caches.
    const cached = cache.trial(key);
    if (!cached) {
      this.lastWrite.delete(key);
      this.written.forget(key);
      return;
    }
    const trial = this.written.fresher(key, cached);
    const ns = trial.metadata.namespace ?? 'default';
    const jobKey = keyOf(ns, trial.spec.hpoJob);
    const cachedJob = cache.hpojob(jobKey);
    if (!cachedJob || cachedJob.metadata.deletionTimestamp) return; // garbage collection takes the trial
    // The job as its reconciler last wrote it: the cache may not show yet that a finished job continues.
    const job = this.o.jobWrites ? this.o.jobWrites.fresher(jobKey, cachedJob) : cachedJob;
    const spec = applyDefaults(job.spec, seedOf(job));
    const uid = job.metadata.uid ?? '';
    const metrics = this.o.metrics.get(uid, trial.spec.index);
    const now = this.o.clock.now();
    const nowIso = new Date(now).toISOString();
    const phase = trial.status?.phase ?? 'Pending';

    // 2. Finished: its observation goes out once; a stopped trial's Job goes; its quota is given back once
    //    its pods have ended (a pod event brings the trial back here).
    if (isFinishedPhase(phase)) {
      const tenant = tenantOf(job);
      if (
        this.o.quota &&
        trial.metadata.uid &&
        Object.keys(this.o.quota.limitsOf(tenant)).length &&
        !podsHoldResources(cache.podsOf(key))
      )
        await this.o.quota
          .release(tenant, trial.metadata.uid)
          .catch((e: unknown) =>
            this.o.log.warn(
              { trial: key, err: String(e) },
              'quota release failed; the next quota reconcile releases it',
            ),
          );
      if (phase === 'EarlyStopped' || phase === 'Stopped') {
        if (cache.workerJob(key)) await kube.deleteJob(ns, trial.metadata.name);
      }
      if (trial.status?.observationSeq === undefined) {
        if (phase === 'Succeeded' && !trial.status?.cachedFrom)
          await this.remember(trial, job, spec, metrics);
        const seq = await this.o.publishObservation(uid, observationOf(trial, spec, metrics));
        await this.patch(trial, { ...trial.status, observationSeq: seq });
      }
      return;
    }

    // 3. Asked to stop, or its job finished (a finished job stops what runs; this catches a trial that
    //    appeared after that, e.g. from an answer that was in flight).
    const finished = job.status?.phase === 'Succeeded' || job.status?.phase === 'Failed';
    if (trial.spec.stop || finished) {
      const reached = reachedStatus(trial, 'Stopped', spec, metrics);
      const why = trial.spec.stop
        ? 'stopped on request (spec.stop: true)'
        : `the job finished (${job.status?.phase})`;
      await stopTrial(trial, 'Stopped', why, kube, nowIso, reached);
      return;
    }

    // 4. The worker Job (deterministic name: a retried create finds it).
    //    Admitted first when its tenant is metered: a trial that does not fit waits as Queued.
    const worker = cache.workerJob(key);
    if (!worker) {
      // 4a. A configuration this tenant already trained with this template: its result, no pod.
      const cached = await this.cachedScore(trial, job, spec);
      if (cached) {
        await this.patch(trial, cachedStatus(trial, spec, cached, nowIso));
        this.o.log.info(
          { namespace: ns, trial: trial.metadata.name, from: cached.from },
          'trial answered by the score cache',
        );
        return;
      }
      const built = this.o.workerJob(trial, job, spec);
      if (this.o.quota && !(await this.admitted(trial, job, spec, nowIso))) return;
      const created = await kube.createJob(built);
      if (created === 'created') {
        this.o.log.info(
          { namespace: ns, hpojob: job.metadata.name, trial: trial.metadata.name },
          'worker job created',
        );
        // The Job's watch event brings the trial back for its first status (Pending: its pod starting).
        // Written now, it would only say that the Job is not in the cache yet: one more write per trial.
        if (trial.status?.phase === undefined) return;
      }
    }

    // 5. The observed state (a trainer that exited 0 counts as Succeeded once its agent's last metrics
    //    are in, or, METRICS_GRACE_MS after it ended, once its pod has ended).
    const gone = cache.deletedDisruptedPodsOf(key);
    const observed = observeTrial({
      ...(worker ? { job: worker } : {}),
      // Deleted disrupted pods too: each is counted once (by uid), even if it was never seen ending.
      pods: [...cache.podsOf(key), ...gone],
      gone: new Set(gone.map((p) => p.metadata?.uid ?? '')),
      metrics: { endedPods: metrics?.endedPods ?? new Set<string>() },
      previous: {
        restarts: trial.status?.restarts ?? 0,
        preemptions: trial.status?.preemptions ?? 0,
        preemptedPods: (trial.status?.preemptedPods ?? []).map((p) => p.uid),
      },
      now,
    });
    if (observed.recheckInMs) this.o.requeueAfter(key, observed.recheckInMs);
    const next = trialStatus(trial, spec, observed, metrics, nowIso, gpusOf(spec));

    // 6. A finished trial publishes its observation, then records it with the final status.
    if (observed.phase === 'Succeeded' || observed.phase === 'Failed') {
      if (observed.phase === 'Succeeded') await this.remember({ ...trial, status: next }, job, spec, metrics);
      const seq = await this.o.publishObservation(
        uid,
        observationOf({ ...trial, status: next }, spec, metrics),
      );
      await this.patch(trial, { ...next, observationSeq: seq });
      return;
    }

    // 7. Running or pending: write on change; a change within the phase at most once per interval.
    if (!trialStatusChanged(trial.status, next)) return;
    if (withinPhase(trial.status, next)) {
      const wait = (this.lastWrite.get(key) ?? 0) + this.interval - now;
      if (wait > 0) {
        this.o.requeueAfter(key, wait);
        return;
      }
    }
    this.lastWrite.set(key, now);
    await this.patch(trial, next);
  }

  /** Acquires the trial's quota; when denied, writes Queued with the reason and looks again shortly. */
  private async admitted(
    trial: Trial,
    job: HPOJob,
    spec: ResolvedHPOJobSpec,
    nowIso: string,
  ): Promise<boolean> {
    const key = keyOf(trial.metadata.namespace ?? 'default', trial.metadata.name);
    const a = await this.o.quota!.admit(
      trialHolder(trial, job, trialDemand(trial, job, spec, this.o.workerJob)),
    );
    if (a.admitted) {
      // A trial that waited says it holds its quota now (the condition would read False otherwise).
      if (
        a.metered &&
        trial.status?.conditions?.some((c) => c.type === TC.Admitted && c.status === 'False')
      ) {
        const { conditions } = setCondition(
          trial.status.conditions,
          {
            type: TC.Admitted,
            status: 'True',
            reason: TR.QuotaReserved,
            message: `admitted in queue '${tenantOf(job)}'`,
          },
          nowIso,
        );
        await this.patch(trial, { ...trial.status, conditions });
      }
      return true;
    }
    const { conditions } = setCondition(
      trial.status?.conditions,
      { type: TC.Admitted, status: 'False', reason: a.reason, message: a.message },
      nowIso,
    );
    const next: TrialStatus = { ...trial.status, phase: 'Queued', message: a.message, conditions };
    if (trialStatusChanged(trial.status, next)) await this.patch(trial, next);
    this.o.requeueAfter(key, QUEUED_RECHECK_MS);
    return false;
  }

  /** The cached result for this trial's configuration; a cache that fails is a miss (the trial runs). */
  private async cachedScore(
    trial: Trial,
    job: HPOJob,
    spec: ResolvedHPOJobSpec,
  ): Promise<CachedScore | undefined> {
    if (!this.o.scores || !spec.trialTemplate.cache) return undefined;
    return this.o.scores
      .get(tenantOf(job), scoreKey(trial.spec.params, spec))
      .catch((e: unknown) => void this.o.log.debug({ err: String(e) }, 'score cache unavailable'));
  }

  private async remember(
    trial: Trial,
    job: HPOJob,
    spec: ResolvedHPOJobSpec,
    metrics: TrialMetrics | undefined,
  ): Promise<void> {
    const score = this.o.scores && spec.trialTemplate.cache ? scoreOf(trial, spec, metrics) : undefined;
    if (!score) return;
    await this.o
      .scores!.put(tenantOf(job), scoreKey(trial.spec.params, spec), score)
      .catch((e: unknown) => this.o.log.debug({ err: String(e) }, 'score cache unavailable'));
  }

  private async patch(trial: Trial, status: Trial['status']): Promise<void> {
    const ns = trial.metadata.namespace ?? 'default';
    const key = keyOf(ns, trial.metadata.name);
    const final = status?.observationSeq !== undefined && trial.status?.observationSeq === undefined;
    if (final) {
      this.written.pending(key, { ...trial, status });
      this.o.wakeJob?.(keyOf(ns, trial.spec.hpoJob));
    }
    try {
      const updated = await this.o.kube.patchTrialStatus(
        ns,
        trial.metadata.name,
        trial.metadata.resourceVersion,
        status ?? {},
      );
      this.written.remember(key, updated);
    } catch (e) {
      if (apiErrorCode(e) === 404) return;
      throw e; // 409: the trial changed (e.g. stopped meanwhile); the next pass decides on fresh data
    } finally {
      if (final) this.written.settle(key);
    }
    // After the write: the status it recorded is what keeps a later pass (or leader) from telling again.
    for (const c of newlyFalse(trial.status?.conditions, status?.conditions)) await this.warn(trial, c);
  }

  private async warn(trial: Trial, c: { reason: string; message: string }): Promise<void> {
    await this.o.kube
      .event(objectRef('Trial', trial), 'Warning', c.reason, c.message, new Date(this.o.clock.now()))
      .catch((e: unknown) => this.o.log.warn({ err: String(e) }, 'could not record an event'));
  }
}
