import { createLogger, withContext } from './logger.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, destination: { write: (s: string) => void lines.push(JSON.parse(s)) } };
}

it('writes one JSON object per line with a text level, an ISO time and the message', () => {
  const { lines, destination } = capture();
  const log = createLogger({ destination, base: { component: 'operator' } });
  log.info('started');
  log.debug('not at info');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'info', component: 'operator', msg: 'started' });
  expect(lines[0]!['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

it('binds job and trial keys to a child logger and leaves out the unset ones', () => {
  const { lines, destination } = capture();
  const job = withContext(createLogger({ destination }), { namespace: 'team-a', hpojob: 'mnist' });
  const trial = withContext(job, { trial: 'mnist-3', controller: undefined });
  trial.warn({ restarts: 2 }, 'trial pod evicted');
  job.error({ err: new Error('quota store unreachable') }, 'reconcile failed');
  expect(lines[0]).toMatchObject({
    level: 'warn',
    namespace: 'team-a',
    hpojob: 'mnist',
    trial: 'mnist-3',
    restarts: 2,
    msg: 'trial pod evicted',
  });
  expect(lines[0]).not.toHaveProperty('controller');
  expect(lines[1]).toMatchObject({
    level: 'error',
    hpojob: 'mnist',
    err: { message: 'quota store unreachable' },
  });
  expect(lines[1]).not.toHaveProperty('trial');
});

it('honours the level', () => {
  const { lines, destination } = capture();
  const log = createLogger({ destination, level: 'warn' });
  log.info('hidden');
  log.warn('shown');
  expect(lines.map((l) => l['msg'])).toEqual(['shown']);
});
