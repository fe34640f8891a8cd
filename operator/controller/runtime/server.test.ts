import { FakeClock, settle } from './clock.js';
import { Metrics } from './metrics.js';
import { OpsServer } from './server.js';
import { runWorkers, WorkQueue } from './workqueue.js';

let server: OpsServer;
let metrics: Metrics;
let base: string;

beforeEach(async () => {
  metrics = new Metrics();
  server = new OpsServer({ metrics, checkTimeoutMs: 200 });
  base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
});

afterEach(async () => {
  await server.close();
});

async function get(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

it('/healthz answers while the process runs, whatever the readiness checks say', async () => {
  server.addReadinessCheck('nats', () => 'down');
  expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
});

it('/readyz is 200 only when every check passes, and names each failing check and why', async () => {
  let natsReason: string | undefined = 'connecting to nats://nats.ultron-system:4222: ECONNREFUSED';
  server.addReadinessCheck('leader-election', () => undefined);
  server.addReadinessCheck('nats', async () => natsReason);
  server.addReadinessCheck('redis', () => {
    throw new Error('connect ETIMEDOUT 10.0.0.7:6379');
  });
  const failing = await get('/readyz');
  expect(failing.status).toBe(503);
  expect(failing.body).toBe(
    [
      '[+]leader-election ok',
      '[-]nats failed: connecting to nats://nats.ultron-system:4222: ECONNREFUSED',
      '[-]redis failed: connect ETIMEDOUT 10.0.0.7:6379',
      'readyz check failed',
      '',
    ].join('\n'),
  );
  natsReason = undefined;
  server.addReadinessCheck('redis', () => undefined);
  expect(await get('/readyz')).toMatchObject({
    status: 200,
    body: expect.stringContaining('readyz check passed'),
  });
});

it('/readyz fails a check that does not answer in time instead of hanging', async () => {
  server.addReadinessCheck('s3', () => new Promise(() => undefined));
  const res = await get('/readyz');
  expect(res.status).toBe(503);
  expect(res.body).toContain('[-]s3 failed: no answer within 200 ms');
});

it('times checks out on the injected clock', async () => {
  const clock = new FakeClock();
  const slow = new OpsServer({ clock, checkTimeoutMs: 1_000 });
  slow.addReadinessCheck('hung', () => new Promise(() => undefined));
  let result: Awaited<ReturnType<OpsServer['readiness']>> | undefined;
  void slow.readiness().then((r) => (result = r));
  await clock.tick(999);
  expect(result).toBeUndefined();
  await clock.tick(1);
  expect(result).toEqual({ ok: false, results: [{ name: 'hung', reason: 'no answer within 1000 ms' }] });
});

it('/metrics serves the operator metrics in Prometheus text format from its own registry', async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock, baseDelayMs: 60_000 });
  const idle = new WorkQueue({ clock });
  metrics.trackQueue('hpojob', queue);
  metrics.trackQueue('trial', idle);
  for (const key of ['ns/x', 'ns/y', 'ns/x']) idle.add(key);
  queue.add('ns/a');
  queue.add('ns/b');
  const done = runWorkers(
    queue,
    1,
    async (key) => {
      clock.advance(250);
      if (key === 'ns/b') throw new Error('conflict');
    },
    { clock, onDone: metrics.reconcileObserver('hpojob') },
  );
  await settle();
  metrics.setTrials('team-a', 'mnist', { Running: 3, Succeeded: 10 });
  metrics.setTrials('team-a', 'mnist', { Running: 2, Failed: 1 });
  metrics.observeSuggestionLatency('tpe', 0.042);

  const res = await get('/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
  const lines = res.body.split('\n');
  expect(lines).toContain('ultron_reconcile_total{controller="hpojob",result="success"} 1');
  expect(lines).toContain('ultron_reconcile_total{controller="hpojob",result="error"} 1');
  expect(lines).toContain('ultron_reconcile_duration_seconds_bucket{le="0.25",controller="hpojob"} 2');
  expect(lines).toContain('ultron_reconcile_duration_seconds_count{controller="hpojob"} 2');
  expect(lines).toContain('ultron_workqueue_depth{queue="hpojob"} 0'); // ns/b waits in back-off, not in the queue
  expect(lines).toContain('ultron_workqueue_depth{queue="trial"} 2');
  expect(lines).toContain('ultron_trials{namespace="team-a",hpojob="mnist",phase="Running"} 2');
  expect(lines).toContain('ultron_trials{namespace="team-a",hpojob="mnist",phase="Failed"} 1');
  expect(res.body).not.toContain('phase="Succeeded"');
  expect(lines).toContain('ultron_suggestion_latency_seconds_count{sampler="tpe"} 1');
  expect(res.body).toContain('# TYPE ultron_suggestion_latency_seconds histogram');
  expect(res.body).not.toContain('process_cpu'); // nothing from the global registry

  metrics.forgetJob('team-a', 'mnist');
  expect((await get('/metrics')).body).not.toContain('hpojob="mnist"');
  queue.shutdown();
  await done;
});

it('answers 404 for other paths and 405 for other methods', async () => {
  expect((await get('/nope')).status).toBe(404);
  expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
});

it('exports process metrics when asked, prefixed', async () => {
  const withProcess = new Metrics({ processMetrics: true });
  expect((await withProcess.expose()).body).toContain('ultron_process_cpu_seconds_total');
});
