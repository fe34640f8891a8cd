/**
 * The operator's side of the sampler loop (ARCHITECTURE §5), behind one interface with two
 * implementations: NatsSamplerTransport (JetStream, here) and InProcessSamplerTransport (in-process.ts,
 * built-in samplers served in memory by the same code as samplerd, for unit tests). One contract suite
 * (__tests__/transport-contract.ts) runs over both.
 *
 * Call order: `publishObservation` for every finished trial (keep the highest seq per job), then
 * `request` with `observations.upToSeq` = that seq; replies arrive at the `onReply` handler, in any
 * order, possibly more than once (redelivery): the handler must be idempotent (Trial AlreadyExists
 * counts as done) and resolve only once the reply is applied, since resolving acks it.
 */
import type { Bus, PublishResult } from './jetstream.js';
import type { ObservationMessage, SuggestRequest } from './protocol.js';
import { parseSuggestReply } from './protocol.js';
import type { SuggestReply } from './messages.js';
import {
  ALL_SUGGESTIONS,
  msgIds,
  observationsSubject,
  OPERATOR_SUGGESTIONS_CONSUMER,
  parseSuggestionsSubject,
  SUGGESTIONS_STREAM,
  suggestSubject,
} from './subjects.js';

export type ReplyDelivery =
  | { ok: true; jobUid: string; seq: number; deliveryCount: number; reply: SuggestReply }
  /** A reply that failed its checks: the job shows `error`; it is acked like any other. */
  | { ok: false; jobUid: string | undefined; seq: number; deliveryCount: number; error: string };

/** Resolve: the reply is acked. Reject: it is delivered again after a delay. */
export type ReplyHandler = (delivery: ReplyDelivery) => Promise<void>;

export interface ReplySubscription {
  /** Resolves once replies flow. */
  readonly ready: Promise<void>;
  /** Stops delivering; resolves when the handlers in flight have finished. */
  stop(): Promise<void>;
}

export interface ReplyOptions {
  /** Handlers running at once (default 8). */
  concurrency?: number;
}

export interface SamplerTransport {
  /** Sends `req` to its sampler; a re-send with the same `id` is stored once (`duplicate: true`). */
  request(req: SuggestRequest): Promise<PublishResult>;
  /** Delivers the replies of every job. Only one process (the leader) should subscribe. */
  onReply(handler: ReplyHandler, opts?: ReplyOptions): ReplySubscription;
  /** Publishes a finished trial; returns its sequence (the first copy's when re-published). */
  publishObservation(jobUid: string, msg: ObservationMessage): Promise<number>;
  /** The sequence of a job's last observation, 0 if none (for `upToSeq` after a restart). */
  lastObservationSeq(jobUid: string): Promise<number>;
}

/** Turns the raw reply on `subject` into a delivery (never throws). */
export function toDelivery(
  subject: string,
  seq: number,
  deliveryCount: number,
  data: Uint8Array,
): ReplyDelivery {
  const jobUid = parseSuggestionsSubject(subject);
  const parsed = parseSuggestReply(data);
  if (!jobUid)
    return { ok: false, jobUid, seq, deliveryCount, error: `not a suggestions subject: ${subject}` };
  return parsed.ok
    ? { ok: true, jobUid, seq, deliveryCount, reply: parsed.value }
    : { ok: false, jobUid, seq, deliveryCount, error: parsed.error };
}

export interface NatsTransportOptions {
  /** The operator's durable consumer of replies (default OPERATOR_SUGGESTIONS_CONSUMER). */
  consumer?: string;
  ackWaitMs?: number;
  nakDelayMs?: (deliveryCount: number) => number;
}

export class NatsSamplerTransport implements SamplerTransport {
  constructor(
    private readonly bus: Bus,
    private readonly opts: NatsTransportOptions = {},
  ) {}

  request(req: SuggestRequest): Promise<PublishResult> {
    return this.bus.publish(suggestSubject(req.sampler.name), req, req.id);
  }

  onReply(handler: ReplyHandler, opts: ReplyOptions = {}): ReplySubscription {
    const stopping = new AbortController();
    const consumption = this.bus.consume(
      SUGGESTIONS_STREAM.name,
      this.opts.consumer ?? OPERATOR_SUGGESTIONS_CONSUMER,
      [ALL_SUGGESTIONS],
      (m) => handler(toDelivery(m.subject, m.seq, m.deliveryCount, m.data)),
      {
        signal: stopping.signal,
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        ...(this.opts.ackWaitMs !== undefined ? { ackWaitMs: this.opts.ackWaitMs } : {}),
        ...(this.opts.nakDelayMs ? { nakDelayMs: this.opts.nakDelayMs } : {}),
      },
    );
    return {
      ready: consumption.ready,
      stop: async () => {
        stopping.abort();
        await consumption.done;
      },
    };
  }

  async publishObservation(jobUid: string, msg: ObservationMessage): Promise<number> {
    const r = await this.bus.publish(observationsSubject(jobUid), msg, msgIds.observation(jobUid, msg.index));
    return r.seq;
  }

  lastObservationSeq(jobUid: string): Promise<number> {
    return this.bus.lastSeq(observationsSubject(jobUid));
  }
}
