/**
 * NATS JetStream, Redis and MinIO answer real clients from the host, and pods reach them — and the API
 * server, with their ServiceAccount token — by Service DNS names.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { bedEnv, kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { jobPods, logs } from './lib/pods.js';

const env = bedEnv();
let ns: string;
beforeAll(async () => {
  ns = await createNamespace('e2e-servers');
});
afterAll(async () => {
  await deleteNamespace(ns);
});

it('NATS JetStream answers from the host: stream, publish, consume', async () => {
  const nc = await connect({ servers: env['ULTRON_NATS_URL']! });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = `E2E_${Date.now()}`;
    await jsm.streams.add({ name: stream, subjects: [`e2e.${stream}.>`] });
    const js = jetstream(nc);
    const ack = await js.publish(`e2e.${stream}.hello`, 'world', { msgID: 'one' });
    expect(ack.seq).toBe(1);
    expect((await js.publish(`e2e.${stream}.hello`, 'world', { msgID: 'one' })).duplicate).toBe(true);
    await jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: 'explicit' });
    const msg = await (await js.consumers.get(stream, 'reader')).next();
    expect(msg?.string()).toBe('world');
    msg?.ack();
    await jsm.streams.delete(stream);
  } finally {
    await nc.close();
  }
});

it('Redis answers from the host: INCR and a Lua script', async () => {
  const redis = new Redis(env['ULTRON_REDIS_URL']!);
  try {
    const key = `e2e:${Date.now()}`;
    expect(await redis.incr(key)).toBe(1);
    expect(await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, key, 41)).toBe(42);
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
});

it('MinIO answers from the host: put and get in the bucket', async () => {
  const s3 = new S3Client({
    endpoint: env['ULTRON_S3_ENDPOINT']!,
    region: env['ULTRON_S3_REGION']!,
    forcePathStyle: true,
    credentials: { accessKeyId: env['ULTRON_S3_ACCESS_KEY']!, secretAccessKey: env['ULTRON_S3_SECRET_KEY']! },
  });
  const Bucket = env['ULTRON_S3_BUCKET']!;
  await s3.send(new CreateBucketCommand({ Bucket })).catch(() => undefined); // exists already
  await s3.send(new PutObjectCommand({ Bucket, Key: 'e2e/hello.txt', Body: 'hello' }));
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'e2e/hello.txt' }));
  expect(await got.Body!.transformToString()).toBe('hello');
});

it('a pod reaches NATS, Redis, MinIO and the API server by Service DNS names', async () => {
  await kubectl([
    'create',
    'rolebinding',
    'view',
    '--clusterrole=view',
    `--serviceaccount=${ns}:default`,
    '-n',
    ns,
  ]);
  await kubectl(
    ['apply', '-n', ns, '-f', '-'],
    `
apiVersion: batch/v1
kind: Job
metadata: {name: reach}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: ultron.local/python:latest
        imagePullPolicy: Never
        command:
        - python3
        - -c
        - |
          import json, socket, ssl, urllib.request
          def line(host, port, send=b''):
              s = socket.create_connection((host, port), timeout=5)
              if send: s.sendall(send)
              data = s.recv(200).decode(errors='replace').splitlines()[0]
              s.close()
              return data
          print('nats', line('nats.ultron-system.svc.cluster.local', 4222)[:4])
          print('redis', line('redis.ultron-system', 6379, b'PING\\r\\n'))
          print('minio', urllib.request.urlopen('http://minio.ultron-system:9000/minio/health/live', timeout=5).status)
          sa = '/var/run/secrets/kubernetes.io/serviceaccount'
          ctx = ssl.create_default_context(cafile=sa + '/ca.crt')
          req = urllib.request.Request(f'https://kubernetes.default.svc/api/v1/namespaces/{open(sa + "/namespace").read()}/pods',
                                       headers={'Authorization': 'Bearer ' + open(sa + '/token').read()})
          pods = json.load(urllib.request.urlopen(req, context=ctx, timeout=5))
          print('api', pods['kind'])
`,
  );
  await eventually(async () => {
    const j = await kubectlJson<{ status: { succeeded?: number; failed?: number } }>([
      '-n',
      ns,
      'get',
      'job',
      'reach',
    ]);
    if (j.status.failed)
      throw new Error(
        `the pod failed: ${await logs(ns, (await jobPods(ns, 'reach'))[0]!.metadata.name, 'main')}`,
      );
    expect(j.status.succeeded).toBe(1);
  }, 90_000);
  const out = await logs(ns, (await jobPods(ns, 'reach'))[0]!.metadata.name, 'main');
  expect(out).toContain('nats INFO');
  expect(out).toContain('redis +PONG');
  expect(out).toContain('minio 200');
  expect(out).toContain('api PodList'); // 200: TLS, the token and RBAC all work
});
