/**
 * A durable pull consumer that keeps working: explicit acks after the handler resolves, `nak(delay)` with
 * back-off when it rejects, `working()` while a handler runs (so a slow request is not redelivered to
 * another replica), and a loop that re-creates the consumer and starts pulling again after anything that
 * ends a pull — heartbeats missed, the consumer or stream deleted, a reconnect, a stalled request — until
 * the AbortSignal fires. Pulls ask only for as many messages as there are free handler slots, so a
 * replica never holds messages it is not working on (they stay available to the other replicas).
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type ConsumerConfig,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { realClock, sleep, type Clock } from '../controller/runtime/clock.js';
import type { Connection } from './connection.js';
import type { Logger } from './log.js';
import { backoffDelay } from './streams.js';

export interface BusMessage {
  subject: string;
  /** Stream sequence. */
  seq: number;
  data: Uint8Array;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** When the stream stored it, ms since the epoch (the server's clock): for latency figures. */
  storedAt: number;
}

/** Resolve: the message is acked. Reject: it is nak'ed and comes back after a delay. */
export type MessageHandler = (message: BusMessage) => Promise<void>;

export interface ConsumeOptions {
  /** Stops pulling; in-flight handlers finish and are acked before `done` resolves. */
  signal: AbortSignal;
  /** Handlers running at once (default 8). */
  concurrency?: number;
  /** Time the server waits for an ack before redelivering, ms (default 30,000). */
  ackWaitMs?: number;
  /** Deliveries before the server gives up on a message (default -1: never). */
  maxDeliver?: number;
  /** Delay before a nak'ed message comes back, by delivery count (default 1 s doubling to 30 s). */
  nakDelayMs?: (deliveryCount: number) => number;
  /** How long one pull waits for messages, ms (default 10,000; the client's minimum is 1,000). */
  pullExpiresMs?: number;
  clock?: Clock;
  /** Called when the stream is gone (deleted by hand): the bus re-creates Ultron's streams. */
  onStreamMissing?: () => Promise<unknown>;
}

export interface Consumption {
  /** Resolves once the consumer exists and the first pull is out (or when stopped before). */
  readonly ready: Promise<void>;
  /** Resolves when stopped and every in-flight handler has finished. */
  readonly done: Promise<void>;
  /** "pulling", "stopped", or why it is re-creating the consumer. */
  status(): string;
  /** How often the consumer was re-created after an interruption. */
  readonly recreations: number;
}

/** The durable's configuration; the parts Ultron owns (compared and updated by ensureConsumer). */
export function consumerConfig(
  durable: string,
  filterSubjects: readonly string[],
  opts: Pick<ConsumeOptions, 'ackWaitMs' | 'maxDeliver'> = {},
): Partial<ConsumerConfig> {
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subjects: [...filterSubjects],
    ack_wait: (opts.ackWaitMs ?? 30_000) * 1_000_000,
    max_deliver: opts.maxDeliver ?? -1,
  };
}

const isApiError = (e: unknown, code: number): boolean => e instanceof JetStreamApiError && e.code === code;

/** Creates the durable or updates it to `cfg`; safe when several replicas do it at once. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  cfg: Partial<ConsumerConfig>,
): Promise<'created' | 'updated' | 'unchanged'> {
  const name = cfg.durable_name!;
  const info = async () =>
    jsm.consumers.info(stream, name).catch((e: unknown) => {
      if (isApiError(e, JetStreamApiCodes.ConsumerNotFound)) return undefined;
      throw e;
    });
  let current = await info();
  if (!current) {
    try {
      await jsm.consumers.add(stream, cfg);
      return 'created';
    } catch (e) {
      // Another replica may have created it a moment ago (with other settings): then update it.
      current = await info();
      if (!current) throw e;
    }
  }
  const c = current.config;
  const same =
    c.ack_wait === cfg.ack_wait &&
    c.max_deliver === cfg.max_deliver &&
    JSON.stringify([...(c.filter_subjects ?? (c.filter_subject ? [c.filter_subject] : []))].sort()) ===
      JSON.stringify([...(cfg.filter_subjects ?? [])].sort());
  if (same) return 'unchanged';
  await jsm.consumers.update(stream, name, {
    ack_wait: cfg.ack_wait!,
    max_deliver: cfg.max_deliver!,
    filter_subjects: cfg.filter_subjects!,
  });
  return 'updated';
}

const defaultNakDelay = (deliveryCount: number): number =>
  backoffDelay(deliveryCount, { initialMs: 1_000, maxMs: 30_000 });

/** A pull that neither ends nor delivers for this long past its expiry is given up and re-made. */
const STALL_MARGIN_MS = 15_000;

export function runConsumer(
  conn: Connection,
  log: Logger,
  stream: string,
  durable: string,
  filterSubjects: readonly string[],
  handler: MessageHandler,
  opts: ConsumeOptions,
): Consumption {
  const { signal } = opts;
  const clock = opts.clock ?? realClock;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const ackWaitMs = opts.ackWaitMs ?? 30_000;
  const expires = Math.max(1_000, opts.pullExpiresMs ?? 10_000);
  const nakDelay = opts.nakDelayMs ?? defaultNakDelay;
  const inFlight = new Set<Promise<void>>();
  let state = 'starting';
  let recreations = 0;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  const fields = { stream, consumer: durable };

  const start = (m: JsMsg): void => {
    const message: BusMessage = {
      subject: m.subject,
      seq: m.seq,
      data: m.data,
      deliveryCount: m.info.deliveryCount,
      storedAt: Number(m.info.timestampNanos) / 1e6,
    };
    // Tell the server the message is being worked on, well before ack_wait runs out.
    let timer = clock.setTimeout(function tick() {
      if (conn.closed) return; // cut off: the message goes to another consumer after ack_wait
      try {
        m.working();
      } catch {
        // disconnected for now; the next tick tries again
      }
      timer = clock.setTimeout(tick, ackWaitMs / 2);
    }, ackWaitMs / 2);
    const run = (async () => {
      let failure: unknown;
      try {
        await handler(message);
      } catch (e) {
        failure = e ?? new Error('handler rejected');
      } finally {
        clock.clearTimeout(timer);
      }
      try {
        if (failure === undefined) await m.ackAck();
        else {
          const delay = nakDelay(message.deliveryCount);
          m.nak(delay);
          log.warn('message handler failed; nak', {
            ...fields,
            seq: m.seq,
            retryInMs: delay,
            error: failure,
          });
        }
      } catch (e) {
        // An ack that does not arrive means a redelivery; the handlers are idempotent (dedup ids).
        log.warn('ack failed; the message will be redelivered', { ...fields, seq: m.seq, error: e });
      }
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  // Resolves on abort, so a loop waiting for a slot held by a hung handler still stops.
  const aborted = new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  const waitForSlot = async (): Promise<void> => {
    while (inFlight.size >= concurrency && !signal.aborted) await Promise.race([...inFlight, aborted]);
  };

  const pullOnce = async (consumer: Consumer): Promise<void> => {
    const batch = await consumer.fetch({ max_messages: concurrency - inFlight.size, expires });
    const stop = (): void => void batch.close();
    signal.addEventListener('abort', stop, { once: true });
    // After a reconnect the server may have lost this pull (or the consumer, with its store): the
    // client library's own recovery waits up to a pull's expiry, so start over at once instead.
    let reconnected = false;
    const offReconnect = conn.onReconnect(() => {
      reconnected = true;
      stop();
    });
    let stalled = false;
    const watchdog = clock.setTimeout(() => {
      stalled = true;
      stop();
    }, expires + STALL_MARGIN_MS);
    try {
      for await (const m of batch) start(m);
    } finally {
      clock.clearTimeout(watchdog);
      signal.removeEventListener('abort', stop);
      offReconnect();
    }
    if (reconnected && !signal.aborted) throw new Error('reconnected to NATS');
    if (stalled) throw new Error(`a pull did not end within ${expires + STALL_MARGIN_MS} ms`);
  };

  const loop = async (): Promise<void> => {
    const cfg = consumerConfig(durable, filterSubjects, opts);
    let failures = 0;
    while (!signal.aborted) {
      try {
        const live = await conn.get({ signal });
        const outcome = await ensureConsumer(live.jsm, stream, cfg);
        if (outcome !== 'unchanged') log.info(`consumer ${outcome}`, { ...fields, filterSubjects });
        const consumer = await live.js.consumers.get(stream, durable);
        state = 'pulling';
        markReady();
        while (!signal.aborted) {
          await waitForSlot();
          if (signal.aborted) break;
          await pullOnce(consumer);
          failures = 0;
        }
      } catch (e) {
        if (signal.aborted || conn.closed) break;
        if (isApiError(e, JetStreamApiCodes.StreamNotFound) && opts.onStreamMissing) {
          log.warn('stream missing; re-creating it', fields);
          await opts
            .onStreamMissing()
            .catch((err: unknown) => log.warn('re-creating the stream failed', { ...fields, error: err }));
        }
        failures++;
        recreations++;
        const delay = backoffDelay(failures, { initialMs: 250, maxMs: 5_000 });
        state = `re-creating the consumer after: ${e instanceof Error ? e.message : String(e)}`;
        log.warn('consumer interrupted; re-creating it', { ...fields, retryInMs: delay, error: e });
        await sleep(clock, delay, signal).catch(() => {});
      }
    }
    markReady();
    while (inFlight.size) await Promise.allSettled([...inFlight]);
    state = 'stopped';
  };

  const done = loop();
  return {
    ready,
    done,
    status: () => state,
    get recreations() {
      return recreations;
    },
  };
}
