/**
 * The operator's metrics feed against a real JetStream server: a new leader rebuilds its metrics store
 * from the stream before deciding, including when the stream's messages were purged (deleted jobs).
 */
import { Connection } from '../operator/bus/connection.js';
import { connectBus, METRICS_STREAM, metricsSubject, silentLogger } from '../operator/bus/index.js';
import { followStream } from '../operator/controller/metrics-feed.js';
import { createLogger, realClock } from '../operator/controller/runtime/index.js';
import { startNatsServer, type NatsServer } from './lib/nats-server.js';

let srv: NatsServer;
beforeAll(async () => {
  srv = await startNatsServer();
});
afterAll(async () => {
  await srv.remove();
});

const report = (line: number) => ({
  v: 1,
  kind: 'report',
  pod: 'p',
  line,
  step: line,
  values: { loss: 1 / line },
});

it('catches up on an empty, a purged and a partly purged stream, then keeps following', async () => {
  const bus = connectBus({ servers: srv.url, name: 'feed-test' });
  await bus.ensureStreams();
  const conn = new Connection({ servers: srv.url, name: 'feed-test-conn', log: silentLogger });
  const log = createLogger({ level: 'error' });
  const follow = (seen: string[], stop: AbortController) =>
    followStream(conn, METRICS_STREAM.name, ['ultron.metrics.>'], stop.signal, (s) => void seen.push(s), {
      clock: realClock,
      log,
    });
  try {
    // Empty stream.
    let stop = new AbortController();
    await follow([], stop).caughtUp;
    stop.abort();

    // Three jobs' messages, then one job purged entirely and the last message of another gone too.
    for (const job of ['a', 'b', 'c'])
      for (let i = 1; i <= 5; i++) await bus.publish(metricsSubject(job, 0), report(i), `${job}-${i}`);
    const { jsm } = await conn.get();
    await jsm.streams.purge(METRICS_STREAM.name, { filter: 'ultron.metrics.c.>' });
    let seen: string[] = [];
    stop = new AbortController();
    const feed = follow(seen, stop);
    await feed.caughtUp;
    expect(seen.length).toBe(10);
    // It keeps following what comes next.
    await bus.publish(metricsSubject('d', 3), report(1), 'd-1');
    for (let i = 0; i < 50 && seen.length < 11; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen.at(-1)).toBe('ultron.metrics.d.3');
    stop.abort();
    await feed.done;

    // Everything purged while the stream's last sequence stays high.
    await jsm.streams.purge(METRICS_STREAM.name);
    seen = [];
    stop = new AbortController();
    await follow(seen, stop).caughtUp;
    expect(seen).toEqual([]);
    stop.abort();
  } finally {
    await bus.close();
    await conn.close();
  }
});

it('NATS SIGKILLed and restarted on its store: the feed resumes after its last message within seconds', async () => {
  const bus = connectBus({ servers: srv.url, name: 'feed-restart' });
  await bus.ensureStreams();
  const conn = new Connection({
    servers: srv.url,
    name: 'feed-restart-conn',
    log: silentLogger,
    reconnectWaitMs: 250,
  });
  await (await conn.get()).jsm.streams.purge(METRICS_STREAM.name);
  const seen: number[] = [];
  const stop = new AbortController();
  const feed = followStream(
    conn,
    METRICS_STREAM.name,
    ['ultron.metrics.>'],
    stop.signal,
    (_s, data) => void seen.push((JSON.parse(new TextDecoder().decode(data)) as { line: number }).line),
    { clock: realClock, log: createLogger({ level: 'error' }) },
  );
  const waitSeen = async (n: number, ms: number): Promise<number> => {
    const t0 = Date.now();
    while (seen.length < n && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
    return Date.now() - t0;
  };
  try {
    await feed.caughtUp;
    for (let i = 1; i <= 3; i++) await bus.publish(metricsSubject('r', 0), report(i), `r-${i}`);
    await waitSeen(3, 5_000);
    expect(seen).toEqual([1, 2, 3]);
    // Down for a few seconds, as a crashed server restarted by its supervisor would be.
    await srv.stop(true);
    await new Promise((r) => setTimeout(r, 3_000));
    await srv.restart();
    // A publisher that comes back after the restart (an agent's retry): the feed must deliver it soon,
    // well inside the grace a finished trial waits for its last metrics (METRICS_GRACE_MS, 10 s).
    for (let i = 4; i <= 6; i++) {
      for (;;) {
        try {
          await bus.publish(metricsSubject('r', 0), report(i), `r-${i}`);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    const ms = await waitSeen(6, 15_000);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ms).toBeLessThan(5_000);
  } finally {
    stop.abort();
    await feed.done;
    await bus.close();
    await conn.close();
  }
});
