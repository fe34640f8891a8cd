/**
 * What samplerd remembers of a job between requests: its observations by index and the highest stream
 * sequence read, so the next request replays only the tail. Bounded by job count (least recently used
 * goes first) and by idle time; an evicted job is rebuilt from the stream, which is always the full copy.
 */
import type { Observation } from '../core/samplers/index.js';

export interface CachedObservation {
  /** Stream sequence of the message this observation came from (the last one for its index). */
  seq: number;
  observation: Observation;
}

export interface JobObservations {
  byIndex: Map<number, CachedObservation>;
  /** Every message with seq ≤ this has been folded in. */
  seq: number;
}

export interface CacheOptions {
  /** Jobs kept (default 1,000). */
  maxJobs?: number;
  /** A job not asked about for this long is dropped, ms (default 30 minutes). */
  idleMs?: number;
  now?: () => number;
}

export interface CacheStats {
  jobs: number;
  hits: number;
  misses: number;
  evictions: number;
}

export class ObservationCache {
  // A Map iterates in insertion order; re-inserting on use keeps the least recently used first.
  private readonly jobs = new Map<string, { entry: JobObservations; usedAt: number }>();
  private readonly maxJobs: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private counts = { hits: 0, misses: 0, evictions: 0 };

  constructor(opts: CacheOptions = {}) {
    this.maxJobs = Math.max(1, opts.maxJobs ?? 1_000);
    this.idleMs = opts.idleMs ?? 30 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  get(jobUid: string): JobObservations | undefined {
    this.expire();
    const slot = this.jobs.get(jobUid);
    if (!slot) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    this.jobs.delete(jobUid);
    this.jobs.set(jobUid, { entry: slot.entry, usedAt: this.now() });
    return slot.entry;
  }

  set(jobUid: string, entry: JobObservations): void {
    this.jobs.delete(jobUid);
    this.jobs.set(jobUid, { entry, usedAt: this.now() });
    while (this.jobs.size > this.maxJobs) this.evictOldest();
  }

  delete(jobUid: string): void {
    this.jobs.delete(jobUid);
  }

  stats(): CacheStats {
    return { jobs: this.jobs.size, ...this.counts };
  }

  /** Drops idle jobs; they sit at the front, so this stops at the first one still in use. */
  private expire(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [uid, slot] of this.jobs) {
      if (slot.usedAt > cutoff) break;
      this.jobs.delete(uid);
      this.counts.evictions++;
    }
  }

  private evictOldest(): void {
    const oldest = this.jobs.keys().next();
    if (oldest.done) return;
    this.jobs.delete(oldest.value);
    this.counts.evictions++;
  }
}
