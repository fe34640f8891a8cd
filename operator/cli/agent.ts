/**
 * `ultron agent`: the pod agent, run by the native sidecar of every trial pod (workload/job.ts sets its
 * environment). It forwards the trainer's metric lines to NATS until the pod stops.
 */
import type { Io } from '../local/io.js';
import { agentConfigFromEnv } from '../agent/env.js';
import { UsageError } from './args.js';
import type { AgentPart, MetricSink } from '../agent/index.js';
import type { CheckpointsOffReason, Logger, MetricMessage } from '../bus/index.js';

/** Where bin/ultron.js leaves the stop signal it caught before loading anything. */
const EARLY_STOP = Symbol.for('ultron.agent.stop');

export const AGENT_USAGE = `usage: ultron agent

The pod agent of a trial pod (a native sidecar the operator adds): tails $ULTRON_METRICS_FILE and
publishes each metric line to NATS JetStream; on SIGTERM it reads the last lines, publishes the end of
the pod's metrics and exits. Configured by the environment the operator sets: ULTRON_METRICS_FILE,
ULTRON_NATS_URL, ULTRON_HPOJOB_UID, ULTRON_TRIAL_INDEX, ULTRON_POD_UID (ULTRON_POD_NAME for logs).
With ULTRON_CHECKPOINT_DIR and the store's settings set it also uploads every complete step of $ULTRON_CHECKPOINT_DIR to the object
store (ULTRON_S3_*, ULTRON_NAMESPACE, ULTRON_HPOJOB, ULTRON_CHECKPOINT_KEEP). After SIGTERM it takes at
most ULTRON_AGENT_FLUSH_SECONDS (default 3) to deliver what it has: milliseconds with NATS and the store
up; an outage shorter than that loses nothing.`;

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
  const [{ connectBus, jsonLogger }, { Heartbeat, MetricsForwarder, runAgent }] = await Promise.all([
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
  const heartbeat = new Heartbeat({
    hpoJobUid: c.hpoJobUid,
    trialIndex: c.trialIndex,
    podUid: c.podUid,
    sink: bus,
  });
  const parts: AgentPart[] = [metrics, heartbeat];
  const uploader = await checkpointPart(c, bus, log);
  if (uploader) parts.push(uploader);
  log.info('agent started', {
    file: c.metricsFile,
    nats: c.natsUrl,
    podUid: c.podUid,
    checkpoints: uploader !== undefined,
  });
  const code = await runAgent({
    parts,
    log,
    stop,
    close: (drain) => bus.close({ drain }),
    shutdownMs: c.flushMs,
  });
  // The pod's end waits for this process: if a socket or timer lingers, do not wait for it.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}

/**
 * The checkpoint uploader when the pod has a store. Wrong settings are logged and the metrics still
 * flow (the restore step, with the same settings, has already failed the pod and said why).
 */
async function checkpointPart(
  c: { hpoJobUid: string; trialIndex: number; podUid: string; flushMs: number },
  sink: MetricSink,
  log: Logger,
): Promise<AgentPart | undefined> {
  const env = process.env;
  if (!env['ULTRON_CHECKPOINT_DIR']) return undefined;
  const [ck, { CheckpointUploader, AGENT_ENV }, { metricsSubject, msgIds }] = await Promise.all([
    import('../checkpoint/index.js'),
    import('../agent/index.js'),
    import('../bus/index.js'),
  ]);
  // The Trial says so too (condition CheckpointsHealthy, an Event): the operator cannot read Secrets.
  // Not awaited: the metrics must not wait for NATS on this.
  const off = (reason: CheckpointsOffReason, message: string): undefined => {
    const msg: MetricMessage = { v: 1, kind: 'checkpoints-off', pod: c.podUid, reason, message };
    void sink
      .publish(
        metricsSubject(c.hpoJobUid, c.trialIndex),
        msg,
        msgIds.checkpointsOff(c.hpoJobUid, c.trialIndex, c.podUid),
      )
      .catch((error: unknown) => log.warn('could not tell the operator', { error: String(error) }));
    return undefined;
  };
  if (ck.noStoreConfigured(env)) {
    log.warn(
      'checkpoints are on for this job but the namespace has no checkpoint Secret: nothing is uploaded',
    );
    const secret = env['ULTRON_CHECKPOINT_SECRET'] ?? 'the checkpoint Secret';
    return off(
      'NoCheckpointStore',
      `namespace ${env['ULTRON_NAMESPACE'] ?? '?'} has no Secret ${secret} with the object store settings: ` +
        'this trial stores no checkpoints and starts from the beginning after a restart or pre-emption. ' +
        'Create it (docs/checkpoints.md; trials started after that store them), or set ' +
        'spec.trialTemplate.checkpoint.enabled: false if the trainer writes none.',
    );
  }
  const s3 = ck.s3ConfigFromEnv(env);
  const place = ck.placeFromEnv(env);
  const dir = env[AGENT_ENV.checkpointDir];
  const keep = Number(env[AGENT_ENV.checkpointKeep] ?? 3);
  const problems = [
    ...(s3.ok ? [] : s3.problems),
    ...(place.ok ? [] : place.problems),
    ...(dir ? [] : [`${AGENT_ENV.checkpointDir}: not set`]),
    ...(Number.isInteger(keep) && keep >= 1 ? [] : [`${AGENT_ENV.checkpointKeep}: must be >= 1`]),
  ];
  if (!s3.ok || !place.ok || !dir || problems.length) {
    log.error('checkpoint settings are wrong; no checkpoint will be uploaded', { problems });
    return off(
      'InvalidCheckpointSettings',
      `the checkpoint settings are wrong (${problems.join('; ')}): no checkpoint is stored`,
    );
  }
  return new CheckpointUploader({
    checkpointDir: dir,
    store: new ck.CheckpointStore(ck.s3Client(s3.value), s3.value.bucket),
    base: ck.trialBase({ prefix: s3.value.prefix, ...place.value }),
    keep,
    hpoJobUid: c.hpoJobUid,
    trialIndex: c.trialIndex,
    podUid: c.podUid,
    sink,
    log,
    flushMs: c.flushMs,
  });
}
