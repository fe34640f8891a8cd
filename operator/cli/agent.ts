/**
 * `ultron agent`: the pod agent, run by the native sidecar of every trial pod (workload/job.ts sets its
 * environment). It forwards the trainer's metric lines to NATS until the pod stops.
 */
import type { Io } from '../local/io.js';
import { agentConfigFromEnv } from '../agent/env.js';
import { UsageError } from './args.js';

/** Where bin/ultron.js leaves the stop signal it caught before loading anything. */
const EARLY_STOP = Symbol.for('ultron.agent.stop');

export const AGENT_USAGE = `usage: ultron agent

The pod agent of a trial pod (a native sidecar the operator adds): tails $ULTRON_METRICS_FILE and
publishes each metric line to NATS JetStream; on SIGTERM it reads the last lines, publishes the end of
the pod's metrics and exits. Configured by the environment the operator sets: ULTRON_METRICS_FILE,
ULTRON_NATS_URL, ULTRON_HPOJOB_UID, ULTRON_TRIAL_INDEX, ULTRON_POD_UID (ULTRON_POD_NAME for logs).`;

export async function agentCommand(args: string[], io: Io): Promise<number> {
  // The pod may stop while the agent is still loading (a trainer that ends at once): bin/ultron.js caught
  // SIGTERM before its first import; otherwise catch it here, before the slow imports, so the final read
  // still happens.
  const early = (globalThis as Record<symbol, unknown>)[EARLY_STOP];
  const stop =
    early instanceof Promise
      ? (early as Promise<string>)
      : new Promise<string>((resolve) => {
          for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
        });
  if (args.includes('--help') || args.includes('-h')) {
    io.out(AGENT_USAGE);
    return 0;
  }
  if (args.length) throw new UsageError(`unexpected argument '${args[0]}'`, AGENT_USAGE);
  const parsed = agentConfigFromEnv(process.env);
  if (!parsed.ok) {
    io.err(`ultron agent: ${parsed.problems.join('; ')}`);
    return 2;
  }
  const c = parsed.config;
  const [{ connectBus, jsonLogger }, { MetricsForwarder, runAgent }] = await Promise.all([
    import('../bus/index.js'),
    import('../agent/index.js'),
  ]);
  const log = jsonLogger({
    base: { component: 'ultron-agent', trial: c.trialIndex, ...(c.podName ? { pod: c.podName } : {}) },
  });
  // The trainer must never notice the agent: a stray rejection is logged, not fatal.
  process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));
  const bus = connectBus({
    servers: c.natsUrl,
    name: `ultron-agent-${c.podName ?? c.podUid}`,
    log,
    retry: { initialMs: 200, maxMs: 5_000 },
    connectTimeoutMs: 2_000,
  });
  const metrics = new MetricsForwarder({
    metricsFile: c.metricsFile,
    hpoJobUid: c.hpoJobUid,
    trialIndex: c.trialIndex,
    podUid: c.podUid,
    sink: bus,
    log,
  });
  log.info('agent started', { file: c.metricsFile, nats: c.natsUrl, podUid: c.podUid });
  const code = await runAgent({ parts: [metrics], log, stop, close: (drain) => bus.close({ drain }) });
  // The pod's end waits for this process: if a socket or timer lingers, do not wait for it.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
