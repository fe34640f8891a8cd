import { FakeClock, settle } from './clock.js';
import { runWorkers, WorkQueue } from './workqueue.js';

function setup(options: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
  const clock = new FakeClock();
  return { clock, queue: new WorkQueue({ clock, ...options }) };
}

describe('FakeClock', () => {
  it('runs due timers in order, including timers set by timers, and leaves later ones', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => {
      fired.push('a@10');
      clock.setTimeout(() => fired.push('c@15'), 5);
      clock.setTimeout(() => fired.push('late@40'), 30);
    }, 10);
    const cancelled = clock.setTimeout(() => fired.push('cancelled'), 1);
    clock.clearTimeout(cancelled);
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'c@15', 'b@20']);
    expect(clock.now()).toBe(25);
    expect(clock.pending()).toBe(1);
  });
});

describe('WorkQueue', () => {
  it('holds a key once however often it is added', async () => {
    const { queue } = setup();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.len()).toBe(0);
  });

  it('does not hand out a key being processed; an add meanwhile re-queues it at done', async () => {
    const { queue } = setup();
    queue.add('a');
    const first = await queue.get();
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0);
    let second: string | undefined;
    void queue.get().then((k) => (second = k));
    await settle();
    expect(second).toBeUndefined();
    queue.done(first!);
    await settle();
    expect(second).toBe('a');
    queue.done('a');
    expect(queue.len()).toBe(0);
  });

  it('addAfter queues when the delay passes; an earlier due time wins', () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 100);
    queue.addAfter('a', 500); // later: ignored
    queue.addAfter('b', 300);
    queue.addAfter('b', 50); // earlier: replaces
    clock.advance(49);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
    clock.advance(50);
    expect(queue.len()).toBe(2);
    expect(clock.pending()).toBe(0);
  });

  it('backs off per key exponentially up to the cap; forget resets it', async () => {
    const { clock, queue } = setup({ baseDelayMs: 5, maxDelayMs: 100 });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      queue.addRateLimited('a');
      const start = clock.now();
      while (queue.len() === 0) clock.advance(1);
      delays.push(clock.now() - start);
      queue.done((await queue.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40, 80, 100, 100]);
    expect(queue.numRequeues('a')).toBe(7);
    // Another key's back-off is its own.
    queue.addRateLimited('b');
    clock.advance(5);
    expect(queue.len()).toBe(1);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
    queue.addRateLimited('a');
    clock.advance(5);
    expect(queue.len()).toBe(2);
  });

  it('uses a 5 ms base and a 5 minute cap by default', () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    expect(queue.backoff(0)).toBe(5);
    expect(queue.backoff(3)).toBe(40);
    expect(queue.backoff(1000)).toBe(300_000);
  });

  it('after shutdown: drops adds and delayed keys, drains what is queued, then get resolves undefined', async () => {
    const { clock, queue } = setup();
    queue.add('a');
    queue.add('b');
    queue.addAfter('later', 10);
    const a = await queue.get();
    queue.shutdown();
    queue.add('c');
    clock.advance(10);
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('b');
    expect(await queue.get()).toBeUndefined();
    let drained = false;
    void queue.drained().then(() => (drained = true));
    queue.done('b');
    await settle();
    expect(drained).toBe(false); // 'a' is still being processed
    queue.done(a!);
    await settle();
    expect(drained).toBe(true);
  });

  it('wakes a waiting get with undefined at shutdown', async () => {
    const { queue } = setup();
    const waiting = queue.get();
    queue.shutdown();
    expect(await waiting).toBeUndefined();
  });
});

describe('runWorkers', () => {
  it('never runs one key on two workers at once, however often it is added', async () => {
    const { queue } = setup();
    const running = new Set<string>();
    let overlaps = 0;
    let maxConcurrent = 0;
    const handled: string[] = [];
    const releases: Array<() => void> = [];
    const done = runWorkers(queue, 4, async (key) => {
      if (running.has(key)) overlaps++;
      running.add(key);
      maxConcurrent = Math.max(maxConcurrent, running.size);
      await new Promise<void>((resolve) => releases.push(resolve));
      running.delete(key);
      handled.push(key);
    });
    for (const key of ['a', 'b', 'a', 'c', 'a']) queue.add(key);
    await settle();
    expect(running).toEqual(new Set(['a', 'b', 'c']));
    queue.add('a'); // while 'a' is processing
    queue.add('b');
    for (let round = 0; round < 5 && releases.length > 0; round++) {
      for (const release of releases.splice(0)) release();
      await settle();
    }
    queue.shutdown();
    await done;
    expect(overlaps).toBe(0);
    expect(maxConcurrent).toBe(3);
    expect(handled.filter((k) => k === 'a')).toHaveLength(2);
    expect(handled.filter((k) => k === 'b')).toHaveLength(2);
    expect(handled.filter((k) => k === 'c')).toHaveLength(1);
  });

  it('re-queues a failing key with growing back-off, reports it, and forgets it on success', async () => {
    const { clock, queue } = setup({ baseDelayMs: 10 });
    const calls: number[] = [];
    const errors: Array<[string, number]> = [];
    const results: string[] = [];
    const done = runWorkers(
      queue,
      2,
      async () => {
        calls.push(clock.now());
        if (calls.length <= 3) throw new Error('apiserver down');
      },
      {
        clock,
        onError: (key, _e, retries) => errors.push([key, retries]),
        onDone: (_k, result) => results.push(result),
      },
    );
    const start = clock.now();
    queue.add('job');
    await clock.tick(1000);
    expect(calls.map((t) => t - start)).toEqual([0, 10, 30, 70]);
    expect(errors).toEqual([
      ['job', 1],
      ['job', 2],
      ['job', 3],
    ]);
    expect(results).toEqual(['error', 'error', 'error', 'success']);
    expect(queue.numRequeues('job')).toBe(0);
    queue.shutdown();
    await done;
  });

  it('stops when the signal aborts: held keys finish, nothing new starts, the signal reaches handlers', async () => {
    const { queue } = setup();
    const controller = new AbortController();
    const seen: Array<[string, boolean]> = [];
    let release!: () => void;
    const done = runWorkers(
      queue,
      1,
      async (key, signal) => {
        await new Promise<void>((resolve) => (release = resolve));
        seen.push([key, signal.aborted]);
      },
      { signal: controller.signal },
    );
    queue.add('a');
    queue.add('b');
    await settle();
    controller.abort();
    release();
    await done;
    expect(seen).toEqual([['a', true]]);
    expect(queue.isShuttingDown()).toBe(true);
  });
});
