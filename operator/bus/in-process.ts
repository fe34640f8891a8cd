/**
 * The sampler loop without NATS, for unit tests of the operator: requests for built-in samplers are
 * served by samplerd's own SuggestService (same parsing, replay, completeness check and answers), the
 * three streams are arrays with JetStream's sequence numbers and Nats-Msg-Id dedup, and a rejected
 * reply comes back after a delay on the given clock. Requests for other samplers wait in
 * `unserved()` until a test answers them with `publishReply`, as a custom sampler would.
 */
import { realClock, type Clock } from '../controller/runtime/clock.js';
import type { CacheOptions } from '../samplerd/cache.js';
import { KeyedSerial } from '../samplerd/serial.js';
import { SuggestService } from '../samplerd/service.js';
import { builtinSamplerNames } from '../core/samplers/index.js';
import type { PublishResult } from './jetstream.js';
import { silentLogger, type Logger } from './log.js';
import type { SuggestReply } from './messages.js';
import { encode, type ObservationMessage, type SuggestRequest } from './protocol.js';
import { msgIds, suggestionsSubject } from './subjects.js';
import { toDelivery, type ReplyHandler, type ReplySubscription, type SamplerTransport } from './transport.js';

export interface InProcessOptions {
  /** Samplers served in process (default: every built-in). */
  samplers?: readonly string[];
  clock?: Clock;
  /** Delay before a rejected reply is delivered again, ms (default 1,000). */
  redeliverDelayMs?: number;
  cache?: CacheOptions;
  log?: Logger;
}

interface Stored {
  seq: number;
  subject: string;
  data: Uint8Array;
  deliveries: number;
}

/** One stream: sequences from 1, a message id stored once. */
class MemoryStream {
  private seq = 0;
  private readonly ids = new Map<string, number>();
  readonly messages: Stored[] = [];
  add(subject: string, message: object, msgId: string): PublishResult & { stored?: Stored } {
    const first = this.ids.get(msgId);
    if (first !== undefined) return { seq: first, duplicate: true };
    const stored = { seq: ++this.seq, subject, data: encode(message), deliveries: 0 };
    this.ids.set(msgId, stored.seq);
    this.messages.push(stored);
    return { seq: stored.seq, duplicate: false, stored };
  }
}

export class InProcessSamplerTransport implements SamplerTransport {
  private readonly served: ReadonlySet<string>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly suggest = new MemoryStream();
  private readonly observations = new MemoryStream();
  private readonly replies = new MemoryStream();
  private readonly waiting: SuggestRequest[] = [];
  /** Replies not yet acked, in sequence order; a rejected one sits out its delay in `delayed`. */
  private readonly queue: Stored[] = [];
  private readonly delayed = new Set<Stored>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly serial = new KeyedSerial();
  private readonly service: SuggestService;
  private handler: ReplyHandler | undefined;
  private delivering = false;

  constructor(private readonly opts: InProcessOptions = {}) {
    this.served = new Set(opts.samplers ?? builtinSamplerNames());
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? silentLogger;
    this.service = new SuggestService({
      log: this.log,
      ...(opts.cache ? { cache: opts.cache } : {}),
      now: () => this.clock.now(),
      source: {
        read: async (jobUid, fromSeq, upToSeq) =>
          this.observations.messages.filter(
            (m) => m.subject === jobUid && m.seq >= fromSeq && m.seq <= upToSeq,
          ),
      },
      publish: async (jobUid, reply, msgId) => this.publishReply(jobUid, reply, msgId),
    });
  }

  async request(req: SuggestRequest): Promise<PublishResult> {
    const r = this.suggest.add(req.sampler.name, req, req.id);
    if (r.duplicate) return { seq: r.seq, duplicate: true };
    if (this.served.has(req.sampler.name)) this.track(this.serve(req, encode(req)));
    else this.waiting.push(req);
    return { seq: r.seq, duplicate: false };
  }

  onReply(handler: ReplyHandler): ReplySubscription {
    this.handler = handler;
    this.pump();
    return {
      ready: Promise.resolve(),
      stop: async () => {
        if (this.handler === handler) this.handler = undefined;
        await this.idle();
      },
    };
  }

  async publishObservation(jobUid: string, msg: ObservationMessage): Promise<number> {
    return this.observations.add(jobUid, msg, msgIds.observation(jobUid, msg.index)).seq;
  }

  async lastObservationSeq(jobUid: string): Promise<number> {
    const mine = this.observations.messages.filter((m) => m.subject === jobUid);
    return mine.at(-1)?.seq ?? 0;
  }

  /** A reply as a custom sampler would publish it (for requests in `unserved()`). */
  publishReply(jobUid: string, reply: SuggestReply | object, msgId?: string): PublishResult {
    const id = msgId ?? msgIds.answer(String((reply as { requestId?: unknown }).requestId));
    const r = this.replies.add(suggestionsSubject(jobUid), reply, id);
    if (r.stored) {
      this.queue.push(r.stored);
      this.pump();
    }
    return { seq: r.seq, duplicate: r.duplicate };
  }

  /** Requests for samplers this transport does not serve, oldest first. */
  unserved(sampler?: string): SuggestRequest[] {
    return this.waiting.filter((r) => sampler === undefined || r.sampler.name === sampler);
  }

  /** Resolves when every request is served and every reply delivered (delayed redeliveries aside). */
  async idle(): Promise<void> {
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }

  stats(): ReturnType<SuggestService['stats']> {
    return this.service.stats();
  }

  private track(p: Promise<unknown>): void {
    this.tasks.add(p);
    void p.finally(() => this.tasks.delete(p));
  }

  private async serve(req: SuggestRequest, data: Uint8Array): Promise<void> {
    const prepared = this.service.prepare(req.sampler.name, data);
    try {
      await this.serial.run(prepared.key, () => prepared.run());
    } catch (e) {
      // Cannot happen with in-memory streams short of a bug; log it, as samplerd would nak it.
      this.log.error('serving a request failed', { requestId: req.id, error: e });
    }
  }

  /** Delivers queued replies one at a time, in sequence order, to the current handler. */
  private pump(): void {
    if (this.delivering || !this.handler) return;
    this.delivering = true;
    this.track(
      (async () => {
        try {
          for (let next = this.queue[0]; next && this.handler; next = this.queue[0]) {
            this.queue.shift();
            next.deliveries++;
            try {
              await this.handler(toDelivery(next.subject, next.seq, next.deliveries, next.data));
            } catch {
              this.redeliverLater(next);
            }
          }
        } finally {
          this.delivering = false;
        }
      })(),
    );
  }

  private redeliverLater(m: Stored): void {
    this.delayed.add(m);
    this.clock.setTimeout(() => {
      this.delayed.delete(m);
      this.queue.push(m);
      this.queue.sort((a, b) => a.seq - b.seq);
      this.pump();
    }, this.opts.redeliverDelayMs ?? 1_000);
  }
}
