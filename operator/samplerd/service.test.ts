import type { Parameter } from '../api/index.js';
import { ReplayTooLarge } from '../bus/errors.js';
import { memoryLogger } from '../bus/log.js';
import { observationMessage, suggestRequest, type SuggestReply } from '../bus/messages.js';
import { encode, type SuggestRequest } from '../bus/protocol.js';
import { KeyedSerial } from './serial.js';
import { SuggestService, type ObservationSource } from './service.js';

const GRID: Parameter[] = [{ name: 'k', type: 'categorical', values: ['a', 'b', 'c', 'd'] }];

function request(uid: string, o: Partial<SuggestRequest> = {}): SuggestRequest {
  return suggestRequest(
    {
      id: `${uid}-r`,
      job: { namespace: 'ns', name: 'j', uid },
      sampler: { name: 'grid', settings: { shuffle: false } },
      parameters: GRID,
      direction: 'minimize',
      seed: 1,
      indices: [9],
      pending: [],
      observations: { upToSeq: 0, count: 0 },
      ...o,
    },
    new Date(0),
  );
}

/** A stream of observation messages per job, with a log of the reads. */
class FakeSource implements ObservationSource {
  seq = 0;
  readonly messages: Array<{ uid: string; seq: number; data: Uint8Array }> = [];
  readonly reads: Array<[string, number, number]> = [];
  gate: Promise<void> | undefined;
  fail: Error | undefined;
  add(uid: string, index: number, k: string | object): number {
    const data =
      typeof k === 'string'
        ? encode(observationMessage({ index, params: { k }, state: 'complete', value: index }))
        : encode(k);
    this.messages.push({ uid, seq: ++this.seq, data });
    return this.seq;
  }
  async read(uid: string, fromSeq: number, upToSeq: number) {
    this.reads.push([uid, fromSeq, upToSeq]);
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    return this.messages.filter((m) => m.uid === uid && m.seq >= fromSeq && m.seq <= upToSeq);
  }
}

function setup() {
  const source = new FakeSource();
  const published: Array<{ uid: string; reply: SuggestReply; msgId: string }> = [];
  const log = memoryLogger();
  const service = new SuggestService({
    source,
    log,
    publish: async (uid, reply, msgId) => {
      published.push({ uid, reply, msgId });
      return { seq: published.length, duplicate: false };
    },
  });
  const serve = (req: SuggestRequest | object, sampler = 'grid') =>
    service.prepare(sampler, encode(req)).run();
  return { source, published, log, service, serve };
}
const params = (r: SuggestReply) => (r.kind === 'suggestions' ? r.configs.map((c) => c.params['k']) : r.code);

describe('SuggestService', () => {
  it('replays a job once, then only the tail; publishes with msgID answer-<request id>', async () => {
    const { source, published, serve, service } = setup();
    const s1 = source.add('u', 0, 'a');
    await serve(request('u', { id: 'r1', observations: { upToSeq: s1, count: 1 } }));
    const s2 = source.add('u', 1, 'b');
    await serve(request('u', { id: 'r2', observations: { upToSeq: s2, count: 2 } }));
    expect(source.reads).toEqual([
      ['u', 1, s1],
      ['u', s1 + 1, s2],
    ]);
    expect(published.map((p) => [p.uid, p.msgId, params(p.reply)])).toEqual([
      ['u', 'answer-r1', ['b']],
      ['u', 'answer-r2', ['c']],
    ]);
    expect(service.stats()).toMatchObject({
      replies: 2,
      answers: 2,
      replayedMessages: 2,
      cache: { jobs: 1 },
    });
  });

  it("puts the request's arrival and each later hop in the `answered` line, for bench:operator", async () => {
    const source = new FakeSource();
    const log = memoryLogger();
    let t = 1000;
    const service = new SuggestService({
      source,
      log,
      now: () => (t += 5),
      publish: async () => ({ seq: 1, duplicate: false }),
    });
    const s1 = source.add('u', 0, 'a');
    const req = request('u', { id: 'r1', observations: { upToSeq: s1, count: 1 } });
    await service.prepare('grid', encode(req), { storedAt: 990, receivedAt: 995 }).run();
    const line = log.records.find((r) => r.msg === 'answered');
    expect(line?.['at']).toEqual({
      storedAt: 990,
      receivedAt: 995,
      startedAt: 1005,
      answeredAt: 1010,
      publishedAt: 1020,
    });
    // Without an arrival (the in-process transport) the line has no hops.
    await service.prepare('grid', encode({ ...req, id: 'r2' })).run();
    expect(log.records.filter((r) => r.msg === 'answered')[1]).not.toHaveProperty('at');
  });

  it('keeps the last message of an index and skips malformed ones (then the count check fails)', async () => {
    const { source, published, serve, log } = setup();
    source.add('u', 0, 'a');
    source.add('u', 0, 'b'); // re-published after the dedup window, with other params: last wins
    const s = source.add('u', 1, { v: 1, kind: 'observation', index: 1 });
    await serve(request('u', { id: 'r1', observations: { upToSeq: s, count: 1 } }));
    await serve(request('u', { id: 'r2', observations: { upToSeq: s, count: 2 } }));
    expect(published.map((p) => params(p.reply))).toEqual([['a'], 'ObservationsIncomplete']);
    expect(log.records.filter((r) => r.msg === 'skipping a malformed observation')).toHaveLength(1);
  });

  it('answers a request older than the cache from its own sequence, as a fresh replica would', async () => {
    const { source, published, serve } = setup();
    const s0 = source.add('u', 0, 'a');
    source.add('u', 0, 'c'); // index 0 again, later
    const s2 = source.add('u', 1, 'b');
    await serve(request('u', { id: 'new', observations: { upToSeq: s2, count: 2 } }));
    await serve(request('u', { id: 'old', observations: { upToSeq: s0, count: 1 } }));
    const fresh = setup();
    fresh.source.add('u', 0, 'a');
    await fresh.serve(request('u', { id: 'old', observations: { upToSeq: s0, count: 1 } }));
    expect(published.map((p) => params(p.reply))).toEqual([['a'], ['b']]);
    expect(published[1]!.reply).toEqual(fresh.published[0]!.reply);
  });

  it('drops an unreadable request, answers InvalidRequest when id and job uid are readable', async () => {
    const { published, serve, service } = setup();
    expect(await serve({ hello: 1 })).toMatchObject({ kind: 'dropped' });
    await serve({ v: 1, kind: 'suggest', id: 'x', job: { uid: 'u' } });
    await serve(request('u', { id: 'wrong' }), 'random');
    expect(published.map((p) => [p.msgId, p.reply.kind === 'error' && p.reply.code])).toEqual([
      ['answer-x', 'InvalidRequest'],
      ['answer-wrong', 'InvalidRequest'],
    ]);
    expect(published[1]!.reply).toMatchObject({
      sampler: 'random',
      message: expect.stringContaining("'grid'"),
    });
    expect(service.stats()).toMatchObject({ dropped: 1, errors: { InvalidRequest: 2 } });
  });

  it('a runaway subject is an Internal error; a failing source rejects (to be retried) and publishes nothing', async () => {
    const { source, published, serve } = setup();
    source.fail = new ReplayTooLarge('too many');
    await serve(request('u', { id: 'big', observations: { upToSeq: 5, count: 0 } }));
    source.fail = new Error('nats is down');
    await expect(serve(request('v', { observations: { upToSeq: 5, count: 0 } }))).rejects.toThrow('down');
    expect(published.map((p) => params(p.reply))).toEqual(['Internal']);
  });

  it("serves one job's requests in arrival order while other jobs go ahead", async () => {
    const { source, published, service } = setup();
    const serial = new KeyedSerial();
    let open!: () => void;
    source.gate = new Promise((r) => (open = r));
    const s = source.add('a', 0, 'a');
    const submit = (req: SuggestRequest) => {
      const p = service.prepare('grid', encode(req));
      return serial.run(p.key, () => p.run());
    };
    const a1 = submit(request('a', { id: 'a1', observations: { upToSeq: s, count: 1 } }));
    const a2 = submit(request('a', { id: 'a2', indices: [10], observations: { upToSeq: s, count: 1 } }));
    await Promise.resolve();
    source.gate = undefined;
    await submit(request('b', { id: 'b1' }));
    expect(published.map((p) => p.reply.requestId)).toEqual(['b1']);
    open();
    await Promise.all([a1, a2]);
    expect(published.map((p) => p.reply.requestId)).toEqual(['b1', 'a1', 'a2']);
  });
});
