/**
 * The agent's heartbeat part: `{v: 1, pod}` on `ultron.alive.<job uid>.<index>` every second, on core
 * NATS (nothing stores it). A pod lost with its node never reports its trainer's end; the operator
 * charges its run up to the last sign of life it had, which a trainer reporting once an epoch would
 * otherwise leave minutes behind.
 */
import { aliveSubject } from '../bus/index.js';
import { realClock, type Clock } from '../controller/runtime/clock.js';
import type { AgentPart, PartReport } from './part.js';

export interface HeartbeatSink {
  notify(subject: string, message: object): Promise<void>;
}

export interface HeartbeatOptions {
  hpoJobUid: string;
  trialIndex: number;
  podUid: string;
  sink: HeartbeatSink;
  clock?: Clock;
  /** Default 1,000 ms. */
  intervalMs?: number;
}

export const HEARTBEAT_MS = 1_000;

export class Heartbeat implements AgentPart {
  readonly name = 'heartbeat';
  private timer: ReturnType<Clock['setTimeout']> | undefined;
  private stopped = false;
  private sent = 0;
  private readonly clock: Clock;
  private readonly subject: string;

  constructor(private readonly o: HeartbeatOptions) {
    this.clock = o.clock ?? realClock;
    this.subject = aliveSubject(o.hpoJobUid, o.trialIndex);
  }

  start(): void {
    this.beat();
  }

  finish(): Promise<PartReport> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    return Promise.resolve({ complete: true, figures: { heartbeats: this.sent } });
  }

  private beat(): void {
    if (this.stopped) return;
    // At most once: a beat lost while NATS is away is superseded by the next one.
    void this.o.sink
      .notify(this.subject, { v: 1, pod: this.o.podUid })
      .then(() => void this.sent++)
      .catch(() => undefined);
    this.timer = this.clock.setTimeout(() => this.beat(), this.o.intervalMs ?? HEARTBEAT_MS);
  }
}
