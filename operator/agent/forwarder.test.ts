import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger, type MetricMessage } from '../bus/index.js';
import { runAgent } from './agent.js';
import { MetricsForwarder, type MetricSink } from './forwarder.js';
import type { AgentPart } from './part.js';

/** A stream with dedup by msg id, that can be made to fail or hang like an unreachable NATS. */
class FakeStream implements MetricSink {
  stored = new Map<string, MetricMessage>();
  subjects = new Set<string>();
  calls = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  async publish(subject: string, message: MetricMessage, msgId: string): Promise<{ duplicate: boolean }> {
    this.calls++;
    if (this.mode === 'hang') return new Promise(() => {});
    if (this.mode === 'fail') throw new Error('503 no responders');
    this.subjects.add(subject);
    const duplicate = this.stored.has(msgId);
    if (!duplicate) this.stored.set(msgId, message);
    return { duplicate };
  }
  get messages(): MetricMessage[] {
    return [...this.stored.values()];
  }
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ultron-fwd-'));
  file = join(dir, 'metrics.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const forwarder = (sink: MetricSink, over: Partial<ConstructorParameters<typeof MetricsForwarder>[0]> = {}) =>
  new MetricsForwarder({
    metricsFile: file,
    hpoJobUid: 'job',
    trialIndex: 3,
    podUid: 'pod',
    sink,
    log: memoryLogger(),
    pollMs: 10,
    retry: { initialMs: 10, maxMs: 50 },
    ...over,
  });
const eventually = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('MetricsForwarder', () => {
  it('publishes reports and malformed lines with their msg ids, then end after all of them', async () => {
    const s = new FakeStream();
    const f = forwarder(s);
    f.start();
    writeFileSync(file, 'Epoch 1\n{"step": 1, "loss": 0.9}\n');
    await eventually(() => s.stored.size === 1);
    appendFileSync(file, 'step=2 loss=0.5\n{"step": oops}\nstep=3 lo');
    const told = Date.now();
    const report = await f.finish(Date.now() + 2000);
    expect([...s.subjects]).toEqual(['ultron.metrics.job.3']);
    expect([...s.stored.keys()]).toEqual([
      'm-job-3-pod-2',
      'm-job-3-pod-3',
      'm-job-3-pod-4',
      'm-job-3-pod-5',
      'end-job-3-pod',
    ]);
    expect(s.messages.map((m) => m.kind)).toEqual(['report', 'report', 'malformed', 'malformed', 'end']);
    expect(s.messages[4]).toEqual({
      v: 1,
      kind: 'end',
      pod: 'pod',
      lines: 5,
      malformed: 2,
      stoppedAt: expect.any(String),
    });
    // When it was told to stop: what bounds the trainer's end (the kubelet reports whole seconds).
    const end = s.messages[4] as { stoppedAt: string };
    expect(Math.abs(Date.parse(end.stoppedAt) - told)).toBeLessThan(500);
    expect(report).toMatchObject({
      complete: true,
      figures: { lines: 5, published: 4, malformed: 2, endSent: true },
    });
  });

  it('waits for a file that never appears and still ends', async () => {
    const s = new FakeStream();
    const f = forwarder(s);
    f.start();
    await new Promise((r) => setTimeout(r, 30));
    expect((await f.finish(Date.now() + 1000)).complete).toBe(true);
    expect(s.messages).toEqual([
      { v: 1, kind: 'end', pod: 'pod', lines: 0, malformed: 0, stoppedAt: expect.any(String) },
    ]);
  });

  it('keeps retrying while NATS fails and delivers everything once it is back', async () => {
    const s = new FakeStream();
    s.mode = 'fail';
    const log = memoryLogger();
    const f = forwarder(s, { log });
    f.start();
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => `step=${i} loss=${i}\n`).join(''));
    await eventually(() => s.calls > 150); // several rounds failed
    expect(log.records.some((r) => r.msg.includes('retrying'))).toBe(true);
    s.mode = 'ok';
    await eventually(() => s.stored.size === 50);
    expect((await f.finish(Date.now() + 2000)).complete).toBe(true);
    expect(s.stored.size).toBe(51);
  });

  it('holds a bounded number of messages while NATS is away, reading on once it is back', async () => {
    const s = new FakeStream();
    s.mode = 'fail';
    const f = forwarder(s, { maxQueued: 100, window: 10, tailer: { chunkBytes: 1024 } });
    f.start();
    writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `step=${i} loss=1\n`).join(''));
    await new Promise((r) => setTimeout(r, 300));
    const held = (f as unknown as { queue: unknown[] }).queue.length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(100 + 1024 / 'step=0 loss=1\n'.length + 1);
    s.mode = 'ok';
    await eventually(() => s.stored.size === 5000, 10_000);
    expect((await f.finish(Date.now() + 2000)).figures).toMatchObject({ lines: 5000, published: 5000 });
  });

  it('gives up at the deadline when NATS does not answer, without end', async () => {
    const s = new FakeStream();
    s.mode = 'hang';
    const f = forwarder(s);
    f.start();
    writeFileSync(file, 'step=1 loss=1\n');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const report = await f.finish(t0 + 300);
    expect(Date.now() - t0).toBeLessThan(600);
    expect(report).toMatchObject({ complete: false, figures: { endSent: false, unpublished: 1 } });
  });

  it('a restarted agent reads from the top and its messages are the same ones (deduplicated)', async () => {
    const s = new FakeStream();
    writeFileSync(file, 'step=1 loss=1\nstep=2 loss=2\n');
    const first = forwarder(s);
    first.start();
    await eventually(() => s.stored.size === 2);
    await new Promise((r) => setTimeout(r, 20)); // crashes here: no finish
    appendFileSync(file, 'step=3 loss=3\n');
    const second = forwarder(s);
    second.start();
    await second.finish(Date.now() + 2000);
    await first.finish(Date.now()); // stop its timers
    expect([...s.stored.keys()]).toEqual([
      'm-job-3-pod-1',
      'm-job-3-pod-2',
      'm-job-3-pod-3',
      'end-job-3-pod',
    ]);
  });
});

describe('runAgent', () => {
  const part = (finish: AgentPart['finish']): AgentPart & { started: boolean } => ({
    name: 'p',
    started: false,
    start() {
      this.started = true;
    },
    finish,
  });

  it('starts the parts, finishes them on the stop signal, drains NATS when all is delivered', async () => {
    const p = part(async () => ({ complete: true, figures: { lines: 2 } }));
    let stop!: (s: string) => void;
    const closed: boolean[] = [];
    const log = memoryLogger();
    const run = runAgent({
      parts: [p],
      log,
      stop: new Promise((r) => (stop = r)),
      close: async (drain) => void closed.push(drain),
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(p.started).toBe(true);
    stop('SIGTERM');
    expect(await run).toBe(0);
    expect(closed).toEqual([true]);
    expect(log.records.at(-1)).toMatchObject({ msg: 'agent stopped', signal: 'SIGTERM', 'p.lines': 2 });
  });

  it('returns by the deadline even when closing hangs, and says what was not delivered', async () => {
    const p = part(async () => ({ complete: false, figures: { unpublished: 3 } }));
    const log = memoryLogger();
    const t0 = Date.now();
    const code = await runAgent({
      parts: [p],
      log,
      stop: Promise.resolve('SIGTERM'),
      close: () => new Promise(() => {}),
      shutdownMs: 200,
    });
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(log.records.at(-1)).toMatchObject({ level: 'warn', 'p.unpublished': 3 });
  });
});
