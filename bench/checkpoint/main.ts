/**
 * `npm run bench:checkpoint` (issue 9): upload and restore throughput of a 1 GiB checkpoint step through
 * the real `ultron agent` and `ultron restore` against a plain @aws-sdk/lib-storage upload (and plain
 * GetObject download) of the same files to the same MinIO, interleaved in one run, and the agent's
 * resident memory while it uploads. Needs the bed (`npm run cluster:up`): its MinIO and NATS.
 * Writes the `checkpoint` section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  CheckpointStore,
  completeKey,
  s3Client,
  s3ConfigFromEnv,
  stepPrefix,
  trialBase,
  TRANSFER_DEFAULTS,
} from '../../operator/checkpoint/index.js';
import { writeSection } from '../lib/doc-section.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BED_DIR = process.env['ULTRON_BED_DIR'] ?? '/var/tmp/ultron-bed';
const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TOTAL_MIB = arg('mib', 1024);
const FILES = arg('files', 4);
const REPS = arg('reps', 3);
const NODE = existsSync(join(REPO, 'node_modules/.bin/node'))
  ? join(REPO, 'node_modules/.bin/node')
  : process.execPath;

function bedEnv(): Record<string, string> {
  const file = join(BED_DIR, 'bed.env');
  if (!existsSync(file)) throw new Error(`no test bed at ${BED_DIR}: run \`npm run cluster:up\` first`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (msg: string) => process.stderr.write(`[bench:checkpoint] ${msg}\n`);

async function main(): Promise<void> {
  const bed = bedEnv();
  const s3Env = Object.fromEntries(Object.entries(bed).filter(([k]) => k.startsWith('ULTRON_S3_')));
  const parsed = s3ConfigFromEnv(s3Env);
  if (!parsed.ok) throw new Error(`bed.env: ${parsed.problems.join('; ')}`);
  const s3 = parsed.value;
  const client = s3Client(s3);
  const store = new CheckpointStore(client, s3.bucket);
  const work = join(tmpdir(), `ultron-bench-ckpt-${process.pid}`);
  const src = join(work, 'src');
  mkdirSync(src, { recursive: true });
  try {
    log(`writing a ${TOTAL_MIB} MiB step of ${FILES} files under ${src}`);
    const perFile = Math.floor((TOTAL_MIB * MiB) / FILES);
    const names = Array.from({ length: FILES }, (_, i) => `shard-${i}.bin`);
    for (const name of names) {
      const out = createWriteStream(join(src, name));
      for (let left = perFile; left > 0; left -= 16 * MiB) out.write(randomBytes(Math.min(16 * MiB, left)));
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
    }
    const bytes = perFile * FILES;
    const rows: Record<string, number[]> = {
      plainUp: [],
      agentUp: [],
      plainDown: [],
      restore: [],
      rss: [],
      idleRss: [],
    };
    for (let rep = 1; rep <= REPS; rep++) {
      const place = { namespace: 'bench', hpoJob: 'ckpt', hpoJobUid: randomUUID(), index: 0 };
      const base = trialBase({ prefix: s3.prefix, ...place });

      // Plain: what a user would write — one lib-storage Upload per file with its defaults, one after another.
      let t = performance.now();
      for (const name of names)
        await new Upload({
          client,
          params: { Bucket: s3.bucket, Key: `${base}plain/${name}`, Body: createReadStream(join(src, name)) },
        }).done();
      rows['plainUp']!.push(performance.now() - t);

      // The agent: a real `ultron agent`, from the trainer's `.complete` to `_COMPLETE` in the store.
      const ck = join(work, `pod-${rep}`, 'checkpoints');
      mkdirSync(join(ck, '1'), { recursive: true });
      const agent = spawn(NODE, [join(REPO, 'bin/ultron.js'), 'agent'], {
        env: {
          PATH: process.env['PATH'] ?? '',
          ...s3Env,
          ULTRON_METRICS_FILE: join(ck, '..', 'metrics.jsonl'),
          ULTRON_NATS_URL: bed['ULTRON_NATS_URL'] ?? 'nats://127.0.0.1:4222',
          ULTRON_HPOJOB_UID: place.hpoJobUid,
          ULTRON_TRIAL_INDEX: '0',
          ULTRON_POD_UID: `bench-${rep}`,
          ULTRON_CHECKPOINT_DIR: ck,
          ULTRON_CHECKPOINT_KEEP: '2',
          ULTRON_NAMESPACE: place.namespace,
          ULTRON_HPOJOB: place.hpoJob,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let agentLog = '';
      agent.stderr!.on('data', (b: Buffer) => (agentLog += b.toString()));
      while (!agentLog.includes('"agent started"')) await sleep(20);
      await sleep(700); // its first look at the (empty) store
      rows['idleRss']!.push(rssMiB(agent.pid!));
      for (const name of names) linkSync(join(src, name), join(ck, '1', name));
      let peak = 0;
      writeFileSync(join(ck, '1', '.complete'), '');
      t = performance.now();
      for (;;) {
        peak = Math.max(peak, rssMiB(agent.pid!));
        const done = await client
          .send(new HeadObjectCommand({ Bucket: s3.bucket, Key: completeKey(base, 1) }))
          .then(
            () => true,
            () => false,
          );
        if (done) break;
        await sleep(25);
      }
      rows['agentUp']!.push(performance.now() - t);
      rows['rss']!.push(peak);
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));

      // Plain download of the same files (GetObject streamed to disk, one after another) and
      // `ultron restore` (the init container, start to exit), in alternating order: whichever runs second
      // would otherwise share the disk with the first one's write-back.
      const plainDir = join(work, `plain-${rep}`);
      const restoreDir = join(work, `restore-${rep}`, 'checkpoints');
      const plainDownload = async () => {
        mkdirSync(plainDir);
        const t0 = performance.now();
        for (const name of names) {
          const got = await client.send(
            new GetObjectCommand({ Bucket: s3.bucket, Key: `${stepPrefix(base, 1)}${name}` }),
          );
          await pipeline(got.Body as Readable, createWriteStream(join(plainDir, name)));
        }
        rows['plainDown']!.push(performance.now() - t0);
        rmSync(plainDir, { recursive: true, force: true });
      };
      const restore = async () => {
        mkdirSync(restoreDir, { recursive: true });
        const t0 = performance.now();
        const code = await new Promise<number | null>((resolve) =>
          spawn(NODE, [join(REPO, 'bin/ultron.js'), 'restore'], {
            env: {
              PATH: process.env['PATH'] ?? '',
              ...s3Env,
              ULTRON_CHECKPOINT_DIR: restoreDir,
              ULTRON_NAMESPACE: place.namespace,
              ULTRON_HPOJOB: place.hpoJob,
              ULTRON_HPOJOB_UID: place.hpoJobUid,
              ULTRON_TRIAL_INDEX: '0',
            },
            stdio: 'ignore',
          }).once('exit', resolve),
        );
        if (code !== 0) throw new Error(`ultron restore exited ${code}`);
        rows['restore']!.push(performance.now() - t0);
        rmSync(join(work, `restore-${rep}`), { recursive: true, force: true });
      };
      if (rep % 2) {
        await plainDownload();
        await restore();
      } else {
        await restore();
        await plainDownload();
      }
      await store.deletePrefix(base);
      for (const d of [plainDir, join(work, `pod-${rep}`), join(work, `restore-${rep}`)])
        rmSync(d, { recursive: true, force: true });
      log(
        `rep ${rep}: upload plain ${fmt(rows['plainUp']!.at(-1)!)} agent ${fmt(rows['agentUp']!.at(-1)!)}; ` +
          `download plain ${fmt(rows['plainDown']!.at(-1)!)} restore ${fmt(rows['restore']!.at(-1)!)}; agent RSS peak ${peak.toFixed(0)} MiB`,
      );
    }
    const mbs = (ms: number) => bytes / MiB / (ms / 1000);
    const up = { plain: mbs(median(rows['plainUp']!)), agent: mbs(median(rows['agentUp']!)) };
    const down = { plain: mbs(median(rows['plainDown']!)), agent: mbs(median(rows['restore']!)) };
    const rss = Math.max(...rows['rss']!);
    const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
    const body = [
      '## Checkpoint upload and restore (`npm run bench:checkpoint`)',
      '',
      `A ${(bytes / MiB).toFixed(0)} MiB step of ${FILES} files of random bytes, uploaded to and restored from the bed's MinIO`,
      `(a host process on the same machine, data on the same disk), ${REPS} interleaved repetitions, medians;`,
      `load average at the start ${loadavg()[0]!.toFixed(1)}. Plain: one @aws-sdk/lib-storage \`Upload\` per file with its`,
      'defaults (5 MiB parts, 4 in flight), files one after another; plain download: `GetObject` streamed to disk per',
      'file. Agent: a real `ultron agent` process from the `.complete` marker written to `_COMPLETE` stored',
      `(its own multipart: ${TRANSFER_DEFAULTS.partSize / MiB} MiB parts with their CRC32, ${TRANSFER_DEFAULTS.queueSize} in flight in all from as many reused buffers, ${TRANSFER_DEFAULTS.files} files at once). Restore: a real`,
      '`ultron restore` process, start to exit (Node start-up included).',
      '',
      '| | plain client | Ultron | ratio | target |',
      '|---|---|---|---|---|',
      `| upload | ${up.plain.toFixed(0)} MiB/s | ${up.agent.toFixed(0)} MiB/s | ${(up.agent / up.plain).toFixed(2)} | ≥ 0.90: ${verdict(up.agent >= 0.9 * up.plain)} |`,
      `| restore | ${down.plain.toFixed(0)} MiB/s | ${down.agent.toFixed(0)} MiB/s | ${(down.agent / down.plain).toFixed(2)} | ≥ 0.90: ${verdict(down.agent >= 0.9 * down.plain)} |`,
      `| agent RSS | | ${rss.toFixed(0)} MiB peak during the upload (idle ${median(rows['idleRss']!).toFixed(0)} MiB) | | ≤ 128 MB: ${verdict(rss * MiB <= 128e6)} |`,
      '',
      `Per repetition, ms: upload plain ${rows['plainUp']!.map(fmtMs).join(' / ')}, agent ${rows['agentUp']!.map(fmtMs).join(' / ')};`,
      `download plain ${rows['plainDown']!.map(fmtMs).join(' / ')}, restore ${rows['restore']!.map(fmtMs).join(' / ')}.`,
    ].join('\n');
    writeSection(join(REPO, 'docs', 'benchmarks.md'), 'checkpoint', body);
    process.stdout.write(`${body}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    client.destroy();
  }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtMs = (ms: number) => ms.toFixed(0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Resident memory of a process, MiB (VmRSS of /proc/<pid>/status). */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:checkpoint: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
