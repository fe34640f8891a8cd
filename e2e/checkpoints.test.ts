/**
 * Checkpoints against the bed's real MinIO (and a private JetStream server for the agent's
 * announcements): a step's round trip through the store, `ultron agent` uploading what the trainer
 * completes (newest `keep` kept, each step announced, a final flush on SIGTERM), an agent killed
 * mid-upload leaving a step that `ultron restore` never restores, and a store that does not answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  METRICS_STREAM,
  metricsSubject,
  parseMetricMessage,
  type MetricMessage,
} from '../operator/bus/index.js';
import { CheckpointStore, stepPrefix, trialBase, type S3Config } from '../operator/checkpoint/index.js';
import { bedStore } from './lib/checkpoints.js';
import { eventually } from './lib/eventually.js';
import { startNatsServer, type NatsServer } from './lib/nats-server.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE = existsSync(join(repo, 'node_modules/.bin/node'))
  ? join(repo, 'node_modules/.bin/node')
  : process.execPath;
const MiB = 1024 * 1024;

let s3: S3Config;
let s3Env: Record<string, string>;
let store: CheckpointStore;
let srv: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/operator/cli/restore.js'))) throw new Error('run `npm run build` first');
  ({ s3, store, env: s3Env } = bedStore());
  srv = await startNatsServer();
  nc = await connect({ servers: srv.url });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: METRICS_STREAM.name,
    subjects: [...METRICS_STREAM.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: 120 * 1e9,
  });
  dir = mkdtempSync(join(tmpdir(), 'ultron-ckpt-e2e-'));
});
afterAll(async () => {
  store?.client.destroy();
  await nc?.close();
  await srv?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A trial of its own in the store: a fresh job uid per test. */
function place() {
  const hpoJobUid = randomUUID();
  const p = { namespace: 'e2e-ckpt', hpoJob: 'ckpt', hpoJobUid, index: 3 };
  return { ...p, base: trialBase({ prefix: s3.prefix, ...p }) };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Writes step `step` the way a trainer does: its files, then `.complete`. */
function writeStep(ckDir: string, step: number, files: Record<string, Buffer>, complete = true): void {
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(ckDir, String(step), rel)), { recursive: true });
    writeFileSync(join(ckDir, String(step), rel), data);
  }
  if (complete) writeFileSync(join(ckDir, String(step), '.complete'), '');
}

interface Proc {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}
function ultron(command: string, env: Record<string, string>): Proc {
  const proc = spawn(NODE, [join(repo, 'bin/ultron.js'), command], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, out: () => out, exited };
}

function podEnv(p: ReturnType<typeof place>, ckDir: string, extra: Record<string, string> = {}) {
  return {
    ...s3Env,
    ULTRON_CHECKPOINT_DIR: ckDir,
    ULTRON_NAMESPACE: p.namespace,
    ULTRON_HPOJOB: p.hpoJob,
    ULTRON_HPOJOB_UID: p.hpoJobUid,
    ULTRON_TRIAL_INDEX: String(p.index),
    ULTRON_METRICS_FILE: join(ckDir, '..', 'metrics.jsonl'),
    ULTRON_NATS_URL: srv.url,
    ULTRON_POD_UID: `pod-${randomUUID().slice(0, 8)}`,
    ULTRON_CHECKPOINT_KEEP: '2',
    ...extra,
  };
}

/** The agent messages on the trial's metrics subject, in stream order. */
async function trialMessages(p: ReturnType<typeof place>): Promise<MetricMessage[]> {
  const subject = metricsSubject(p.hpoJobUid, p.index);
  const info = await jsm.streams.info(METRICS_STREAM.name);
  const out: MetricMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(METRICS_STREAM.name, { seq }).catch(() => null);
    if (!m || m.subject !== subject) continue;
    const parsed = parseMetricMessage(m.data);
    if (parsed.ok) out.push(parsed.value);
  }
  return out;
}

async function announcements(
  p: ReturnType<typeof place>,
): Promise<Array<Extract<MetricMessage, { kind: 'checkpoint' }>>> {
  return (await trialMessages(p)).flatMap((m) => (m.kind === 'checkpoint' ? [m] : []));
}

const trialDir = () => {
  const d = mkdtempSync(join(dir, 'pod-'));
  mkdirSync(join(d, 'checkpoints'));
  return join(d, 'checkpoints');
};

it('round-trips a step: nested files, one larger than a part, byte for byte, `_COMPLETE` last', async () => {
  const p = place();
  const src = trialDir();
  writeStep(src, 7, {
    'model.bin': randomBytes(12 * MiB),
    'opt/state.bin': randomBytes(300_000),
    'meta.json': Buffer.from('{"epoch": 7}'),
    'empty.txt': Buffer.alloc(0),
  });
  const up = await store.uploadStep(join(src, '7'), p.base, 7, { partSize: 5 * MiB });
  expect(up).toMatchObject({ step: 7, files: 4, bytes: 12 * MiB + 300_000 + 12 });
  expect(await store.steps(p.base)).toEqual({ complete: [7], incomplete: [] });

  const dst = trialDir();
  const down = await store.downloadStep(p.base, 7, dst);
  expect(down).toMatchObject({ step: 7, files: 4, bytes: up.bytes });
  for (const rel of ['model.bin', 'opt/state.bin', 'meta.json', 'empty.txt'])
    expect(sha(join(dst, '7', rel))).toBe(sha(join(src, '7', rel)));
  expect(existsSync(join(dst, '7', '.complete'))).toBe(true);
  expect(readdirSync(dst)).toEqual(['7']); // no hidden restore folder left behind

  // Parts go with their CRC32, which the store checks: a part damaged on the way is refused.
  await expect(
    store.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${p.base}damaged`,
        Body: Buffer.from('the bytes that arrived'),
        ChecksumCRC32: 'AAAAAA==',
      }),
    ),
  ).rejects.toThrow();
});

it('the agent uploads each completed step, keeps the newest 2, announces them, and flushes on SIGTERM', async () => {
  const p = place();
  const ck = trialDir();
  const agent = ultron('agent', podEnv(p, ck));
  writeStep(ck, 1, { 'w.bin': randomBytes(64 * 1024) });
  await eventually(async () => expect((await store.steps(p.base)).complete).toEqual([1]), 15_000);
  writeStep(ck, 2, { 'w.bin': randomBytes(64 * 1024) });
  writeStep(ck, 3, { 'w.bin': randomBytes(64 * 1024) }, false); // being written: not uploaded
  await eventually(async () => expect((await store.steps(p.base)).complete).toEqual([1, 2]), 15_000);
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await store.steps(p.base)).complete).toEqual([1, 2]);
  writeFileSync(join(ck, '3', '.complete'), '');
  await eventually(async () => expect((await store.steps(p.base)).complete).toEqual([2, 3]), 15_000);
  // Pruned in the pod too.
  await eventually(async () => expect(readdirSync(ck).sort()).toEqual(['2', '3']), 5_000);

  // The trainer completes step 4 and the pod is stopped at once: the flush stores it before the agent exits.
  writeStep(ck, 4, { 'w.bin': randomBytes(2 * MiB) });
  agent.proc.kill('SIGTERM');
  expect(await agent.exited).toEqual({ code: 0, signal: null });
  expect((await store.steps(p.base)).complete).toEqual([3, 4]);
  expect(agent.out()).toContain('"agent stopped"');

  const steps = (await announcements(p)).map((m) => m.step);
  expect(steps).toEqual([1, 2, 3, 4]);
  const last = (await announcements(p)).at(-1)!;
  expect(last.uri).toBe(`s3://${s3.bucket}/${stepPrefix(p.base, 4)}`);
  expect(Date.now() - Date.parse(last.at)).toBeLessThan(60_000);
});

it('an agent killed mid-upload leaves an incomplete step that restore never restores; the one before is', async () => {
  const p = place();
  const ck = trialDir();
  const agent = ultron('agent', podEnv(p, ck));
  writeStep(ck, 10, { 'w.bin': randomBytes(MiB), 'small.txt': Buffer.from('ten') });
  await eventually(async () => expect((await store.steps(p.base)).complete).toEqual([10]), 15_000);
  // Step 11: many files, so the upload takes a while; kill the agent once some of it is stored.
  const files: Record<string, Buffer> = {};
  const chunk = randomBytes(4 * MiB);
  for (let i = 0; i < 48; i++) files[`shard-${String(i).padStart(2, '0')}.bin`] = chunk;
  writeStep(ck, 11, files);
  await eventually(
    async () => expect((await store.keys(stepPrefix(p.base, 11))).length).toBeGreaterThan(0),
    30_000,
    20,
  );
  agent.proc.kill('SIGKILL');
  await agent.exited;
  const listing = await store.steps(p.base);
  expect(listing).toEqual({ complete: [10], incomplete: [11] });

  // The pod comes back on another node: an empty folder, and the restore step.
  const fresh = trialDir();
  const restore = ultron('restore', podEnv(p, fresh));
  expect(await restore.exited).toEqual({ code: 0, signal: null });
  expect(restore.out()).toContain(`restored step 10 from s3://${s3.bucket}/${stepPrefix(p.base, 10)}`);
  expect(readdirSync(fresh)).toEqual(['10']);
  expect(readFileSync(join(fresh, '10', 'small.txt'), 'utf8')).toBe('ten');
  expect(existsSync(join(fresh, '10', '.complete'))).toBe(true);

  // Its agent does not upload the restored step again; the next step it does, and the cut-off one goes.
  const next = ultron('agent', podEnv(p, fresh));
  writeStep(fresh, 12, { 'w.bin': randomBytes(MiB) });
  await eventually(
    async () => expect(await store.steps(p.base)).toEqual({ complete: [10, 12], incomplete: [] }),
    15_000,
  );
  next.proc.kill('SIGTERM');
  await next.exited;
  expect((await announcements(p)).map((m) => m.step)).toEqual([10, 12]);
}, 120_000);

it('restore says when there is nothing yet, and gives up on a store that does not answer with what to check', async () => {
  const p = place();
  const none = ultron('restore', podEnv(p, trialDir()));
  expect(await none.exited).toEqual({ code: 0, signal: null });
  expect(none.out()).toContain('no checkpoint stored yet');

  // A namespace without the checkpoint Secret: every store variable is empty (optional references).
  const noSecretEnv = Object.fromEntries(
    Object.entries(podEnv(p, trialDir())).filter(([k]) => !k.startsWith('ULTRON_S3_')),
  );
  const noSecret = ultron('restore', { ...noSecretEnv, ULTRON_CHECKPOINT_SECRET: 'ultron-checkpoints' });
  expect(await noSecret.exited).toEqual({ code: 0, signal: null });
  expect(noSecret.out()).toContain('namespace e2e-ckpt has no ultron-checkpoints');

  const away = ultron(
    'restore',
    podEnv(p, trialDir(), { ULTRON_S3_ENDPOINT: 'http://127.0.0.1:1', ULTRON_RESTORE_TIMEOUT: '3' }),
  );
  expect(await away.exited).toEqual({ code: 1, signal: null });
  expect(away.out()).toContain('the checkpoint store at http://127.0.0.1:1');
  expect(away.out()).toContain('checkpoint Secret');

  const wrong = ultron('restore', { ...podEnv(p, trialDir()), ULTRON_S3_BUCKET: '' });
  expect(await wrong.exited).toEqual({ code: 2, signal: null });
  expect(wrong.out()).toContain('ULTRON_S3_BUCKET: not set');
});

it('an agent with checkpoints on but no store tells the operator once, and still forwards the metrics', async () => {
  const p = place();
  const ck = trialDir();
  // A namespace without the checkpoint Secret: every store variable is empty (optional references).
  const env = Object.fromEntries(Object.entries(podEnv(p, ck)).filter(([k]) => !k.startsWith('ULTRON_S3_')));
  const agent = ultron('agent', { ...env, ULTRON_CHECKPOINT_SECRET: 'ultron-checkpoints' });
  writeFileSync(env['ULTRON_METRICS_FILE']!, 'step=1 loss=0.5\n');
  writeStep(ck, 1, { 'w.bin': randomBytes(1024) });
  await eventually(
    async () => expect((await trialMessages(p)).map((m) => m.kind)).toContain('report'),
    15_000,
  );
  agent.proc.kill('SIGTERM');
  expect(await agent.exited).toEqual({ code: 0, signal: null });
  const messages = await trialMessages(p);
  expect(messages.map((m) => m.kind).sort()).toEqual(['checkpoints-off', 'end', 'report']);
  expect(messages.find((m) => m.kind === 'checkpoints-off')).toMatchObject({
    pod: env['ULTRON_POD_UID'],
    reason: 'NoCheckpointStore',
    message: expect.stringContaining('namespace e2e-ckpt has no Secret ultron-checkpoints'),
  });
  expect((await store.steps(p.base)).complete).toEqual([]);
});
