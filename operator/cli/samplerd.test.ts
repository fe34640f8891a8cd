import { UsageError } from './args.js';
import { samplerdConfig } from './samplerd.js';

describe('ultron samplerd flags', () => {
  it('takes the server from --nats, then ULTRON_NATS_URL, then NATS_URL, then localhost', () => {
    const env = { ULTRON_NATS_URL: 'nats://a:4222', NATS_URL: 'nats://b:4222' };
    expect(samplerdConfig(['--nats', 'nats://x:1,nats://y:2'], env)).toMatchObject({
      servers: ['nats://x:1', 'nats://y:2'],
    });
    expect(samplerdConfig([], env)).toMatchObject({ servers: ['nats://a:4222'] });
    expect(samplerdConfig([], { NATS_URL: 'nats://b:4222' })).toMatchObject({ servers: ['nats://b:4222'] });
    expect(samplerdConfig([], {})).toEqual({ servers: ['nats://127.0.0.1:4222'], cache: {} });
  });

  it('reads the sampler list, limits in seconds, and the port (0 allowed)', () => {
    expect(
      samplerdConfig(
        [
          '--samplers',
          'tpe, random',
          '--concurrency=4',
          '--ack-wait',
          '10',
          '--cache-jobs',
          '50',
          '--cache-idle',
          '60',
          '--port',
          '0',
        ],
        {},
      ),
    ).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      samplers: ['tpe', 'random'],
      concurrency: 4,
      ackWaitMs: 10_000,
      cache: { maxJobs: 50, idleMs: 60_000 },
      port: 0,
    });
    expect(samplerdConfig([], { ULTRON_OPS_PORT: '8081' })).toMatchObject({ port: 8081 });
    expect(samplerdConfig(['-h'], {})).toBe('help');
  });

  it.each([
    [['--concurrency', '0']],
    [['--samplers', ',']],
    [['--bogus']],
    [['extra']],
    [['--ack-wait', '1.5']],
  ])('refuses %j', (argv) => {
    expect(() => samplerdConfig(argv, {})).toThrow(UsageError);
  });
});
