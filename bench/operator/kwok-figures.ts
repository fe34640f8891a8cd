/**
 * The figures of a kwok benchmark run (kwok.ts), computed from what it saw, and their printout.
 */
import { fmtMb, fmtMs, pct, perSecond, sum, watchRestarts, type Sample } from './kwok-lib.js';
import { METRICS_GRACE_MS } from '../../operator/controller/trial/phase.js';
import type { CpuUse } from '../lib/cpu.js';
import type { RunReport } from './kwok-run.js';
import type { OpsPoint, Sampler } from './kwok-sampling.js';
import type { PodRec, TrialRec } from './kwok-watch.js';

export interface Figures {
  label: string;
  parallelism: number;
  createdOnly: boolean;
  trials: number;
  succeeded: number;
  withoutObjective: number;
  /**
   * Of those, the trials whose metrics this program sent more than METRICS_GRACE_MS after kwok's
   * finishedAt of the trainer: the operator had stopped waiting for them (the benchmark's lag, not the
   * operator's).
   */
  withoutObjectiveLate: number;
  /** Of those, the pods this program's watch first saw with the trainer already terminated. */
  lateFirstSeenFinished: number;
  /** This program's watches so far: restarts and 410 Gone by path (a restart after 410 begins at "now"). */
  watchRestarts: string;
  /** How late this program's pod watch delivered a pod's first event: p50 / p99 / max of added − creationTimestamp (ms; the timestamp has 1 s resolution). */
  podWatchLag: string;
  notSucceeded: Record<string, number>;
  createdPerSec: number;
  createdPerSecSteady: number;
  createdPerSecTs: number;
  peakPerSec: number;
  /** The longest time without a new Trial while the job still had trials to create, and when it began. */
  longestGap: { ms: number; at: string };
  /** The most common sequence of Trial statuses the watch saw, and for how many trials. */
  commonStatuses: [string, number];
  /** Trial MODIFIED events per trial. */
  modifiedPerTrial: number;
  firstBatchMs: number;
  finishedPerSec: number;
  e2eMs: number;
  /** From the first HPOJob applied to the last finished. */
  durationS: number;
  jobE2eP50?: number;
  stages: Array<[string, number[]]>;
  turnaround: number[];
  listDelta: Record<string, number>;
  watchDelta: Record<string, number>;
  writes: Record<string, number>;
  reconciles: Record<string, number>;
  suggest: Array<{
    range: string;
    n: number;
    rtP50: number;
    rtP99: number;
    sdP50: number;
    perSuggestionP50: number;
  }>;
  warnings: Array<[string, number]>;
  /** What else happened on the bed during the run. */
  disturbances: {
    others: string[];
    operatorPods: string[];
    leaders: string[];
    leaseTransitions: number;
    leaderLost: string[];
  };
  reconcileThirds: Array<{ trials: string; hpojobMs: number; trialMs: number; hpojobBusy: number }>;
  heap: { usedMax: number; totalMax: number; externalMax: number };
  /** CPU seconds by component over the run (bench/lib/cpu.ts). */
  cpu: CpuUse;
  mem: Sampler;
  timedOut: boolean;
  injectErrors: number;
  phases: string[];
}

const diff = (a: Sample[], b: Sample[], where: Record<string, string>): number =>
  sum(b, 'apiserver_request_total', where) - sum(a, 'apiserver_request_total', where);

/** `to − from` when both times are known. */
const between = (from: number | undefined, to: number | undefined): number | undefined =>
  from !== undefined && to !== undefined ? to - from : undefined;

export function figures(r: RunReport): Figures {
  const added = r.trials.map((t) => t.added).sort((a, b) => a - b);
  const n = added.length;
  const first = added[0] ?? NaN;
  const last = added.at(-1) ?? NaN;
  const parallel = r.specs.reduce((a, s) => a + s.parallelism, 0);
  const created = r.trials.map((t) => t.created).sort((a, b) => a - b);
  const perSec = perSecond(added, first);
  const finished = r.trials.flatMap((t) => (t.finished ? [t.finished] : [])).sort((a, b) => a - b);
  // A trial's pod: the one that succeeded, else its first.
  const podOf = new Map<string, PodRec>();
  for (const p of r.pods) {
    const prev = podOf.get(p.trial);
    if (!prev || (prev.succeeded === undefined && p.succeeded !== undefined)) podOf.set(p.trial, p);
  }
  const stage = (f: (t: TrialRec, p: PodRec | undefined, job: number | undefined) => number | undefined) =>
    r.trials.flatMap((t) => {
      const key = `${t.ns}/${t.job}-${t.index}`;
      const v = f(t, podOf.get(key), r.jobsAdded.get(key));
      return v === undefined || !Number.isFinite(v) ? [] : [v];
    });
  const noObjective = r.trials.filter((t) => t.phase === 'Succeeded' && t.objective === undefined);
  // Turnaround per job: the k-th finish of a job is followed by its (parallelism + k)-th trial.
  const turnaround: number[] = [];
  for (const s of r.specs) {
    const mine = r.trials.filter((t) => t.job === s.name);
    const ends = mine.flatMap((t) => (t.finished ? [t.finished] : [])).sort((a, b) => a - b);
    const adds = mine.map((t) => t.added).sort((a, b) => a - b);
    for (let k = 0; k < ends.length && s.parallelism + k < adds.length; k++) {
      const d = adds[s.parallelism + k]! - ends[k]!;
      if (d >= 0) turnaround.push(d);
    }
  }
  const trialsWhere = { group: 'ultron.dev', resource: 'trials' };
  const listDelta: Record<string, number> = {};
  const watchDelta: Record<string, number> = {};
  for (const [res, where] of [
    ['trials', trialsWhere],
    ['hpojobs', { group: 'ultron.dev', resource: 'hpojobs' }],
    ['jobs', { group: 'batch', resource: 'jobs' }],
    ['pods', { group: '', resource: 'pods' }],
  ] as const)
    for (const scope of ['cluster', 'namespace']) {
      const name = `${res} (${scope === 'cluster' ? 'all namespaces' : 'one namespace'})`;
      listDelta[name] = diff(r.apiBefore, r.apiAfter, { ...where, scope, verb: 'LIST' });
      watchDelta[name] = diff(r.apiBefore, r.apiAfter, { ...where, scope, verb: 'WATCH' });
    }
  const writes: Record<string, number> = {
    'POST trials': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'POST',
      subresource: '',
      dry_run: '',
    }),
    'PATCH trials/status': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'PATCH',
      subresource: 'status',
    }),
    'PATCH trials/status 409': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'PATCH',
      subresource: 'status',
      code: '409',
    }),
    'GET trials': diff(r.apiBefore, r.apiAfter, { ...trialsWhere, verb: 'GET' }),
    'POST trials 409': diff(r.apiBefore, r.apiAfter, {
      ...trialsWhere,
      verb: 'POST',
      dry_run: '',
      code: '409',
    }),
    'POST jobs': diff(r.apiBefore, r.apiAfter, {
      group: 'batch',
      resource: 'jobs',
      verb: 'POST',
      dry_run: '',
    }),
    'POST jobs 409': diff(r.apiBefore, r.apiAfter, {
      group: 'batch',
      resource: 'jobs',
      verb: 'POST',
      dry_run: '',
      code: '409',
    }),
    'hpojobs/status writes': diff(r.apiBefore, r.apiAfter, {
      group: 'ultron.dev',
      resource: 'hpojobs',
      subresource: 'status',
      verb: 'PATCH',
    }),
    // The Job controller's share: pods created, tracking finalizers removed, Job status updates.
    'POST pods': diff(r.apiBefore, r.apiAfter, {
      group: '',
      resource: 'pods',
      verb: 'POST',
      subresource: '',
    }),
    'PATCH pods': diff(r.apiBefore, r.apiAfter, {
      group: '',
      resource: 'pods',
      verb: 'PATCH',
      subresource: '',
    }),
    'PUT jobs/status': diff(r.apiBefore, r.apiAfter, {
      group: 'batch',
      resource: 'jobs',
      verb: 'PUT',
      subresource: 'status',
    }),
    'POST events': diff(r.apiBefore, r.apiAfter, { resource: 'events', verb: 'POST' }),
  };
  // The leader's counters over the run, from its /metrics every 5 s: a new leader process starts them
  // at 0 again, so only steps between two samples of the same pod count.
  const inc = (f: (o: OpsPoint) => number, from = 0, to = r.sampler.ops.length - 1): number => {
    let total = 0;
    for (let k = from + 1; k <= to; k++) {
      const a = r.sampler.ops[k - 1]!;
      const b = r.sampler.ops[k]!;
      if (a.pod === b.pod) total += Math.max(0, f(b) - f(a));
    }
    return total;
  };
  const reconciles: Record<string, number> = {
    'trial reconciles': inc((o) => o.trialCount),
    'hpojob reconciles': inc((o) => o.hpojobCount),
    errors: inc((o) => o.errors),
  };
  // Suggestion round trip (operator: request published → Trials exist) and samplerd's time per request.
  const names = new Set(r.specs.map((s) => s.name));
  const committed = r.leaderLogs.filter(
    (l) => l.msg === 'suggestions committed' && names.has(l.hpojob ?? ''),
  );
  const answered = new Map(
    r.samplerdLogs.filter((l) => l.msg === 'answered' && l.requestId).map((l) => [l.requestId!, l]),
  );
  const maxObs = Math.max(0, ...committed.map((c) => c.observations ?? 0));
  const ranges: Array<[number, number]> =
    maxObs < 300
      ? [[0, maxObs]]
      : [
          [0, 50],
          [Math.round(maxObs / 2) - 50, Math.round(maxObs / 2) + 50],
          [maxObs - 100, maxObs],
        ];
  const suggest = ranges.map(([lo, hi]) => {
    const c = committed.filter((x) => (x.observations ?? -1) >= lo && (x.observations ?? -1) <= hi);
    const sd = c.flatMap((x) => {
      const a = answered.get(x.requestId ?? '');
      return a?.ms !== undefined ? [{ ms: a.ms, k: a.indices?.length ?? x.trials ?? 1 }] : [];
    });
    return {
      range: `${lo}–${hi}`,
      n: c.length,
      rtP50: pct(
        c.map((x) => x.roundTripMs ?? NaN),
        50,
      ),
      rtP99: pct(
        c.map((x) => x.roundTripMs ?? NaN),
        99,
      ),
      sdP50: pct(
        sd.map((x) => x.ms),
        50,
      ),
      perSuggestionP50: pct(
        sd.map((x) => x.ms / Math.max(1, x.k)),
        50,
      ),
    };
  });
  const warnCounts = new Map<string, number>();
  for (const l of r.leaderLogs) {
    const lvl = typeof l.level === 'number' ? l.level : ({ warn: 40, error: 50 }[String(l.level)] ?? 30);
    if (lvl >= 40) warnCounts.set(l.msg ?? '?', (warnCounts.get(l.msg ?? '?') ?? 0) + 1);
  }
  // The leader's mean reconcile time over the first, second and last third of the trials created.
  const ops = r.sampler.ops;
  const cut = (frac: number) => ops.find((o) => o.trials >= frac * n) ?? ops.at(-1);
  const marks = [ops[0], cut(1 / 3), cut(2 / 3), ops.at(-1)];
  const idx = (o: OpsPoint | undefined) => (o ? ops.indexOf(o) : -1);
  const reconcileThirds = [0, 1, 2].map((i) => {
    const a = idx(marks[i]);
    const b = idx(marks[i + 1]);
    const mean = (sumOf: (o: OpsPoint) => number, countOf: (o: OpsPoint) => number) => {
      const dc = inc(countOf, a, b);
      return a >= 0 && dc > 0 ? (inc(sumOf, a, b) / dc) * 1000 : NaN;
    };
    const span = a >= 0 && b > a ? (ops[b]!.t - ops[a]!.t) / 1000 : NaN;
    return {
      trials: `${marks[i]?.trials ?? '?'}–${marks[i + 1]?.trials ?? '?'}`,
      hpojobMs: mean(
        (o) => o.hpojobSum,
        (o) => o.hpojobCount,
      ),
      trialMs: mean(
        (o) => o.trialSum,
        (o) => o.trialCount,
      ),
      hpojobBusy: inc((o) => o.hpojobSum, a, b) / span,
    };
  });
  const heap = {
    usedMax: Math.max(0, ...ops.map((o) => o.heapUsed)),
    totalMax: Math.max(0, ...ops.map((o) => o.heapTotal)),
    externalMax: Math.max(0, ...ops.map((o) => o.external)),
  };
  const seqCount = new Map<string, number>();
  for (const t of r.trials) {
    const k = t.statuses.join(' → ');
    seqCount.set(k, (seqCount.get(k) ?? 0) + 1);
  }
  const commonStatuses = [...seqCount].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
  const notSucceeded: Record<string, number> = {};
  for (const t of r.trials)
    if (t.phase !== 'Succeeded') notSucceeded[t.phase ?? 'none'] = (notSucceeded[t.phase ?? 'none'] ?? 0) + 1;
  const late = noObjective.flatMap((t) => {
    const p = podOf.get(`${t.ns}/${t.job}-${t.index}`);
    return p?.injected !== undefined &&
      p.trainerFinishedAt !== undefined &&
      p.injected > p.trainerFinishedAt + METRICS_GRACE_MS
      ? [p]
      : [];
  });
  const jobE2e = [...r.views.values()].flatMap((v) => (v.seenFinished ? [v.seenFinished - r.applied] : []));
  const steadyFrom = added[Math.min(parallel, n - 1)] ?? first;
  return {
    label: r.label,
    parallelism: parallel,
    createdOnly: r.createdOnly,
    trials: n,
    succeeded: r.trials.filter((t) => t.phase === 'Succeeded').length,
    withoutObjective: noObjective.length,
    withoutObjectiveLate: late.length,
    lateFirstSeenFinished: late.filter((p) => p.firstSeenFinished).length,
    watchRestarts: [...watchRestarts]
      .map(
        ([path, w]) =>
          `${path.split('/').at(-1)} ${w.restarts} (${w.gone} after 410${w.errors.length ? `; ${w.errors.join(' | ')}` : ''})`,
      )
      .join(', '),
    podWatchLag: ((lags: number[]) =>
      lags.length
        ? `${fmtMs(pct(lags, 50))} / ${fmtMs(pct(lags, 99))} / ${fmtMs(Math.max(...lags))}`
        : 'n/a')(r.pods.flatMap((p) => (p.created === undefined ? [] : [p.added - p.created]))),
    notSucceeded,
    createdPerSec: n > 1 ? (n - 1) / ((last - first) / 1000) : NaN,
    createdPerSecSteady: n > parallel + 1 ? (n - 1 - parallel) / ((last - steadyFrom) / 1000) : NaN,
    createdPerSecTs: n > 1 ? n / ((created.at(-1)! - created[0]!) / 1000 + 1) : NaN,
    commonStatuses,
    modifiedPerTrial: r.trials.reduce((x, t) => x + t.modified, 0) / Math.max(1, n),
    peakPerSec: Math.max(0, ...perSec),
    longestGap: added
      .slice(1)
      .reduce(
        (g, t, k) =>
          t - added[k]! > g.ms
            ? { ms: t - added[k]!, at: new Date(added[k]!).toISOString().slice(11, 19) }
            : g,
        { ms: 0, at: '' },
      ),
    firstBatchMs: (added[Math.min(parallel, n) - 1] ?? NaN) - r.applied,
    finishedPerSec: finished.length > 1 ? finished.length / ((finished.at(-1)! - r.applied) / 1000) : NaN,
    e2eMs: Math.max(...jobE2e, 0) || r.ended - r.applied,
    durationS: (r.ended - r.applied) / 1000,
    ...(r.specs.length > 1 ? { jobE2eP50: pct(jobE2e, 50) } : {}),
    stages: [
      ['Trial → its Job (operator)', stage((t, _p, j) => between(t.added, j))],
      ['Job → its Pod (Job controller)', stage((_t, p, j) => (p ? between(j, p.added) : undefined))],
      ['Pod → bound (scheduler)', stage((_t, p) => between(p?.added, p?.bound))],
      ['bound → trainer running (kwok)', stage((_t, p) => between(p?.bound, p?.running))],
      ['running → Pod Succeeded (kwok delay)', stage((_t, p) => between(p?.running, p?.succeeded))],
      ['metrics injected → acked (this program)', stage((_t, p) => between(p?.injected, p?.injectedAck))],
      ['Pod Succeeded → Trial Succeeded (operator)', stage((t, p) => between(p?.succeeded, t.finished))],
      ['Trial created → Trial finished', stage((t) => between(t.added, t.finished))],
    ],
    turnaround,
    listDelta,
    watchDelta,
    writes,
    reconciles,
    suggest,
    reconcileThirds,
    heap,
    disturbances: {
      others: [...r.sampler.others],
      operatorPods: [...r.sampler.podsSeen],
      leaders: [...r.sampler.leaders],
      leaseTransitions: r.leaseTransitions,
      leaderLost: r.leaderLogs
        .filter((l) => (l.msg ?? '').startsWith('stopped leading'))
        .map((l) => `${l.time?.slice(11, 19) ?? '?'} ${l.pod ?? '?'}: ${l.reason ?? ''}`),
    },
    warnings: [...warnCounts].sort((a, b) => b[1] - a[1]).slice(0, 6),
    mem: r.sampler,
    timedOut: r.timedOut,
    injectErrors: r.injectErrors,
    cpu: r.cpu,
    phases: [...r.views].map(([k, v]) => `${k.split('/')[1]}: ${v.phase ?? '?'} ${v.status?.progress ?? ''}`),
  };
}

export function printFigures(f: Figures): void {
  console.log(`\n== ${f.label}`);
  console.log(JSON.stringify({ ...f, mem: undefined, stages: undefined, turnaround: undefined }, null, 1));
  for (const [name, xs] of f.stages)
    console.log(`  ${name}: n=${xs.length} p50 ${fmtMs(pct(xs, 50))} p99 ${fmtMs(pct(xs, 99))}`);
  console.log(
    `  turnaround: n=${f.turnaround.length} p50 ${fmtMs(pct(f.turnaround, 50))} p99 ${fmtMs(pct(f.turnaround, 99))}`,
  );
  for (const [name, m] of [
    ['operator leader', f.mem.leader],
    ['operator standby', f.mem.standby],
    ['samplerd', f.mem.samplerd],
  ] as const)
    for (const p of m.processes.values())
      console.log(
        `  ${name} ${p.pod} (pid ${p.pid}): RSS ${fmtMb(p.startRssKb)} → max ${fmtMb(p.maxRssKb)}, ` +
          `VmHWM ${fmtMb(p.hwmKb)}, ${p.samples} samples`,
      );
}
