/**
 * The operator's view of the cluster (ARCHITECTURE §8): informers for HPOJobs, Trials, and the Jobs and
 * Pods labelled `ultron.dev/hpojob`, with indexes by job and by trial, so a reconcile never lists from
 * the API server. Events are turned into work-queue keys (`namespace/name`) by `onHPOJob`/`onTrial`.
 */
import * as k8s from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, LABELS, type HPOJob, type Trial } from '../api/index.js';
import {
  clientNodeInformerFactory,
  SupervisedInformer,
  type Clock,
  type InformerFactory,
} from './runtime/index.js';
import { HPOJOBS, TRIALS } from './kube.js';
import { trimJob, trimMeta, trimPod } from './trim.js';

export const keyOf = (namespace: string | undefined, name: string): string =>
  `${namespace ?? 'default'}/${name}`;
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

type Meta = { metadata?: k8s.V1ObjectMeta };
const labelOf = (o: Meta, label: string): string | undefined => o.metadata?.labels?.[label];

/** A secondary index: group key → object keys. */
class Index {
  private readonly groups = new Map<string, Set<string>>();
  private readonly groupOf = new Map<string, string>();
  put(objKey: string, group: string | undefined): void {
    this.remove(objKey);
    if (group === undefined) return;
    let set = this.groups.get(group);
    if (!set) this.groups.set(group, (set = new Set()));
    set.add(objKey);
    this.groupOf.set(objKey, group);
  }
  remove(objKey: string): void {
    const g = this.groupOf.get(objKey);
    if (g === undefined) return;
    this.groups.get(g)?.delete(objKey);
    if (this.groups.get(g)?.size === 0) this.groups.delete(g);
    this.groupOf.delete(objKey);
  }
  keys(group: string): string[] {
    return [...(this.groups.get(group) ?? [])];
  }
}

export interface CacheEvents {
  /** An HPOJob (key) may need a reconcile. */
  hpojob(key: string): void;
  /** A Trial (key) may need a reconcile. */
  trial(key: string): void;
}

export interface ClusterCacheOptions {
  kc: k8s.KubeConfig;
  clock?: Clock;
  /** Tests pass fakes; default: client-node informers. */
  factory?: <T extends k8s.KubernetesObject>() => InformerFactory<T>;
  onInformerError?: (name: string, error: unknown, restartInMs: number) => void;
}

/** Deleted disrupted pods remembered per trial (a trial pre-empted more often has counted the rest). */
const DISRUPTED_KEPT = 10;

export class ClusterCache {
  readonly hpojobs: SupervisedInformer<HPOJob & k8s.KubernetesObject>;
  readonly trials: SupervisedInformer<Trial & k8s.KubernetesObject>;
  readonly jobs: SupervisedInformer<k8s.V1Job>;
  readonly pods: SupervisedInformer<k8s.V1Pod>;
  private readonly trialsByJob = new Index();
  private readonly podsByTrial = new Index();
  private readonly jobsByUid = new Map<string, string>();
  private readonly listeners: CacheEvents[] = [];
  private readonly disruptedGone = new Map<string, k8s.V1Pod[]>();

  constructor(opts: ClusterCacheOptions) {
    const custom = opts.kc.makeApiClient(k8s.CustomObjectsApi);
    const batch = opts.kc.makeApiClient(k8s.BatchV1Api);
    const core = opts.kc.makeApiClient(k8s.CoreV1Api);
    const common = <T extends k8s.KubernetesObject>(name: string) => ({
      name,
      factory: opts.factory ? opts.factory<T>() : clientNodeInformerFactory<T>(opts.kc),
      ...(opts.clock ? { clock: opts.clock } : {}),
      onError: (e: unknown, ms: number) => opts.onInformerError?.(name, e, ms),
    });
    const listCustom = (plural: string) => async () =>
      (await custom.listClusterCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        plural,
      })) as k8s.KubernetesListObject<HPOJob & k8s.KubernetesObject>;
    this.hpojobs = new SupervisedInformer({
      ...common<HPOJob & k8s.KubernetesObject>('hpojobs'),
      path: `/apis/${API_GROUP}/${API_VERSION}/${HPOJOBS}`,
      listFn: listCustom(HPOJOBS),
      trim: trimMeta,
    });
    this.trials = new SupervisedInformer({
      ...common<Trial & k8s.KubernetesObject>('trials'),
      path: `/apis/${API_GROUP}/${API_VERSION}/${TRIALS}`,
      listFn: listCustom(TRIALS) as unknown as () => Promise<
        k8s.KubernetesListObject<Trial & k8s.KubernetesObject>
      >,
      trim: trimMeta,
    });
    this.jobs = new SupervisedInformer({
      ...common<k8s.V1Job>('jobs'),
      path: '/apis/batch/v1/jobs',
      labelSelector: LABELS.hpoJob,
      listFn: () => batch.listJobForAllNamespaces({ labelSelector: LABELS.hpoJob }),
      trim: trimJob,
    });
    this.pods = new SupervisedInformer({
      ...common<k8s.V1Pod>('pods'),
      path: '/api/v1/pods',
      labelSelector: LABELS.hpoJob,
      listFn: () => core.listPodForAllNamespaces({ labelSelector: LABELS.hpoJob }),
      trim: trimPod,
    });
    this.wire();
  }

  private wire(): void {
    const emit = (fn: (l: CacheEvents) => void) => {
      for (const l of this.listeners) fn(l);
    };
    for (const ev of ['add', 'update', 'delete'] as const) {
      this.hpojobs.on(ev, (j) => {
        const key = keyOf(j.metadata.namespace, j.metadata.name);
        if (j.metadata.uid) {
          if (ev === 'delete') this.jobsByUid.delete(j.metadata.uid);
          else this.jobsByUid.set(j.metadata.uid, key);
        }
        emit((l) => l.hpojob(key));
      });
      this.trials.on(ev, (t) => {
        const key = keyOf(t.metadata.namespace, t.metadata.name);
        const job = keyOf(t.metadata.namespace, t.spec.hpoJob);
        if (ev === 'delete') {
          this.trialsByJob.remove(key);
          this.forgetTrialPods(key);
        } else this.trialsByJob.put(key, job);
        emit((l) => {
          l.trial(key);
          l.hpojob(job);
        });
      });
      this.jobs.on(ev, (j) => {
        const trial = labelOf(j, LABELS.trial);
        if (trial) emit((l) => l.trial(keyOf(j.metadata?.namespace, trial)));
      });
      this.pods.on(ev, (p) => {
        const key = keyOf(p.metadata?.namespace, p.metadata?.name ?? '');
        const trial = labelOf(p, LABELS.trial);
        if (ev === 'delete') {
          this.podsByTrial.remove(key);
          if (trial) this.rememberDisrupted(keyOf(p.metadata?.namespace, trial), p);
        } else this.podsByTrial.put(key, trial ? keyOf(p.metadata?.namespace, trial) : undefined);
        if (trial) emit((l) => l.trial(keyOf(p.metadata?.namespace, trial)));
      });
    }
  }

  on(listener: CacheEvents): void {
    this.listeners.push(listener);
  }

  start(): void {
    for (const i of this.all()) i.start();
  }

  async synced(): Promise<void> {
    await Promise.all(this.all().map((i) => i.synced()));
  }

  stop(): void {
    for (const i of this.all()) i.stop();
  }

  /** Why the caches are not healthy, if they are not (for /readyz). */
  health(): string | undefined {
    const problems = this.all().flatMap((i) => i.health() ?? []);
    return problems.length ? problems.join('; ') : undefined;
  }

  private all(): SupervisedInformer<k8s.KubernetesObject>[] {
    return [
      this.hpojobs,
      this.trials,
      this.jobs,
      this.pods,
    ] as unknown as SupervisedInformer<k8s.KubernetesObject>[];
  }

  hpojob(key: string): HPOJob | undefined {
    const [ns, name] = splitKey(key);
    return this.hpojobs.get(ns, name);
  }

  hpojobKeyByUid(uid: string): string | undefined {
    return this.jobsByUid.get(uid);
  }

  trial(key: string): Trial | undefined {
    const [ns, name] = splitKey(key);
    return this.trials.get(ns, name);
  }

  trialsOf(jobKey: string): Trial[] {
    return this.trialsByJob.keys(jobKey).flatMap((k) => this.trial(k) ?? []);
  }

  /** The worker Job of a Trial (it has the Trial's name). */
  workerJob(trialKey: string): k8s.V1Job | undefined {
    const [ns, name] = splitKey(trialKey);
    return this.jobs.get(ns, name);
  }

  /**
   * Disrupted pods of the trial already deleted, as last seen. A pod of a lost node can be failed and
   * removed (pod GC) between two reconciles of its trial, which would then never see it pre-empted.
   */
  deletedDisruptedPodsOf(trialKey: string): k8s.V1Pod[] {
    return this.disruptedGone.get(trialKey) ?? [];
  }

  private rememberDisrupted(trialKey: string, pod: k8s.V1Pod): void {
    const disrupted = pod.status?.conditions?.some(
      (c) => c.type === 'DisruptionTarget' && c.status === 'True',
    );
    if (!disrupted) return;
    // As deleted: whatever phase it was last seen in, it is gone now.
    const gone = {
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: pod.metadata?.deletionTimestamp ?? new Date() },
    };
    const list = [...(this.disruptedGone.get(trialKey) ?? []), gone].slice(-DISRUPTED_KEPT);
    this.disruptedGone.set(trialKey, list);
  }

  /** Forgets a deleted trial's pods (its tombstones would otherwise outlive it). */
  forgetTrialPods(trialKey: string): void {
    this.disruptedGone.delete(trialKey);
  }

  podsOf(trialKey: string): k8s.V1Pod[] {
    return this.podsByTrial.keys(trialKey).flatMap((k) => {
      const [ns, name] = splitKey(k);
      return this.pods.get(ns, name) ?? [];
    });
  }
}
