import { applyDefaults, type HPOJob, type Trial } from '../../api/index.js';
import type { KubeApi } from '../kube.js';
import { createLogger } from '../runtime/index.js';
import { answeringMessage, commitFittingAnswer, settleAnswers } from './answers.js';
import { AnswerInbox, type Reply } from './inbox.js';
import { addRequest, emptyLedger } from './ledger.js';

const NOW = '2026-12-01T00:00:00.000Z';
const job: HPOJob = {
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'HPOJob',
  metadata: { name: 'j', namespace: 'ns', uid: 'u' },
  spec: {
    objective: { metric: 'loss', direction: 'minimize' },
    parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
    trialTemplate: { template: { spec: { containers: [{ name: 'trainer' }] } } },
  },
};
const spec = applyDefaults(job.spec, 1);
const log = createLogger({ level: 'error' });

function fakeKube(fail = false) {
  const created: Trial[] = [];
  const kube = {
    createTrial: async (t: Trial) => {
      if (fail) throw new Error('API down');
      created.push(t);
      return 'created' as const;
    },
  } as unknown as KubeApi;
  return { kube, created };
}

async function settle(replies: Reply[], opts: { fail?: boolean } = {}) {
  const { ledger } = addRequest(emptyLedger(), 2, 'u', NOW); // indices 0, 1; id r-u-0-2-1
  const inbox = new AnswerInbox();
  const settled = replies.map((r) =>
    inbox.park('u', r).then(
      () => 'acked',
      () => 'redelivered',
    ),
  );
  const { kube, created } = fakeKube(opts.fail);
  const events: string[] = [];
  const run = settleAnswers({
    job,
    spec,
    trials: [],
    ledger,
    parked: inbox.take('u'),
    kube,
    now: NOW,
    event: async (_type, reason) => void events.push(reason),
    log,
  });
  const result = await run.catch((e: Error) => ({ error: e.message }));
  return { result, created, events, outcomes: await Promise.all(settled) };
}

const answer = (requestId: string, xs: Array<[number, number]>): Reply => ({
  v: 1,
  kind: 'suggestions',
  requestId,
  sampler: 'tpe',
  configs: xs.map(([index, x]) => ({ index, params: { x } })),
});

it('the SamplerHealthy message names the sampler auto runs for the job, and why', () => {
  const withSampler = (name: string, maxTrials: number) =>
    applyDefaults({ ...job.spec, sampler: { name }, budget: { maxTrials } }, 1);
  expect(answeringMessage(withSampler('tpe', 50))).toBe("sampler 'tpe' is answering");
  expect(answeringMessage(withSampler('auto', 50))).toBe(
    "sampler 'auto' is answering (auto runs gp: 1 parameter (0 categorical), none conditional, a budget of 50 trials)",
  );
  expect(answeringMessage(withSampler('auto', 500))).toMatch(/auto runs tpe: a budget of 500 trials/);
});

describe('settling sampler answers', () => {
  it('a valid answer becomes Trials (named, owned, seeded), then is acked', async () => {
    const { created, outcomes, result } = await settle([
      answer('r-u-0-2-1', [
        [0, 0.1],
        [1, 0.9],
      ]),
    ]);
    expect(outcomes).toEqual(['acked']);
    expect(created.map((t) => t.metadata.name)).toEqual(['j-0', 'j-1']);
    expect(created[0]!.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'HPOJob',
      uid: 'u',
      controller: true,
    });
    expect(created[0]!.metadata.labels).toMatchObject({ 'ultron.dev/hpojob': 'j' });
    expect('ledger' in result && result.health?.reason).toBe('SamplerAnswering');
  });

  it('an invalid answer is reported and the same indices are asked for under a new id', async () => {
    const { created, outcomes, events, result } = await settle([answer('r-u-0-2-1', [[0, 7]])]);
    expect(created).toEqual([]);
    expect(outcomes).toEqual(['acked']);
    expect(events).toEqual(['InvalidSuggestion']);
    if (!('ledger' in result)) throw new Error(result.error);
    expect(result.ledger.requests).toEqual([
      expect.objectContaining({ id: 'r-u-0-2-2', indices: [0, 1], attempt: 2 }),
    ]);
    expect(result.ledger.invalidAnswers).toBe(1);
  });

  it('an answer to a request not in the ledger: redelivered while its indices are not handed out, else acked', async () => {
    // The ledger asks for 0 and 1 (nextIndex 2). Index 2 belongs to a request published with a status
    // write that failed, or by a leader that died: it must wait for the next ledger, not be lost.
    const ahead = await settle([answer('r-u-2-1-1', [[2, 0.5]])]);
    expect(ahead.outcomes).toEqual(['redelivered']);
    expect(ahead.created).toEqual([]);
    // Index 0 is handed out to another request already: this one is stale.
    const stale = await settle([answer('r-u-0-1-1', [[0, 0.5]])]);
    expect(stale.outcomes).toEqual(['acked']);
    expect(stale.created).toEqual([]);
  });

  it('error answers by code: SpaceExhausted, InvalidSettings, anything else re-asked', async () => {
    const err = (code: string): Reply =>
      ({ v: 1, kind: 'error', requestId: 'r-u-0-2-1', sampler: 'tpe', code, message: 'm' }) as Reply;
    const exhausted = await settle([err('SpaceExhausted')]);
    expect('ledger' in exhausted.result && exhausted.result.ledger).toMatchObject({
      spaceExhausted: true,
      requests: [],
    });
    const settings = await settle([err('InvalidSettings')]);
    expect('ledger' in settings.result && settings.result.specError).toMatch(/refused the job: m/);
    const internal = await settle([err('Internal')]);
    expect(internal.events).toEqual(['SamplerError']);
    expect('ledger' in internal.result && internal.result.ledger.requests[0]?.attempt).toBe(2);
  });

  it('an answer for a request the job does not have is acked and ignored', async () => {
    const { created, outcomes } = await settle([
      answer('r-u-0-2-0', [
        [0, 0.1],
        [1, 0.2],
      ]),
    ]);
    expect(created).toEqual([]);
    expect(outcomes).toEqual(['acked']);
  });

  it('when the Trials cannot be created, the answer (and every one after it) is redelivered', async () => {
    const { outcomes, result } = await settle(
      [
        answer('r-u-0-2-1', [
          [0, 0.1],
          [1, 0.2],
        ]),
        answer('r-u-0-2-0', [[0, 0.3]]),
      ],
      { fail: true },
    );
    expect(outcomes).toEqual(['redelivered', 'redelivered']);
    expect(result).toEqual({ error: 'API down' });
  });
});

describe('the answer fast path', () => {
  const { ledger } = addRequest(emptyLedger(), 2, 'u', NOW);
  const running: HPOJob = { ...job, status: { phase: 'Running', sampler: ledger } };
  it('commits an answer that fits a request of a running job', async () => {
    const { kube, created } = fakeKube();
    expect(
      await commitFittingAnswer({
        job: running,
        spec,
        reply: answer('r-u-0-2-1', [
          [0, 0.1],
          [1, 0.2],
        ]),
        kube,
      }),
    ).toBe(true);
    expect(created.map((t) => t.metadata.name)).toEqual(['j-0', 'j-1']);
  });
  it('leaves misfits, unknown requests, errors and finished jobs to the reconcile', async () => {
    const { kube, created } = fakeKube();
    const cases: Array<[HPOJob, Reply]> = [
      [
        running,
        answer('r-u-0-2-1', [
          [0, 5],
          [1, 0.2],
        ]),
      ],
      [running, answer('r-u-9-1-1', [[9, 0.1]])],
      [
        running,
        { v: 1, kind: 'error', requestId: 'r-u-0-2-1', sampler: 'tpe', code: 'Internal', message: 'x' },
      ],
      [
        { ...running, status: { ...running.status, phase: 'Succeeded' } },
        answer('r-u-0-2-1', [
          [0, 0.1],
          [1, 0.2],
        ]),
      ],
    ];
    for (const [j, reply] of cases)
      expect(await commitFittingAnswer({ job: j, spec, reply, kube })).toBe(false);
    expect(created).toEqual([]);
  });
});
