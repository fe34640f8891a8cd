/** `ultron operator`: the Kubernetes operator (in-cluster, or against KUBECONFIG for development). */
import type { Io } from '../local/io.js';
import { parseFlags } from './args.js';

export const OPERATOR_USAGE = `usage: ultron operator [flags]

Runs the operator: reconciles HPOJobs and Trials, asks samplers over NATS JetStream. Replicas elect a
leader on the Lease ultron-operator; the others wait warm. Configuration comes from the environment
(docs/operator.md): ULTRON_NATS_URL, ULTRON_AGENT_IMAGE, ULTRON_WORKERS, ULTRON_SUGGESTION_TIMEOUT, …

flags:
  --nats URL       NATS server (default: $ULTRON_NATS_URL)
  --ops-port N     port of /healthz, /readyz and /metrics (default: $ULTRON_OPS_PORT or 8080)
  --identity NAME  this replica's name in the Lease (default: $POD_NAME, else host-pid)`;

const FLAGS = {
  nats: { type: 'string' },
  'ops-port': { type: 'string' },
  identity: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function operatorCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.out(OPERATOR_USAGE);
    return 0;
  }
  const { configFromEnv, startOperator } = await import('../controller/setup.js');
  const env = { ...process.env };
  if (values.nats) env['ULTRON_NATS_URL'] = values.nats;
  if (values['ops-port']) env['ULTRON_OPS_PORT'] = values['ops-port'];
  if (values.identity) env['POD_NAME'] = values.identity;
  const config = configFromEnv(env);
  const stop = new AbortController();
  let exitCode = 0;
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const running = await startOperator(config, {
    signal: stop.signal,
    onLeadershipLost: () => {
      exitCode = 1;
      stop.abort();
    },
  });
  await running.done;
  // Lost leadership: exit now, whatever handles are still open, so the Deployment restarts this replica
  // fresh (seen at scale: the process lingered with its ops server closed until the liveness probe).
  if (exitCode !== 0) process.exit(exitCode);
  return exitCode;
}
