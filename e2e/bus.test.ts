/**
 * The JetStream bus against a private nats-server (e2e/lib/nats-server.ts): idempotent streams,
 * publish dedup, last sequence and replay, the durable consumer's ack/nak and recovery, and start-up
 * before the server is there.
 */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  connectBus,
  memoryLogger,
  OBSERVATIONS_STREAM,
  observationsSubject,
  STREAMS,
  SUGGEST_STREAM,
  suggestSubject,
  type Bus,
  type BusMessage,
} from '../operator/bus/index.js';
import { eventually } from './lib/eventually.js';
import { startNatsServer, type NatsServer } from './lib/nats-server.js';

jest.setTimeout(60_000);

let srv: NatsServer;
const buses: Bus[] = [];
const open = (name = 'bus-test'): Bus => {
  const bus = connectBus({
    servers: srv.url,
    name,
    retry: { initialMs: 100, maxMs: 500 },
    reconnectWaitMs: 200,
  });
  buses.push(bus);
  return bus;
};

beforeAll(async () => {
  srv = await startNatsServer();
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close({ drain: false })));
  await srv.remove();
});

it('two clients create the streams at once; a third finds them unchanged; drift is updated', async () => {
  const [a, b] = [open('a'), open('b')];
  const [ra, rb] = await Promise.all([a.ensureStreams(), b.ensureStreams()]);
  for (const s of STREAMS) expect([ra[s.name], rb[s.name]]).toContain('created');
  expect(Object.values(await open('c').ensureStreams())).toEqual(STREAMS.map(() => 'unchanged'));

  const nc = await connect({ servers: srv.url });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(SUGGEST_STREAM.name);
  expect(info.config.retention).toBe('workqueue');
  expect(info.config.duplicate_window).toBe(SUGGEST_STREAM.duplicateWindowSeconds * 1e9);
  await jsm.streams.update(OBSERVATIONS_STREAM.name, { max_age: 3600 * 1e9 });
  expect((await a.ensureStreams())[OBSERVATIONS_STREAM.name]).toBe('updated');
  expect((await jsm.streams.info(OBSERVATIONS_STREAM.name)).config.max_age).toBe(
    OBSERVATIONS_STREAM.maxAgeSeconds * 1e9,
  );
  await nc.close();
});

it('publish is deduplicated by msgID and lastSeq finds the last message of a subject', async () => {
  const bus = open();
  await bus.ensureStreams();
  const subject = observationsSubject(randomUUID());
  expect(await bus.lastSeq(subject)).toBe(0);
  const first = await bus.publish(subject, { n: 1 }, `id-${subject}`);
  const again = await bus.publish(subject, { n: 1 }, `id-${subject}`);
  expect(first.duplicate).toBe(false);
  expect(again).toEqual({ seq: first.seq, duplicate: true });
  const second = await bus.publish(subject, { n: 2 }, `id2-${subject}`);
  expect(await bus.lastSeq(subject)).toBe(second.seq);
  expect((await bus.replay(OBSERVATIONS_STREAM.name, subject, second.seq)).length).toBe(2);
});

it('replays one subject up to a sequence, and from a sequence on', async () => {
  const bus = open();
  await bus.ensureStreams();
  const [a, b] = [observationsSubject(randomUUID()), observationsSubject(randomUUID())];
  const seqs: number[] = [];
  for (let i = 0; i < 10; i++) {
    seqs.push((await bus.publish(a, { i }, `${a}-${i}`)).seq);
    await bus.publish(b, { i }, `${b}-${i}`);
  }
  const decode = (d: Uint8Array) => (JSON.parse(new TextDecoder().decode(d)) as { i: number }).i;
  const upTo6 = await bus.replay(OBSERVATIONS_STREAM.name, a, seqs[5]!);
  expect(upTo6.map((m) => decode(m.data))).toEqual([0, 1, 2, 3, 4, 5]);
  expect(upTo6.every((m) => m.subject === a)).toBe(true);
  // upToSeq between two messages of the subject (a message of b holds it), and past the end.
  expect((await bus.replay(OBSERVATIONS_STREAM.name, a, seqs[5]! + 1)).length).toBe(6);
  expect((await bus.replay(OBSERVATIONS_STREAM.name, a, seqs[9]! + 100)).length).toBe(10);
  const tail = await bus.replay(OBSERVATIONS_STREAM.name, a, seqs[9]!, { fromSeq: seqs[6]! });
  expect(tail.map((m) => decode(m.data))).toEqual([6, 7, 8, 9]);
  expect(await bus.replay(OBSERVATIONS_STREAM.name, a, 0)).toEqual([]);
  // Each replay deletes its ordered consumer (they would pile up to the server's limit otherwise).
  const nc = await connect({ servers: srv.url });
  expect(
    (await (await jetstreamManager(nc)).streams.info(OBSERVATIONS_STREAM.name)).state.consumer_count,
  ).toBe(0);
  await nc.close();
  expect(await bus.replay(OBSERVATIONS_STREAM.name, observationsSubject(randomUUID()), 1_000)).toEqual([]);
});

it('a replay is a batch Direct Get (no consumer), crosses batches, and falls back without allow_direct', async () => {
  const bus = open();
  await bus.ensureStreams();
  const a = observationsSubject(randomUUID());
  const b = observationsSubject(randomUUID());
  // 2,100 of a, interleaved with b: three Direct Get batches of 1,000.
  const seqs: number[] = [];
  for (let i = 0; i < 2_100; i++) {
    seqs.push((await bus.publish(a, { i }, `${a}-${i}`)).seq);
    if (i % 100 === 0) await bus.publish(b, { i }, `${b}-${i}`);
  }
  const nc = await connect({ servers: srv.url });
  const jsm = await jetstreamManager(nc);
  const apiCalls = async () => (await jsm.getAccountInfo()).api.total;
  const before = await apiCalls();
  const all = await bus.replay(OBSERVATIONS_STREAM.name, a, seqs.at(-1)!);
  expect(all.map((m) => m.seq)).toEqual(seqs);
  const tail = await bus.replay(OBSERVATIONS_STREAM.name, a, seqs[1_500]!, { fromSeq: seqs[1_490]! });
  expect(tail.map((m) => m.seq)).toEqual(seqs.slice(1_490, 1_501));
  // No consumer was created (each create is a JetStream API call; the info calls themselves count 1).
  expect((await apiCalls()) - before).toBeLessThanOrEqual(1);

  // A stream without allow_direct (made by an older Ultron, or changed by an admin): a fresh client
  // falls back to ordered consumers and reads the same; ensureStreams turns Direct Get back on.
  await jsm.streams.update(OBSERVATIONS_STREAM.name, { allow_direct: false });
  const log = memoryLogger();
  const old = connectBus({ servers: srv.url, name: 'no-direct', log });
  buses.push(old);
  await old.ready;
  const again = await old.replay(OBSERVATIONS_STREAM.name, a, seqs[20]!, { fromSeq: seqs[10]! });
  expect(again.map((m) => m.seq)).toEqual(seqs.slice(10, 21));
  expect(log.records.some((l) => l.msg.includes('batch direct get unavailable'))).toBe(true);
  expect((await old.ensureStreams())[OBSERVATIONS_STREAM.name]).toBe('updated');
  expect((await jsm.streams.info(OBSERVATIONS_STREAM.name)).config.allow_direct).toBe(true);
  await nc.close();
});

it('a durable consumer acks, naks a failed message for redelivery, and survives its deletion', async () => {
  const bus = open();
  await bus.ensureStreams();
  const sampler = `t${randomUUID().slice(0, 8)}`;
  const seen: BusMessage[] = [];
  let failOnce = true;
  const ac = new AbortController();
  const consumer = bus.consume(
    SUGGEST_STREAM.name,
    `test-${sampler}`,
    [suggestSubject(sampler)],
    async (m) => {
      seen.push(m);
      if (failOnce) {
        failOnce = false;
        throw new Error('first delivery fails');
      }
    },
    { signal: ac.signal, nakDelayMs: () => 200, pullExpiresMs: 1_000 },
  );
  await consumer.ready;
  await bus.publish(suggestSubject(sampler), { n: 1 }, `${sampler}-1`);
  await eventually(async () => expect(seen.map((m) => m.deliveryCount)).toEqual([1, 2]), 10_000, 50);

  const nc = await connect({ servers: srv.url });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.delete(SUGGEST_STREAM.name, `test-${sampler}`);
  await bus.publish(suggestSubject(sampler), { n: 2 }, `${sampler}-2`);
  await eventually(async () => expect(seen.length).toBe(3), 30_000, 100);
  expect(consumer.recreations).toBeGreaterThan(0);
  // Acked messages leave the work queue.
  await eventually(async () => {
    const info = await jsm.streams.info(SUGGEST_STREAM.name, { subjects_filter: suggestSubject(sampler) });
    expect(info.state.subjects?.[suggestSubject(sampler)] ?? 0).toBe(0);
  }, 10_000);
  ac.abort();
  await consumer.done;
  expect(consumer.status()).toBe('stopped');
  await nc.close();
});

it('a consumer whose stream was deleted re-creates the streams and carries on', async () => {
  const log = memoryLogger();
  const bus = connectBus({ servers: srv.url, name: 'recreate', log, retry: { initialMs: 100, maxMs: 500 } });
  buses.push(bus);
  await bus.ensureStreams();
  const sampler = `t${randomUUID().slice(0, 8)}`;
  const seen: number[] = [];
  const ac = new AbortController();
  const consumer = bus.consume(
    SUGGEST_STREAM.name,
    `test-${sampler}`,
    [suggestSubject(sampler)],
    async (m) => void seen.push(m.seq),
    { signal: ac.signal, pullExpiresMs: 1_000 },
  );
  await consumer.ready;
  const nc = await connect({ servers: srv.url });
  await (await jetstreamManager(nc)).streams.delete(SUGGEST_STREAM.name);
  await nc.close();
  await eventually(
    async () => {
      await bus.publish(suggestSubject(sampler), { n: 1 }, `${sampler}-after`);
      expect(seen.length).toBeGreaterThan(0);
    },
    40_000,
    500,
  );
  expect(log.records.some((r) => r.msg === 'stream missing; re-creating it')).toBe(true);
  expect(log.records.filter((r) => r.msg === 'stream created').map((r) => r['stream'])).toContain(
    SUGGEST_STREAM.name,
  );
  ac.abort();
  await consumer.done;
});

it('starts before the server is up: status says why, ready resolves once it is', async () => {
  await srv.stop();
  const log = memoryLogger();
  const bus = connectBus({ servers: srv.url, name: 'early', log, retry: { initialMs: 100, maxMs: 300 } });
  buses.push(bus);
  await eventually(
    async () => expect(bus.status().message).toMatch(/cannot connect to .*attempt [2-9]/),
    10_000,
    50,
  );
  expect(bus.status().connected).toBe(false);
  await srv.restart();
  await bus.ready;
  expect(bus.status()).toEqual({ connected: true, message: `connected to nats://127.0.0.1:${srv.port}` });
  expect(log.records.some((r) => r.msg === 'nats connect failed')).toBe(true);
});
