/**
 * The agent's metrics part: the trainer's metric lines → `ultron.metrics.<job uid>.<index>`.
 *
 * Every message carries the Nats-Msg-Id `m-<job>-<index>-<pod uid>-<line>`, so a re-send (a retry, or a
 * restarted agent reading the file again from its top) is stored once. The metrics file is the buffer:
 * while NATS is away, at most `maxQueued` messages are held and reading pauses, so memory stays bounded
 * and nothing is lost. At the end, `end` is published only after every line was acknowledged, which is
 * what lets the operator finish a trial without waiting for the Job controller.
 */
import {
  backoffDelay,
  metricsSubject,
  msgIds,
  type BackoffOptions,
  type MetricMessage,
} from '../bus/index.js';
import { realClock, sleep, type Clock } from '../controller/runtime/clock.js';
import type { Logger } from '../bus/index.js';
import { lineMessage, partialLineMessage, type LineMessage } from './messages.js';
import { within, type AgentPart, type PartReport } from './part.js';
import { FileTailer, type TailerOptions } from './tailer.js';

/** Where messages go: JetStream publish with a msg id, resolving once the stream stored (or had) it. */
export interface MetricSink {
  publish(subject: string, message: MetricMessage, msgId: string): Promise<unknown>;
}

export interface ForwarderOptions {
  metricsFile: string;
  hpoJobUid: string;
  trialIndex: number;
  podUid: string;
  sink: MetricSink;
  log: Logger;
  clock?: Clock;
  /** How often the file is looked at, ms (default 100). */
  pollMs?: number;
  /** Messages held before reading pauses (default 5,000). */
  maxQueued?: number;
  /** Publishes in flight at once (default 64): acks are awaited in parallel, in order of the file. */
  window?: number;
  /** Back-off after a failed publish round (default 100 ms doubling to 5 s). */
  retry?: BackoffOptions;
  tailer?: TailerOptions;
}

interface Outgoing {
  id: string;
  msg: MetricMessage;
}

/** Malformed lines logged one by one before the agent only counts them. */
const MALFORMED_LOGGED = 20;

export class MetricsForwarder implements AgentPart {
  readonly name = 'metrics';
  private readonly tailer: FileTailer;
  private readonly subject: string;
  private readonly clock: Clock;
  private readonly queue: Outgoing[] = [];
  /** Aborted when the part stops: ends the sender's back-off sleeps. */
  private readonly stopped = new AbortController();
  private waiters: Array<() => void> = [];
  private pollTimer: ReturnType<Clock['setTimeout']> | undefined;
  private reading: Promise<unknown> = Promise.resolve();
  private finishing = false;
  /** When the agent was told to stop (epoch ms), for the `end` message. */
  private stoppedAt: number | undefined;
  private published = 0;
  private malformed = 0;
  private failedRounds = 0;
  private readFailures = 0;

  constructor(private readonly o: ForwarderOptions) {
    this.tailer = new FileTailer(o.metricsFile, o.tailer);
    this.subject = metricsSubject(o.hpoJobUid, o.trialIndex);
    this.clock = o.clock ?? realClock;
  }

  start(): void {
    void this.sendLoop();
    this.poll();
  }

  async finish(deadlineMs: number): Promise<PartReport> {
    this.finishing = true;
    this.stoppedAt = this.clock.now();
    if (this.pollTimer !== undefined) this.clock.clearTimeout(this.pollTimer);
    await this.reading;
    // The final read: every complete line written before the trainer stopped.
    while (this.clock.now() < deadlineMs) {
      if (this.queue.length >= this.max) {
        await this.changed(deadlineMs);
        continue;
      }
      if ((await this.readOnce()).atEnd) break;
    }
    const partial = this.tailer.takePartial();
    const cut = partial && partialLineMessage(this.o.podUid, partial);
    if (cut) this.enqueue(cut);
    while (this.queue.length && this.clock.now() < deadlineMs) await this.changed(deadlineMs);
    const endSent = this.queue.length === 0 && (await this.publishEnd(deadlineMs));
    this.stopped.abort();
    this.notify();
    return {
      complete: endSent,
      figures: {
        lines: this.tailer.linesRead,
        published: this.published,
        malformed: this.malformed,
        unpublished: this.queue.length,
        truncations: this.tailer.truncations,
        failedRounds: this.failedRounds,
        endSent,
      },
    };
  }

  private get max(): number {
    return this.o.maxQueued ?? 5_000;
  }

  private poll(): void {
    if (this.finishing) return;
    this.reading = (this.queue.length < this.max ? this.readOnce() : Promise.resolve()).finally(() => {
      if (!this.finishing) this.pollTimer = this.clock.setTimeout(() => this.poll(), this.o.pollMs ?? 100);
    });
  }

  private async readOnce(): Promise<{ atEnd: boolean }> {
    try {
      const { lines, atEnd } = await this.tailer.read();
      for (const l of lines) {
        const msg = lineMessage(this.o.podUid, l);
        if (msg) this.enqueue(msg);
      }
      return { atEnd };
    } catch (e) {
      // Unreadable (permissions, I/O): the trainer must not notice; say it now and then, keep trying.
      if (this.readFailures++ % 100 === 0)
        this.o.log.warn('cannot read the metrics file', { file: this.o.metricsFile, error: e });
      return { atEnd: true };
    }
  }

  private enqueue(msg: LineMessage): void {
    if (msg.kind === 'malformed' && this.malformed++ < MALFORMED_LOGGED)
      this.o.log.info('malformed metric line', { line: msg.line, reason: msg.reason, text: msg.text });
    const id = msgIds.metric(this.o.hpoJobUid, this.o.trialIndex, this.o.podUid, msg.line);
    this.queue.push({ id, msg });
    this.notify();
  }

  /** Publishes the head of the queue, `window` at a time; failed ones stay at the head and are retried. */
  private async sendLoop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped.signal.aborted) {
      if (!this.queue.length) {
        await this.changed();
        continue;
      }
      const batch = this.queue.slice(0, this.o.window ?? 64);
      const results = await Promise.allSettled(
        batch.map((o) => this.o.sink.publish(this.subject, o.msg, o.id)),
      );
      if (this.stopped.signal.aborted) return;
      const failed = batch.filter((_, i) => results[i]!.status === 'rejected');
      // Only this loop removes from the head; messages read meanwhile were appended behind the batch.
      this.queue.splice(0, batch.length, ...failed);
      this.published += batch.length - failed.length;
      this.notify();
      if (!failed.length) {
        attempt = 0;
        continue;
      }
      attempt++;
      this.failedRounds++;
      const delay = backoffDelay(attempt, this.o.retry ?? { initialMs: 100, maxMs: 5_000 });
      if (attempt === 1 || attempt % 10 === 0) {
        const error = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        this.o.log.warn('metrics not published; retrying', {
          queued: this.queue.length,
          attempt,
          retryInMs: delay,
          error: error.reason,
        });
      }
      await sleep(this.clock, delay, this.stopped.signal).catch(() => {});
    }
  }

  /** `end` after every line was acknowledged; retried until the deadline. */
  private async publishEnd(deadlineMs: number): Promise<boolean> {
    const end: MetricMessage = {
      v: 1,
      kind: 'end',
      pod: this.o.podUid,
      lines: this.tailer.linesRead,
      malformed: this.malformed,
      ...(this.stoppedAt !== undefined ? { stoppedAt: new Date(this.stoppedAt).toISOString() } : {}),
    };
    const id = msgIds.metricEnd(this.o.hpoJobUid, this.o.trialIndex, this.o.podUid);
    while (this.clock.now() < deadlineMs) {
      const sent = await within(
        this.o.sink.publish(this.subject, end, id).then(() => true),
        deadlineMs - this.clock.now(),
        false,
      );
      if (sent) return true;
      await sleep(this.clock, Math.min(100, Math.max(0, deadlineMs - this.clock.now())));
    }
    return false;
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves at the next change of the queue (or at the deadline, or when the part stops). */
  private changed(deadlineMs?: number): Promise<void> {
    if (this.stopped.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const done = () => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      if (deadlineMs !== undefined) timer = this.clock.setTimeout(done, deadlineMs - this.clock.now());
    });
  }
}
