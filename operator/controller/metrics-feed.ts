/**
 * The operator's feed of the agents' metric messages: an ordered consumer over the whole metrics stream
 * from its first message, so a new leader rebuilds the metrics store before it decides anything
 * (`caughtUp`), then keeps following. When the consumer ends (a reconnect, NATS restarted) it starts
 * again at once after the last sequence it delivered: nothing is skipped, nothing is applied twice.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Connection } from '../bus/connection.js';
import type { Clock, Logger } from './runtime/index.js';
import { sleep } from './runtime/index.js';

export interface MetricsFeed {
  /** Resolves when every message stored when the feed started has been delivered. */
  caughtUp: Promise<void>;
  done: Promise<void>;
  /** Messages delivered so far. */
  readonly delivered: number;
}

export function followStream(
  conn: Connection,
  stream: string,
  filterSubjects: string[],
  signal: AbortSignal,
  /** `storedAt`: when the server stored the message (epoch ms), the last sign of life of its sender. */
  onMessage: (subject: string, data: Uint8Array, storedAt: number) => void,
  deps: { clock: Clock; log: Logger },
): MetricsFeed {
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));
  let lastSeq = 0;
  let delivered = 0;
  let target: number | undefined;
  const check = (): void => {
    if (target !== undefined && lastSeq >= target) resolveCaughtUp();
  };
  const run = async (): Promise<void> => {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { js, jsm } = await conn.get(signal);
        if (target === undefined) {
          target = (await jsm.streams.info(stream)).state.last_seq;
          check();
        }
        const consumer = await js.consumers.get(stream, {
          filter_subjects: filterSubjects,
          ...(lastSeq > 0
            ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }
            : { deliver_policy: DeliverPolicy.All }),
        });
        // Nothing left to deliver (an empty stream, or its last messages purged): caught up already.
        if ((await consumer.info(true)).num_pending === 0) {
          target = lastSeq;
          check();
        }
        const messages = await consumer.consume({ max_messages: 1000 });
        const stop = (): void => void messages.close();
        signal.addEventListener('abort', stop, { once: true });
        // After a reconnect a restarted server has lost this ordered consumer; the client library
        // notices only after a failed check and up to 30 s of back-off, while trials that finish meanwhile
        // wait for their last metrics (METRICS_GRACE_MS). Start again after lastSeq at once instead.
        let reconnected = false;
        const offReconnect = conn.onReconnect(() => {
          reconnected = true;
          stop();
        });
        try {
          for await (const m of messages) {
            failures = 0;
            if (m.seq <= lastSeq) continue;
            lastSeq = m.seq;
            delivered++;
            try {
              onMessage(m.subject, m.data, m.time.getTime());
            } catch (e) {
              deps.log.warn({ err: String(e), subject: m.subject }, 'metric message handler failed');
            }
            if (m.info.pending === 0 && target !== undefined && lastSeq < target) target = lastSeq;
            check();
          }
        } finally {
          signal.removeEventListener('abort', stop);
          offReconnect();
        }
        if (reconnected && !signal.aborted) {
          deps.log.info(
            { stream, lastSeq },
            'metrics feed: reconnected to NATS; resuming after the last message',
          );
          failures = 0;
          continue;
        }
      } catch (e) {
        if (signal.aborted) break;
        failures++;
        deps.log.warn({ err: String(e), stream, failures }, 'metrics feed interrupted; resuming');
      }
      if (!signal.aborted)
        await sleep(deps.clock, Math.min(10_000, 250 * 2 ** Math.min(failures, 6)), signal).catch(
          () => undefined,
        );
    }
  };
  const done = run();
  return {
    caughtUp,
    done,
    get delivered() {
      return delivered;
    },
  };
}

/** Deletes a job's messages from a stream (the HPOJob finalizer's clean-up). */
export async function purgeSubject(conn: Connection, stream: string, subject: string): Promise<void> {
  const { jsm } = await conn.get();
  await jsm.streams.purge(stream, { filter: subject });
}
