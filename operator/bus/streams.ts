/**
 * Pure helpers for the JetStream shell: the server configuration of each Ultron stream, what differs
 * between a stream on the server and the one wanted, which stream stores a subject, and the back-off
 * between retries. No I/O here, so all of it is unit-tested.
 */
import { STREAMS, type StreamSpec } from './subjects.js';

/** The stream settings Ultron owns; everything else keeps the server's default or an admin's choice. */
export interface OwnedStreamConfig {
  name: string;
  subjects: string[];
  retention: 'workqueue' | 'limits';
  storage: 'file';
  /** Nanoseconds, as the JetStream API counts. */
  max_age: number;
  duplicate_window: number;
  num_replicas: number;
  /**
   * Direct Get on every replica: a sampler reads the tail of a job's observations in one request
   * (a batch Direct Get) instead of creating, reading and deleting an ordered consumer.
   */
  allow_direct: boolean;
}

const NS_PER_SECOND = 1_000_000_000;

export function streamConfig(spec: StreamSpec, replicas = 1): OwnedStreamConfig {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    retention: spec.retention,
    storage: 'file',
    max_age: spec.maxAgeSeconds * NS_PER_SECOND,
    duplicate_window: spec.duplicateWindowSeconds * NS_PER_SECOND,
    num_replicas: replicas,
    allow_direct: true,
  };
}

export interface StreamDrift {
  /** Fields an update can change (subjects, ages, replicas). */
  updatable: Array<keyof OwnedStreamConfig>;
  /** Fields the server refuses to change in place (retention, storage): the stream must be recreated. */
  immutable: Array<keyof OwnedStreamConfig>;
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  const sb = [...b].sort();
  return [...a].sort().every((x, i) => x === sb[i]);
}

/** What differs between the server's stream config (`current`) and the wanted one. */
export function streamDrift(current: Partial<Record<string, unknown>>, want: OwnedStreamConfig): StreamDrift {
  const updatable: Array<keyof OwnedStreamConfig> = [];
  const immutable: Array<keyof OwnedStreamConfig> = [];
  if (!sameList(current['subjects'] as string[] | undefined, want.subjects)) updatable.push('subjects');
  for (const k of ['max_age', 'duplicate_window', 'num_replicas', 'allow_direct'] as const)
    if (current[k] !== want[k]) updatable.push(k);
  for (const k of ['retention', 'storage'] as const) if (current[k] !== want[k]) immutable.push(k);
  return { updatable, immutable };
}

/** Whether `subject` matches a NATS filter with `*` (one token) and a trailing `>` (one or more). */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

/** The Ultron stream that stores `subject`, or undefined. */
export function streamOfSubject(
  subject: string,
  streams: readonly StreamSpec[] = STREAMS,
): StreamSpec | undefined {
  return streams.find((s) => s.subjects.some((f) => subjectMatches(f, subject)));
}

export interface BackoffOptions {
  /** Delay after the first failure. */
  initialMs?: number;
  /** The delay never grows past this. */
  maxMs?: number;
}

/** Exponential back-off: attempt 1 waits `initialMs`, each further attempt twice as long, up to `maxMs`. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? 500;
  const max = opts.maxMs ?? 10_000;
  const n = Math.max(1, Math.floor(attempt));
  // 2 ** 30 already exceeds any sane cap; stop the exponent there so the product stays finite.
  return Math.min(max, initial * 2 ** Math.min(30, n - 1));
}
