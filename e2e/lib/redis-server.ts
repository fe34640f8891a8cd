/**
 * Private Redis servers for one test file: the bed's redis-server (Debian's package, which
 * `npm run cluster:up` installs) on free loopback ports with folders of their own, as one server or as a
 * Redis Cluster of N masters, so quota tests neither share keys with the bed's Redis nor need the bed.
 * Nothing is persisted: a restart starts empty, as a Redis without persistence does after a crash.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopProcess } from './processes.js';
import { freePorts } from './ports.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL when `hard`). */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Stops it and deletes its folder. */
  remove(): Promise<void>;
}

export interface RedisCluster {
  /** The masters, every one a seed for a cluster client. */
  readonly nodes: readonly RedisServer[];
  remove(): Promise<void>;
}

/** Asks one server with redis-cli, returning its output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), ...args], { timeout: 20_000 });
  return stdout;
}

async function launch(args: readonly string[]): Promise<ChildProcess> {
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${log}`)), 10_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('error', (err) => {
      clearTimeout(timer);
      const hint =
        'ENOENT' === (err as NodeJS.ErrnoException).code ? ': install it (apt-get install redis-server)' : '';
      reject(new Error(`redis-server: ${err.message}${hint}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${log}`));
    });
  });
  return proc;
}

async function startOne(port: number, extra: (dir: string) => string[] = () => []): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ultron-redis-'));
  const args = [
    '--bind',
    HOST,
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'no',
    '--logfile',
    '',
    ...extra(dir),
  ];
  let child: ChildProcess | undefined = await launch(args);
  const stop = async (hard = false): Promise<void> => {
    const proc = child;
    child = undefined;
    await stopProcess(proc, hard);
  };
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    stop,
    restart: async () => {
      child = await launch(args);
    },
    remove: async () => {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startRedisServer(): Promise<RedisServer> {
  const [port] = await freePorts(1);
  return startOne(port!);
}

/**
 * `masters` cluster-enabled servers joined by `redis-cli --cluster create` with no replicas; returns once
 * every node reports cluster_state:ok. Each node's bus port is chosen free too (cluster-port), rather than
 * Redis's port + 10000, which may be taken or above 65535.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const ports = await freePorts(2 * masters);
  const nodes: RedisServer[] = [];
  const removeAll = async () => {
    await Promise.all(nodes.map((n) => n.remove()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startOne(ports[i]!, (dir) => [
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(ports[masters + i]),
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `${HOST}:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    const deadline = Date.now() + 20_000;
    for (const n of nodes) {
      while (!(await redisCli(n.port, 'cluster', 'info')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster node ${n.port} never reached cluster_state:ok`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await removeAll();
    throw err;
  }
  return { nodes, remove: removeAll };
}
