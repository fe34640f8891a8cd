/**
 * The worker Job of a Trial (ARCHITECTURE §6), pure: the user's pod template with the `ultron` volume in
 * every container, the trainer's environment, the agent as a native sidecar, and a Job whose retries
 * count real failures only. Nothing of the input is mutated; the template is copied first.
 */
import type { V1Job, V1PodSpec } from '@kubernetes/client-node';
import { API_GROUP_VERSION, LABELS } from '../api/index.js';
import type {
  Container,
  EnvVar,
  PodSpec,
  ResolvedHPOJobSpec,
  ResourceRequirements,
  TrialSpec,
} from '../api/index.js';
import {
  POD_CHECKPOINT_DIR,
  POD_METRICS_FILE,
  POD_ULTRON_DIR,
  trainerContainer,
  trialEnv,
} from '../core/trial/index.js';
import { AGENT_ENV } from '../agent/env.js';
import { PLACE_ENV, S3_ENV, S3_SECRET_KEYS } from '../checkpoint/config.js';
import { UltronError } from '../errors.js';
import { DEFAULT_CONTAINER_ANNOTATION, RESERVED } from './labels.js';

/** The checkpoint store the restore step and the agent's uploader use. */
export interface CheckpointStoreOptions {
  /**
   * The Secret, in each trial's own namespace (a pod can only read its namespace's Secrets), with the
   * store's endpoint, bucket, credentials and prefix (checkpoint/config.ts S3_SECRET_KEYS).
   */
  secretName: string;
}

/** What the operator decides for every trial pod (its command-line flags and config). */
export interface WorkloadOptions {
  /** The ultron image, e.g. `ultron.local/ultron:latest`; its entrypoint is `ultron`. */
  agentImage: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** The NATS URL as seen from a pod, e.g. `nats://nats.ultron-system:4222`. */
  natsUrl: string;
  /** Overrides AGENT_RESOURCES (e.g. limits equal to requests, to keep a pod's Guaranteed QoS). */
  agentResources?: ResourceRequirements;
  /** Without a store there is no restore step and no upload, whatever the job's checkpoint setting. */
  checkpointStore?: CheckpointStoreOptions;
}

/**
 * The agent's share of the pod: it tails one file and publishes small messages. No CPU limit: a
 * throttled agent would slow the flush at SIGTERM, which the pod's end waits for.
 */
export const AGENT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '10m', memory: '64Mi' },
  limits: { memory: '256Mi' },
};

export interface BuildJobInput {
  trial: {
    metadata: { name: string; namespace?: string; uid?: string };
    spec: Pick<TrialSpec, 'index' | 'params' | 'seed'>;
  };
  hpoJob: { name: string; uid: string };
  /** The HPOJob's effective spec (`applyDefaults`). */
  spec: ResolvedHPOJobSpec;
  options: WorkloadOptions;
}

/** The pod template clashes with what Ultron adds; `problems` name each clash. */
export class WorkloadConflict extends UltronError {
  constructor(readonly problems: string[]) {
    super('WorkloadConflict', `the trial template clashes with Ultron's pod parts: ${problems.join('; ')}`);
  }
}

interface VolumeMount {
  name: string;
  mountPath: string;
}
const mount: VolumeMount = { name: RESERVED.volume, mountPath: POD_ULTRON_DIR };

export function buildJob(input: BuildJobInput): V1Job {
  const { trial, hpoJob, spec, options } = input;
  if (!trial.metadata.uid) throw new UltronError('TrialWithoutUid', `trial ${trial.metadata.name}: no uid`);
  // A deep copy: everything below edits the copy, never the HPOJob's spec (ARCHITECTURE §11.5).
  const template = structuredClone(spec.trialTemplate.template);
  const pod = template.spec;
  const conflicts = reservedConflicts(pod);
  if (conflicts.length) throw new WorkloadConflict(conflicts);

  const labels = {
    [LABELS.hpoJob]: hpoJob.name,
    [LABELS.trial]: trial.metadata.name,
    [LABELS.index]: String(trial.spec.index),
  };
  const trainer = trainerContainer(pod.containers);
  trainer.env = trainerEnvList(trial.spec, hpoJob.name, trainer.env ?? []);

  const store = spec.trialTemplate.checkpoint.enabled ? options.checkpointStore : undefined;
  const restore = store ? [restoreContainer(input, store)] : [];
  const initContainers = [...restore, ...(pod.initContainers ?? []), agentContainer(input, store)];
  for (const c of [...initContainers, ...pod.containers]) c.volumeMounts = [...mounts(c), mount];

  const podSpec = {
    ...pod,
    // The Job's podFailurePolicy (so that preemptions do not use up retries) is only accepted with
    // Never; with OnFailure the kubelet would also restart the trainer inside the same pod, where the
    // Job neither counts the attempt nor sees a DisruptionTarget. One attempt is one pod.
    restartPolicy: 'Never',
    initContainers,
    volumes: [...((pod['volumes'] as unknown[] | undefined) ?? []), { name: RESERVED.volume, emptyDir: {} }],
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: trial.metadata.name,
      ...(trial.metadata.namespace ? { namespace: trial.metadata.namespace } : {}),
      labels,
      ownerReferences: [
        {
          apiVersion: API_GROUP_VERSION,
          kind: 'Trial',
          name: trial.metadata.name,
          uid: trial.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: spec.trialTemplate.retries,
      // The only value the API accepts with a podFailurePolicy: a new pod once the old one is gone.
      podReplacementPolicy: 'Failed',
      podFailurePolicy: {
        rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      },
      template: {
        metadata: {
          ...template.metadata,
          labels: { ...template.metadata?.labels, ...labels },
          annotations: { [DEFAULT_CONTAINER_ANNOTATION]: trainer.name, ...template.metadata?.annotations },
        },
        // The user's fields pass through unchecked here; the HPOJob's server-side dry run validated them.
        spec: podSpec as unknown as V1PodSpec,
      },
    },
  };
}

/**
 * Ultron's variables first, then the user's: the kubelet expands `$(VAR)` in an env value only from
 * variables defined earlier in the list, so the user's entries may refer to ULTRON_*. A user entry with
 * an Ultron name replaces it (as in the local runner), without leaving a duplicate in the list.
 */
function trainerEnvList(trial: BuildJobInput['trial']['spec'], job: string, user: EnvVar[]): EnvVar[] {
  const env = trialEnv({
    job,
    index: trial.index,
    params: trial.params,
    seed: trial.seed,
    checkpointDir: POD_CHECKPOINT_DIR,
    metricsFile: POD_METRICS_FILE,
  });
  const userNames = new Set(user.map((e) => e.name));
  const ours = Object.entries(env)
    .filter(([name]) => !userNames.has(name))
    .map(([name, value]) => ({ name, value }));
  return [...ours, ...user];
}

function agentContainer(input: BuildJobInput, store: CheckpointStoreOptions | undefined): Container {
  const { trial, hpoJob, spec, options } = input;
  const env: EnvVar[] = [
    { name: AGENT_ENV.metricsFile, value: POD_METRICS_FILE },
    { name: AGENT_ENV.natsUrl, value: options.natsUrl },
    { name: AGENT_ENV.hpoJobUid, value: hpoJob.uid },
    { name: AGENT_ENV.trialIndex, value: String(trial.spec.index) },
    fieldEnv(AGENT_ENV.podUid, 'metadata.uid'),
    fieldEnv(AGENT_ENV.podName, 'metadata.name'),
  ];
  // The agent is stopped after the trainer; what it has not delivered within the grace period (NATS or
  // the store away) is lost, so it may use all of it but a margin. A stop with both up takes milliseconds.
  const grace = Number(spec.trialTemplate.template.spec.terminationGracePeriodSeconds ?? 30);
  env.push({ name: AGENT_ENV.flushSeconds, value: String(Math.max(1, grace - 2)) });
  if (store) {
    env.push(
      { name: AGENT_ENV.checkpointDir, value: POD_CHECKPOINT_DIR },
      { name: AGENT_ENV.checkpointKeep, value: String(spec.trialTemplate.checkpoint.keep) },
      ...storeEnv(input.hpoJob, store),
    );
  }
  return {
    name: RESERVED.agentContainer,
    image: options.agentImage,
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
    args: ['agent'],
    // A native sidecar: started before the trainer, restarted if it exits, stopped after the trainer.
    restartPolicy: 'Always',
    env,
    resources: options.agentResources ?? AGENT_RESOURCES,
  };
}

/** The seam for the restore step: `ultron restore` puts the newest complete checkpoint in place. */
function restoreContainer(input: BuildJobInput, store: CheckpointStoreOptions): Container {
  const { trial, options } = input;
  const env: EnvVar[] = [
    { name: AGENT_ENV.checkpointDir, value: POD_CHECKPOINT_DIR },
    { name: PLACE_ENV.index, value: String(trial.spec.index) },
    ...storeEnv(input.hpoJob, store),
  ];
  return {
    name: RESERVED.restoreContainer,
    image: options.agentImage,
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
    args: ['restore'],
    env,
    resources: options.agentResources ?? AGENT_RESOURCES,
  };
}

/** The trial's place in the store and the store's settings from the namespace's checkpoint Secret. */
export function storeEnv(hpoJob: { name: string; uid: string }, store: CheckpointStoreOptions): EnvVar[] {
  const fromSecret = (Object.keys(S3_ENV) as Array<keyof typeof S3_ENV>).map((k): EnvVar => ({
    name: S3_ENV[k],
    valueFrom: {
      secretKeyRef: {
        name: store.secretName,
        key: S3_SECRET_KEYS[k].key,
        ...(S3_SECRET_KEYS[k].optional ? { optional: true } : {}),
      },
    },
  }));
  return [
    { name: 'ULTRON_CHECKPOINT_SECRET', value: store.secretName },
    fieldEnv(PLACE_ENV.namespace, 'metadata.namespace'),
    { name: PLACE_ENV.hpoJob, value: hpoJob.name },
    { name: PLACE_ENV.hpoJobUid, value: hpoJob.uid },
    ...fromSecret,
  ];
}

export const fieldEnv = (name: string, fieldPath: string): EnvVar => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

const mounts = (c: Container): VolumeMount[] => (c['volumeMounts'] as VolumeMount[] | undefined) ?? [];

/** Names and paths of the template that would clash with Ultron's volume, mount and containers. */
function reservedConflicts(pod: PodSpec): string[] {
  const problems: string[] = [];
  const volumes = (pod['volumes'] as Array<{ name?: string }> | undefined) ?? [];
  if (volumes.some((v) => v.name === RESERVED.volume))
    problems.push(`volume name ${RESERVED.volume} is Ultron's`);
  const reservedNames: string[] = [RESERVED.agentContainer, RESERVED.restoreContainer];
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    if (reservedNames.includes(c.name)) problems.push(`container name ${c.name} is Ultron's`);
    for (const m of mounts(c))
      if (m.mountPath.replace(/\/+$/, '') === POD_ULTRON_DIR)
        problems.push(`container ${c.name} mounts ${m.mountPath}, where Ultron mounts its volume`);
  }
  return problems;
}
