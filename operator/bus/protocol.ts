/**
 * The sampler protocol's messages (ARCHITECTURE §5, docs/sampler-protocol.md): JSON objects with a
 * version `v` and a `kind`. Every message read from NATS goes through a `parse*` function here, which
 * never throws and names what is wrong, so a malformed message becomes an Event and a condition, not a
 * crash. Writers build messages with the plain types.
 */
import type { Direction, JsonObject, ParamConfig, Parameter } from '../api/index.js';

export const PROTOCOL_VERSION = 1;

export interface JobRef {
  namespace: string;
  name: string;
  uid: string;
}

/** `ultron.suggest.<sampler>`: fill `indices` with one configuration each. Nats-Msg-Id = `id`. */
export interface SuggestRequest {
  v: 1;
  kind: 'suggest';
  /** Unique per (job, indices, attempt); a re-sent request keeps its id and is deduplicated. */
  id: string;
  job: JobRef;
  sampler: { name: string; settings: JsonObject };
  /** The job's spec.parameters, in order. */
  parameters: Parameter[];
  direction: Direction;
  seed: number;
  indices: number[];
  /** Trials created and not finished (constant liar). */
  pending: Array<{ index: number; params: ParamConfig }>;
  /**
   * The observations the request was made after: every message on `ultron.obs.<job uid>` with stream
   * sequence ≤ `upToSeq` (0: none yet), `count` of them (distinct indices), for a completeness check.
   */
  observations: { upToSeq: number; count: number };
  /**
   * The job's spec.budget.maxTrials when the request was made (optional: older operators and custom
   * clients leave it out). A hint for samplers that choose their strategy by the budget (auto).
   */
  maxTrials?: number;
  /** RFC 3339; for latency figures only, never for decisions. */
  sentAt: string;
}

/** `ultron.suggestions.<job uid>`: the answer. Nats-Msg-Id = `answer-<requestId>`. */
export interface SuggestAnswer {
  v: 1;
  kind: 'suggestions';
  requestId: string;
  sampler: string;
  configs: Array<{ index: number; params: ParamConfig }>;
}

export const SUGGEST_ERROR_CODES = [
  /** No configuration left (grid done); the job finishes with SpaceExhausted when nothing runs. */
  'SpaceExhausted',
  /** The settings or the space do not suit the sampler; the job shows the message. */
  'InvalidSettings',
  /** The request could not be read. */
  'InvalidRequest',
  /** Fewer observations than `count` were found up to `upToSeq`; the operator re-publishes them. */
  'ObservationsIncomplete',
  /** Anything else; the operator asks again after a delay. */
  'Internal',
] as const;
export type SuggestErrorCode = (typeof SUGGEST_ERROR_CODES)[number];

export interface SuggestError {
  v: 1;
  kind: 'error';
  requestId: string;
  sampler: string;
  code: SuggestErrorCode;
  message: string;
}

/** `ultron.obs.<job uid>`: one finished trial. Nats-Msg-Id = `obs-<job uid>-<index>`. */
export interface ObservationMessage {
  v: 1;
  kind: 'observation';
  index: number;
  params: ParamConfig;
  state: 'complete' | 'failed' | 'pruned';
  value?: number;
  intermediate?: Array<{ step: number; value: number }>;
}

/**
 * `ultron.metrics.<job uid>.<index>`, from the pod agent: one metric line of the trainer (`report`), a
 * line that could not be read (`malformed`), or the end of a pod's metrics (`end`, sent when the agent
 * stops: every line of that pod was published before it).
 */
export type MetricMessage =
  | { v: 1; kind: 'report'; pod: string; line: number; step?: number; values: Record<string, number> }
  | { v: 1; kind: 'malformed'; pod: string; line: number; reason: string; text: string }
  /**
   * `stoppedAt` (RFC 3339, ms): when the agent was told to stop. A native sidecar is stopped after the
   * pod's trainer has exited, so this bounds the trainer's end far closer than the container status,
   * which the kubelet reports in whole seconds.
   */
  | { v: 1; kind: 'end'; pod: string; lines: number; malformed: number; stoppedAt?: string }
  /**
   * The agent stored a complete checkpoint step in the object store (`uri`, at `at`, RFC 3339);
   * `completedAt`: when the trainer completed it (its `.complete` marker), the point up to which work is kept.
   */
  | { v: 1; kind: 'checkpoint'; pod: string; step: number; uri: string; at: string; completedAt?: string }
  /**
   * The job wants checkpoints but this pod's agent has no object store to upload them to (`reason`
   * NoCheckpointStore: the namespace lacks the Secret; InvalidCheckpointSettings: its settings are
   * wrong); `message` says what to do. Sent once per pod.
   */
  | { v: 1; kind: 'checkpoints-off'; pod: string; reason: CheckpointsOffReason; message: string };

export const CHECKPOINTS_OFF_REASONS = ['NoCheckpointStore', 'InvalidCheckpointSettings'] as const;
export type CheckpointsOffReason = (typeof CHECKPOINTS_OFF_REASONS)[number];

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isScalar = (v: unknown): boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isConfig = (v: unknown): v is ParamConfig => isObj(v) && Object.values(v).every(isScalar);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Check {
  problems: string[] = [];
  need(ok: boolean, what: string): void {
    if (!ok) this.problems.push(what);
  }
}

/** JSON text → object, or what is wrong with it. */
export function decodeJson(data: Uint8Array | string): Parsed<Obj> {
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${(e as Error).message})` };
  }
  return isObj(value) ? { ok: true, value } : { ok: false, error: 'not a JSON object' };
}

function envelope(m: Obj, kinds: readonly string[], c: Check): void {
  c.need(m['v'] === PROTOCOL_VERSION, `v: must be ${PROTOCOL_VERSION}, got ${JSON.stringify(m['v'])}`);
  c.need(kinds.includes(m['kind'] as string), `kind: must be ${kinds.join(' or ')}`);
}

const result = <T>(c: Check, m: Obj): Parsed<T> =>
  c.problems.length ? { ok: false, error: c.problems.join('; ') } : { ok: true, value: m as T };

const configsOk = (v: unknown): boolean =>
  Array.isArray(v) && v.every((x) => isObj(x) && isIndex(x['index']) && isConfig(x['params']));

export function parseSuggestRequest(data: Uint8Array | string): Parsed<SuggestRequest> {
  const d = decodeJson(data);
  if (!d.ok) return d;
  const m = d.value;
  const c = new Check();
  envelope(m, ['suggest'], c);
  c.need(typeof m['id'] === 'string' && m['id'] !== '', 'id: must be a non-empty string');
  const job = m['job'];
  c.need(
    isObj(job) && ['namespace', 'name', 'uid'].every((k) => typeof job[k] === 'string'),
    'job: must have namespace, name and uid',
  );
  const sampler = m['sampler'];
  c.need(
    isObj(sampler) && typeof sampler['name'] === 'string' && isObj(sampler['settings']),
    'sampler: must have name and settings',
  );
  c.need(Array.isArray(m['parameters']) && m['parameters'].every(isObj), 'parameters: must be a list');
  c.need(m['direction'] === 'minimize' || m['direction'] === 'maximize', 'direction: minimize or maximize');
  c.need(isIndex(m['seed']), 'seed: must be a non-negative integer');
  c.need(
    Array.isArray(m['indices']) && m['indices'].length > 0 && m['indices'].every(isIndex),
    'indices: must be a non-empty list of trial indices',
  );
  c.need(configsOk(m['pending']), 'pending: must be a list of {index, params}');
  const obs = m['observations'];
  c.need(
    isObj(obs) && isIndex(obs['upToSeq']) && isIndex(obs['count']),
    'observations: must be {upToSeq, count}',
  );
  c.need(
    m['maxTrials'] === undefined || (Number.isInteger(m['maxTrials']) && (m['maxTrials'] as number) > 0),
    'maxTrials: must be a positive integer when present',
  );
  return result<SuggestRequest>(c, m);
}

export function parseSuggestReply(data: Uint8Array | string): Parsed<SuggestAnswer | SuggestError> {
  const d = decodeJson(data);
  if (!d.ok) return d;
  const m = d.value;
  const c = new Check();
  envelope(m, ['suggestions', 'error'], c);
  c.need(typeof m['requestId'] === 'string', 'requestId: must be a string');
  c.need(typeof m['sampler'] === 'string', 'sampler: must be a string');
  if (m['kind'] === 'error') {
    c.need(
      (SUGGEST_ERROR_CODES as readonly unknown[]).includes(m['code']),
      `code: must be one of ${SUGGEST_ERROR_CODES.join(', ')}`,
    );
    c.need(typeof m['message'] === 'string', 'message: must be a string');
  } else c.need(configsOk(m['configs']), 'configs: must be a list of {index, params}');
  return result<SuggestAnswer | SuggestError>(c, m);
}

export function parseObservation(data: Uint8Array | string): Parsed<ObservationMessage> {
  const d = decodeJson(data);
  if (!d.ok) return d;
  const m = d.value;
  const c = new Check();
  envelope(m, ['observation'], c);
  c.need(isIndex(m['index']), 'index: must be a trial index');
  c.need(isConfig(m['params']), 'params: must map names to values');
  c.need(
    ['complete', 'failed', 'pruned'].includes(m['state'] as string),
    'state: complete, failed or pruned',
  );
  c.need(m['value'] === undefined || isFiniteNumber(m['value']), 'value: must be a finite number');
  c.need(m['state'] !== 'complete' || isFiniteNumber(m['value']), 'value: required when complete');
  const inter = m['intermediate'];
  c.need(
    inter === undefined ||
      (Array.isArray(inter) &&
        inter.every((r) => isObj(r) && isIndex(r['step']) && isFiniteNumber(r['value']))),
    'intermediate: must be a list of {step, value}',
  );
  return result<ObservationMessage>(c, m);
}

export function parseMetricMessage(data: Uint8Array | string): Parsed<MetricMessage> {
  const d = decodeJson(data);
  if (!d.ok) return d;
  const m = d.value;
  const c = new Check();
  envelope(m, ['report', 'malformed', 'end', 'checkpoint', 'checkpoints-off'], c);
  c.need(typeof m['pod'] === 'string', 'pod: must be a string');
  if (m['kind'] === 'checkpoints-off') {
    c.need(
      (CHECKPOINTS_OFF_REASONS as readonly unknown[]).includes(m['reason']),
      `reason: one of ${CHECKPOINTS_OFF_REASONS.join(', ')}`,
    );
    c.need(typeof m['message'] === 'string', 'message: must be a string');
  } else if (m['kind'] === 'checkpoint') {
    c.need(isIndex(m['step']), 'step: must be a non-negative integer');
    c.need(typeof m['uri'] === 'string' && m['uri'] !== '', 'uri: must be a string');
    c.need(
      typeof m['at'] === 'string' && !Number.isNaN(Date.parse(m['at'] as string)),
      'at: must be an RFC 3339 time',
    );
  } else if (m['kind'] === 'end') {
    c.need(isIndex(m['lines']) && isIndex(m['malformed']), 'lines, malformed: must be counts');
    c.need(
      m['stoppedAt'] === undefined ||
        (typeof m['stoppedAt'] === 'string' && !Number.isNaN(Date.parse(m['stoppedAt']))),
      'stoppedAt: must be an RFC 3339 time',
    );
  } else {
    c.need(isIndex(m['line']), 'line: must be a line number');
    if (m['kind'] === 'report') {
      c.need(m['step'] === undefined || isIndex(m['step']), 'step: must be a non-negative integer');
      const values = m['values'];
      c.need(
        isObj(values) && Object.values(values).every(isFiniteNumber),
        'values: must map names to finite numbers',
      );
    }
  }
  return result<MetricMessage>(c, m);
}

/** A heartbeat's pod uid (`{v: 1, pod}` on ultron.alive.<job uid>.<index>), or undefined if it is not one. */
export function parseHeartbeat(data: Uint8Array | string): string | undefined {
  const d = decodeJson(data);
  if (!d.ok) return undefined;
  const pod = d.value['pod'];
  return d.value['v'] === 1 && typeof pod === 'string' && pod !== '' ? pod : undefined;
}

export const encode = (message: object): Uint8Array => new TextEncoder().encode(JSON.stringify(message));
