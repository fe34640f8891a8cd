/**
 * Two LeaderElectors against the bed's real API server: one leads, a killed leader is replaced after the
 * lease runs out, a released lease is taken at once, and two never lead at the same moment. Short timings
 * keep it quick; the defaults differ only in scale.
 */
import {
  LeaderElector,
  coordinationLeaseClient,
  type LeaseClient,
} from '../operator/controller/runtime/index.js';
import { kubeConfig, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';

const LEASE = 'ultron-operator';
let ns: string;
let client: LeaseClient;
const electors: LeaderElector[] = [];
let overlaps = 0;
let sampler: NodeJS.Timeout;

beforeAll(async () => {
  ns = await createNamespace('e2e-leader');
  client = coordinationLeaseClient(kubeConfig());
  // Sample often: two leaders at any moment is the one failure that matters.
  sampler = setInterval(() => {
    if (electors.filter((e) => e.isLeader()).length > 1) overlaps++;
  }, 20);
});

afterAll(async () => {
  clearInterval(sampler);
  for (const e of electors) e.stop();
  await deleteNamespace(ns);
});

function elector(identity: string, started: string[]): LeaderElector {
  const e = new LeaderElector({
    client,
    namespace: ns,
    name: LEASE,
    identity,
    leaseDurationSeconds: 3,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 300,
    onStartedLeading: () => void started.push(identity),
  });
  electors.push(e);
  return e;
}

const leaders = () => electors.filter((e) => e.isLeader());

interface LeaseJson {
  spec: {
    holderIdentity?: string;
    renewTime?: string;
    leaseTransitions?: number;
    leaseDurationSeconds?: number;
  };
}
const lease = () => kubectlJson<LeaseJson>(['-n', ns, 'get', 'lease', LEASE]);

it('elects one of two, replaces a killed leader after the lease, and hands over at once on release', async () => {
  const started: string[] = [];
  const a = elector('a', started);
  const b = elector('b', started);
  a.start();
  b.start();
  const first = await eventually(async () => {
    expect(leaders()).toHaveLength(1);
    return leaders()[0]!;
  }, 20_000);
  const second = first === a ? b : a;
  const firstId = first === a ? 'a' : 'b';
  const secondId = first === a ? 'b' : 'a';
  const held = await eventually(async () => {
    const l = await lease();
    expect(l.spec.holderIdentity).toBe(firstId);
    return l;
  });
  expect(held.spec.leaseDurationSeconds).toBe(3);
  expect(held.spec.renewTime).toMatch(/\.\d{6}Z$/);
  // Renewals keep going: leadership holds well past one lease duration.
  await new Promise((r) => setTimeout(r, 4_000));
  expect(leaders()).toEqual([first]);
  expect(second.status()).toContain(`following ${firstId}`);

  // Killed: no release, so the other must wait out the lease it last saw renewed.
  const killedAt = Date.now();
  first.stop();
  await eventually(async () => expect(leaders()).toEqual([second]), 15_000, 50);
  const takeover = Date.now() - killedAt;
  expect(takeover).toBeGreaterThanOrEqual(2_500);
  expect((await lease()).spec).toMatchObject({ holderIdentity: secondId, leaseTransitions: 1 });

  // A fresh replica, then a graceful release: it takes over within a retry period or two.
  const c = elector('c', started);
  c.start();
  await new Promise((r) => setTimeout(r, 1_000));
  expect(leaders()).toEqual([second]);
  const releasedAt = Date.now();
  await second.release();
  await eventually(async () => expect(leaders()).toEqual([c]), 5_000, 20);
  expect(Date.now() - releasedAt).toBeLessThan(1_500);
  expect((await lease()).spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 2 });

  expect(started).toEqual([firstId, secondId, 'c']);
  expect(overlaps).toBe(0);
}, 60_000);
