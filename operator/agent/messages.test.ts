import { parseMetricMessage } from '../bus/index.js';
import { agentConfigFromEnv } from './env.js';
import { lineMessage, partialLineMessage } from './messages.js';

describe('metric messages of a pod', () => {
  it.each([
    [
      '{"step": 3, "val_loss": 0.41}',
      { v: 1, kind: 'report', pod: 'p', line: 7, step: 3, values: { val_loss: 0.41 } },
    ],
    [
      'step=3 val_loss=0.41 acc=0.9',
      { v: 1, kind: 'report', pod: 'p', line: 7, step: 3, values: { val_loss: 0.41, acc: 0.9 } },
    ],
    ['loss=1', { v: 1, kind: 'report', pod: 'p', line: 7, values: { loss: 1 } }],
    [
      '{"step": 3, "val_loss": ',
      {
        v: 1,
        kind: 'malformed',
        pod: 'p',
        line: 7,
        reason: 'invalid JSON',
        text: '{"step": 3, "val_loss": ',
      },
    ],
    ['epoch 3 done', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    const msg = lineMessage('p', { line: 7, text });
    expect(msg).toEqual(expected);
    if (msg) expect(parseMetricMessage(JSON.stringify(msg)).ok).toBe(true);
  });

  it('reports a too-long line as malformed, quoting its start', () => {
    const msg = lineMessage('p', { line: 2, text: 'x'.repeat(256), tooLong: true });
    expect(msg).toMatchObject({ kind: 'malformed', line: 2, reason: expect.stringContaining('too long') });
  });

  it('quotes at most 512 characters of a malformed line', () => {
    const msg = lineMessage('p', { line: 1, text: `{"a": ${'1'.repeat(2000)}` });
    expect(msg?.kind === 'malformed' && msg.text.length).toBe(512);
  });

  it('reports a cut-off last line as malformed, even when it would parse, but not plain logging', () => {
    expect(partialLineMessage('p', { line: 4, text: 'step=4 loss=0.1' })).toMatchObject({
      kind: 'malformed',
      line: 4,
      reason: expect.stringContaining('no newline'),
    });
    expect(partialLineMessage('p', { line: 4, text: 'Epoch 4/10' })).toBeUndefined();
  });
});

describe('checkpoints-off notices', () => {
  it('accepts the two reasons and refuses others', () => {
    const notice = { v: 1, kind: 'checkpoints-off', pod: 'p', reason: 'NoCheckpointStore', message: 'm' };
    expect(parseMetricMessage(JSON.stringify(notice)).ok).toBe(true);
    const bad = parseMetricMessage(JSON.stringify({ ...notice, reason: 'Whatever', message: 3 }));
    expect(bad.ok === false && bad.error).toMatch(
      /reason: one of NoCheckpointStore, InvalidCheckpointSettings.*message/,
    );
  });
});

describe('agent config', () => {
  const good = {
    ULTRON_METRICS_FILE: '/ultron/metrics.jsonl',
    ULTRON_NATS_URL: 'nats://n:4222',
    ULTRON_HPOJOB_UID: '2b0c7a0e-6f1d',
    ULTRON_TRIAL_INDEX: '12',
    ULTRON_POD_UID: 'pod-uid',
  };
  it('reads the environment the workload builder sets', () => {
    expect(agentConfigFromEnv({ ...good, ULTRON_POD_NAME: 'p-1' })).toEqual({
      ok: true,
      config: {
        metricsFile: '/ultron/metrics.jsonl',
        natsUrl: 'nats://n:4222',
        hpoJobUid: '2b0c7a0e-6f1d',
        trialIndex: 12,
        podUid: 'pod-uid',
        podName: 'p-1',
        flushMs: 3_000, // the default without ULTRON_AGENT_FLUSH_SECONDS
      },
    });
    expect(agentConfigFromEnv({ ...good, ULTRON_AGENT_FLUSH_SECONDS: '28' })).toMatchObject({
      config: { flushMs: 28_000 },
    });
  });
  it('names everything missing or wrong', () => {
    const r = agentConfigFromEnv({
      ...good,
      ULTRON_TRIAL_INDEX: '-1',
      ULTRON_HPOJOB_UID: 'a.b',
      ULTRON_POD_UID: '',
      ULTRON_AGENT_FLUSH_SECONDS: '2.5',
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([
      'ULTRON_POD_UID: not set',
      'ULTRON_TRIAL_INDEX: must be a trial index, got "-1"',
      'ULTRON_HPOJOB_UID: not a uid (a.b)',
      'ULTRON_AGENT_FLUSH_SECONDS: must be whole seconds, got "2.5"',
    ]);
  });
});
