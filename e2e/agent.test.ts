/**
 * `ultron agent` as the trial pod runs it (`node bin/ultron.js agent`, the built dist/), against a real
 * private JetStream server: lines appended to the metrics file reach ULTRON_METRICS with their msg ids,
 * a restarted agent re-reads the file and is deduplicated, SIGTERM gives `end` and a prompt exit, and an
 * unreachable NATS neither loses lines nor holds the pod's end past the agent's bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  METRICS_STREAM,
  metricsSubject,
  parseMetricMessage,
  type MetricMessage,
} from '../operator/bus/index.js';
import { eventually } from './lib/eventually.js';
import { startNatsServer, type NatsServer } from './lib/nats-server.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// The project's Node 24 directly: bin/ultron.js re-launches itself from an older node, and that parent
// would not pass SIGTERM on.
const NODE = existsSync(join(repo, 'node_modules/.bin/node'))
  ? join(repo, 'node_modules/.bin/node')
  : process.execPath;
const S = 1e9;

let srv: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/operator/cli/agent.js'))) throw new Error('run `npm run build` first');
  srv = await startNatsServer();
  nc = await connect({ servers: srv.url });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: METRICS_STREAM.name,
    subjects: [...METRICS_STREAM.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: METRICS_STREAM.maxAgeSeconds * S,
    duplicate_window: METRICS_STREAM.duplicateWindowSeconds * S,
  });
  dir = mkdtempSync(join(tmpdir(), 'ultron-agent-e2e-'));
});
afterAll(async () => {
  await nc?.close();
  await srv?.remove();
  rmSync(dir, { recursive: true, force: true });
});

interface Agent {
  proc: ChildProcess;
  log: () => string;
  started: Promise<number>;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}
function startAgent(env: Record<string, string>, nodeArgs: string[] = []): Agent {
  const t0 = Date.now();
  const proc = spawn(NODE, [...nodeArgs, join(repo, 'bin/ultron.js'), 'agent'], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const started = new Promise<number>((resolve) => {
    proc.stderr!.on('data', (b: Buffer) => {
      log += b.toString();
      if (log.includes('"agent started"')) resolve(Date.now() - t0);
    });
  });
  proc.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { proc, log: () => log, started, exited };
}

function trialEnv(jobUid: string, podUid: string, file: string, url = srv.url): Record<string, string> {
  return {
    ULTRON_METRICS_FILE: file,
    ULTRON_NATS_URL: url,
    ULTRON_HPOJOB_UID: jobUid,
    ULTRON_TRIAL_INDEX: '5',
    ULTRON_POD_UID: podUid,
    ULTRON_POD_NAME: 'quick-5-abcde',
  };
}

/** Every message of one subject on the stream, in stream order. */
async function stored(subject: string): Promise<Array<{ id: string | undefined; msg: MetricMessage }>> {
  const info = await jsm.streams.info(METRICS_STREAM.name);
  const out: Array<{ id: string | undefined; msg: MetricMessage }> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(METRICS_STREAM.name, { seq }).catch(() => null);
    if (!m || m.subject !== subject) continue;
    const parsed = parseMetricMessage(m.data);
    if (!parsed.ok) throw new Error(`bad message on ${subject}: ${parsed.error}`);
    out.push({ id: m.header?.get('Nats-Msg-Id'), msg: parsed.value });
  }
  return out;
}

it('publishes complete lines, dedups a restarted agent, and on SIGTERM sends end and exits at once', async () => {
  const jobUid = randomUUID();
  const file = join(dir, `${jobUid}.jsonl`);
  const subject = metricsSubject(jobUid, 5);
  const env = trialEnv(jobUid, 'pod-uid-1', file);

  let agent = startAgent(env);
  const startupMs = await agent.started;
  // The trainer creates the file after the agent started.
  appendFileSync(file, 'loading data\n{"step": 1, "val_loss": 0.9}\nstep=2 val_loss=0.7\n');
  appendFileSync(file, '{"step": 3, "val_loss": \n'); // malformed
  appendFileSync(file, 'step=4 val_lo'); // cut off for now
  await eventually(async () => expect(await stored(subject)).toHaveLength(3), 10_000);

  // The agent dies (OOM, crash): the kubelet restarts the sidecar, which reads the file from its top.
  agent.proc.kill('SIGKILL');
  await agent.exited;
  appendFileSync(file, 'ss=0.6\n{"step": 5, "val_loss": 0.5}\n');
  agent = startAgent(env);
  await agent.started;
  await eventually(async () => expect(await stored(subject)).toHaveLength(5), 10_000);
  appendFileSync(file, 'step=6 val_loss=0.4\nstep=7 val_l'); // the trainer is killed mid-line

  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  agent.proc.kill('SIGTERM');
  const { code, at } = await agent.exited;
  const stopMs = at - t0;
  const messages = await stored(subject);
  console.log(`agent: started in ${startupMs} ms; SIGTERM → exit in ${stopMs} ms`);

  expect(code).toBe(0);
  expect(stopMs).toBeLessThan(1000);
  expect(messages.map((m) => m.id)).toEqual([
    ...[2, 3, 4, 5, 6, 7, 8].map((line) => `m-${jobUid}-5-pod-uid-1-${line}`),
    `end-${jobUid}-5-pod-uid-1`,
  ]);
  expect(messages.map((m) => m.msg)).toEqual([
    { v: 1, kind: 'report', pod: 'pod-uid-1', line: 2, step: 1, values: { val_loss: 0.9 } },
    { v: 1, kind: 'report', pod: 'pod-uid-1', line: 3, step: 2, values: { val_loss: 0.7 } },
    {
      v: 1,
      kind: 'malformed',
      pod: 'pod-uid-1',
      line: 4,
      reason: 'invalid JSON',
      text: '{"step": 3, "val_loss": ',
    },
    { v: 1, kind: 'report', pod: 'pod-uid-1', line: 5, step: 4, values: { val_loss: 0.6 } },
    { v: 1, kind: 'report', pod: 'pod-uid-1', line: 6, step: 5, values: { val_loss: 0.5 } },
    { v: 1, kind: 'report', pod: 'pod-uid-1', line: 7, step: 6, values: { val_loss: 0.4 } },
    expect.objectContaining({ kind: 'malformed', line: 8, text: 'step=7 val_l' }),
    { v: 1, kind: 'end', pod: 'pod-uid-1', lines: 8, malformed: 2, stoppedAt: expect.any(String) },
  ]);
  expect(agent.log()).toContain('"agent stopped"');
}, 60_000);

it('a SIGTERM that arrives while the agent is still loading is not lost: the file is read, end sent, exit 0', async () => {
  // In a pod the agent is PID 1, where a signal without a handler is dropped and the pod then waits out
  // its grace period; a trainer that ends at once sends it while the agent loads. Here a module hook
  // holds the CLI's import for 1.5 s and says when it started to, so the signal surely arrives then.
  const hooks = join(dir, 'slow-hooks.mjs');
  const loading = join(dir, 'loading');
  writeFileSync(
    hooks,
    `import { writeFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.endsWith('/dist/operator/cli/main.js')) {
    writeFileSync(${JSON.stringify(loading)}, '');
    await new Promise((res) => setTimeout(res, 1500));
  }
  return r;
}\n`,
  );
  const register = join(dir, 'slow-register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const jobUid = randomUUID();
  const file = join(dir, `${jobUid}.jsonl`);
  appendFileSync(file, 'step=1 loss=0.5\n'); // the trainer already wrote and exited
  const agent = startAgent(trialEnv(jobUid, 'pod-uid-3', file), ['--import', register]);
  await eventually(async () => expect(existsSync(loading)).toBe(true), 10_000, 5);
  agent.proc.kill('SIGTERM');
  const { code, signal } = await agent.exited;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect((await stored(metricsSubject(jobUid, 5))).map((m) => m.msg.kind)).toEqual(['report', 'end']);
}, 30_000);

it('keeps lines while NATS is away, delivers them once it is back, and gives up promptly at SIGTERM', async () => {
  const jobUid = randomUUID();
  const file = join(dir, `${jobUid}.jsonl`);
  const subject = metricsSubject(jobUid, 5);
  await srv.stop();
  const agent = startAgent(trialEnv(jobUid, 'pod-uid-2', file));
  try {
    await agent.started;
    appendFileSync(file, Array.from({ length: 200 }, (_, i) => `step=${i} loss=${1 / (i + 1)}\n`).join(''));
    await new Promise((r) => setTimeout(r, 1500)); // several connection attempts fail meanwhile
    expect(agent.proc.exitCode).toBeNull(); // never crashes
    await srv.restart();
    await eventually(async () => expect(await stored(subject)).toHaveLength(200), 20_000);

    await srv.stop(); // gone again at the pod's end
    appendFileSync(file, 'step=200 loss=0.001\n');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    agent.proc.kill('SIGTERM');
    const { code, at } = await agent.exited;
    console.log(`agent with NATS down: SIGTERM → exit in ${at - t0} ms`);
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(4000);
    expect(agent.log()).toContain('before delivering everything');
  } finally {
    if (agent.proc.exitCode === null) agent.proc.kill('SIGKILL');
    if (!nc.isClosed() && srv) await srv.restart().catch(() => {});
  }
}, 90_000);

it('with a flush budget (the pod’s grace period) an outage at the pod’s end loses nothing: it waits for NATS', async () => {
  const jobUid = randomUUID();
  const file = join(dir, `${jobUid}.jsonl`);
  const subject = metricsSubject(jobUid, 5);
  const agent = startAgent({ ...trialEnv(jobUid, 'pod-uid-4', file), ULTRON_AGENT_FLUSH_SECONDS: '15' });
  let down = false;
  try {
    await agent.started;
    appendFileSync(file, 'step=1 loss=0.5\n');
    await eventually(async () => expect(await stored(subject)).toHaveLength(1), 10_000);
    await srv.stop(true); // NATS dies as the trainer writes its last line and exits
    down = true;
    appendFileSync(file, 'step=2 loss=0.25\n');
    const t0 = Date.now();
    agent.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 4_000));
    expect(agent.proc.exitCode).toBeNull(); // still holding the last line
    await srv.restart();
    down = false;
    const { code, at } = await agent.exited;
    console.log(`agent with NATS back after 4 s: SIGTERM → exit in ${at - t0} ms`);
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(15_000);
    expect((await stored(subject)).map((m) => m.msg.kind)).toEqual(['report', 'report', 'end']);
  } finally {
    if (agent.proc.exitCode === null) agent.proc.kill('SIGKILL');
    if (down) await srv.restart();
  }
}, 60_000);
