import { FakeClock } from './clock.js';
import { LeaderElectionConfigError, LeaderElector, LeadershipLostError } from './leader.js';
import { MemoryLeaseClient } from './lease-client.js';

const NS = 'ultron-system';
const NAME = 'ultron-operator';

function bed(latencyMs = 0) {
  const clock = new FakeClock();
  const client = new MemoryLeaseClient({ clock, latencyMs });
  const electors: LeaderElector[] = [];
  const log: string[] = [];
  const signals = new Map<string, AbortSignal[]>();
  const make = (identity: string) => {
    const e = new LeaderElector({
      client,
      namespace: NS,
      name: NAME,
      identity,
      clock,
      random: () => 0, // no jitter: retries every 2 s exactly
      onStartedLeading: (signal) => {
        log.push(`${identity} started`);
        signals.set(identity, [...(signals.get(identity) ?? []), signal]);
      },
      onStoppedLeading: (reason) => log.push(`${identity} stopped: ${reason}`),
    });
    electors.push(e);
    return e;
  };
  const leaders = () => electors.filter((e) => e.isLeader());
  /** Advances in 100 ms steps, failing if two electors ever lead at once. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      await clock.tick(100);
      expect(leaders().length).toBeLessThanOrEqual(1);
    }
  };
  return { clock, client, make, leaders, run, log, signals };
}

it('of two candidates, one leads and the other follows it', async () => {
  const { client, make, leaders, run, log } = bed();
  const a = make('a');
  const b = make('b');
  a.start();
  b.start();
  await run(10_000);
  expect(leaders()).toEqual([a]);
  expect(log).toEqual(['a started']);
  expect(b.status()).toBe(`following a (lease ${NS}/${NAME})`);
  expect(a.status()).toMatch(/^leading as a since /);
  const lease = client.peek(NS, NAME)!;
  expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
  expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  expect(a.health()).toBeUndefined();
  expect(b.health()).toBeUndefined();
});

it('a leader that stops renewing (killed) is replaced after the lease duration, not before', async () => {
  const { clock, client, make, leaders, run } = bed();
  const a = make('a');
  const b = make('b');
  a.start();
  await run(100);
  b.start();
  await run(5_000);
  const lastRenew = Date.parse(client.peek(NS, NAME)!.spec.renewTime!);
  a.stop(); // no release: the Lease still names a
  // b times expiry from when *it* last saw the record change, at most one retry period after a's renewal.
  await run(lastRenew + 15_000 - clock.now() - 100);
  expect(leaders()).toEqual([]);
  await run(2_200);
  expect(leaders()).toEqual([b]);
  expect(client.peek(NS, NAME)!.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
});

it('judges expiry by local observation, not by the renewTime written by another clock', async () => {
  const { clock, client, make, leaders, run } = bed();
  // A holder whose clock is an hour behind wrote this record just now.
  const skewed = new Date(clock.now() - 3_600_000).toISOString().replace('Z', '000Z');
  await client.create({
    metadata: { namespace: NS, name: NAME },
    spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: skewed, acquireTime: skewed },
  });
  const b = make('b');
  b.start();
  await run(14_000);
  expect(leaders()).toEqual([]);
  await run(3_000);
  expect(leaders()).toEqual([b]);
});

it('release hands the lease over at once and aborts the leader signal', async () => {
  const { client, make, leaders, run, signals, log } = bed();
  const a = make('a');
  const b = make('b');
  a.start();
  await run(100);
  b.start();
  await run(3_000);
  await a.release();
  expect(signals.get('a')![0]!.aborted).toBe(true);
  expect(signals.get('a')![0]!.reason).toBeInstanceOf(LeadershipLostError);
  expect(client.peek(NS, NAME)!.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  await run(2_000); // b's next try, one retry period later
  expect(leaders()).toEqual([b]);
  expect(log).toEqual(['a started', 'a stopped: elector stopped', 'b started']);
  expect(a.status()).toBe(`stopped (lease ${NS}/${NAME})`);
});

it('never has two leaders when candidates race for a free or expired lease (409 on the loser)', async () => {
  const { client, make, leaders, run } = bed(150);
  const candidates = ['a', 'b', 'c'].map(make);
  for (const c of candidates) c.start(); // all read "no lease" at once; only one create succeeds
  await run(3_000);
  expect(leaders()).toHaveLength(1);
  expect(client.calls.conflicts).toBe(2); // both losers of the create
  const first = leaders()[0]!;
  first.stop();
  await run(25_000); // the other two see it expire at the same moment and both replace
  expect(leaders()).toHaveLength(1);
  expect(leaders()[0]).not.toBe(first);
  expect(client.calls.conflicts).toBe(3); // the loser of the replace
  expect(client.peek(NS, NAME)!.spec.leaseTransitions).toBe(1);
});

it('steps down when renewals fail for renewDeadline, reports why, and leads again once the API is back', async () => {
  const { client, make, leaders, run, signals, log } = bed();
  const a = make('a');
  a.start();
  await run(2_100); // acquired at 0, renewed at 2 s
  client.failWith(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
  await run(9_800);
  expect(leaders()).toEqual([a]); // 10 s since the last renewal not yet passed
  await run(200);
  expect(leaders()).toEqual([]);
  expect(signals.get('a')![0]!.aborted).toBe(true);
  expect(log).toEqual(['a started', 'a stopped: no renewal for 10000 ms']);
  expect(a.health()).toBe(`lease ${NS}/${NAME}: connect ECONNREFUSED 127.0.0.1:6443`);
  client.failWith(undefined);
  await run(2_100);
  expect(leaders()).toEqual([a]);
  expect(signals.get('a')).toHaveLength(2);
  expect(signals.get('a')![1]!.aborted).toBe(false);
  expect(a.health()).toBeUndefined();
});

it('steps down at once when the lease shows another holder', async () => {
  const { client, make, leaders, run, log } = bed();
  const a = make('a');
  a.start();
  await run(1_000);
  const lease = client.peek(NS, NAME)!;
  await client.replace({ ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } });
  await run(2_000);
  expect(leaders()).toEqual([]);
  expect(log).toEqual(['a started', 'a stopped: lease taken by intruder']);
});

it('refuses timings where the leader could outlive its lease', () => {
  const client = new MemoryLeaseClient();
  const base = { client, namespace: NS, name: NAME, identity: 'a', onStartedLeading: () => undefined };
  expect(() => new LeaderElector({ ...base, leaseDurationSeconds: 10, renewDeadlineMs: 10_000 })).toThrow(
    LeaderElectionConfigError,
  );
  expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(
    LeaderElectionConfigError,
  );
  expect(() => new LeaderElector(base)).not.toThrow();
});

it('an elector stopped by its own onStoppedLeading never campaigns again (a process that exits on it)', async () => {
  const clock = new FakeClock();
  const client = new MemoryLeaseClient({ clock });
  let started = 0;
  const e: LeaderElector = new LeaderElector({
    client,
    namespace: NS,
    name: NAME,
    identity: 'a',
    clock,
    random: () => 0,
    onStartedLeading: () => void started++,
    onStoppedLeading: () => e.stop(),
  });
  e.start();
  for (let t = 0; t < 2_100; t += 100) await clock.tick(100);
  expect(started).toBe(1);
  client.failWith(new Error('API down'));
  for (let t = 0; t < 10_200; t += 100) await clock.tick(100);
  expect(e.isLeader()).toBe(false);
  client.failWith(undefined);
  for (let t = 0; t < 30_000; t += 100) await clock.tick(100);
  expect(started).toBe(1);
  expect(e.isLeader()).toBe(false);
});
