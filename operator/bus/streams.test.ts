import { backoffDelay, streamConfig, streamDrift, streamOfSubject, subjectMatches } from './streams.js';
import { parseHeartbeat } from './protocol.js';
import {
  OBSERVATIONS_STREAM,
  SUGGEST_STREAM,
  aliveSubject,
  metricsSubject,
  parseAliveSubject,
  parseMetricsSubject,
  observationsSubject,
  suggestSubject,
} from './subjects.js';

describe('stream configuration', () => {
  it('maps a StreamSpec to the server config in nanoseconds, file storage', () => {
    expect(streamConfig(SUGGEST_STREAM, 3)).toEqual({
      name: 'ULTRON_SUGGEST',
      subjects: ['ultron.suggest.>'],
      retention: 'workqueue',
      storage: 'file',
      max_age: 86_400 * 1e9,
      duplicate_window: 600 * 1e9,
      num_replicas: 3,
      allow_direct: true,
    });
  });

  it('tells updatable drift from drift that needs the stream recreated', () => {
    const want = streamConfig(OBSERVATIONS_STREAM);
    expect(streamDrift({ ...want, subjects: [...want.subjects] }, want)).toEqual({
      updatable: [],
      immutable: [],
    });
    expect(streamDrift({ ...want, max_age: 1, subjects: ['x.>'] }, want).updatable).toEqual([
      'subjects',
      'max_age',
    ]);
    // A stream made before replays read by Direct Get is turned on in place.
    expect(streamDrift({ ...want, allow_direct: false }, want).updatable).toEqual(['allow_direct']);
    expect(streamDrift({ ...want, retention: 'workqueue', storage: 'memory' }, want).immutable).toEqual([
      'retention',
      'storage',
    ]);
    // An admin's extra fields are not drift; subject order is not either.
    const two = { ...want, subjects: ['b.>', 'a.>'] };
    expect(streamDrift({ ...two, subjects: ['a.>', 'b.>'], max_msgs: 5 }, two).updatable).toEqual([]);
  });
});

describe('subjects', () => {
  it.each([
    ['ultron.obs.>', 'ultron.obs.u1', true],
    ['ultron.obs.>', 'ultron.obs', false],
    ['ultron.obs.>', 'ultron.obs.u1.x', true],
    ['ultron.*.u1', 'ultron.obs.u1', true],
    ['ultron.*.u1', 'ultron.obs.u2', false],
    ['ultron.obs.u1', 'ultron.obs.u1', true],
    ['ultron.obs.u1', 'ultron.obs.u1.x', false],
  ])('%s matches %s: %s', (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });

  it('finds the stream of each subject kind', () => {
    expect(streamOfSubject(suggestSubject('tpe'))?.name).toBe('ULTRON_SUGGEST');
    expect(streamOfSubject(observationsSubject('u'))?.name).toBe('ULTRON_OBSERVATIONS');
    expect(streamOfSubject(metricsSubject('u', 3))?.name).toBe('ULTRON_METRICS');
    expect(streamOfSubject('other.thing')).toBeUndefined();
  });
});

it('backs off exponentially up to the cap', () => {
  expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { initialMs: 100, maxMs: 1_000 }))).toEqual([
    100, 200, 400, 800, 1_000, 1_000,
  ]);
  expect(backoffDelay(0)).toBe(500);
  expect(backoffDelay(10_000)).toBe(10_000);
});

describe('trial subjects', () => {
  it('reads the job and trial of metrics and heartbeat subjects, and no stream stores heartbeats', () => {
    expect(parseMetricsSubject(metricsSubject('u-1', 7))).toEqual({ jobUid: 'u-1', index: 7 });
    expect(parseAliveSubject(aliveSubject('u-1', 7))).toEqual({ jobUid: 'u-1', index: 7 });
    expect(parseAliveSubject(metricsSubject('u-1', 7))).toBeUndefined();
    expect(parseMetricsSubject('ultron.metrics.u-1.x')).toBeUndefined();
    expect(streamOfSubject(aliveSubject('u-1', 7))).toBeUndefined();
    expect(parseHeartbeat('{"v": 1, "pod": "p"}')).toBe('p');
    expect(parseHeartbeat('{"v": 1}')).toBeUndefined();
    expect(parseHeartbeat('nope')).toBeUndefined();
  });
});
