/**
 * What the operator knows of each trial's metrics, from the pod agents' messages on
 * `ultron.metrics.<job uid>.<index>` (ARCHITECTURE §5). It is rebuilt by replaying the stream when an
 * operator starts leading, so it is a cache, never the only copy; early stopping reads it, not the Trial
 * status (which is written at most about once a second).
 */
import type { CheckpointsOffReason, MetricMessage } from '../bus/index.js';

export interface StepValues {
  step: number;
  values: Record<string, number>;
}

export interface TrialMetrics {
  /** One entry per step, ascending; a re-reported step (after a resume) replaces the earlier one. */
  steps: StepValues[];
  /** The latest value of every metric. */
  latest: Record<string, number>;
  step?: number;
  malformed: number;
  /** Pods whose agent sent `end`: every metric line of that pod has arrived. */
  endedPods: Set<string>;
  /** The newest checkpoint step the agents stored. */
  checkpoint?: { step: number; uri: string; at: string };
  /**
   * A pod whose agent had no object store although the job wants checkpoints; cleared when a later pod's
   * agent stores a step (the Secret was created meanwhile).
   */
  checkpointsOff?: { pod: string; reason: CheckpointsOffReason; message: string };
  /**
   * When each stored step was completed by the trainer (epoch ms, ascending; the upload time when the
   * agent could not tell): what a pre-emption lost is measured from them.
   */
  checkpointTimes: number[];
  /**
   * Per pod (uid), when the server stored its agent's newest message or the operator received its newest
   * heartbeat (epoch ms): for a pod lost with its node, whose trainer's end is never reported, the last
   * moment it is known to have trained.
   */
  lastHeard: Map<string, number>;
  /** Per pod (uid), when its agent was told to stop (its `end`'s stoppedAt, epoch ms). */
  stoppedAt: Map<string, number>;
  /** Counts the messages that changed this entry: what was derived from it is stale when it moved. */
  revision: number;
}

/** Announcements kept per trial for the pre-emption figures; older ones no longer matter. */
const MAX_CHECKPOINT_TIMES = 256;

const key = (jobUid: string, index: number): string => `${jobUid}/${index}`;

export class MetricsStore {
  private readonly trials = new Map<string, TrialMetrics>();
  private readonly byJob = new Map<string, Set<number>>();
  /** Messages already applied, by (pod, line): the stream may hold a re-published line twice. */
  private readonly seenLines = new Map<string, Set<string>>();

  get(jobUid: string, index: number): TrialMetrics | undefined {
    return this.trials.get(key(jobUid, index));
  }

  /** A heartbeat of pod `pod` received at `at` (epoch ms): it was alive then. */
  heard(jobUid: string, index: number, pod: string, at: number): void {
    const t = this.entry(jobUid, index);
    if (at > (t.lastHeard.get(pod) ?? 0)) t.lastHeard.set(pod, at);
  }

  private entry(jobUid: string, index: number): TrialMetrics {
    const k = key(jobUid, index);
    let t = this.trials.get(k);
    if (!t) {
      t = {
        steps: [],
        latest: {},
        malformed: 0,
        endedPods: new Set(),
        checkpointTimes: [],
        lastHeard: new Map(),
        stoppedAt: new Map(),
        revision: 0,
      };
      this.trials.set(k, t);
      let set = this.byJob.get(jobUid);
      if (!set) this.byJob.set(jobUid, (set = new Set()));
      set.add(index);
    }
    return t;
  }

  /** Applies one agent message; returns whether anything changed. */
  apply(jobUid: string, index: number, msg: MetricMessage, storedAt?: number): boolean {
    const t = this.entry(jobUid, index);
    const changed = this.applyTo(t, key(jobUid, index), msg, storedAt);
    if (changed) t.revision++;
    return changed;
  }

  private applyTo(t: TrialMetrics, k: string, msg: MetricMessage, storedAt: number | undefined): boolean {
    if (storedAt !== undefined && storedAt > (t.lastHeard.get(msg.pod) ?? 0))
      t.lastHeard.set(msg.pod, storedAt);
    if (msg.kind === 'end') {
      if (t.endedPods.has(msg.pod)) return false;
      t.endedPods.add(msg.pod);
      if (msg.stoppedAt) t.stoppedAt.set(msg.pod, Date.parse(msg.stoppedAt));
      return true;
    }
    if (msg.kind === 'checkpoints-off') {
      if (t.checkpointsOff?.pod === msg.pod) return false;
      t.checkpointsOff = { pod: msg.pod, reason: msg.reason, message: msg.message };
      return true;
    }
    if (msg.kind === 'checkpoint') {
      if (t.checkpointsOff && t.checkpointsOff.pod !== msg.pod) delete t.checkpointsOff;
      const at = Date.parse(msg.completedAt ?? msg.at);
      const times = t.checkpointTimes;
      if (times.includes(at)) return false;
      const after = times.findIndex((x) => x > at);
      times.splice(after < 0 ? times.length : after, 0, at);
      if (times.length > MAX_CHECKPOINT_TIMES) times.shift();
      if (t.checkpoint && t.checkpoint.step > msg.step) return true;
      t.checkpoint = { step: msg.step, uri: msg.uri, at: msg.at };
      return true;
    }
    let seen = this.seenLines.get(k);
    if (!seen) this.seenLines.set(k, (seen = new Set()));
    const line = `${msg.pod}:${msg.line}`;
    if (seen.has(line)) return false;
    seen.add(line);
    if (msg.kind === 'malformed') {
      t.malformed++;
      return true;
    }
    const step = msg.step ?? (t.step ?? 0) + 1;
    t.step = step;
    Object.assign(t.latest, msg.values);
    const at = t.steps.findIndex((s) => s.step >= step);
    const entry = { step, values: { ...msg.values } };
    if (at < 0) t.steps.push(entry);
    else if (t.steps[at]!.step === step)
      t.steps[at] = { step, values: { ...t.steps[at]!.values, ...msg.values } };
    else t.steps.splice(at, 0, entry);
    return true;
  }

  /** The objective metric's reports, ascending by step. */
  reports(jobUid: string, index: number, metric: string): Array<{ step: number; value: number }> {
    const t = this.get(jobUid, index);
    if (!t) return [];
    return t.steps.flatMap((s) =>
      s.values[metric] !== undefined ? [{ step: s.step, value: s.values[metric]! }] : [],
    );
  }

  forgetJob(jobUid: string): void {
    for (const index of this.byJob.get(jobUid) ?? []) {
      this.trials.delete(key(jobUid, index));
      this.seenLines.delete(key(jobUid, index));
    }
    this.byJob.delete(jobUid);
  }

  /** Trials with metrics, for the memory figures. */
  get size(): number {
    return this.trials.size;
  }
}
