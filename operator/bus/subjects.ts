/**
 * Every JetStream stream and subject Ultron uses (ARCHITECTURE §5), in one place. Subject tokens are a
 * sampler name (a DNS label, checked by the API) or a job uid (hex and dashes), so none holds `.`, `*`,
 * `>` or spaces.
 */

export interface StreamSpec {
  name: string;
  subjects: string[];
  retention: 'workqueue' | 'limits';
  /** Oldest message kept, in seconds (0: no age limit). */
  maxAgeSeconds: number;
  /** Messages published with the same Nats-Msg-Id within this window are stored once. */
  duplicateWindowSeconds: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Suggestion requests, one subject per sampler; each message is taken by one sampler replica. */
export const SUGGEST_STREAM: StreamSpec = {
  name: 'ULTRON_SUGGEST',
  subjects: ['ultron.suggest.>'],
  retention: 'workqueue',
  maxAgeSeconds: DAY,
  duplicateWindowSeconds: 10 * 60,
};
/** Samplers' answers, one subject per job. */
export const SUGGESTIONS_STREAM: StreamSpec = {
  name: 'ULTRON_SUGGESTIONS',
  subjects: ['ultron.suggestions.>'],
  retention: 'limits',
  maxAgeSeconds: DAY,
  duplicateWindowSeconds: 10 * 60,
};
/** Finished trials of each job, replayed by samplers to rebuild a job's state. */
export const OBSERVATIONS_STREAM: StreamSpec = {
  name: 'ULTRON_OBSERVATIONS',
  subjects: ['ultron.obs.>'],
  retention: 'limits',
  maxAgeSeconds: 30 * DAY,
  duplicateWindowSeconds: 10 * 60,
};
/** Metric reports of every trial, from the pod agents. */
export const METRICS_STREAM: StreamSpec = {
  name: 'ULTRON_METRICS',
  subjects: ['ultron.metrics.>'],
  retention: 'limits',
  maxAgeSeconds: 7 * DAY,
  duplicateWindowSeconds: 10 * 60,
};
export const STREAMS: readonly StreamSpec[] = [
  SUGGEST_STREAM,
  SUGGESTIONS_STREAM,
  OBSERVATIONS_STREAM,
  METRICS_STREAM,
];

export const suggestSubject = (sampler: string): string => `ultron.suggest.${sampler}`;
export const suggestionsSubject = (jobUid: string): string => `ultron.suggestions.${jobUid}`;
export const observationsSubject = (jobUid: string): string => `ultron.obs.${jobUid}`;
export const metricsSubject = (jobUid: string, index: number): string => `ultron.metrics.${jobUid}.${index}`;
/**
 * A pod agent's heartbeat (`{v: 1, pod}` every second), core NATS: no stream stores it. For a pod lost
 * with its node, the last one received is when it was last known to train.
 */
export const aliveSubject = (jobUid: string, index: number): string => `ultron.alive.${jobUid}.${index}`;
export const ALL_SUGGESTIONS = 'ultron.suggestions.>';
export const ALL_METRICS = 'ultron.metrics.>';
export const ALL_ALIVE = 'ultron.alive.>';

/** The (job uid, trial index) of a metrics subject, or undefined for another subject. */
export function parseMetricsSubject(subject: string): { jobUid: string; index: number } | undefined {
  return trialOfSubject('metrics', subject);
}
/** The (job uid, trial index) of a heartbeat subject. */
export function parseAliveSubject(subject: string): { jobUid: string; index: number } | undefined {
  return trialOfSubject('alive', subject);
}
function trialOfSubject(kind: string, subject: string): { jobUid: string; index: number } | undefined {
  const m = /^ultron\.([a-z]+)\.([^.]+)\.(\d+)$/.exec(subject);
  return m && m[1] === kind ? { jobUid: m[2]!, index: Number(m[3]) } : undefined;
}
/** The job uid of a suggestions subject. */
export function parseSuggestionsSubject(subject: string): string | undefined {
  return /^ultron\.suggestions\.([^.]+)$/.exec(subject)?.[1];
}

/** The durable consumer shared by every replica of one sampler (any replica serves any request). */
export const samplerConsumerName = (sampler: string): string => `ultron-sampler-${sampler}`;
/** The operator's durable consumer of answers (only the leader pulls from it). */
export const OPERATOR_SUGGESTIONS_CONSUMER = 'ultron-operator-suggestions';

/** Nats-Msg-Id values: a re-sent message with the same id is stored once (dedup). */
export const msgIds = {
  answer: (requestId: string): string => `answer-${requestId}`,
  observation: (jobUid: string, index: number): string => `obs-${jobUid}-${index}`,
  metric: (jobUid: string, index: number, podUid: string, line: number): string =>
    `m-${jobUid}-${index}-${podUid}-${line}`,
  metricEnd: (jobUid: string, index: number, podUid: string): string => `end-${jobUid}-${index}-${podUid}`,
  /** One per uploaded step: a step uploaded again (by the next pod) is announced once. */
  checkpoint: (jobUid: string, index: number, step: number): string => `ckpt-${jobUid}-${index}-${step}`,
  checkpointsOff: (jobUid: string, index: number, podUid: string): string =>
    `ckoff-${jobUid}-${index}-${podUid}`,
};
