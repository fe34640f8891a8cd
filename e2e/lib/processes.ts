/**
 * SIGKILL of a pod's process from the host, as a crash would end it: the bed's containers are processes
 * of this machine, found by the HOSTNAME the kubelet gives them (the pod's name). Also stops the servers
 * the tests start themselves.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs of processes whose environment has HOSTNAME=<pod> and whose command line contains `match`. */
export function podProcesses(pod: string, match: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!env.includes(`HOSTNAME=${pod}`)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(match)) out.push(Number(entry));
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return out;
}

/** Kills the pod's matching processes with SIGKILL; fails when there is none. */
export function killPod(pod: string, match: string): number[] {
  const pids = podProcesses(pod, match);
  if (pids.length === 0) throw new Error(`no process of pod ${pod} matches '${match}'`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  return pids;
}

/** Stops a server process started by a test (SIGTERM, or SIGKILL when `hard`) and waits for its exit. */
export async function stopProcess(proc: ChildProcess | undefined, hard = false): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
  });
}
