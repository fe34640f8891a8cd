/**
 * The `operator-kwok` section of docs/benchmarks.md (kwok.ts): the tables of the figures and the notes
 * on what they say.
 */
import { inject } from './kwok-context.js';
import { METRICS_GRACE_MS } from '../../operator/controller/trial/phase.js';
import type { Figures } from './kwok-figures.js';
import { fmtMb, fmtMs, MemoryTracker, pct } from './kwok-lib.js';

const rate = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

const perTrial = (f: Figures, k: string): string => ((f.writes[k] ?? 0) / Math.max(1, f.trials)).toFixed(1);
const ratePerS = (f: Figures, k: string): string => ((f.writes[k] ?? 0) / f.durationS).toFixed(1);
const jobControllerRequests = (f: Figures): number =>
  (f.writes['POST pods'] ?? 0) + (f.writes['PATCH pods'] ?? 0) + (f.writes['PUT jobs/status'] ?? 0);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** What the figures say, from the figures (so a new run states its own numbers). */
function notes(all: Figures[]): string[] {
  const ends = all.filter((f) => !f.createdOnly);
  const burst = all.find((f) => f.createdOnly);
  const a = all.find((f) => f.label.startsWith('(a)'));
  const stage = (f: Figures, name: string) => f.stages.find(([n]) => n.startsWith(name))?.[1] ?? [];
  const out: string[] = [];
  if (ends.length) {
    const jc = ends.map(
      (f) => `${(jobControllerRequests(f) / f.durationS).toFixed(1)}/s in ${f.label.slice(0, 3)}`,
    );
    out.push(
      `**End to end, the bed's two cores set the pace.** The API server, etcd, kube-controller-manager (started with ` +
        `\`--kube-api-qps 200 --kube-api-burst 400 --concurrent-job-syncs 50\`: its defaults of 20 requests/s and 5 Job ` +
        `workers had left a Job ~17 s without its Pod), the scheduler, kwok, the operator, samplerd and this benchmark all ` +
        `share them, and every stage slows together: a Trial waits ${ends
          .map((f) => `${fmtMs(pct(stage(f, 'Trial → its Job'), 50))} (p50, ${f.label.slice(0, 3)})`)
          .join(', ')} for its Job, a Job ${ends
          .map((f) => fmtMs(pct(stage(f, 'Job → its Pod'), 50)))
          .join(' / ')} for its Pod, a Pod ${ends
          .map((f) => fmtMs(pct(stage(f, 'Pod → bound'), 50)))
          .join(' / ')} to be bound and ${ends
          .map((f) => fmtMs(pct(stage(f, 'bound → trainer running'), 50)))
          .join(' / ')} for kwok to run it; the operator turns a finished trial into the next Trial in ` +
        `${ends.map((f) => fmtMs(pct(f.turnaround, 50))).join(' / ')} (turnaround p50). kube-controller-manager's requests ran at ` +
        `${jc.join(', ')} (${ends.map((f) => ((jobControllerRequests(f) + (f.writes['POST events'] ?? 0)) / f.trials).toFixed(1)).join(' / ')} ` +
        `per trial with its Events). So about ${ends.map((f) => rate(f.finishedPerSec)).join(' / ')} trials finish, and as many are ` +
        `created, per second: the 50 trials/s target is not reached end to end on this machine, only as a burst (below).`,
    );
  }
  if (burst || a) {
    const parts: string[] = [];
    if (a)
      parts.push(
        `the first ${a.label.includes('200') ? 200 : 'batch of'} trials of (a) in ${fmtMs(a.firstBatchMs)} after the HPOJob was applied (peak ${a.peakPerSec} in one second)`,
      );
    if (burst)
      parts.push(
        `${burst.trials} at once in (c) at ${rate(burst.createdPerSec)} trials/s (peak ${burst.peakPerSec} in one second; Jobs created ${burst.writes['POST jobs']})`,
      );
    out.push(
      `**The operator's own creation rate** is seen when nothing waits for trials to finish: ${parts.join('; ')}. ` +
        `That is above the 50 trials/s target for one job; it is a burst, paid by one HPOJob reconcile at a time.`,
    );
  }
  if (a) {
    const t = a.reconcileThirds;
    out.push(
      `**The operator's writes per trial**: ${perTrial(a, 'PATCH trials/status')} Trial status ` +
        `writes (${a.writes['PATCH trials/status']} for ${a.trials} trials; the statuses the watch saw most often, for ` +
        `${a.commonStatuses[1]} trials: ${a.commonStatuses[0]}; ${a.modifiedPerTrial.toFixed(1)} writes per trial changed the ` +
        `Trial), ${perTrial(a, 'hpojobs/status writes')} HPOJob ` +
        `status writes, and ${(a.reconciles['trial reconciles'] ?? 0) / a.trials > 0 ? ((a.reconciles['trial reconciles'] ?? 0) / a.trials).toFixed(1) : '?'} trial ` +
        `reconciles. The HPOJob reconcile of the one big job took ${t.map((x) => `${fmtMs(x.hpojobMs)} (trials ${x.trials})`).join(', ')} ` +
        `on average, and the leader spent ${t.map((x) => `${Math.round(x.hpojobBusy * 100)} %`).join(' / ')} of the ` +
        `wall-clock time in HPOJob reconciles (their summed durations, every HPOJob on the bed): a reconcile's cost grows with the ` +
        `trials its job has, and one job's reconciles never overlap, so one HPOJob with thousands of trials cannot be reconciled ` +
        `much more than ${Number.isFinite(t[2]?.hpojobMs ?? NaN) ? Math.floor(1000 / t[2]!.hpojobMs) : '?'} times a second here; ` +
        `each pass handles every change since the last one, which is why it keeps up at this rate. Trial reconciles averaged ${t.map((x) => fmtMs(x.trialMs)).join(' / ')}.`,
    );
    out.push(
      `**Memory**: the leader went from ${fmtMb(a.mem.leader.peak?.startRssKb)} to ${fmtMb(a.mem.leader.maxRssKb)} RSS over the ` +
        `${a.trials} trials of (a) (its V8 heap: at most ${mb(a.heap.usedMax)} used, ${mb(a.heap.totalMax)} reserved; the rest of the RSS ` +
        `is native memory, which V8 and malloc do not give back), the standby, which ` +
        `only keeps the informer caches, to ${fmtMb(a.mem.standby.maxRssKb)}. Every Trial, Job and Pod of a job stays cached ` +
        `until the HPOJob is deleted (finished trials keep their Job and Pod, for \`kubectl logs\`), trimmed to what the reconcilers ` +
        `read (operator/controller/trim.ts), so the operator's memory grows with the number of trials it has seen; ${a.mem.leader.maxRssKb / 1024 > 300 ? 'the 300 MB target is missed at 2,000 trials' : 'the 300 MB target holds at this size'}. ` +
        `samplerd stayed at ${fmtMb(a.mem.samplerd.maxRssKb)} (target 200 MB met).`,
    );
  }
  for (const f of all.filter((x) => x.disturbances.leaderLost.length))
    out.push(
      `**${f.label.slice(0, 3)}: the leader lost its Lease under load** (${f.disturbances.leaderLost.join('; ')}); the longest ` +
        `pause in Trial creation was ${fmtMs(f.longestGap.ms)} from ${f.longestGap.at}. See the report of this run for the ` +
        `elector's part in it: a replica that steps down campaigns again after its elector was stopped.`,
    );
  const top = a?.suggest.at(-1);
  if (a && top && top.n > 0)
    out.push(
      `**TPE does not dominate**: at ${top.range} observations samplerd took ${fmtMs(top.sdP50)} per request ` +
        `(${fmtMs(top.perSuggestionP50)} per suggestion, replaying the new observations included), while the operator's ` +
        `round trip was ${fmtMs(top.rtP50)} (p50) and a trial spent ${fmtMs(pct(a.stages.find(([n]) => n.startsWith('Job → its Pod'))?.[1] ?? [], 50))} ` +
        `waiting for its Pod. So the runs use TPE only; \`--samplers tpe,random\` repeats (a) with random.`,
    );
  const lists = all.map((f) => f.listDelta['trials (all namespaces)'] ?? 0);
  const nsLists = all.map((f) => f.listDelta['trials (one namespace)'] ?? 0);
  out.push(
    `**No reconcile lists trials from the API server**: during the runs the API server served ${lists.join(' / ')} LIST of ` +
      `trials across namespaces (the informers' only kind of list; a re-list after a 410 would show here) and ${nsLists.join(' / ')} in ` +
      `one namespace, against ${all.map((f) => f.writes['PATCH trials/status']).join(' / ')} Trial status writes. The reconcilers read the caches.`,
  );
  return out;
}

export function section(
  all: Figures[],
  context: { date: string; machine: string; versions: string },
): string {
  const row = (f: Figures) =>
    `| ${f.label} | ${f.trials}${f.timedOut ? ' (timed out)' : ''} | ${rate(f.createdPerSec)} | ${rate(f.createdPerSecSteady)} | ${f.peakPerSec} | ${rate(f.finishedPerSec)} | ${fmtMs(f.e2eMs)}${f.jobE2eP50 !== undefined ? ` (p50 of a job ${fmtMs(f.jobE2eP50)})` : ''} | ${fmtMs(pct(f.turnaround, 50))} / ${fmtMs(pct(f.turnaround, 99))} |`;
  const memCell = (m: MemoryTracker) => {
    const p = m.peak;
    const n = m.processes.size;
    return p
      ? `${fmtMb(p.startRssKb)} → ${fmtMb(p.maxRssKb)} (VmHWM ${fmtMb(p.hwmKb)})${n > 1 ? `, ${n} processes` : ''}`
      : '–';
  };
  const memRow = (f: Figures) =>
    `| ${f.label.slice(0, 3)} | ${memCell(f.mem.leader)} | ${mb(f.heap.usedMax)} / ${mb(f.heap.totalMax)} | ${memCell(f.mem.standby)} | ${memCell(f.mem.samplerd)} |`;
  const head = `| | ${all.map((f) => f.label.slice(0, 3)).join(' | ')} |\n|---|${all.map(() => '---:|').join('')}`;
  const stageNames = all[0]?.stages.map(([n]) => n) ?? [];
  const stageRows = stageNames.map(
    (name, i) =>
      `| ${name} | ${all.map((f) => `${fmtMs(pct(f.stages[i]![1], 50))} / ${fmtMs(pct(f.stages[i]![1], 99))}`).join(' | ')} |`,
  );
  const apiRows = Object.keys(all[0]?.listDelta ?? {}).map(
    (k) => `| LIST ${k} | ${all.map((f) => `${f.listDelta[k]} (WATCH ${f.watchDelta[k]})`).join(' | ')} |`,
  );
  const writeRows = Object.keys(all[0]?.writes ?? {}).map(
    (k) => `| ${k} | ${all.map((f) => `${f.writes[k]} (${ratePerS(f, k)}/s)`).join(' | ')} |`,
  );
  const opRows = [
    `| trial reconciles per trial | ${all.map((f) => ((f.reconciles['trial reconciles'] ?? 0) / Math.max(1, f.trials)).toFixed(1)).join(' | ')} |`,
    `| HPOJob reconciles per trial | ${all.map((f) => ((f.reconciles['hpojob reconciles'] ?? 0) / Math.max(1, f.trials)).toFixed(2)).join(' | ')} |`,
    `| reconcile errors | ${all.map((f) => f.reconciles['errors'] ?? 0).join(' | ')} |`,
    `| Trial status writes per trial | ${all.map((f) => perTrial(f, 'PATCH trials/status')).join(' | ')} |`,
    `| of which changed the Trial (watch MODIFIED events per trial) | ${all.map((f) => f.modifiedPerTrial.toFixed(1)).join(' | ')} |`,
    `| HPOJob status writes per trial | ${all.map((f) => perTrial(f, 'hpojobs/status writes')).join(' | ')} |`,
    ...[0, 1, 2].map(
      (i) =>
        `| mean reconcile, ${['first', 'second', 'last'][i]} third of the trials: HPOJob / Trial | ${all.map((f) => `${fmtMs(f.reconcileThirds[i]?.hpojobMs ?? NaN)} / ${fmtMs(f.reconcileThirds[i]?.trialMs ?? NaN)}`).join(' | ')} |`,
    ),
    `| deepest work queue: hpojob / trial | ${all.map((f) => `${f.mem.maxDepth['hpojob'] ?? '–'} / ${f.mem.maxDepth['trial'] ?? '–'}`).join(' | ')} |`,
  ];
  const cpuRows = cpuTable(all);
  const suggestRows = all.flatMap((f) =>
    f.suggest
      .filter((s) => s.n > 0)
      .map(
        (s) =>
          `| ${f.label.slice(0, 3)} | ${s.range} | ${s.n} | ${fmtMs(s.rtP50)} / ${fmtMs(s.rtP99)} | ${fmtMs(s.sdP50)} | ${fmtMs(s.perSuggestionP50)} |`,
      ),
  );
  const outcome = all.map((f) =>
    f.createdOnly
      ? `- ${f.label}: all ${f.trials} Trials existed ${fmtMs(f.e2eMs)} after the HPOJob was applied; the run stops there (the Job controller had created ${f.writes['POST pods']} Pods by then).`
      : `- ${f.label}: ${f.succeeded} of ${f.trials} trials Succeeded${f.withoutObjective ? ` (${f.withoutObjective} without an objective, ${f.withoutObjectiveLate} of them because this program sent their metrics more than ${METRICS_GRACE_MS / 1000} s after the trainer's finishedAt, ${f.lateFirstSeenFinished} of which its pod watch first saw already finished; watch restarts: ${f.watchRestarts})` : ''}` +
        `${Object.keys(f.notSucceeded).length ? `, the others ${JSON.stringify(f.notSucceeded)}` : ''}; ` +
        `HPOJobs: ${f.phases.length > 3 ? `${f.phases.filter((p) => p.includes('Succeeded')).length} of ${f.phases.length} Succeeded` : f.phases.join(', ')}` +
        `${f.injectErrors ? `; ${f.injectErrors} metric publishes failed` : ''}` +
        `${f.warnings.length ? `; the operator warned: ${f.warnings.map(([m, c]) => `${m} ×${c}`).join(', ')}` : '; no operator warnings'}` +
        `${f.disturbances.leaseTransitions ? `; the Lease changed hands ${f.disturbances.leaseTransitions} time(s) (leaders: ${f.disturbances.leaders.join(', ')})` : ''}` +
        `${f.disturbances.leaderLost.length ? `; leadership lost: ${f.disturbances.leaderLost.join('; ')}` : ''}` +
        `${f.disturbances.others.length ? `; other workloads on the bed meanwhile: namespaces ${f.disturbances.others.join(', ')}` : ''}.`,
  );
  return `## Operator at scale on kwok fake nodes

Generated by \`npm run bench:operator -- --kwok\` on ${context.date}: ${context.machine}; ${context.versions}. One run of each.

**How it is measured.** \`bench/operator/kwok-up.sh\` starts kwok against the bed's API server with 20 fake nodes
(label and taint \`kwok.x-k8s.io/node=fake\`, 1,000 CPUs and 1,000 pods each) and our Stages
(\`bench/operator/kwok-stages.yaml\`): a pod bound to a fake node runs 0.1–0.3 s later (the agent sidecar and the
trainer running), and a Job's pod ends \`Succeeded\`, every container terminated with exit code 0, 1–1.5 s after
that. The operator is the installed one (\`kubectl apply -k manifests/overlays/testbed\`: 2 replicas, 16 workers per
controller), and so is samplerd; the HPOJobs (one float parameter, TPE) have a pod template that tolerates the taint
and selects the fake nodes. No agent runs in a fake pod: the benchmark plays it, publishing each pod's \`report\`
(loss = (x − 0.3)²) and \`end\` on NATS with the agent's subjects and message ids
${inject === 'added' ? 'as soon as the pod appears' : 'once its trainer runs'}. Runs: (a) one HPOJob of 2,000 trials at
parallelism 200; (b) 20 HPOJobs of 100 trials at once, parallelism 10 each; (c) one HPOJob of 1,000 trials at
parallelism 1,000, stopped once every Trial exists (the operator's creation rate alone). Times are watch events
seen by the benchmark: *created/s* is (trials − 1) / (last − first Trial ADDED); *after the first batch* leaves
out the first \`parallelism\` trials, which are created at once; *peak* is the most Trials ADDED in one second;
*turnaround* is a job's k-th finished trial to its (parallelism + k)-th Trial. Memory is VmRSS of the processes
on this host (found by HOSTNAME=<pod> in /proc) sampled every second, VmHWM at the end, and the leader's V8 heap from
its /metrics. API requests are \`apiserver_request_total\` deltas over a run: they count every client of the bed
(kwok, the benchmark's watches, the lead's tests if any ran). Targets: ≥ 50 trials created per second, operator RSS
≤ 300 MB, samplerd ≤ 200 MB.

| run | trials | created/s | created/s after the first batch | peak /s | finished/s | end to end | turnaround p50 / p99 |
|---|---:|---:|---:|---:|---:|---:|---:|
${all.map(row).join('\n')}

| memory | leader RSS: start → max | leader V8 heap used / reserved (max) | standby RSS | samplerd RSS |
|---|---:|---:|---:|---:|
${all.map(memRow).join('\n')}

Where a trial's time goes (p50 / p99):

${head}
${stageRows.join('\n')}

The operator's work (leader's /metrics, API server counts):

${head}
${opRows.join('\n')}

Where the machine's CPU went, from the HPOJobs' apply to the run's end (user + system time of each process
from /proc, in CPU seconds and CPU milliseconds per trial; \`unaccounted\` is busy time of processes that
ended during the run, such as \`kubectl\` calls and container runtimes' helpers; \`other\` is everything
else on the machine):

${head}
${cpuRows.join('\n')}

API server requests during each run:

${head}
${apiRows.join('\n')}
${writeRows.join('\n')}

Suggestions: the operator's round trip (request published → its Trials exist, from its \`suggestions committed\` log
lines) and samplerd's time per request and per suggestion (its \`answered\` lines), by the job's observations:

| run | observations | requests | round trip p50 / p99 | samplerd per request (p50) | per suggestion (p50) |
|---|---|---:|---:|---:|---:|
${suggestRows.join('\n')}

${outcome.join('\n')}

### What the numbers mean

${notes(all).join('\n\n')}
`;
}

/** CPU seconds (and ms per trial) by component, the roles in the first run's order, then the rest. */
function cpuTable(all: Figures[]): string[] {
  const roles: string[] = [];
  for (const f of all) for (const r of f.cpu.byRole) if (!roles.includes(r.role)) roles.push(r.role);
  const cell = (f: Figures, role: string): string => {
    const s = f.cpu.byRole.find((r) => r.role === role)?.seconds ?? 0;
    return `${s.toFixed(1)} s (${((s * 1000) / Math.max(1, f.trials)).toFixed(0)} ms)`;
  };
  return [
    ...roles.map((role) => `| ${role} | ${all.map((f) => cell(f, role)).join(' | ')} |`),
    `| machine busy / capacity (cores × wall time) | ${all
      .map(
        (f) =>
          `${f.cpu.busySeconds.toFixed(0)} s / ${f.cpu.capacitySeconds.toFixed(0)} s (${((100 * f.cpu.busySeconds) / Math.max(1, f.cpu.capacitySeconds)).toFixed(0)} %)`,
      )
      .join(' | ')} |`,
  ];
}
