/**
 * Sampler answers waiting for their job's reconcile. The answer consumer does not act on an answer: it
 * parks it here and queues the job, so every decision about a job is made by its reconcile, one at a
 * time (the work queue serializes keys). The message is acked only when the reconcile settles it
 * (`done`), or redelivered (`retry`) when the reconcile failed: the Trial is the commit point.
 */
import type { SuggestAnswer, SuggestError } from '../../bus/index.js';

export type Reply = SuggestAnswer | SuggestError;

interface Parked {
  reply: Reply;
  done(): void;
  retry(error: Error): void;
}

export class AnswerInbox {
  private readonly byJob = new Map<string, Parked[]>();

  /** Parks a reply for the job `uid`; resolves when a reconcile settles it (then the message is acked). */
  park(uid: string, reply: Reply): Promise<void> {
    return new Promise((resolve, reject) => {
      let list = this.byJob.get(uid);
      if (!list) this.byJob.set(uid, (list = []));
      list.push({ reply, done: resolve, retry: reject });
    });
  }

  /** Takes every parked reply of the job; the caller must settle each. */
  take(uid: string): Parked[] {
    const list = this.byJob.get(uid) ?? [];
    this.byJob.delete(uid);
    return list;
  }

  /** Acks every parked reply of a job that no longer needs them (finished or deleted). */
  drop(uid: string): void {
    for (const p of this.take(uid)) p.done();
  }

  get size(): number {
    let n = 0;
    for (const l of this.byJob.values()) n += l.length;
    return n;
  }
}
