/**
 * The SamplerTransport contract, run over every implementation: in process (operator/bus/in-process
 * .test.ts) and over NATS with samplerd (e2e/samplerd.test.ts). Each test uses its own job uid, so the
 * suites can share one server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Parameter } from '../../api/index.js';
import { Space } from '../../core/space/index.js';
import { observationMessage, suggestRequest } from '../messages.js';
import type { SuggestRequest } from '../protocol.js';
import type { ReplyDelivery, ReplyHandler, ReplySubscription, SamplerTransport } from '../transport.js';

export interface TransportHarness {
  transport: SamplerTransport;
  /** Lets in-flight work finish (in process: idle; over NATS: a short wait). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const SPACE: Parameter[] = [
  { name: 'lr', type: 'float', min: 1e-4, max: 1, log: true },
  { name: 'layers', type: 'int', min: 1, max: 4 },
  { name: 'opt', type: 'categorical', values: ['adam', 'sgd'] },
];
const GRID: Parameter[] = [{ name: 'c', type: 'categorical', values: ['a', 'b', 'c'] }];

/** Replies by request id; rejects a reply as often as `failures` says (to test redelivery). */
class Collector {
  readonly byRequest = new Map<string, ReplyDelivery[]>();
  readonly failures = new Map<string, number>();
  readonly handler: ReplyHandler = async (d) => {
    if (!d.ok) return;
    const id = d.reply.requestId;
    this.byRequest.set(id, [...(this.byRequest.get(id) ?? []), d]);
    const left = this.failures.get(id) ?? 0;
    if (left > 0) {
      this.failures.set(id, left - 1);
      throw new Error('rejected by the test');
    }
  };
  async waitFor(id: string, n = 1, timeoutMs = 15_000): Promise<ReplyDelivery[]> {
    const deadline = Date.now() + timeoutMs;
    while ((this.byRequest.get(id)?.length ?? 0) < n) {
      if (Date.now() > deadline) throw new Error(`no ${n} replies to ${id} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.byRequest.get(id)!;
  }
}

function request(
  jobUid: string,
  o: Partial<Omit<SuggestRequest, 'sampler'>> & {
    sampler?: string;
    settings?: SuggestRequest['sampler']['settings'];
  },
): SuggestRequest {
  const indices = o.indices ?? [0];
  return suggestRequest(
    {
      id: o.id ?? `r-${jobUid}-${indices[0]}-${indices.length}-1`,
      job: { namespace: 'ns', name: 'job', uid: jobUid },
      sampler: { name: o.sampler ?? 'random', settings: o.settings ?? {} },
      parameters: o.parameters ?? SPACE,
      direction: 'minimize',
      seed: 7,
      indices,
      pending: o.pending ?? [],
      observations: o.observations ?? { upToSeq: 0, count: 0 },
    },
    new Date(0),
  );
}

const reply = (d: ReplyDelivery) => {
  if (!d.ok) throw new Error(d.error);
  return d.reply;
};

export function describeTransportContract(name: string, setup: () => Promise<TransportHarness>): void {
  describe(`SamplerTransport contract: ${name}`, () => {
    let h: TransportHarness;
    let sub: ReplySubscription;
    const got = new Collector();

    beforeAll(async () => {
      h = await setup();
      sub = h.transport.onReply(got.handler);
      await sub.ready;
    });
    afterAll(async () => {
      await sub.stop();
      await h.close();
    });

    it('answers with one valid configuration per index, in index order', async () => {
      const uid = randomUUID();
      const req = request(uid, { indices: [4, 2, 3] });
      expect((await h.transport.request(req)).duplicate).toBe(false);
      const [d] = await got.waitFor(req.id);
      expect(d!.ok && d!.jobUid).toBe(uid);
      const r = reply(d!);
      expect(r).toMatchObject({ kind: 'suggestions', requestId: req.id, sampler: 'random' });
      if (r.kind !== 'suggestions') return;
      expect(r.configs.map((c) => c.index)).toEqual([2, 3, 4]);
      for (const c of r.configs) expect(new Space(SPACE).validate(c.params)).toEqual([]);
    });

    it('stores a re-sent request once and answers it once', async () => {
      const req = request(randomUUID(), {});
      expect((await h.transport.request(req)).duplicate).toBe(false);
      expect((await h.transport.request(req)).duplicate).toBe(true);
      await got.waitFor(req.id);
      await h.settle();
      expect(got.byRequest.get(req.id)).toHaveLength(1);
    });

    it('numbers observations in order; a re-published index keeps its sequence', async () => {
      const uid = randomUUID();
      expect(await h.transport.lastObservationSeq(uid)).toBe(0);
      const obs = (index: number, value: number) =>
        observationMessage({ index, params: { c: 'a' }, state: 'complete', value });
      const s0 = await h.transport.publishObservation(uid, obs(0, 1));
      const s1 = await h.transport.publishObservation(uid, obs(1, 2));
      expect(s1).toBeGreaterThan(s0);
      expect(await h.transport.publishObservation(uid, obs(0, 1))).toBe(s0);
      expect(await h.transport.lastObservationSeq(uid)).toBe(s1);
    });

    it('a request sees exactly the observations up to its sequence', async () => {
      const uid = randomUUID();
      const seqs: number[] = [];
      for (const [index, c] of ['a', 'b'].entries())
        seqs.push(
          await h.transport.publishObservation(
            uid,
            observationMessage({ index, params: { c }, state: 'complete', value: index }),
          ),
        );
      const grid = { sampler: 'grid', settings: { shuffle: false }, parameters: GRID, indices: [2] };
      const early = request(uid, {
        ...grid,
        id: `${uid}-early`,
        observations: { upToSeq: seqs[0]!, count: 1 },
      });
      const late = request(uid, {
        ...grid,
        id: `${uid}-late`,
        observations: { upToSeq: seqs[1]!, count: 2 },
      });
      await h.transport.request(late);
      await h.transport.request(early); // older than what a cache has seen by now
      const [l] = await got.waitFor(late.id);
      const [e] = await got.waitFor(early.id);
      expect(reply(l!)).toMatchObject({ configs: [{ index: 2, params: { c: 'c' } }] });
      expect(reply(e!)).toMatchObject({ configs: [{ index: 2, params: { c: 'b' } }] });
    });

    it('answers ObservationsIncomplete when fewer observations than counted are found', async () => {
      const uid = randomUUID();
      const seq = await h.transport.publishObservation(
        uid,
        observationMessage({ index: 0, params: { c: 'a' }, state: 'failed' }),
      );
      const req = request(uid, { observations: { upToSeq: seq, count: 2 } });
      await h.transport.request(req);
      const [d] = await got.waitFor(req.id);
      expect(reply(d!)).toMatchObject({ kind: 'error', code: 'ObservationsIncomplete' });
    });

    it('answers SpaceExhausted once the grid is used and InvalidSettings for an unknown setting', async () => {
      const uid = randomUUID();
      let seq = 0;
      for (const [index, c] of ['a', 'b', 'c'].entries())
        seq = await h.transport.publishObservation(
          uid,
          observationMessage({ index, params: { c }, state: 'complete', value: 1 }),
        );
      const done = request(uid, {
        sampler: 'grid',
        parameters: GRID,
        indices: [3],
        observations: { upToSeq: seq, count: 3 },
      });
      const bad = request(uid, { id: `${uid}-bad`, settings: { nope: 1 } });
      await h.transport.request(done);
      await h.transport.request(bad);
      expect(reply((await got.waitFor(done.id))[0]!)).toMatchObject({
        kind: 'error',
        code: 'SpaceExhausted',
      });
      expect(reply((await got.waitFor(bad.id))[0]!)).toMatchObject({
        kind: 'error',
        code: 'InvalidSettings',
      });
    });

    it('delivers a rejected reply again', async () => {
      const req = request(randomUUID(), {});
      got.failures.set(req.id, 1);
      await h.transport.request(req);
      const ds = await got.waitFor(req.id, 2);
      expect(ds.map((d) => d.deliveryCount)).toEqual([1, 2]);
      expect(reply(ds[1]!)).toEqual(reply(ds[0]!));
    });
  });
}
