/**
 * A keyed work queue with client-go's guarantees, so reconcilers can be level-triggered: a key stands for
 * "look at this object again", never for one event, and so many adds collapse into one reconcile.
 *
 * - dedup: a key waits in the queue at most once however often it is added;
 * - serialization: a key handed out by `get` is not handed out again until `done`; an add meanwhile marks
 *   it dirty and it is queued again at `done`, so no two workers reconcile one object at once;
 * - back-off: `addRateLimited` waits base·2^failures (capped) per key; `forget` resets it on success.
 */
import { realClock, type Clock, type TimerHandle } from './clock.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay of `addRateLimited`. */
  baseDelayMs?: number;
  /** Longest retry delay of `addRateLimited`. */
  maxDelayMs?: number;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 5 * 60_000;

export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  /** One timer per key: a later addAfter never pushes an earlier due time back. */
  private readonly delayed = new Map<string, { due: number; handle: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private readonly drainWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  }

  /** Queues `key` unless it is already waiting; ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // queued again at done()
    this.queue.push(key);
    this.dispatch();
  }

  /** Queues `key` after `ms`; if it is already waiting for an earlier time, that time stands. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const due = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.due <= due) return;
    if (existing) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { due, handle });
  }

  /** Queues `key` after its back-off, which doubles with each call until `forget`. */
  addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, this.backoff(failures));
  }

  /** The delay the n-th consecutive failure (from 0) waits. */
  backoff(failures: number): number {
    // 2 ** 60 already overflows any sane cap; clamping the exponent keeps the number finite.
    return Math.min(this.baseDelayMs * 2 ** Math.min(failures, 60), this.maxDelayMs);
  }

  /** Resets `key`'s back-off (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times `key` was rate-limited since its last forget. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to be handed out (not those being processed nor those delayed): the depth metric. */
  len(): number {
    return this.queue.length;
  }

  /**
   * The next key, marked as processing; the caller must call `done(key)`. Resolves undefined once the
   * queue is shut down and empty.
   */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined || this.shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile it goes back in the queue. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.dispatch();
    }
    this.checkDrained();
  }

  /**
   * Stops accepting keys and cancels delayed ones. Keys already queued are still handed out (drain);
   * once the queue is empty, `get` resolves undefined.
   */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.dispatch();
    this.checkDrained();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Resolves when the queue is shut down, empty, and no key is being processed. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.checkDrained();
    });
  }

  private take(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private dispatch(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) this.waiters.shift()!(this.take());
    if (this.shuttingDown && this.queue.length === 0) {
      for (const waiter of this.waiters.splice(0)) waiter(undefined);
    }
  }

  private checkDrained(): void {
    if (!this.shuttingDown || this.queue.length > 0 || this.processing.size > 0) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}

export type Handler = (key: string, signal: AbortSignal) => Promise<void>;

export interface RunWorkersOptions {
  /** Aborting stops the workers: each finishes the key it holds, none takes another; the queue shuts down. */
  signal?: AbortSignal;
  /** Called after a failed key was re-queued with back-off; `retries` counts its consecutive failures. */
  onError?: (key: string, error: unknown, retries: number) => void;
  /** Called after each key, with its outcome and duration, for the reconcile metrics. */
  onDone?: (key: string, result: 'success' | 'error', durationMs: number) => void;
  clock?: Clock;
}

/**
 * Runs `n` workers over `queue` until it is shut down and drained, or `signal` aborts. A handler that
 * resolves forgets the key's back-off; one that rejects re-queues the key rate-limited.
 */
export async function runWorkers(
  queue: WorkQueue,
  n: number,
  handler: Handler,
  options: RunWorkersOptions = {},
): Promise<void> {
  const signal = options.signal ?? new AbortController().signal;
  const clock = options.clock ?? realClock;
  const stop = (): void => queue.shutdown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });

  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      if (signal.aborted) {
        queue.done(key);
        return;
      }
      const started = clock.now();
      try {
        await handler(key, signal);
        queue.forget(key);
        options.onDone?.(key, 'success', clock.now() - started);
      } catch (error) {
        queue.addRateLimited(key);
        options.onDone?.(key, 'error', clock.now() - started);
        options.onError?.(key, error, queue.numRequeues(key));
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
