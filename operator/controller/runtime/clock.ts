/**
 * Time for the runtime. Every delay (back-off, lease renewal, informer restart) goes through a Clock so
 * tests drive time by hand with FakeClock instead of sleeping or mocking globals.
 */

declare const timerBrand: unique symbol;
/** Opaque: only the Clock that made a handle can cancel it. */
export type TimerHandle = { readonly [timerBrand]: true };

export interface Clock {
  /** Wall-clock epoch milliseconds. */
  now(): number;
  /** Runs `fn` once after `ms` (negative counts as 0). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, Math.max(0, ms)) as unknown as TimerHandle,
  clearTimeout: (handle) => globalThis.clearTimeout(handle as unknown as NodeJS.Timeout),
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told. Timers fire in due order (ties in the order they were set), and a
 * timer set by a firing timer runs in the same advance if it falls due within it.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    const id = handle as unknown as number;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Timers not yet fired. */
  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running each timer that falls due, synchronously. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let t = this.takeDue(target); t; t = this.takeDue(target)) {
      this.current = t.due;
      t.fn();
    }
    this.current = target;
  }

  /**
   * Like advance, but lets promise chains settle after each timer (and before the first), so async code
   * that awaits in-memory fakes between timers sees time move the way it would for real.
   */
  async tick(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let t = this.takeDue(target); t; t = this.takeDue(target)) {
      this.current = t.due;
      t.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  private takeDue(target: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) if (t.due <= target && (!best || t.due < best.due)) best = t;
    if (best) this.timers.splice(this.timers.indexOf(best), 1);
    return best;
  }
}

/** Waits until every queued microtask (and any chain of them) has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
