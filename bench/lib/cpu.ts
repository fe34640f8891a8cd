/**
 * CPU time by component over a benchmark run, from /proc on this host (the bed's servers and containers
 * are processes of this machine): a snapshot of every process's user + system time at the start and at
 * the end, grouped by a role the caller gives each process. A process that started during the run counts
 * from zero; one that ended during the run is missed, so the machine's busy time (/proc/stat) is kept
 * too and the difference shows as `unaccounted` (short-lived processes: runc, kubectl, trainers).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux everywhere in practice). */
const TICKS_PER_SECOND = 100;

export interface ProcessInfo {
  pid: number;
  /** argv joined by spaces. */
  cmdline: string;
  /** The process's HOSTNAME (a container's is its pod's name), or undefined. */
  hostname: string | undefined;
}

/** A role for a process ('kube-apiserver', 'operator (leader)', …), or undefined for `other`. */
export type RoleOf = (p: ProcessInfo) => string | undefined;

export interface CpuSnapshot {
  at: number;
  /** Machine-wide busy and total time, seconds (all cores summed). */
  busySeconds: number;
  totalSeconds: number;
  /** Per pid: its role and its user + system seconds so far. */
  processes: Map<number, { role: string; seconds: number; start: number }>;
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // ended, or not ours to read
  }
}

/** utime + stime (seconds), nice and the start time (ticks since boot) from /proc/<pid>/stat. */
function times(stat: string): { seconds: number; start: number; nice: number } | undefined {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const nice = Number(rest[16]);
  const start = Number(rest[19]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { seconds: (utime + stime) / TICKS_PER_SECOND, start, nice };
}

function machineTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!; // cpu user nice system idle iowait …
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export function cpuSnapshot(roleOf: RoleOf): CpuSnapshot {
  const processes: CpuSnapshot['processes'] = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(entry, 'stat');
    const t = stat ? times(stat) : undefined;
    if (!t) continue;
    const cmdline = (readProc(entry, 'cmdline') ?? '').split('\0').join(' ').trim();
    if (!cmdline) continue; // a kernel thread
    const env = readProc(entry, 'environ');
    const hostname = env
      ?.split('\0')
      .find((e) => e.startsWith('HOSTNAME='))
      ?.slice('HOSTNAME='.length);
    // Niced work (e.g. a benchmark left running) only takes what the bed leaves idle: kept apart.
    const role = roleOf({ pid: Number(entry), cmdline, hostname }) ?? (t.nice > 0 ? 'other, niced' : 'other');
    processes.set(Number(entry), { role, seconds: t.seconds, start: t.start });
  }
  const m = machineTimes();
  return { at: Date.now(), busySeconds: m.busy, totalSeconds: m.total, processes };
}

export interface CpuUse {
  /** Wall-clock seconds between the snapshots. */
  wallSeconds: number;
  /** CPU seconds by role, highest first; `unaccounted` is busy time no process seen at the end had. */
  byRole: Array<{ role: string; seconds: number }>;
  /** Machine-wide busy seconds and capacity (cores × wall seconds). */
  busySeconds: number;
  capacitySeconds: number;
}

export function cpuUse(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const byRole = new Map<string, number>();
  for (const [pid, p] of after.processes) {
    const b = before.processes.get(pid);
    // The same pid with another start time is a new process (pids are reused).
    const base = b && b.start === p.start ? b.seconds : 0;
    byRole.set(p.role, (byRole.get(p.role) ?? 0) + Math.max(0, p.seconds - base));
  }
  const busySeconds = after.busySeconds - before.busySeconds;
  const seen = [...byRole.values()].reduce((a, b) => a + b, 0);
  if (busySeconds - seen > 0) byRole.set('unaccounted', busySeconds - seen);
  return {
    wallSeconds: (after.at - before.at) / 1000,
    byRole: [...byRole].map(([role, seconds]) => ({ role, seconds })).sort((a, b) => b.seconds - a.seconds),
    busySeconds,
    capacitySeconds: after.totalSeconds - before.totalSeconds,
  };
}

/** The bed's host servers by their program's name (argv[0]'s last path element). */
const SERVERS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'kubelet',
  'containerd',
  'coredns',
  'kwok',
  'nats-server',
  'redis-server',
  'minio',
];

/** The program's name of a command line: argv[0]'s last path element. */
export function programOf(cmdline: string): string {
  const argv0 = cmdline.split(' ')[0] ?? '';
  return argv0.slice(argv0.lastIndexOf('/') + 1);
}

/** A host server of the bed (by program name), or undefined. */
export function bedServer(p: ProcessInfo): string | undefined {
  const program = programOf(p.cmdline);
  if (program.startsWith('containerd-shim')) return 'containerd';
  return SERVERS.includes(program) ? program : undefined;
}
