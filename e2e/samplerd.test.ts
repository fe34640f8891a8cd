/**
 * samplerd against a private nats-server: answers after replaying observations (and only the tail the
 * next time), the protocol's errors, a request sent while no replica runs, a replica killed between
 * answer and ack (redelivered, stored once), a NATS restart; then the SamplerTransport contract over
 * NATS (operator side: NatsSamplerTransport; sampler side: samplerd).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Parameter } from '../operator/api/index.js';
import {
  connectBus,
  memoryLogger,
  NatsSamplerTransport,
  observationMessage,
  observationsSubject,
  parseSuggestReply,
  SUGGEST_STREAM,
  SUGGESTIONS_STREAM,
  suggestionsSubject,
  suggestRequest,
  suggestSubject,
  type Bus,
  type SuggestAnswer,
  type SuggestError,
  type SuggestRequest,
} from '../operator/bus/index.js';
import { Space } from '../operator/core/space/index.js';
import { startSamplerd, type Samplerd, type SamplerdOptions } from '../operator/samplerd/index.js';
import { describeTransportContract } from '../operator/bus/__tests__/transport-contract.js';
import { samplerdCommand } from '../operator/cli/samplerd.js';
import { memoryIo } from '../operator/local/io.js';
import { eventually } from './lib/eventually.js';
import { startNatsServer, type NatsServer } from './lib/nats-server.js';

jest.setTimeout(90_000);

let srv: NatsServer;
let ops: Bus; // the operator's side
const running = new Set<Samplerd>();
const ACK_WAIT_MS = 1_500;

const openBus = (name: string): Bus =>
  connectBus({ servers: srv.url, name, retry: { initialMs: 100, maxMs: 1_000 }, reconnectWaitMs: 250 });

function samplerd(extra: Partial<SamplerdOptions> = {}): Samplerd {
  const d = startSamplerd({
    bus: openBus('samplerd'),
    ackWaitMs: ACK_WAIT_MS,
    log: memoryLogger(),
    ...extra,
  });
  running.add(d);
  return d;
}
async function stop(d: Samplerd, drain = true): Promise<void> {
  running.delete(d);
  await d.close({ drain });
}

beforeAll(async () => {
  srv = await startNatsServer();
  ops = openBus('operator');
  await ops.ensureStreams();
});
afterAll(async () => {
  await Promise.all([...running].map((d) => d.close({ drain: false })));
  await ops.close({ drain: false });
  await srv.remove();
});

const SPACE: Parameter[] = [
  { name: 'x', type: 'float', min: 0, max: 1 },
  { name: 'y', type: 'float', min: 0.001, max: 10, log: true },
  { name: 'opt', type: 'categorical', values: ['adam', 'sgd'] },
];

function request(uid: string, o: Partial<SuggestRequest> = {}): SuggestRequest {
  const indices = o.indices ?? [0];
  return suggestRequest(
    {
      id: o.id ?? `${uid}-${indices.join(',')}`,
      job: { namespace: 'ns', name: 'job', uid },
      sampler: o.sampler ?? { name: 'random', settings: {} },
      parameters: o.parameters ?? SPACE,
      direction: 'minimize',
      seed: 11,
      indices,
      pending: o.pending ?? [],
      observations: o.observations ?? { upToSeq: 0, count: 0 },
    },
    new Date(),
  );
}
const send = (req: SuggestRequest) => ops.publish(suggestSubject(req.sampler.name), req, req.id);

/** Every reply stored for a job, oldest first. */
async function replies(uid: string): Promise<Array<SuggestAnswer | SuggestError>> {
  const last = await ops.lastSeq(suggestionsSubject(uid));
  const msgs = await ops.replay(SUGGESTIONS_STREAM.name, suggestionsSubject(uid), last);
  return msgs.map((m) => {
    const p = parseSuggestReply(m.data);
    if (!p.ok) throw new Error(p.error);
    return p.value;
  });
}
const replyTo = (uid: string, id: string, timeoutMs = 20_000) =>
  eventually(
    async () => {
      const r = (await replies(uid)).find((x) => x.requestId === id);
      if (!r) throw new Error(`no reply to ${id} yet`);
      return r;
    },
    timeoutMs,
    50,
  );

/** Publishes `n` finished trials with a smooth objective; returns the last sequence. */
async function observe(uid: string, from: number, n: number): Promise<number> {
  let seq = 0;
  for (let index = from; index < from + n; index++) {
    const x = (index * 0.37) % 1;
    const y = 0.001 * 10_000 ** ((index * 0.61) % 1);
    const params = { x, y, opt: index % 2 ? 'adam' : 'sgd' };
    const value = (x - 0.3) ** 2 + Math.log10(y) ** 2 + (index % 2 ? 0 : 0.5);
    const msg = observationMessage({ index, params, state: 'complete', value });
    seq = (await ops.publish(observationsSubject(uid), msg, `obs-${uid}-${index}`)).seq;
  }
  return seq;
}

async function queued(sampler: string): Promise<number> {
  const nc = await connect({ servers: srv.url });
  const info = await (
    await jetstreamManager(nc)
  ).streams.info(SUGGEST_STREAM.name, {
    subjects_filter: suggestSubject(sampler),
  });
  await nc.close();
  return info.state.subjects?.[suggestSubject(sampler)] ?? 0;
}

describe('samplerd', () => {
  let d: Samplerd;
  afterAll(async () => {
    for (const x of [...running]) await stop(x);
  });

  it('answers a request published while no replica was running, once one starts', async () => {
    const uid = randomUUID();
    const req = request(uid);
    await send(req);
    await new Promise((r) => setTimeout(r, 300));
    expect(await replies(uid)).toEqual([]);
    d = samplerd();
    await d.ready;
    expect(d.status()).toMatchObject({ ready: true, message: expect.stringMatching(/^serving grid|random/) });
    expect(await replyTo(uid, req.id)).toMatchObject({ kind: 'suggestions', configs: [{ index: 0 }] });
  });

  it('answers TPE after replaying 50 observations, then reads only the new tail', async () => {
    const uid = randomUUID();
    const upToSeq = await observe(uid, 0, 50);
    const tpe = { name: 'tpe', settings: {} };
    const req = request(uid, { sampler: tpe, indices: [50], observations: { upToSeq, count: 50 } });
    const before = d.stats().replayedMessages;
    await send(req);
    const r = await replyTo(uid, req.id);
    expect(r.kind).toBe('suggestions');
    if (r.kind !== 'suggestions') return;
    expect(r.configs).toHaveLength(1);
    expect(new Space(SPACE).validate(r.configs[0]!.params)).toEqual([]);
    expect(d.stats().replayedMessages - before).toBe(50);

    const upTo60 = await observe(uid, 50, 10);
    const next = request(uid, { sampler: tpe, indices: [60], observations: { upToSeq: upTo60, count: 60 } });
    await send(next);
    expect(await replyTo(uid, next.id)).toMatchObject({ kind: 'suggestions' });
    expect(d.stats().replayedMessages - before).toBe(60);
  });

  it('answers ObservationsIncomplete, SpaceExhausted and InvalidRequest; drops an unreadable request', async () => {
    const uid = randomUUID();
    const upToSeq = await observe(uid, 0, 2);
    const short = request(uid, { id: `${uid}-short`, observations: { upToSeq, count: 3 } });
    const grid: Parameter[] = [{ name: 'opt', type: 'categorical', values: ['adam', 'sgd'] }];
    const spent = request(uid, {
      id: `${uid}-spent`,
      sampler: { name: 'grid', settings: {} },
      parameters: grid,
      indices: [2],
      pending: [
        { index: 0, params: { opt: 'adam' } },
        { index: 1, params: { opt: 'sgd' } },
      ],
    });
    await send(short);
    await send(spent);
    await ops.publish(
      suggestSubject('random'),
      { v: 1, kind: 'suggest', id: `${uid}-bad`, job: { uid } },
      `${uid}-bad`,
    );
    const dropped = d.stats().dropped;
    await ops.publish(suggestSubject('random'), { hello: 'world' }, `${uid}-junk`);
    expect(await replyTo(uid, short.id)).toMatchObject({ kind: 'error', code: 'ObservationsIncomplete' });
    expect(await replyTo(uid, spent.id)).toMatchObject({
      kind: 'error',
      code: 'SpaceExhausted',
      sampler: 'grid',
    });
    const bad = await replyTo(uid, `${uid}-bad`);
    expect(bad).toMatchObject({
      kind: 'error',
      code: 'InvalidRequest',
      message: expect.stringContaining('sampler'),
    });
    await eventually(async () => expect(d.stats().dropped).toBe(dropped + 1), 10_000, 50);
    await eventually(async () => expect(await queued('random')).toBe(0), 10_000, 100);
    await eventually(async () => expect(await queued('grid')).toBe(0), 10_000, 100);
  });

  it('a replica killed between answer and ack: the request is redelivered and its answer stored once', async () => {
    await stop(d);
    let hung: () => void = () => {};
    const reachedAck = new Promise<void>((r) => (hung = r));
    const doomed = samplerd({
      beforeAck: () => {
        hung();
        return new Promise(() => {}); // never acks: the process "dies" here
      },
    });
    await doomed.ready;
    const uid = randomUUID();
    const req = request(uid);
    await send(req);
    await reachedAck;
    expect(await replies(uid)).toHaveLength(1);
    await stop(doomed, false);

    const log = memoryLogger();
    d = samplerd({ log });
    await d.ready;
    await eventually(async () => expect(await queued('random')).toBe(0), 20_000, 100);
    const answered = log.records.filter((r) => r.msg === 'answered' && r['requestId'] === req.id);
    expect(answered).toEqual([expect.objectContaining({ duplicate: true })]);
    expect(await replies(uid)).toHaveLength(1);
  });

  it('recovers after NATS is killed and restarted with its store', async () => {
    await srv.stop(true);
    await eventually(async () => expect(d.status().ready).toBe(false), 10_000, 50);
    await srv.restart();
    await eventually(async () => expect(d.status().ready).toBe(true), 20_000, 100);
    await eventually(async () => expect(ops.status().connected).toBe(true), 20_000, 100);
    const uid = randomUUID();
    const req = request(uid, { sampler: { name: 'sobol', settings: {} } });
    await send(req);
    expect(await replyTo(uid, req.id, 40_000)).toMatchObject({ kind: 'suggestions', sampler: 'sobol' });
  });
});

describeTransportContract('NATS with samplerd', async () => {
  const bus = openBus('operator-contract');
  const transport = new NatsSamplerTransport(bus, { nakDelayMs: () => 100 });
  const d = samplerd();
  await d.ready;
  return {
    transport,
    settle: () => new Promise((r) => setTimeout(r, 500)),
    close: async () => {
      await stop(d);
      await bus.close();
    },
  };
});

it('ultron samplerd serves, answers /readyz, and exits 0 when stopped', async () => {
  const io = memoryIo();
  const stop = new AbortController();
  const exit = samplerdCommand(['--nats', srv.url, '--samplers', 'random', '--port', '0'], io, stop.signal);
  const lines = () => io.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
  const serving = await eventually(
    async () => {
      const line = lines().find((l) => l['msg'] === 'samplerd serving');
      if (!line) throw new Error('not serving yet');
      return line;
    },
    20_000,
    50,
  );
  expect(serving).toMatchObject({ level: 'info', component: 'ultron-samplerd', samplers: ['random'] });
  const port = lines().find((l) => l['msg'] === 'ops server listening')!['port'] as number;
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect([ready.status, await ready.text()]).toEqual([200, '[+]samplerd ok\nreadyz check passed\n']);
  const uid = randomUUID();
  const req = request(uid);
  await send(req);
  expect(await replyTo(uid, req.id)).toMatchObject({ kind: 'suggestions' });
  stop.abort();
  expect(await exit).toBe(0);
  expect(lines().at(-1)).toMatchObject({ msg: 'samplerd stopped', answers: 1 });
});
