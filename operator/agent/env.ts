/**
 * The pod agent's environment: the workload builder sets these on the agent container and `ultron agent`
 * reads them. Pure (no I/O), so the builder can import it.
 */
export const AGENT_ENV = {
  metricsFile: 'ULTRON_METRICS_FILE',
  natsUrl: 'ULTRON_NATS_URL',
  hpoJobUid: 'ULTRON_HPOJOB_UID',
  trialIndex: 'ULTRON_TRIAL_INDEX',
  /** From the downward API: the msg ids of a pod's lines carry it, so two pods of one trial never clash. */
  podUid: 'ULTRON_POD_UID',
  /** From the downward API, for log lines only. */
  podName: 'ULTRON_POD_NAME',
  checkpointDir: 'ULTRON_CHECKPOINT_DIR',
  checkpointKeep: 'ULTRON_CHECKPOINT_KEEP',
  /**
   * How long the agent may take after SIGTERM to deliver what it has (the last metric lines, the last
   * checkpoint): the pod's grace period less a margin. With NATS and the store up that takes
   * milliseconds; an outage shorter than this loses nothing. Default 3 s.
   */
  flushSeconds: 'ULTRON_AGENT_FLUSH_SECONDS',
} as const;

/** The default of ULTRON_AGENT_FLUSH_SECONDS, ms. */
export const DEFAULT_FLUSH_MS = 3_000;

export interface AgentConfig {
  metricsFile: string;
  natsUrl: string;
  hpoJobUid: string;
  trialIndex: number;
  podUid: string;
  podName?: string;
  /** ULTRON_AGENT_FLUSH_SECONDS, ms. */
  flushMs: number;
}

/** The agent's settings from its environment, or the list of what is missing or wrong. */
export function agentConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; config: AgentConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') problems.push(`${name}: not set`);
    return v ?? '';
  };
  const metricsFile = need(AGENT_ENV.metricsFile);
  const natsUrl = need(AGENT_ENV.natsUrl);
  const hpoJobUid = need(AGENT_ENV.hpoJobUid);
  const podUid = need(AGENT_ENV.podUid);
  const indexText = need(AGENT_ENV.trialIndex);
  const trialIndex = Number(indexText);
  if (indexText !== '' && !(/^\d+$/.test(indexText) && Number.isSafeInteger(trialIndex)))
    problems.push(`${AGENT_ENV.trialIndex}: must be a trial index, got ${JSON.stringify(indexText)}`);
  // A job uid becomes a subject token: '.', '*', '>' or spaces would address other subjects.
  if (/[.*>\s]/.test(hpoJobUid)) problems.push(`${AGENT_ENV.hpoJobUid}: not a uid (${hpoJobUid})`);
  const flushText = env[AGENT_ENV.flushSeconds];
  if (flushText !== undefined && flushText !== '' && !/^\d+$/.test(flushText))
    problems.push(`${AGENT_ENV.flushSeconds}: must be whole seconds, got ${JSON.stringify(flushText)}`);
  if (problems.length) return { ok: false, problems };
  const podName = env[AGENT_ENV.podName];
  const flushMs = flushText ? Number(flushText) * 1000 : DEFAULT_FLUSH_MS;
  return {
    ok: true,
    config: {
      metricsFile,
      natsUrl,
      hpoJobUid,
      trialIndex,
      podUid,
      ...(podName ? { podName } : {}),
      flushMs,
    },
  };
}
