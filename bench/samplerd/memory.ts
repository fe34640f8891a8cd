/**
 * samplerd's memory with many cached jobs: 100 jobs × 1,000 observations on a private nats-server, one
 * `ultron samplerd --samplers tpe` process (the real CLI, its own RSS read from /proc), one TPE request
 * per job (a full replay of 1,000 observations each), then a second round after 10 more observations
 * per job (only the tail is read). Prints RSS before and after, and request latencies. Run it with
 * `bash bench/samplerd/run.sh` (builds to a temporary folder first).
 */
import { spawn } from 'node:child_process';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  connectBus,
  observationMessage,
  observationsSubject,
  parseSuggestReply,
  suggestRequest,
  suggestSubject,
  msgIds,
  type Bus,
} from '../../operator/bus/index.js';
import type { Parameter } from '../../operator/api/index.js';
import { startNatsServer } from '../../e2e/lib/nats-server.js';
import { InProcessSamplerTransport } from '../../operator/bus/index.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    observations: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    /** Node flags for the samplerd process, e.g. --max-old-space-size=128. */
    'node-flags': { type: 'string', default: '' },
  },
});
const JOBS = Number(values.jobs);
const OBS = Number(values.observations);
const CONCURRENCY = Number(values.concurrency);
const childFlags = values['node-flags'].split(' ').filter(Boolean);
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'operator', 'cli', 'main.js');

const SPACE: Parameter[] = [
  { name: 'lr', type: 'float', min: 1e-5, max: 1e-1, log: true },
  { name: 'layers', type: 'int', min: 1, max: 8 },
  { name: 'dropout', type: 'float', min: 0, max: 0.5, step: 0.05 },
  { name: 'opt', type: 'categorical', values: ['adam', 'sgd', 'rmsprop'] },
  { name: 'width', type: 'int', min: 16, max: 1024, log: true },
];

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** A deterministic pseudo-random observation stream (no Math.random: reruns compare). */
function observation(job: number, index: number) {
  const u = (k: number) => ((Math.sin(job * 7919 + index * 104_729 + k * 1_299_709) + 1) * 43_758.5453) % 1;
  const params = {
    lr: 1e-5 * 10_000 ** u(1),
    layers: 1 + Math.floor(u(2) * 8),
    dropout: Math.round(u(3) * 10) * 0.05,
    opt: ['adam', 'sgd', 'rmsprop'][Math.floor(u(4) * 3)]!,
    width: Math.round(16 * 64 ** u(5)),
  };
  const value = (Math.log10(params.lr) + 3) ** 2 + (params.layers - 4) ** 2 / 10 + params.dropout;
  return observationMessage({ index, params, state: 'complete', value });
}

async function publishObservations(
  bus: Bus,
  uid: string,
  job: number,
  from: number,
  to: number,
): Promise<number> {
  let last = 0;
  for (let start = from; start < to; start += 200) {
    const acks = await Promise.all(
      Array.from({ length: Math.min(200, to - start) }, (_, k) =>
        bus.publish(
          observationsSubject(uid),
          observation(job, start + k),
          msgIds.observation(uid, start + k),
        ),
      ),
    );
    last = Math.max(last, ...acks.map((a) => a.seq));
  }
  return last;
}

/** Answers as they are published (a plain subscription sees JetStream's messages too). */
class Answers {
  private readonly waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly seen = new Set<string>();
  constructor(nc: NatsConnection) {
    nc.subscribe('ultron.suggestions.>', {
      callback: (_err, m) => {
        const r = parseSuggestReply(m.data);
        if (!r.ok) return;
        const w = this.waiting.get(r.value.requestId);
        this.seen.add(r.value.requestId);
        if (!w) return;
        this.waiting.delete(r.value.requestId);
        if (r.value.kind === 'error') w.reject(new Error(`${r.value.code}: ${r.value.message}`));
        else w.resolve();
      },
    });
  }
  /** Call before publishing the request. */
  expect(id: string): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }
}

async function round(
  bus: Bus,
  answers: Answers,
  uids: string[],
  upTo: number[],
  count: number,
  attempt: number,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let j = next++; j < uids.length; j = next++) {
      const uid = uids[j]!;
      const req = suggestRequest(
        {
          id: `${uid}.${count}.${attempt}`,
          job: { namespace: 'bench', name: `job-${j}`, uid },
          sampler: { name: 'tpe', settings: {} },
          parameters: SPACE,
          direction: 'minimize',
          seed: j,
          indices: [count],
          pending: [],
          observations: { upToSeq: upTo[j]!, count },
        },
        new Date(),
      );
      const answered = answers.expect(req.id);
      const t0 = performance.now();
      await bus.publish(suggestSubject('tpe'), req, req.id);
      await answered;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return latencies;
}

/**
 * What the cache itself holds: the same jobs served in this process by the in-process transport (the
 * samplerd code path), heap measured after a full GC (run.sh passes --expose-gc), before and after.
 */
async function retainedBytesPerObservation(): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const t = new InProcessSamplerTransport({ samplers: ['tpe'] });
  t.onReply(async () => {});
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  // Observations published first, so the measured difference is the cache, not the memory streams.
  const uids = Array.from({ length: JOBS }, (_, j) => `job-${j}`);
  const seqs: number[] = [];
  for (const [j, uid] of uids.entries()) {
    let seq = 0;
    for (let i = 0; i < OBS; i++) seq = await t.publishObservation(uid, observation(j, i));
    seqs.push(seq);
  }
  const before = heap();
  for (const [j, uid] of uids.entries()) {
    await t.request(
      suggestRequest(
        {
          id: `${uid}-0`,
          job: { namespace: 'bench', name: uid, uid },
          sampler: { name: 'tpe', settings: {} },
          parameters: SPACE,
          direction: 'minimize',
          seed: j,
          indices: [OBS],
          pending: [],
          observations: { upToSeq: seqs[j]!, count: OBS },
        },
        new Date(),
      ),
    );
    await t.idle();
  }
  const after = heap();
  if (t.stats().cache.jobs !== JOBS) throw new Error(`cache holds ${t.stats().cache.jobs} jobs, not ${JOBS}`);
  return (after - before) / (JOBS * OBS);
}

const retained = await retainedBytesPerObservation();
if (retained !== undefined)
  console.log(
    `cache, retained after GC (in process): ${retained.toFixed(0)} B per observation, ${((retained * JOBS * OBS) / 2 ** 20).toFixed(1)} MiB for ${JOBS} × ${OBS}`,
  );

const srv = await startNatsServer();
const bus = connectBus({ servers: srv.url, name: 'bench' });
const watcher = await connect({ servers: srv.url, name: 'bench-answers' });
const answers = new Answers(watcher);
try {
  await bus.ensureStreams();
  const uids = Array.from(
    { length: JOBS },
    (_, j) => `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`,
  );
  const t0 = performance.now();
  const upTo: number[] = [];
  for (const [j, uid] of uids.entries()) upTo.push(await publishObservations(bus, uid, j, 0, OBS));
  console.log(`published ${JOBS} × ${OBS} observations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The CLI's main() as bin/ultron.js runs it, from this build (bin/ultron.js would look in dist/).
  const boot = `const { main } = await import(${JSON.stringify(cli)}); process.exitCode = await main(process.argv.slice(1));`;
  const args = ['samplerd', '--nats', srv.url, '--samplers', 'tpe', '--concurrency', String(CONCURRENCY)];
  const child = spawn(process.execPath, [...childFlags, '--input-type=module', '-e', boot, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  while (!out.includes('"samplerd serving"')) await sleep(20);
  await sleep(1_000);
  const idle = rssMiB(child.pid!);

  const full = await round(bus, answers, uids, upTo, OBS, 0);
  await sleep(1_000);
  const cached = rssMiB(child.pid!);

  for (const [j, uid] of uids.entries()) upTo[j] = await publishObservations(bus, uid, j, OBS, OBS + 10);
  const tail = await round(bus, answers, uids, upTo, OBS + 10, 1);
  await sleep(1_000);
  const after = rssMiB(child.pid!);

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const ms = (xs: number[]) => `p50 ${pct(xs, 0.5).toFixed(1)} ms, p95 ${pct(xs, 0.95).toFixed(1)} ms`;
  if (childFlags.length) console.log(`samplerd node flags: ${childFlags.join(' ')}`);
  console.log(`samplerd RSS idle (streams, 1 consumer, no jobs): ${idle.toFixed(1)} MiB`);
  console.log(
    `samplerd RSS with ${JOBS} jobs × ${OBS} observations cached: ${cached.toFixed(1)} MiB (+${(cached - idle).toFixed(1)} MiB, ${(((cached - idle) * 1024 * 1024) / (JOBS * OBS)).toFixed(0)} B per observation)`,
  );
  console.log(`samplerd RSS after a second round (+10 observations per job): ${after.toFixed(1)} MiB`);
  console.log(
    `TPE request → answer, full replay of ${OBS} observations: ${ms(full)} (${CONCURRENCY} in flight)`,
  );
  console.log(`TPE request → answer, cached job, 10-message tail: ${ms(tail)}`);
  console.log(`samplerd exit code after SIGTERM: ${code}`);
  const stopped = out.split('\n').find((l) => l.includes('"samplerd stopped"'));
  if (stopped)
    console.log(
      `samplerd at exit: ${JSON.stringify((JSON.parse(stopped) as { memoryMiB: unknown }).memoryMiB)} MiB`,
    );
} finally {
  await watcher.close();
  await bus.close({ drain: false });
  await srv.remove();
}
