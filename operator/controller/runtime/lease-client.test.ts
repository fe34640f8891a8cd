/**
 * The CoordinationV1Api adapter against a small HTTP stand-in for the API server's Lease endpoints, so the
 * real client-node request and response code runs: object parameters, 404/409 as ApiException, and the
 * MicroTime wire format the server insists on.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { coordinationLeaseClient, LeaseConflictError, microTime, type LeaseClient } from './lease-client.js';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/ns/leases';
type Stored = { metadata: Record<string, unknown>; spec: Record<string, unknown> };

let server: Server;
let client: LeaseClient;
let stored: Stored | undefined;
let version = 0;
const bodies: string[] = [];

async function read(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    if (body) bodies.push(body);
    const reply = (code: number, obj: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string) =>
      reply(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
    const save = (lease: Stored) => {
      stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++version) } };
      return stored;
    };
    if (req.method === 'GET' && req.url === `${PATH}/lock`) {
      return stored ? reply(200, stored) : status(404, 'NotFound');
    }
    if (req.method === 'POST' && req.url === PATH) {
      return stored ? status(409, 'AlreadyExists') : reply(201, save(JSON.parse(body) as Stored));
    }
    if (req.method === 'PUT' && req.url === `${PATH}/lock`) {
      const lease = JSON.parse(body) as Stored;
      if (lease.metadata['resourceVersion'] !== stored?.metadata['resourceVersion'])
        return status(409, 'Conflict');
      return reply(200, save(lease));
    }
    status(400, 'BadRequest');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  client = coordinationLeaseClient(kc);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

it('reads a missing Lease as undefined, creates it, and refuses a second create with LeaseConflictError', async () => {
  expect(await client.get('ns', 'lock')).toBeUndefined();
  const t = microTime(Date.UTC(2025, 0, 1, 0, 0, 0, 123));
  const created = await client.create({
    metadata: { namespace: 'ns', name: 'lock' },
    spec: {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: t,
      renewTime: t,
      leaseTransitions: 0,
    },
  });
  expect(created).toEqual({
    metadata: { namespace: 'ns', name: 'lock', resourceVersion: '1' },
    spec: {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: t,
      renewTime: t,
      leaseTransitions: 0,
    },
  });
  // On the wire: microseconds, as the API server requires for MicroTime.
  expect(JSON.parse(bodies.at(-1)!).spec.renewTime).toBe('2025-01-01T00:00:00.123000Z');
  await expect(client.create(created)).rejects.toBeInstanceOf(LeaseConflictError);
});

it('replaces with the current resourceVersion and refuses a stale one with LeaseConflictError', async () => {
  const current = (await client.get('ns', 'lock'))!;
  expect(typeof current.spec.renewTime).toBe('string');
  const renewed = await client.replace({ ...current, spec: { ...current.spec, holderIdentity: 'b' } });
  expect(renewed.spec.holderIdentity).toBe('b');
  expect(renewed.metadata.resourceVersion).not.toBe(current.metadata.resourceVersion);
  await expect(client.replace(current)).rejects.toBeInstanceOf(LeaseConflictError);
});
