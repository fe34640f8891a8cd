/**
 * The JetStream client of Ultron's shells (ARCHITECTURE §5): `connectBus` returns at once and keeps
 * connecting in the background (await `ready`, read `status()` meanwhile); every operation waits for a
 * connection. Streams are created or updated idempotently by whoever starts first; publishes carry a
 * Nats-Msg-Id so a re-send is stored once; replays read one subject up to a sequence with an ordered
 * consumer; durable pull consumers survive reconnects and deletions (consume.ts).
 */
import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { Clock } from '../controller/runtime/clock.js';
import { Connection, type ConnectionOptions, type ConnectionStatus } from './connection.js';
import { runConsumer, type ConsumeOptions, type Consumption, type MessageHandler } from './consume.js';
import { PublishFailed, ReplayTimeout, ReplayTooLarge, StreamConflict, UnknownSubject } from './errors.js';
import { silentLogger, type Logger } from './log.js';
import { encode } from './protocol.js';
import { streamConfig, streamDrift, streamOfSubject, type BackoffOptions } from './streams.js';
import { STREAMS } from './subjects.js';

export interface BusOptions {
  /** nats://host:port, or several. */
  servers: string | string[];
  /** The client name the server shows (e.g. "ultron-samplerd"). */
  name: string;
  log?: Logger;
  clock?: Clock;
  retry?: BackoffOptions;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  reconnectWaitMs?: number;
  /** How long publish, lastSeq, replay and ensureStreams wait for a connection, ms (default 10,000). */
  connectionWaitMs?: number;
}

export interface PublishResult {
  /** The stream sequence of the message (of the first copy when `duplicate`). */
  seq: number;
  /** The stream already held a message with this Nats-Msg-Id inside its duplicate window. */
  duplicate: boolean;
}

export interface StoredMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
}

export interface ReplayOptions {
  /** First stream sequence to read (default 1): a cache reads only the tail it has not seen. */
  fromSeq?: number;
  /** More messages than this is an error, not a normal job (default 100,000). */
  maxMessages?: number;
  /** Give up after this long, ms (default 30,000). */
  timeoutMs?: number;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface Bus {
  /** Resolves when the first connection is up; rejects with BusClosed if closed before. */
  readonly ready: Promise<void>;
  /** For /readyz: "connected to nats://…" or why not. */
  status(): ConnectionStatus;
  /** Creates or updates every Ultron stream (STREAMS); safe to run from several processes at once. */
  ensureStreams(opts?: { replicas?: number }): Promise<Record<string, EnsureOutcome>>;
  /** JSON-encodes `message` and publishes it with Nats-Msg-Id `msgId`. */
  publish(subject: string, message: object, msgId: string): Promise<PublishResult>;
  /**
   * JSON-encodes `message` and publishes it on core NATS, not stored, at most once: for news that the
   * next one supersedes (heartbeats). Resolves without sending when there is no connection right now.
   */
  notify(subject: string, message: object): Promise<void>;
  /** The stream sequence of the last message on `subject`, 0 if there is none. */
  lastSeq(subject: string): Promise<number>;
  /** The messages of `subject` with fromSeq ≤ seq ≤ upToSeq, in order (not for work-queue streams). */
  replay(stream: string, subject: string, upToSeq: number, opts?: ReplayOptions): Promise<StoredMessage[]>;
  /** A durable pull consumer on `stream` (see consume.ts); stops on `opts.signal`. */
  consume(
    stream: string,
    durable: string,
    filterSubjects: readonly string[],
    handler: MessageHandler,
    opts: ConsumeOptions,
  ): Consumption;
  /** Drains (default) or cuts the connection; unacked messages are redelivered to other consumers. */
  close(opts?: { drain?: boolean }): Promise<void>;
}

export function connectBus(opts: BusOptions): Bus {
  return new JetStreamBus({ ...opts, log: opts.log ?? silentLogger }, opts.connectionWaitMs ?? 10_000);
}

const REPLAY_CONSUMER_IDLE_MS = 10_000;
/** Messages per batch Direct Get request. */
const DIRECT_BATCH = 1_000;

const isApiError = (e: unknown, code: number): boolean => e instanceof JetStreamApiError && e.code === code;

class JetStreamBus implements Bus {
  private readonly conn: Connection;
  /** Whether batch Direct Get works here: undefined until the first replay finds out. */
  private direct: boolean | undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly waitMs: number,
  ) {
    this.conn = new Connection(opts);
    this.ready = this.conn.ready;
  }

  private live() {
    return this.conn.get({ timeoutMs: this.waitMs });
  }

  status(): ConnectionStatus {
    return this.conn.status();
  }

  async ensureStreams(opts: { replicas?: number } = {}): Promise<Record<string, EnsureOutcome>> {
    const out: Record<string, EnsureOutcome> = {};
    for (const spec of STREAMS) out[spec.name] = await this.ensureStream(streamConfig(spec, opts.replicas));
    return out;
  }

  private async ensureStream(want: ReturnType<typeof streamConfig>): Promise<EnsureOutcome> {
    const { jsm } = await this.live();
    const info = () =>
      jsm.streams.info(want.name).catch((e: unknown) => {
        if (isApiError(e, JetStreamApiCodes.StreamNotFound)) return undefined;
        throw e;
      });
    let current = await info();
    if (!current) {
      try {
        await jsm.streams.add(want);
        this.opts.log.info('stream created', { stream: want.name });
        return 'created';
      } catch (e) {
        // Created by another process between our look and our add (possibly not identically).
        current = await info();
        if (!current) throw e;
      }
    }
    const drift = streamDrift(current.config as unknown as Record<string, unknown>, want);
    if (drift.immutable.length) {
      throw new StreamConflict(
        want.name,
        `stream ${want.name} has ${drift.immutable.map((k) => `${k}=${String(current.config[k])}`).join(', ')} ` +
          `but Ultron needs ${drift.immutable.map((k) => `${k}=${want[k]}`).join(', ')}; ` +
          `these cannot change in place: delete the stream (nats stream rm ${want.name}) and restart`,
      );
    }
    if (!drift.updatable.length) return 'unchanged';
    const { subjects, max_age, duplicate_window, num_replicas, allow_direct } = want;
    await jsm.streams.update(want.name, { subjects, max_age, duplicate_window, num_replicas, allow_direct });
    this.opts.log.info('stream updated', { stream: want.name, fields: drift.updatable });
    return 'updated';
  }

  async publish(subject: string, message: object, msgId: string): Promise<PublishResult> {
    const { js } = await this.live();
    try {
      const ack = await js.publish(subject, encode(message), { msgID: msgId });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new PublishFailed(subject, `publish to ${subject} failed: ${why}`, { cause: e });
    }
  }

  async notify(subject: string, message: object): Promise<void> {
    const live = await this.conn.get({ timeoutMs: 0 }).catch(() => undefined);
    live?.nc.publish(subject, encode(message));
  }

  async lastSeq(subject: string): Promise<number> {
    const spec = streamOfSubject(subject);
    if (!spec) throw new UnknownSubject(subject);
    return this.lastSeqIn(spec.name, subject);
  }

  /**
   * One subject's messages fromSeq..upToSeq by batch Direct Get (NATS ≥ 2.11, stream allow_direct): one
   * request per 1,000 messages, no consumer to create and delete; a tail of a few messages costs one
   * round trip instead of four.
   */
  private async replayDirect(
    stream: string,
    subject: string,
    fromSeq: number,
    upToSeq: number,
    max: number,
    timeoutMs: number,
  ): Promise<StoredMessage[]> {
    const { jsm } = await this.live();
    const deadline = Date.now() + timeoutMs;
    const out: StoredMessage[] = [];
    for (let seq = fromSeq; seq <= upToSeq;) {
      const batch = await jsm.direct.getBatch(stream, { seq, batch: DIRECT_BATCH, next_by_subj: subject });
      let last = 0;
      let pending = 0;
      let got = 0;
      try {
        for await (const m of batch) {
          got++;
          if (m.seq > upToSeq) break;
          out.push({ subject: m.subject, seq: m.seq, data: m.data });
          if (out.length > max)
            throw new ReplayTooLarge(`${subject} holds more than ${max} messages up to seq ${upToSeq}`);
          last = m.seq;
          pending = m.pending;
        }
      } catch (e) {
        // 404 "no results": nothing (more) of this subject at or after seq.
        if (!(e instanceof ReplayTooLarge) && /no results|not found|404/i.test(String(e))) break;
        throw e;
      } finally {
        batch.stop();
      }
      if (got < DIRECT_BATCH || last === 0 || pending === 0 || last >= upToSeq) break;
      if (Date.now() > deadline)
        throw new ReplayTimeout(
          `replaying ${subject} up to seq ${upToSeq} took over ${timeoutMs} ms (${out.length} messages read)`,
        );
      seq = last + 1;
    }
    return out;
  }

  private async lastSeqIn(stream: string, subject: string): Promise<number> {
    const { jsm } = await this.live();
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    return m?.seq ?? 0;
  }

  async replay(
    stream: string,
    subject: string,
    upToSeq: number,
    opts: ReplayOptions = {},
  ): Promise<StoredMessage[]> {
    const fromSeq = Math.max(1, opts.fromSeq ?? 1);
    const max = opts.maxMessages ?? 100_000;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    if (upToSeq < fromSeq) return [];
    if (this.direct !== false) {
      try {
        const out = await this.replayDirect(stream, subject, fromSeq, upToSeq, max, timeoutMs);
        this.direct = true;
        return out;
      } catch (e) {
        // A server before 2.11, or a stream without allow_direct (nobody answers the Direct Get
        // subject): the ordered consumer from now on. Anything else (a lost connection) is the caller's.
        if (this.direct === true || !/require server|no responders|503/i.test(String(e))) throw e;
        this.direct = false;
        this.opts.log.warn('batch direct get unavailable; replaying with ordered consumers', {
          stream,
          error: String(e),
        });
      }
    }
    // Stop at the subject's last message: upToSeq may be another subject's sequence, or later ones
    // may have aged out; without this the consumer would wait for messages that never come.
    const target = Math.min(upToSeq, await this.lastSeqIn(stream, subject));
    if (target < fromSeq) return [];
    const { js } = await this.live();
    const consumer = await js.consumers.get(stream, {
      filter_subjects: [subject],
      // Deleted below; this only bounds how long one outlives a crash (the library's default is 5 min,
      // and a busy sampler replays often enough to reach the server's consumer limit).
      inactive_threshold: REPLAY_CONSUMER_IDLE_MS,
      ...(fromSeq > 1
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq }
        : { deliver_policy: DeliverPolicy.All }),
    });
    const messages = await consumer.consume({ max_messages: Math.min(1_000, target - fromSeq + 1) });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void messages.close();
    }, timeoutMs);
    const out: StoredMessage[] = [];
    try {
      for await (const m of messages) {
        if (m.seq > upToSeq) break;
        out.push({ subject: m.subject, seq: m.seq, data: m.data });
        if (out.length > max)
          throw new ReplayTooLarge(`${subject} holds more than ${max} messages up to seq ${upToSeq}`);
        if (m.seq >= target || m.info.pending === 0) break;
      }
    } finally {
      clearTimeout(timer);
      await messages.close().catch(() => {});
      await consumer.delete().catch(() => {});
    }
    if (timedOut)
      throw new ReplayTimeout(
        `replaying ${subject} up to seq ${upToSeq} took over ${timeoutMs} ms (${out.length} messages read)`,
      );
    return out;
  }

  consume(
    stream: string,
    durable: string,
    filterSubjects: readonly string[],
    handler: MessageHandler,
    opts: ConsumeOptions,
  ): Consumption {
    const clock = opts.clock ?? this.opts.clock;
    const ours = STREAMS.some((s) => s.name === stream);
    return runConsumer(this.conn, this.opts.log, stream, durable, filterSubjects, handler, {
      ...(ours ? { onStreamMissing: () => this.ensureStreams() } : {}),
      ...opts,
      ...(clock ? { clock } : {}),
    });
  }

  close(opts: { drain?: boolean } = {}): Promise<void> {
    return this.conn.close(opts.drain ?? true);
  }
}
