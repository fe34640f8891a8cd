/**
 * One NATS connection that is always being brought up: the first connect is retried with back-off until
 * it works or the bus closes (a sampler service or operator started before NATS waits, never crashes),
 * the client library then reconnects on its own, and a connection the library gives up on is replaced
 * by a new one. `get()` waits for a live connection; `status()` says where things stand, for /readyz.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { realClock, sleep, type Clock } from '../controller/runtime/clock.js';
import { BusClosed, NotConnected } from './errors.js';
import type { Logger } from './log.js';
import { backoffDelay, type BackoffOptions } from './streams.js';

export interface Live {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export interface ConnectionStatus {
  connected: boolean;
  message: string;
}

export interface ConnectionOptions {
  servers: string | string[];
  name: string;
  log: Logger;
  clock?: Clock;
  /** Back-off between failed connection attempts (default 0.5 s doubling to 10 s). */
  retry?: BackoffOptions;
  /** Handshake timeout of one attempt, ms (default 5,000). */
  connectTimeoutMs?: number;
  /** JetStream API request timeout, ms (default 10,000). */
  requestTimeoutMs?: number;
  /** Wait between the client's own reconnect attempts, ms (default 1,000). */
  reconnectWaitMs?: number;
}

const DRAIN_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class Connection {
  private live: Live | undefined;
  private waiters: Array<{ resolve: (l: Live) => void; reject: (e: Error) => void }> = [];
  private current: ConnectionStatus;
  private readonly stopping = new AbortController();
  private readonly reconnectListeners = new Set<() => void>();
  private connections = 0;
  private readonly clock: Clock;
  private readonly where: string;
  /** Resolves when the first connection is up; rejects with BusClosed if closed before. */
  readonly ready: Promise<void>;
  readonly loop: Promise<void>;

  constructor(private readonly opts: ConnectionOptions) {
    this.clock = opts.clock ?? realClock;
    this.where = ([] as string[]).concat(opts.servers).join(',');
    this.current = { connected: false, message: `connecting to ${this.where}` };
    this.ready = this.get().then(() => undefined);
    this.ready.catch(() => {}); // nobody may wait for it; a close before connecting is not an error
    this.loop = this.run();
  }

  status(): ConnectionStatus {
    return { ...this.current };
  }

  get closed(): boolean {
    return this.stopping.signal.aborted;
  }

  /**
   * A connected connection, waiting for one while there is none or it is reconnecting (a request sent
   * meanwhile would only time out). Rejects with BusClosed once closed, NotConnected after `timeoutMs`.
   */
  get(opts: AbortSignal | { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Live> {
    if (this.closed) return Promise.reject(new BusClosed());
    if (this.live && this.current.connected && !this.live.nc.isClosed()) return Promise.resolve(this.live);
    const { signal, timeoutMs } = opts instanceof AbortSignal ? { signal: opts, timeoutMs: undefined } : opts;
    return new Promise<Live>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      };
      const onAbort = (): void => {
        settle();
        reject(new BusClosed('aborted while waiting for a NATS connection'));
      };
      const waiter = {
        resolve: (l: Live) => {
          settle();
          resolve(l);
        },
        reject: (e: Error) => {
          settle();
          reject(e);
        },
      };
      if (signal?.aborted) return onAbort();
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined)
        timer = setTimeout(() => {
          settle();
          reject(new NotConnected(`no NATS connection within ${timeoutMs} ms: ${this.current.message}`));
        }, timeoutMs);
    });
  }

  /** Calls `fn` after each reconnect (the server may have lost pull requests); returns the remover. */
  onReconnect(fn: () => void): () => void {
    this.reconnectListeners.add(fn);
    return () => this.reconnectListeners.delete(fn);
  }

  /** Stops reconnecting; `drain` lets subscriptions finish and flushes publishes, otherwise it cuts. */
  async close(drain = true): Promise<void> {
    if (this.closed) return this.loop;
    this.stopping.abort(new BusClosed());
    for (const w of [...this.waiters]) w.reject(new BusClosed());
    const nc = this.live?.nc;
    if (nc && !nc.isClosed()) {
      // A drain waits for the server; one that is gone must not hold the shutdown.
      if (drain) await withTimeout(nc.drain(), DRAIN_TIMEOUT_MS).catch(() => nc.close());
      else await nc.close();
    }
    this.current = { connected: false, message: 'closed' };
    await this.loop;
  }

  private set(connected: boolean, message: string): void {
    this.current = { connected, message };
  }

  private async run(): Promise<void> {
    const { log } = this.opts;
    let attempt = 0;
    while (!this.closed) {
      let nc: NatsConnection | undefined;
      try {
        nc = await connect({
          servers: this.opts.servers,
          name: this.opts.name,
          timeout: this.opts.connectTimeoutMs ?? 5_000,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.opts.reconnectWaitMs ?? 1_000,
        });
        const jsm = await jetstreamManager(nc, { timeout: this.opts.requestTimeoutMs ?? 10_000 });
        if (this.closed) {
          await nc.close();
          break;
        }
        attempt = 0;
        this.live = { nc, js: jsm.jetstream(), jsm };
        this.set(true, `connected to nats://${nc.getServer()}`);
        log.info('nats connected', { server: nc.getServer(), name: this.opts.name });
        this.wake();
        if (this.connections++ > 0) for (const fn of [...this.reconnectListeners]) fn();
        void this.watch(nc);
        const err = await nc.closed();
        this.live = undefined;
        if (this.closed) break;
        this.set(
          false,
          `the connection to ${this.where} closed (${err ? describe(err) : 'no error'}); reconnecting`,
        );
        log.warn('nats connection closed; reconnecting', { error: err ?? undefined });
      } catch (e) {
        if (nc && !nc.isClosed()) await nc.close().catch(() => {});
        if (this.closed) break;
        attempt++;
        const delay = backoffDelay(attempt, this.opts.retry);
        const why = nc ? `connected but JetStream is not available: ${describe(e)}` : describe(e);
        this.set(false, `cannot connect to ${this.where}: ${why} (attempt ${attempt}, next in ${delay} ms)`);
        log.warn('nats connect failed', { servers: this.where, attempt, retryInMs: delay, error: why });
        await sleep(this.clock, delay, this.stopping.signal).catch(() => {});
      }
    }
  }

  private wake(): void {
    const live = this.live;
    if (live) for (const w of [...this.waiters]) w.resolve(live);
  }

  /** Keeps the status true to the client library's reconnects. */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.closed || this.live?.nc !== nc) return;
      if (s.type === 'disconnect') {
        this.set(false, `disconnected from nats://${s.server}; reconnecting`);
        this.opts.log.warn('nats disconnected', { server: s.server });
      } else if (s.type === 'reconnect') {
        this.set(true, `connected to nats://${nc.getServer()}`);
        this.opts.log.info('nats reconnected', { server: nc.getServer() });
        this.wake();
        for (const fn of [...this.reconnectListeners]) fn();
      }
    }
  }
}
