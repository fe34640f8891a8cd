/**
 * Serving one suggest request, whatever carries it (samplerd over NATS, the in-process transport in
 * tests): read the request, rebuild the job's observations up to the request's sequence (cache + the
 * tail of the stream), check they are complete, answer (answer.ts), publish the reply. The reply is
 * published before the caller acks the request, with Nats-Msg-Id `answer-<request id>`, so a crash
 * between the two re-publishes the same answer and the stream keeps one.
 */
import type { PublishResult } from '../bus/jetstream.js';
import type { Logger } from '../bus/log.js';
import { ReplayTooLarge } from '../bus/errors.js';
import { decodeJson, parseObservation, parseSuggestRequest, type SuggestRequest } from '../bus/protocol.js';
import { msgIds } from '../bus/subjects.js';
import type { Observation } from '../core/samplers/index.js';
import { observationOf, suggestError, type SuggestReply } from '../bus/messages.js';
import { answerRequest } from './answer.js';
import { ObservationCache, type CacheOptions, type CacheStats, type JobObservations } from './cache.js';

/** Where the observations of a job come from: `ultron.obs.<job uid>`. */
export interface ObservationSource {
  /** The messages with fromSeq ≤ seq ≤ upToSeq, ascending. */
  read(jobUid: string, fromSeq: number, upToSeq: number): Promise<Array<{ seq: number; data: Uint8Array }>>;
}

/** Publishes a reply on `ultron.suggestions.<job uid>` with Nats-Msg-Id `msgId`. */
export type ReplyPublisher = (jobUid: string, reply: SuggestReply, msgId: string) => Promise<PublishResult>;

export type Outcome =
  | { kind: 'replied'; jobUid: string; reply: SuggestReply; duplicate: boolean }
  | { kind: 'dropped'; reason: string };

/** A request read far enough to know its job: `run` serves it (serialize runs by `key`). */
export interface Prepared {
  key: string;
  run(): Promise<Outcome>;
}

/** When a request's message was stored by the stream and when it reached this replica, ms since the epoch. */
export interface Arrival {
  storedAt: number;
  receivedAt: number;
}

export interface ServiceStats {
  replies: number;
  answers: number;
  errors: Record<string, number>;
  dropped: number;
  /** Observation messages read from the source (a cached job reads only its tail). */
  replayedMessages: number;
  cache: CacheStats;
}

export interface ServiceOptions {
  source: ObservationSource;
  publish: ReplyPublisher;
  log: Logger;
  cache?: ObservationCache | CacheOptions;
  now?: () => number;
}

/** The job uid and id of a request that failed its checks, when they can be read (to answer it). */
function readableRef(data: Uint8Array): { id: string; jobUid: string } | undefined {
  const d = decodeJson(data);
  if (!d.ok) return undefined;
  const { id, job } = d.value as { id?: unknown; job?: { uid?: unknown } };
  const jobUid = typeof job === 'object' && job !== null ? job.uid : undefined;
  return typeof id === 'string' && id !== '' && typeof jobUid === 'string' && jobUid !== ''
    ? { id, jobUid }
    : undefined;
}

export class SuggestService {
  private readonly cache: ObservationCache;
  private readonly now: () => number;
  private counts = { replies: 0, answers: 0, dropped: 0, replayedMessages: 0 };
  private readonly errors: Record<string, number> = {};

  constructor(private readonly opts: ServiceOptions) {
    this.cache = opts.cache instanceof ObservationCache ? opts.cache : new ObservationCache(opts.cache);
    this.now = opts.now ?? Date.now;
  }

  stats(): ServiceStats {
    return { ...this.counts, errors: { ...this.errors }, cache: this.cache.stats() };
  }

  /**
   * Reads a request that arrived on `ultron.suggest.<sampler>`; synchronous, so arrival order holds.
   * `arrival` (when the stream stored it, when it got here) only goes into the `answered` log line, so
   * that a round trip can be split into its hops.
   */
  prepare(sampler: string, data: Uint8Array, arrival?: Arrival): Prepared {
    const parsed = parseSuggestRequest(data);
    if (!parsed.ok) {
      const ref = readableRef(data);
      if (!ref) {
        return {
          key: '',
          run: async () => {
            this.counts.dropped++;
            this.opts.log.warn('dropping an unreadable request', { sampler, error: parsed.error });
            return { kind: 'dropped', reason: parsed.error };
          },
        };
      }
      const reply = suggestError(ref.id, sampler, 'InvalidRequest', parsed.error);
      return { key: ref.jobUid, run: () => this.reply(ref.jobUid, reply, undefined) };
    }
    const req = parsed.value;
    if (req.sampler.name !== sampler) {
      const why = `sent to ultron.suggest.${sampler} but names sampler '${req.sampler.name}'`;
      const reply = suggestError(req.id, sampler, 'InvalidRequest', why);
      return { key: req.job.uid, run: () => this.reply(req.job.uid, reply, req) };
    }
    return { key: req.job.uid, run: () => this.serve(req, arrival) };
  }

  private async serve(req: SuggestRequest, arrival: Arrival | undefined): Promise<Outcome> {
    const started = this.now();
    const { upToSeq, count } = req.observations;
    let reply: SuggestReply;
    try {
      const observations = await this.observations(req.job.uid, upToSeq);
      reply =
        observations.length < count
          ? suggestError(
              req.id,
              req.sampler.name,
              'ObservationsIncomplete',
              `found ${observations.length} of ${count} observations on ultron.obs.${req.job.uid} up to seq ${upToSeq}`,
            )
          : answerRequest(req, observations);
    } catch (e) {
      // Too many messages will not get better by retrying; anything else (NATS down) is retried.
      if (!(e instanceof ReplayTooLarge)) throw e;
      reply = suggestError(req.id, req.sampler.name, 'Internal', e.message);
    }
    const hops = arrival && { ...arrival, startedAt: started, answeredAt: this.now() };
    return this.reply(req.job.uid, reply, req, this.now() - started, hops);
  }

  private async reply(
    jobUid: string,
    reply: SuggestReply,
    req: SuggestRequest | undefined,
    ms?: number,
    hops?: Arrival & { startedAt: number; answeredAt: number },
  ): Promise<Outcome> {
    const { duplicate } = await this.opts.publish(jobUid, reply, msgIds.answer(reply.requestId));
    const at = hops && { ...hops, publishedAt: this.now() };
    this.counts.replies++;
    const fields = {
      requestId: reply.requestId,
      job: req ? `${req.job.namespace}/${req.job.name}` : undefined,
      jobUid,
      sampler: reply.sampler,
      ...(req ? { indices: req.indices, upToSeq: req.observations.upToSeq } : {}),
      ...(ms !== undefined ? { ms } : {}),
      ...(at ? { at } : {}),
      duplicate,
    };
    if (reply.kind === 'suggestions') {
      this.counts.answers++;
      this.opts.log.info('answered', fields);
    } else {
      this.errors[reply.code] = (this.errors[reply.code] ?? 0) + 1;
      this.opts.log.warn('answered with an error', { ...fields, code: reply.code, message: reply.message });
    }
    return { kind: 'replied', jobUid, reply, duplicate };
  }

  /**
   * The job's observations with seq ≤ upToSeq, one per index (the last message of an index wins). The
   * cache holds everything up to `entry.seq`; a request further on reads only the messages after it.
   */
  private async observations(jobUid: string, upToSeq: number): Promise<Observation[]> {
    const entry: JobObservations = this.cache.get(jobUid) ?? { byIndex: new Map(), seq: 0 };
    if (upToSeq > entry.seq) {
      await this.fold(entry, jobUid, entry.seq + 1, upToSeq);
      entry.seq = upToSeq;
      this.cache.set(jobUid, entry);
    }
    const all = [...entry.byIndex.values()];
    if (all.every((c) => c.seq <= upToSeq)) return all.map((c) => c.observation);
    // A request older than what the cache has seen (a redelivery after a later request): it must see
    // the job as it was at its own sequence, so rebuild that view from the stream, uncached.
    const past: JobObservations = { byIndex: new Map(), seq: 0 };
    await this.fold(past, jobUid, 1, upToSeq);
    return [...past.byIndex.values()].map((c) => c.observation);
  }

  private async fold(
    entry: JobObservations,
    jobUid: string,
    fromSeq: number,
    upToSeq: number,
  ): Promise<void> {
    const messages = await this.opts.source.read(jobUid, fromSeq, upToSeq);
    this.counts.replayedMessages += messages.length;
    for (const m of messages) {
      const parsed = parseObservation(m.data);
      if (!parsed.ok) {
        // Left out: the count check then reports ObservationsIncomplete if the operator counted it.
        this.opts.log.warn('skipping a malformed observation', { jobUid, seq: m.seq, error: parsed.error });
        continue;
      }
      const prev = entry.byIndex.get(parsed.value.index);
      if (!prev || prev.seq < m.seq)
        entry.byIndex.set(parsed.value.index, { seq: m.seq, observation: observationOf(parsed.value) });
    }
  }
}
