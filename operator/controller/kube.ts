/**
 * The operator's writes to the API server, in one thin module (reads come from the informer caches).
 * Status goes only through the status subresource; a write that carries the object's resourceVersion
 * fails with a conflict when the object changed meanwhile, and the reconcile runs again on fresh data.
 */
import * as k8s from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  type HPOJob,
  type HPOJobStatus,
  type Trial,
  type TrialStatus,
} from '../api/index.js';

export const HPOJOBS = 'hpojobs';
export const TRIALS = 'trials';
const FIELD_MANAGER = 'ultron-operator';

/** The API server's status code of a failed call (404, 409, 422, …), or undefined. */
export function apiErrorCode(e: unknown): number | undefined {
  return e instanceof k8s.ApiException ? e.code : undefined;
}

/** The API server's own message of a failed call (what `kubectl` would print). */
export function apiErrorMessage(e: unknown): string {
  if (e instanceof k8s.ApiException) {
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      // not JSON: use it as it is
    }
    return body || e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface ObjectRef {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** The reference an Event names: `kind` and the object's own apiVersion, namespace, name and uid. */
export function objectRef(
  kind: string,
  o: { apiVersion: string; metadata: { namespace?: string; name: string; uid?: string } },
): ObjectRef {
  return {
    kind,
    apiVersion: o.apiVersion,
    namespace: o.metadata.namespace ?? 'default',
    name: o.metadata.name,
    ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
  };
}

export class KubeApi {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly batch: k8s.BatchV1Api;
  private readonly core: k8s.CoreV1Api;

  constructor(kc: k8s.KubeConfig) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  /** Creates a Trial; `exists` when a Trial of that name is already there (a retried create). */
  async createTrial(trial: Trial): Promise<'created' | 'exists'> {
    try {
      await this.custom.createNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace: trial.metadata.namespace!,
        plural: TRIALS,
        body: trial,
        fieldManager: FIELD_MANAGER,
      });
      return 'created';
    } catch (e) {
      if (apiErrorCode(e) === 409) return 'exists';
      throw e;
    }
  }

  private async patchStatus<T>(
    plural: string,
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    status: unknown,
  ): Promise<T> {
    const body = {
      ...(resourceVersion !== undefined ? { metadata: { resourceVersion } } : {}),
      status,
    };
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION, namespace, plural, name, body, fieldManager: FIELD_MANAGER },
      merge,
    )) as T;
  }

  patchHPOJobStatus(ns: string, name: string, rv: string | undefined, status: HPOJobStatus): Promise<HPOJob> {
    return this.patchStatus<HPOJob>(HPOJOBS, ns, name, rv, status);
  }

  patchTrialStatus(ns: string, name: string, rv: string | undefined, status: TrialStatus): Promise<Trial> {
    return this.patchStatus<Trial>(TRIALS, ns, name, rv, status);
  }

  /** Sets metadata.finalizers of an HPOJob (metadata, never the user's spec). */
  async setHPOJobFinalizers(ns: string, name: string, rv: string, finalizers: string[]): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: API_GROUP,
        version: API_VERSION,
        namespace: ns,
        plural: HPOJOBS,
        name,
        body: { metadata: { resourceVersion: rv, finalizers } },
        fieldManager: FIELD_MANAGER,
      },
      merge,
    );
  }

  /** Creates the worker Job; `exists` when it is already there. `dryRun` only validates it. */
  async createJob(job: k8s.V1Job, dryRun = false): Promise<'created' | 'exists'> {
    try {
      await this.batch.createNamespacedJob({
        namespace: job.metadata!.namespace!,
        body: job,
        fieldManager: FIELD_MANAGER,
        ...(dryRun ? { dryRun: 'All' } : {}),
      });
      return 'created';
    } catch (e) {
      if (apiErrorCode(e) === 409 && !dryRun) return 'exists';
      throw e;
    }
  }

  /** Deletes a worker Job with its pods (background propagation); a missing Job is fine. */
  /** A ConfigMap's data, or undefined when there is no such ConfigMap. */
  async configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      return (await this.core.readNamespacedConfigMap({ namespace, name })).data ?? {};
    } catch (e) {
      if (apiErrorCode(e) === 404) return undefined;
      throw e;
    }
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
    } catch (e) {
      if (apiErrorCode(e) !== 404) throw e;
    }
  }

  /** A core/v1 Event on `about`, for what a user must know (`kubectl describe` shows it). */
  async event(
    about: ObjectRef,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    await this.core.createNamespacedEvent({
      namespace: about.namespace,
      body: {
        metadata: { generateName: `${about.name}.`, namespace: about.namespace },
        involvedObject: {
          kind: about.kind,
          apiVersion: about.apiVersion,
          namespace: about.namespace,
          name: about.name,
          ...(about.uid ? { uid: about.uid } : {}),
        },
        type,
        reason,
        message: message.slice(0, 1000),
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'ultron-operator' },
        count: 1,
      },
    });
  }
}
