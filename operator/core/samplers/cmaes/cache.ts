/**
 * A memo of replay checkpoints per job, so a request need not replay the whole history
 * (replay.ts). It never changes an answer: a request resumes from the latest checkpoint whose
 * history is still a prefix of its own (a trial that finishes after later ones cuts the memo back to
 * before its index), and replays the rest; a request with no memo replays everything. The cache is
 * bounded (jobs and checkpoints per job) and keyed by everything the replay depends on besides the
 * history, so two jobs can share an entry only when their replays are identical.
 */
import type { Checkpoint, ReplayMemo, TrailEntry } from './replay.js';

const MAX_JOBS = 32;
const MAX_CHECKPOINTS = 16;

class Memo implements ReplayMemo {
  private trail: readonly TrailEntry[] = [];
  private checkpoints: Checkpoint[] = [];

  resume(trail: readonly TrailEntry[]): Checkpoint | undefined {
    const agreed = commonPrefix(this.trail, trail);
    this.checkpoints = this.checkpoints.filter((c) => c.consumed <= agreed);
    const last = this.checkpoints[this.checkpoints.length - 1];
    return last && { ...last, cma: last.cma.clone() };
  }

  record(trail: readonly TrailEntry[], checkpoints: readonly Checkpoint[]): void {
    this.trail = trail;
    this.checkpoints.push(...checkpoints);
    if (this.checkpoints.length > MAX_CHECKPOINTS)
      this.checkpoints.splice(0, this.checkpoints.length - MAX_CHECKPOINTS);
  }
}

function commonPrefix(a: readonly TrailEntry[], b: readonly TrailEntry[]): number {
  const n = Math.min(a.length, b.length);
  for (let t = 0; t < n; t++) {
    const x = a[t]!;
    const y = b[t]!;
    if (x.index !== y.index || x.state !== y.state || !Object.is(x.value, y.value)) return t;
    if (x.values.length !== y.values.length) return t;
    for (let i = 0; i < x.values.length; i++) if (!Object.is(x.values[i], y.values[i])) return t;
  }
  return n;
}

// Insertion order is recency: a hit is moved to the end, the first entry is the least recent.
const memos = new Map<string, Memo>();

/** The memo for one replay key (seed, direction, settings, space), least recently used evicted. */
export function memoFor(key: string): ReplayMemo {
  let memo = memos.get(key);
  if (memo) memos.delete(key);
  else memo = new Memo();
  memos.set(key, memo);
  if (memos.size > MAX_JOBS) memos.delete(memos.keys().next().value!);
  return memo;
}
