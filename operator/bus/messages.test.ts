import { fieldsFirst, jsonLogger, memoryLogger, type LogFields } from './log.js';
import {
  observationMessage,
  observationOf,
  suggestAnswer,
  suggestError,
  suggestRequest,
} from './messages.js';
import { encode, parseObservation, parseSuggestReply, parseSuggestRequest } from './protocol.js';
import { toDelivery } from './transport.js';

describe('message building', () => {
  it('builds requests the checker accepts, with the envelope and sentAt filled in', () => {
    const req = suggestRequest(
      {
        id: 'r-u1-1-2-1',
        job: { namespace: 'ns', name: 'j', uid: 'u1' },
        sampler: { name: 'tpe', settings: { startupTrials: 5 } },
        parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
        direction: 'minimize',
        seed: 4,
        indices: [1, 3],
        pending: [{ index: 0, params: { x: 0.5 } }],
        observations: { upToSeq: 12, count: 2 },
      },
      new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    );
    expect(req).toMatchObject({
      v: 1,
      kind: 'suggest',
      id: 'r-u1-1-2-1',
      sentAt: '2026-01-02T03:04:05.000Z',
    });
    expect(parseSuggestRequest(encode(req))).toEqual({ ok: true, value: req });
  });

  it('accepts the optional trial budget when it is a positive integer', () => {
    const base = {
      id: 'r',
      job: { namespace: 'ns', name: 'j', uid: 'u1' },
      sampler: { name: 'auto', settings: {} },
      parameters: [{ name: 'x', type: 'float' as const, min: 0, max: 1 }],
      direction: 'minimize' as const,
      seed: 4,
      indices: [0],
      pending: [],
      observations: { upToSeq: 0, count: 0 },
    };
    const req = suggestRequest({ ...base, maxTrials: 50 }, new Date(0));
    expect(parseSuggestRequest(encode(req))).toEqual({ ok: true, value: req });
    for (const maxTrials of [0, 2.5, '50'])
      expect(parseSuggestRequest(encode({ ...req, maxTrials }))).toEqual({
        ok: false,
        error: 'maxTrials: must be a positive integer when present',
      });
  });

  it('builds answers and errors the checker accepts', () => {
    const a = suggestAnswer('r', 'grid', [{ index: 0, params: { x: 1 } }]);
    const e = suggestError('r', 'grid', 'SpaceExhausted', 'done');
    expect(parseSuggestReply(encode(a))).toEqual({ ok: true, value: a });
    expect(parseSuggestReply(encode(e))).toEqual({ ok: true, value: e });
  });

  it('round-trips observations without inventing absent fields', () => {
    const pruned = {
      index: 2,
      params: { x: 0.1 },
      state: 'pruned' as const,
      intermediate: [{ step: 1, value: 3 }],
    };
    const m = observationMessage(pruned);
    expect(m).toEqual({ v: 1, kind: 'observation', ...pruned });
    expect('value' in m).toBe(false);
    const parsed = parseObservation(encode(m));
    expect(parsed.ok && observationOf(parsed.value)).toEqual(pruned);
    expect(observationMessage({ index: 0, params: {}, state: 'complete', value: 1 })).not.toHaveProperty(
      'intermediate',
    );
  });

  it('turns a raw reply into a delivery, naming what is wrong with a bad one', () => {
    const a = suggestAnswer('r', 'tpe', []);
    expect(toDelivery('ultron.suggestions.u1', 5, 1, encode(a))).toEqual({
      ok: true,
      jobUid: 'u1',
      seq: 5,
      deliveryCount: 1,
      reply: a,
    });
    expect(toDelivery('ultron.suggestions.u1', 6, 2, encode({ v: 2 }))).toMatchObject({
      ok: false,
      jobUid: 'u1',
      error: expect.stringContaining('v: must be 1'),
    });
    expect(toDelivery('elsewhere', 7, 1, encode(a))).toMatchObject({ ok: false, jobUid: undefined });
  });
});

describe('loggers', () => {
  it('writes one JSON object per line, errors as name (code): message, below min dropped', () => {
    const lines: string[] = [];
    const log = jsonLogger({ write: (l) => lines.push(l), now: () => new Date(0), base: { svc: 's' } });
    log.debug('hidden');
    const err = Object.assign(new Error('boom'), { code: 'X' });
    log.warn('failed', { error: err, n: 1 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: '1970-01-01T00:00:00.000Z',
        svc: 's',
        error: 'Error (X): boom',
        n: 1,
        level: 'warn',
        msg: 'failed',
      },
    ]);
    const mem = memoryLogger();
    mem.debug('kept');
    expect(mem.records).toEqual([{ level: 'debug', msg: 'kept' }]);
  });

  it('adapts a fields-first logger (pino), errors as text', () => {
    const calls: Array<[string, LogFields, string]> = [];
    const rec = (level: string) => (fields: LogFields, msg: string) => void calls.push([level, fields, msg]);
    const log = fieldsFirst({
      debug: rec('debug'),
      info: rec('info'),
      warn: rec('warn'),
      error: rec('error'),
    });
    log.warn('ack failed', { error: new TypeError('gone'), seq: 3 });
    log.info('ready');
    expect(calls).toEqual([
      ['warn', { error: 'TypeError: gone', seq: 3 }, 'ack failed'],
      ['info', {}, 'ready'],
    ]);
  });
});
