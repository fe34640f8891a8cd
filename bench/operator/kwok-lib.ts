/**
 * Helpers of the kwok benchmark (kwok.ts): statistics, Prometheus text, a restartable watch, and the
 * memory of a pod's process read from /proc on this host (the bed's containers are host processes).
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { podProcesses } from '../../e2e/lib/processes.js';

export const now = (): number => performance.timeOrigin + performance.now();

export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export const fmtMs = (ms: number): string =>
  !Number.isFinite(ms)
    ? '–'
    : ms >= 10_000
      ? `${(ms / 1000).toFixed(1)} s`
      : ms >= 1000
        ? `${(ms / 1000).toFixed(2)} s`
        : `${ms.toFixed(0)} ms`;

export const fmtMb = (kb: number | undefined): string =>
  kb === undefined || !Number.isFinite(kb) ? '–' : `${(kb / 1024).toFixed(0)} MB`;

/** One Prometheus sample: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export const sum = (samples: readonly Sample[], name: string, where: Record<string, string> = {}): number =>
  samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

/**
 * A watch that goes on after the API server or client-node's 30 s inactivity timeout closes it: it
 * resumes from the last resourceVersion (a 410 starts over, and the handler sees ADDED again).
 */
/** Per watched path: restarts of the watch, and how many of them began again from "now" after 410 Gone. */
export const watchRestarts = new Map<string, { restarts: number; gone: number; errors: string[] }>();

export function keepWatching(
  kc: k8s.KubeConfig,
  path: string,
  query: Record<string, string>,
  onEvent: (type: string, obj: k8s.KubernetesObject) => void,
): () => void {
  let stopped = false;
  let rv = '';
  let ctrl: AbortController | undefined;
  const stats = { restarts: 0, gone: 0, errors: [] as string[] };
  watchRestarts.set(path, stats);
  let started = false;
  const start = async (): Promise<void> => {
    if (stopped) return;
    if (started) stats.restarts++;
    started = true;
    ctrl = await new k8s.Watch(kc).watch(
      path,
      { ...query, allowWatchBookmarks: 'true', ...(rv ? { resourceVersion: rv } : {}) },
      (type: string, obj: k8s.KubernetesObject & { code?: number }) => {
        if (type === 'ERROR') {
          if (obj.code === 410) {
            rv = '';
            stats.gone++;
          }
          return;
        }
        rv = obj.metadata?.resourceVersion ?? rv;
        if (type !== 'BOOKMARK') onEvent(type, obj);
      },
      (err: unknown) => {
        if ((err as { statusCode?: number } | null)?.statusCode === 410) {
          rv = '';
          stats.gone++;
        }
        const why = err ? String(err).slice(0, 120) : 'ended';
        if (stats.errors.length < 5 && !stats.errors.includes(why)) stats.errors.push(why);
        if (!stopped) setTimeout(() => void start(), err ? 500 : 0);
      },
    );
  };
  void start();
  return () => {
    stopped = true;
    ctrl?.abort();
  };
}

/** VmRSS and VmHWM (peak RSS since the process started) of a pid, in kB. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The pid of a pod's process whose command line contains `match` (found by HOSTNAME=<pod>). */
export function podPid(pod: string, match: string): number | undefined {
  return podProcesses(pod, match)[0];
}

/** One process's memory over a run. */
export interface ProcessMemory {
  pod: string;
  pid: number;
  samples: number;
  startRssKb: number;
  maxRssKb: number;
  /** VmHWM at the last sample: the peak since the process started. */
  hwmKb: number;
}

/**
 * The memory of one role (the leader, the standby, samplerd) over a run, per process: a leader that
 * changes, or a replica that restarts, is a new process with its own figures.
 */
export class MemoryTracker {
  readonly processes = new Map<number, ProcessMemory>();

  track(pod: string | undefined, pid: number | undefined): void {
    if (pid === undefined || pod === undefined) return;
    const m = memoryOf(pid);
    if (!m) return;
    let p = this.processes.get(pid);
    if (!p)
      this.processes.set(pid, (p = { pod, pid, samples: 0, startRssKb: m.rssKb, maxRssKb: 0, hwmKb: 0 }));
    p.samples++;
    p.maxRssKb = Math.max(p.maxRssKb, m.rssKb);
    p.hwmKb = m.hwmKb;
  }

  /** The process with the highest RSS sampled. */
  get peak(): ProcessMemory | undefined {
    return [...this.processes.values()].sort((a, b) => b.maxRssKb - a.maxRssKb)[0];
  }
  get first(): ProcessMemory | undefined {
    return [...this.processes.values()][0];
  }
  get maxRssKb(): number {
    return this.peak?.maxRssKb ?? 0;
  }
}

/** Counts of `xs` (ms timestamps) per whole second from `t0`. */
export function perSecond(xs: readonly number[], t0: number): number[] {
  const out: number[] = [];
  for (const x of xs) {
    const i = Math.floor((x - t0) / 1000);
    if (i < 0) continue;
    while (out.length <= i) out.push(0);
    out[i]!++;
  }
  return out;
}
