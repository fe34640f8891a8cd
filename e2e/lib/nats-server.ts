/**
 * A private NATS server with JetStream for one test file: the bed's pinned nats-server binary (built by
 * `npm run cluster:up` or e2e/cluster/build.sh) on a free loopback port with its own store folder, so
 * tests of the sampler protocol neither share streams with the bed's NATS nor need the cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess } from './processes.js';
import { freePort } from './ports.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The bed's bin folder: the same cache key as e2e/cluster/lib.sh (sha256 of versions.env, 12 chars). */
export function bedBinDir(): string {
  const key = createHash('sha256')
    .update(readFileSync(join(repo, 'e2e/cluster/versions.env')))
    .digest('hex')
    .slice(0, 12);
  const root = process.env['ULTRON_TESTBED_CACHE'] ?? join(homedir(), '.cache', 'ultron-testbed');
  return join(root, key, 'bin');
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Kills the server (SIGKILL when `hard`); the store folder stays until `remove`. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and store (a restart keeps the streams). */
  restart(): Promise<void>;
  remove(): Promise<void>;
}

export async function startNatsServer(): Promise<NatsServer> {
  const bin = join(bedBinDir(), 'nats-server');
  if (!existsSync(bin))
    throw new Error(`${bin} is missing: run bash e2e/cluster/build.sh (or npm run cluster:up)`);
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'ultron-nats-'));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
      proc.stderr!.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${code}): ${log}`));
      });
    });
  };
  await launch();
  const stop = async (hard = false): Promise<void> => {
    const proc = child;
    child = undefined;
    await stopProcess(proc, hard);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    restart: launch,
    remove: async () => {
      await stop(true);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
