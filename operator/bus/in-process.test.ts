import { describeTransportContract } from './__tests__/transport-contract.js';
import { InProcessSamplerTransport } from './in-process.js';
import { suggestRequest } from './messages.js';
import type { ReplyDelivery } from './transport.js';

describeTransportContract('in process', async () => {
  const transport = new InProcessSamplerTransport({ redeliverDelayMs: 20 });
  return { transport, settle: () => transport.idle(), close: () => transport.idle() };
});

describe('InProcessSamplerTransport', () => {
  const req = (sampler: string) =>
    suggestRequest(
      {
        id: `r-${sampler}`,
        job: { namespace: 'ns', name: 'j', uid: 'u1' },
        sampler: { name: sampler, settings: {} },
        parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
        direction: 'maximize',
        seed: 1,
        indices: [0],
        pending: [],
        observations: { upToSeq: 0, count: 0 },
      },
      new Date(0),
    );

  it('keeps requests for a custom sampler until the test answers them, and buffers replies', async () => {
    const t = new InProcessSamplerTransport();
    await t.request(req('mine'));
    await t.idle();
    expect(t.unserved('mine').map((r) => r.id)).toEqual(['r-mine']);
    t.publishReply('u1', { v: 1, kind: 'suggestions', requestId: 'r-mine', sampler: 'mine', configs: [] });
    t.publishReply('u1', { v: 1, kind: 'bogus' }, 'x');
    const seen: ReplyDelivery[] = [];
    const sub = t.onReply(async (d) => void seen.push(d));
    await t.idle();
    await sub.stop();
    expect(seen.map((d) => d.ok)).toEqual([true, false]);
    expect(seen[1]).toMatchObject({ ok: false, jobUid: 'u1', error: expect.stringContaining('kind') });
  });

  it('serves the same answer as a direct call of the sampler would (same seed, same config)', async () => {
    const a = new InProcessSamplerTransport();
    const b = new InProcessSamplerTransport();
    const answers: ReplyDelivery[] = [];
    for (const t of [a, b]) {
      t.onReply(async (d) => void answers.push(d));
      await t.request(req('random'));
      await t.idle();
    }
    expect(answers).toHaveLength(2);
    expect(answers[0]).toEqual(answers[1]);
  });
});
