/** The running test bed, for e2e tests: its endpoints (bed.env), real kubectl, and a kube client. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';

const run = promisify(execFile);

export const BED_DIR = process.env['ULTRON_BED_DIR'] ?? '/var/tmp/ultron-bed';

/** The `export K=V` lines of bed.env as an object. */
export function bedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(`${BED_DIR}/bed.env`, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace('$PATH', process.env['PATH'] ?? '');
  }
  return env;
}

/** Runs the bed's kubectl; rejects with its stderr on a non-zero exit. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const env = { ...process.env, ...bedEnv() };
  if (input === undefined) {
    const { stdout } = await run('kubectl', args, { env, maxBuffer: 16 << 20 });
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', args, { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin!.end(input);
  });
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(bedEnv()['KUBECONFIG']!);
  return kc;
}

export function coreApi(): k8s.CoreV1Api {
  return kubeConfig().makeApiClient(k8s.CoreV1Api);
}
