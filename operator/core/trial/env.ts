/**
 * The trainer's environment contract (ARCHITECTURE §6), the same for every shell: the local runner sets
 * it on a child process, the workload builder on the trainer container. Also Kubernetes-style `$(VAR)`
 * expansion, which the local runner applies itself and the kubelet applies in a cluster.
 */
import type { Container, ParamConfig } from '../../api/index.js';
import { trainerContainerIndex } from '../../api/rules.js';

/** Where the trainer finds its folders in a trial pod (the `ultron` emptyDir). */
export const POD_ULTRON_DIR = '/ultron';
export const POD_CHECKPOINT_DIR = `${POD_ULTRON_DIR}/checkpoints`;
export const POD_METRICS_FILE = `${POD_ULTRON_DIR}/metrics.jsonl`;

/** ULTRON_PARAM_<NAME>: the variable that carries one parameter's value. */
export const paramEnvName = (name: string): string => `ULTRON_PARAM_${name.toUpperCase()}`;

export interface TrialEnvInput {
  job: string;
  index: number;
  params: ParamConfig;
  seed: number;
  checkpointDir: string;
  metricsFile: string;
}

/** ULTRON_* variables of one trial. */
export function trialEnv(t: TrialEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    ULTRON_PARAMS: JSON.stringify(t.params),
    ULTRON_TRIAL: String(t.index),
    ULTRON_HPOJOB: t.job,
    ULTRON_SEED: String(t.seed),
    ULTRON_CHECKPOINT_DIR: t.checkpointDir,
    ULTRON_METRICS_FILE: t.metricsFile,
  };
  for (const [name, value] of Object.entries(t.params)) env[paramEnvName(name)] = String(value);
  return env;
}

/**
 * Expands `$(VAR)` as the kubelet does: defined variables are replaced, `$$(VAR)` is an escape that
 * yields the literal `$(VAR)`, and references to undefined variables are left as they are.
 */
export function expandVars(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    const value = env[name!];
    return value === undefined ? match : value;
  });
}

/** The trainer: the container named `trainer`, else the first. */
export function trainerContainer(containers: readonly Container[]): Container {
  return containers[trainerContainerIndex(containers)]!;
}

export interface TrainerCommand {
  argv: string[];
  env: Record<string, string>;
  warnings: string[];
}

/**
 * The trainer's argv and environment for a trial: the container's env entries (later ones may refer to
 * earlier ones and to the ULTRON_* variables), then command + args with `$(VAR)` expanded.
 */
export function trainerCommand(container: Container, ultronEnv: Record<string, string>): TrainerCommand {
  const env: Record<string, string> = { ...ultronEnv };
  const warnings: string[] = [];
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandVars(e.value, env);
    else if (e.valueFrom)
      warnings.push(`env ${e.name}: valueFrom is not supported by the local runner; skipped`);
    else env[e.name] = '';
  }
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => expandVars(a, env));
  return { argv, env, warnings };
}
