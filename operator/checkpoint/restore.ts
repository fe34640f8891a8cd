/**
 * The restore step (init container `restore`): puts the newest complete stored step back into the
 * trainer's checkpoint folder before it starts. The store being away is waited out up to a bound
 * (starting over from zero is what checkpoints exist to prevent); a step that cannot be read is given
 * up for the one before it, never replaced by a partial one.
 */
import type { Logger } from '../bus/index.js';
import { backoffDelay } from '../bus/index.js';
import { realClock, sleep, type Clock } from '../controller/runtime/clock.js';
import { checkpointUri } from './layout.js';
import type { CheckpointStore, StepTransfer } from './store.js';

export type RestoreResult =
  | { kind: 'restored'; transfer: StepTransfer; uri: string; skipped: number[] }
  | { kind: 'none' }
  | { kind: 'unavailable'; error: string };

export interface RestoreOptions {
  store: Pick<CheckpointStore, 'bucket' | 'steps' | 'downloadStep'>;
  base: string;
  checkpointDir: string;
  log: Logger;
  /** How long an unreachable store is retried before the restore gives up (default 5 min). */
  timeoutMs?: number;
  /** Attempts per step before the one before it is tried (default 3). */
  attemptsPerStep?: number;
  clock?: Clock;
}

export async function restoreNewest(o: RestoreOptions): Promise<RestoreResult> {
  const clock = o.clock ?? realClock;
  const giveUpAt = clock.now() + (o.timeoutMs ?? 300_000);
  let complete: number[] | undefined;
  for (let attempt = 1; complete === undefined; attempt++) {
    try {
      complete = (await o.store.steps(o.base)).complete;
    } catch (e) {
      const wait = backoffDelay(attempt, { initialMs: 1_000, maxMs: 15_000 });
      if (clock.now() + wait > giveUpAt) return { kind: 'unavailable', error: String(e) };
      o.log.warn('checkpoint store unreachable; retrying', { error: String(e), attempt, retryInMs: wait });
      await sleep(clock, wait);
    }
  }
  const skipped: number[] = [];
  for (const step of [...complete].reverse()) {
    const attempts = o.attemptsPerStep ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const transfer = await o.store.downloadStep(o.base, step, o.checkpointDir);
        return { kind: 'restored', transfer, uri: checkpointUri(o.store.bucket, o.base, step), skipped };
      } catch (e) {
        o.log.warn('checkpoint download failed', { step, attempt, error: String(e) });
        if (attempt < attempts) await sleep(clock, backoffDelay(attempt, { initialMs: 1_000, maxMs: 5_000 }));
      }
    }
    skipped.push(step);
  }
  return { kind: 'none' };
}
