/**
 * `ultron samplerd`: the sampler service. Serves the built-in samplers over NATS JetStream until
 * SIGTERM or SIGINT, then finishes the requests in flight and exits 0 (a second signal cuts at once;
 * unacked requests go to another replica). Logs are JSON lines on stdout.
 */
import type { Io } from '../local/io.js';
import { intFlag, parseFlags, UsageError } from './args.js';

export const SAMPLERD_USAGE = `usage: ultron samplerd [flags]

Serves the built-in samplers (random, grid, sobol, tpe) over NATS JetStream: one durable consumer per
sampler shared by every replica, answers on ultron.suggestions.<job uid> (docs/sampler-protocol.md).

flags:
  --nats URL          NATS server(s), comma-separated (default: $ULTRON_NATS_URL, $NATS_URL, nats://127.0.0.1:4222)
  --samplers A,B      samplers to serve (default: all built-ins)
  --concurrency N     requests in flight per sampler (default 2; add replicas to serve more)
  --ack-wait S        seconds before an unacked request goes to another replica (default 30)
  --cache-jobs N      jobs whose observations are kept between requests (default 1000)
  --cache-idle S      seconds after which an idle job is dropped from the cache (default 1800)
  --port N            serve /healthz and /readyz on this port (default: $ULTRON_OPS_PORT, else none)`;

const FLAGS = {
  nats: { type: 'string' },
  samplers: { type: 'string' },
  concurrency: { type: 'string' },
  'ack-wait': { type: 'string' },
  'cache-jobs': { type: 'string' },
  'cache-idle': { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SamplerdConfig {
  servers: string[];
  samplers?: string[];
  concurrency?: number;
  ackWaitMs?: number;
  cache: { maxJobs?: number; idleMs?: number };
  port?: number;
}

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The configuration from flags and environment (flags win); throws UsageError. */
export function samplerdConfig(
  argv: string[],
  env: Record<string, string | undefined>,
): SamplerdConfig | 'help' {
  const { values, positionals } = parseFlags(argv, FLAGS, SAMPLERD_USAGE);
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, SAMPLERD_USAGE);
  const nats = values.nats ?? env['ULTRON_NATS_URL'] ?? env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const servers = list(nats);
  if (!servers.length) throw new UsageError('--nats: no server given', SAMPLERD_USAGE);
  const samplers = values.samplers === undefined ? undefined : list(values.samplers);
  if (samplers && !samplers.length) throw new UsageError('--samplers: no sampler given', SAMPLERD_USAGE);
  const seconds = (v: string | undefined, flag: string) => {
    const n = intFlag(v, flag);
    return n === undefined ? undefined : n * 1_000;
  };
  const port = intFlag(values.port ?? env['ULTRON_OPS_PORT'], 'port', 0);
  const config: SamplerdConfig = { servers, cache: {} };
  if (samplers) config.samplers = samplers;
  const concurrency = intFlag(values.concurrency, 'concurrency');
  if (concurrency !== undefined) config.concurrency = concurrency;
  const ackWaitMs = seconds(values['ack-wait'], 'ack-wait');
  if (ackWaitMs !== undefined) config.ackWaitMs = ackWaitMs;
  const maxJobs = intFlag(values['cache-jobs'], 'cache-jobs');
  if (maxJobs !== undefined) config.cache.maxJobs = maxJobs;
  const idleMs = seconds(values['cache-idle'], 'cache-idle');
  if (idleMs !== undefined) config.cache.idleMs = idleMs;
  if (port !== undefined) config.port = port;
  return config;
}

/**
 * Runs until `stop` aborts (tests) or a signal arrives. Resolves to the exit code: 0 after a clean
 * drain, 1 when the service could not start.
 */
export async function samplerdCommand(argv: string[], io: Io, stop?: AbortSignal): Promise<number> {
  const config = samplerdConfig(argv, process.env);
  if (config === 'help') {
    io.out(SAMPLERD_USAGE);
    return 0;
  }
  const [{ connectBus, fieldsFirst }, { startSamplerd, UnknownSampler }, { OpsServer }, { createLogger }] =
    await Promise.all([
      import('../bus/index.js'),
      import('../samplerd/index.js'),
      // The runtime's files, not its index: that would load the Kubernetes client, which samplerd never uses.
      import('../controller/runtime/server.js'),
      import('../controller/runtime/logger.js'),
    ]);
  // The operator's log format (pino, JSON lines), written through io so tests read the lines.
  const log = fieldsFirst(
    createLogger({
      base: { component: 'ultron-samplerd' },
      destination: { write: (line: string) => io.out(line.replace(/\n$/, '')) },
    }),
  );
  const bus = connectBus({ servers: config.servers, name: 'ultron-samplerd', log });
  let service;
  try {
    service = startSamplerd({
      bus,
      log,
      cache: config.cache,
      ...(config.samplers ? { samplers: config.samplers } : {}),
      ...(config.concurrency !== undefined ? { concurrency: config.concurrency } : {}),
      ...(config.ackWaitMs !== undefined ? { ackWaitMs: config.ackWaitMs } : {}),
    });
  } catch (e) {
    await bus.close({ drain: false });
    if (e instanceof UnknownSampler) throw new UsageError(`--samplers: ${e.message}`, SAMPLERD_USAGE);
    throw e;
  }
  const d = service;
  const ops = config.port === undefined ? undefined : new OpsServer();
  if (ops) {
    ops.addReadinessCheck('samplerd', () => {
      const s = d.status();
      return s.ready ? undefined : s.message;
    });
    const port = await ops.listen(config.port!);
    log.info('ops server listening', { port, paths: ['/healthz', '/readyz'] });
  }

  const signals = new AbortController();
  let hard = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signals.signal.aborted) hard = true;
    log.info(hard ? 'second signal: stopping now' : 'stopping: finishing the requests in flight', { signal });
    if (hard) void d.close({ drain: false });
    signals.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  stop?.addEventListener('abort', () => signals.abort(), { once: true });
  const stopped = new Promise<void>((r) =>
    signals.signal.addEventListener('abort', () => r(), { once: true }),
  );
  try {
    const started = await Promise.race([d.ready.then(() => true), stopped.then(() => false)]);
    if (started) log.info('samplerd serving', { samplers: d.samplers, status: d.status().message });
    await stopped;
    if (!hard) await d.close({ drain: true });
    const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const memoryMiB = {
      rss: mib(rss),
      heapTotal: mib(heapTotal),
      heapUsed: mib(heapUsed),
      external: mib(external),
      arrayBuffers: mib(arrayBuffers),
    };
    log.info('samplerd stopped', { ...d.stats(), memoryMiB });
    return 0;
  } catch (e) {
    log.error('samplerd failed', { error: e });
    await d.close({ drain: false });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await ops?.close();
  }
}
