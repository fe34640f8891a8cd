/** Node loss and recovery through the bed's own scripts (e2e/cluster/node.sh). */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'cluster', 'node.sh');

/** Stops the node's kubelet and containerd and kills its containers: the control plane sees it vanish. */
export async function failNode(name: string): Promise<void> {
  await run('bash', [script, 'stop', name]);
}

/** Starts the node again and waits until it is Ready with its nvidia.com/gpu capacity. */
export async function restartNode(name: string): Promise<void> {
  await run('bash', [script, 'start', name], { timeout: 120_000 });
}
