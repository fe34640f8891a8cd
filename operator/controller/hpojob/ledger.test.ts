import type { HPOJob, ResolvedHPOJobSpec, Trial } from '../../api/index.js';
import { applyDefaults } from '../../api/index.js';
import {
  addRequest,
  emptyLedger,
  expiredRequests,
  outstandingIndices,
  retryRequest,
  settleLedger,
  touchRequests,
} from './ledger.js';
import { answerProblems, buildRequest } from './requests.js';

const T0 = '2026-12-01T00:00:00.000Z';
const job: HPOJob = {
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'HPOJob',
  metadata: { name: 'j', namespace: 'ns', uid: 'u1' },
  spec: {
    objective: { metric: 'loss', direction: 'minimize' },
    parameters: [
      { name: 'x', type: 'float', min: 0, max: 1 },
      { name: 'k', type: 'categorical', values: ['a', 'b'] },
    ],
    trialTemplate: { template: { spec: { containers: [{ name: 'trainer' }] } } },
  },
};
const spec: ResolvedHPOJobSpec = applyDefaults(job.spec, 7);
const trial = (index: number, phase?: string, observationSeq?: number): Trial => ({
  apiVersion: 'ultron.dev/v1alpha1',
  kind: 'Trial',
  metadata: { name: `j-${index}`, namespace: 'ns' },
  spec: { hpoJob: 'j', index, params: { x: index / 10, k: 'a' }, seed: 1 },
  ...(phase
    ? { status: { phase: phase as 'Running', ...(observationSeq !== undefined ? { observationSeq } : {}) } }
    : {}),
});

describe('sampler ledger', () => {
  it('hands out each index once and keeps a request until all its Trials exist', () => {
    const first = addRequest(emptyLedger(), 3, 'u1', T0);
    let ledger = first.ledger;
    const request = first.request;
    expect(request.indices).toEqual([0, 1, 2]);
    expect(request.id).toBe('r-u1-0-3-1');
    const more = addRequest(ledger, 2, 'u1', T0);
    expect(more.request.indices).toEqual([3, 4]);
    ledger = more.ledger;
    expect(outstandingIndices(ledger, new Set([0, 1]))).toEqual([2, 3, 4]);
    ledger = settleLedger(ledger, new Set([0, 1, 2]));
    expect(ledger.requests.map((r) => r.indices)).toEqual([[3, 4]]);
    expect(ledger.nextIndex).toBe(5);
  });

  it('never hands out an index a Trial has, even when the ledger was lost', () => {
    const ledger = settleLedger(emptyLedger(), new Set([0, 1, 7]));
    expect(addRequest(ledger, 1, 'u1', T0).request.indices).toEqual([8]);
  });

  it('re-asks only the missing indices under a new attempt and id', () => {
    const { ledger } = addRequest(emptyLedger(), 3, 'u1', T0);
    const r = retryRequest(ledger, 'r-u1-0-3-1', 'u1', new Set([0]), T0);
    expect(r.request).toMatchObject({ indices: [1, 2], attempt: 2, id: 'r-u1-1-2-2' });
    expect(r.ledger.requests).toHaveLength(1);
    expect(retryRequest(ledger, 'nope', 'u1', new Set(), T0).request).toBeUndefined();
  });

  it('finds requests past the timeout, and touching them restarts their clock', () => {
    const { ledger } = addRequest(emptyLedger(), 1, 'u1', T0);
    const t = Date.parse(T0);
    expect(expiredRequests(ledger, t + 29_999, 30_000)).toEqual([]);
    expect(expiredRequests(ledger, t + 30_000, 30_000)).toHaveLength(1);
    const later = new Date(t + 30_000).toISOString();
    const touched = touchRequests(ledger, new Set([ledger.requests[0]!.id]), later);
    expect(expiredRequests(touched, t + 30_000, 30_000)).toEqual([]);
  });
});

describe('suggestion requests', () => {
  it('replays published observations and counts the rest as pending', () => {
    const trials = [
      trial(0, 'Succeeded', 11),
      trial(1, 'Running'),
      trial(2, 'Failed'),
      trial(3, 'Failed', 4),
    ];
    const req = buildRequest(job, spec, trials, { id: 'r', indices: [4], sentAt: T0, attempt: 1 });
    expect(req.observations).toEqual({ upToSeq: 11, count: 2 });
    expect(req.pending.map((p) => p.index)).toEqual([1, 2]);
    expect(req).toMatchObject({ v: 1, kind: 'suggest', job: { uid: 'u1' }, seed: 7, indices: [4] });
    // The budget goes along, for samplers that choose by it (auto).
    expect(req.maxTrials).toBe(spec.budget.maxTrials);
  });

  it('finds what is wrong with an answer', () => {
    const record = { id: 'r', indices: [4, 5], sentAt: T0, attempt: 1 };
    const answer = (configs: Array<{ index: number; params: Record<string, string | number> }>) => ({
      v: 1 as const,
      kind: 'suggestions' as const,
      requestId: 'r',
      sampler: 'tpe',
      configs,
    });
    expect(
      answerProblems(
        answer([
          { index: 4, params: { x: 0.5, k: 'a' } },
          { index: 5, params: { x: 0.1, k: 'b' } },
        ]),
        record,
        spec,
      ),
    ).toEqual([]);
    const bad = answerProblems(
      answer([
        { index: 4, params: { x: 2, k: 'a' } },
        { index: 9, params: { x: 0.1, k: 'b' } },
      ]),
      record,
      spec,
    );
    expect(bad.join('\n')).toMatch(/index 4: .*x/);
    expect(bad.join('\n')).toMatch(/index 9 was not asked for/);
    expect(bad.join('\n')).toMatch(/no configuration for index 5/);
  });
});
