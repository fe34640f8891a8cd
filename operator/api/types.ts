/**
 * HPOJob and Trial, group `ultron.dev`, version `v1alpha1` (ARCHITECTURE §3).
 *
 * These types are the single source of truth for the manifest format: the CLI, the local runner, the
 * operator and the CRD schema (crds/) all follow them. Optional fields are the ones a user may omit;
 * `applyDefaults` (defaults.ts) returns a `ResolvedHPOJobSpec` in which every defaulted field is set.
 */
import type { PodTemplateSpec } from './pod.js';

export const API_GROUP = 'ultron.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;

/** A categorical value, and so any parameter value. */
export type ParamValue = string | number | boolean;
/** One configuration: parameter name → value. Inactive conditional parameters are absent. */
export type ParamConfig = Record<string, ParamValue>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Direction = 'minimize' | 'maximize';
/** `latest`: a trial's objective is its last report; `best`: its best report. */
export type ObjectiveStrategy = 'latest' | 'best';

export interface Objective {
  metric: string;
  direction: Direction;
  /** The job finishes with GoalReached once a trial's objective reaches this value. */
  goal?: number;
  strategy?: ObjectiveStrategy;
}

/** `when`: the parameter is active only if each named earlier categorical has one of the listed values. */
export type ParamCondition = Record<string, ParamValue[]>;

interface ParameterBase {
  name: string;
  when?: ParamCondition;
}
export interface FloatParameter extends ParameterBase {
  type: 'float';
  min: number;
  max: number;
  log?: boolean;
  /** Values are min + k·step; not allowed together with log. */
  step?: number;
}
export interface IntParameter extends ParameterBase {
  type: 'int';
  min: number;
  max: number;
  log?: boolean;
  step?: number;
}
export interface CategoricalParameter extends ParameterBase {
  type: 'categorical';
  values: ParamValue[];
}
export type Parameter = FloatParameter | IntParameter | CategoricalParameter;
export type ParameterType = Parameter['type'];

export const BUILTIN_SAMPLERS = [
  'random',
  'grid',
  'sobol',
  'tpe',
  'cmaes',
  'reinforce',
  'gp',
  'auto',
] as const;
export type BuiltinSamplerName = (typeof BUILTIN_SAMPLERS)[number];
export interface SamplerSpec {
  /** A built-in sampler or the name of a custom sampler served over the sampler protocol. */
  name: string;
  settings?: JsonObject;
}

export const EARLY_STOPPING_NAMES = ['none', 'median', 'asha', 'hyperband'] as const;
export type EarlyStoppingName = (typeof EARLY_STOPPING_NAMES)[number];
export interface EarlyStoppingSpec {
  name: EarlyStoppingName;
  settings?: JsonObject;
}

export interface Budget {
  maxTrials?: number;
  maxFailedTrials?: number;
  /** A Go-style duration: `90s`, `30m`, `6h`, `1h30m`. */
  maxDuration?: string;
  maxGpuHours?: number;
}

export interface CheckpointSpec {
  enabled?: boolean;
  /** How many complete checkpoint steps to keep. */
  keep?: number;
  /** Delete the job's checkpoints from the object store when the HPOJob is deleted (default false). */
  deleteOnFinish?: boolean;
}

export interface TrialTemplate {
  /** Real failures allowed per trial (the worker Job's backoffLimit); preemptions never count. */
  retries?: number;
  checkpoint?: CheckpointSpec;
  /** Reuse the result of a trial with the same parameters and template instead of running (default true). */
  cache?: boolean;
  template: PodTemplateSpec;
}

export interface HPOJobSpec {
  objective: Objective;
  parameters: Parameter[];
  sampler?: SamplerSpec;
  earlyStopping?: EarlyStoppingSpec;
  budget?: Budget;
  parallelism?: number;
  seed?: number;
  queue?: string;
  /** Within its tenant (queue), a job with a higher priority has its trials admitted first (default 0). */
  priority?: number;
  trialTemplate: TrialTemplate;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export const HPOJOB_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type HPOJobPhase = (typeof HPOJOB_PHASES)[number];

/** Why a job finished (ARCHITECTURE §3 terminal reasons). */
export const FINISH_REASONS = [
  'MaxTrialsReached',
  'GoalReached',
  'DeadlineExceeded',
  'BudgetExhausted',
  'SpaceExhausted',
  'TooManyFailedTrials',
  'InvalidSpec',
  'Deleted',
] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export interface TrialCounts {
  created: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  earlyStopped: number;
}

export interface BestTrial {
  trial: string;
  index: number;
  params: ParamConfig;
  objective: number;
  step?: number;
}

export interface Usage {
  gpuSeconds: number;
  wastedGpuSeconds: number;
}

/** One suggestion request the operator made and has not yet seen turned into Trials. */
export interface SuggestionRequestRecord {
  /** The request id (its Nats-Msg-Id). */
  id: string;
  indices: number[];
  /** When it was (last) published, RFC 3339; a request unanswered for too long is published again. */
  sentAt: string;
  /** 1 for the first request of these indices; a new attempt (new id) after an invalid answer. */
  attempt: number;
}

/**
 * The operator's ledger of the sampler loop, written as a request is published, so a restarted operator
 * knows which indices are asked for: no index is created twice or skipped.
 */
export interface SamplerStatus {
  /** The next trial index to ask for. */
  nextIndex: number;
  requests: SuggestionRequestRecord[];
  /** The sampler answered SpaceExhausted: nothing new will be asked. */
  spaceExhausted?: boolean;
  /** Answers rejected as invalid (outside the space, wrong indices), in total. */
  invalidAnswers?: number;
}

export interface HPOJobStatus {
  phase?: HPOJobPhase;
  conditions?: StatusCondition[];
  observedGeneration?: number;
  trials?: TrialCounts;
  progress?: string;
  best?: BestTrial;
  usage?: Usage;
  startTime?: string;
  completionTime?: string;
  sampler?: SamplerStatus;
}

export interface HPOJob {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'HPOJob';
  metadata: ObjectMeta;
  spec: HPOJobSpec;
  status?: HPOJobStatus;
}

export const TRIAL_PHASES = [
  'Pending',
  'Queued',
  'Running',
  'Succeeded',
  'Failed',
  'EarlyStopped',
  'Stopped',
] as const;
export type TrialPhase = (typeof TRIAL_PHASES)[number];
export const TERMINAL_TRIAL_PHASES: readonly TrialPhase[] = [
  'Succeeded',
  'Failed',
  'EarlyStopped',
  'Stopped',
];
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_TRIAL_PHASES);
/** A trial in this phase has finished and will not run again. */
export const isFinishedPhase = (phase: string): boolean => TERMINAL.has(phase);

export interface TrialSpec {
  hpoJob: string;
  index: number;
  params: ParamConfig;
  seed: number;
  stop?: boolean;
}

export interface TrialCheckpointStatus {
  step: number;
  uri: string;
  at: string;
}

/** One pod of a trial lost to eviction, pre-emption or its node (the newest few are kept). */
export interface PreemptionRecord {
  pod: string;
  uid: string;
  /** When it was disrupted, RFC 3339. */
  at: string;
  reason: string;
  /** How long its trainer ran, seconds. */
  ranSeconds: number;
  /** The part of that since the last checkpoint it completed: work the next pod does again. */
  lostSeconds: number;
}

export interface TrialStatus {
  phase?: TrialPhase;
  objective?: number;
  metrics?: Record<string, number>;
  step?: number;
  paramsSummary?: string;
  restarts?: number;
  preemptions?: number;
  /** The pre-empted pods (the newest 100), so each is counted once and usage knows what they ran. */
  preemptedPods?: PreemptionRecord[];
  checkpoint?: TrialCheckpointStatus;
  usage?: Usage;
  startTime?: string;
  completionTime?: string;
  message?: string;
  conditions?: StatusCondition[];
  /** Metric lines the trainer wrote that could not be read (counted, never fatal). */
  malformedMetricLines?: number;
  /** The trial whose result this one reused (`<namespace>/<name>`), when it came from the score cache. */
  cachedFrom?: string;
  /** The stream sequence of this finished trial's observation (`ultron.obs.<job uid>`), once published. */
  observationSeq?: number;
}

export interface Trial {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'Trial';
  metadata: ObjectMeta;
  spec: TrialSpec;
  status?: TrialStatus;
}
