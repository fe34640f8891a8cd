/**
 * The agent's checkpoint part (ARCHITECTURE §6): every complete step the trainer writes
 * (`<dir>/<step>/.complete`) goes to the object store, `_COMPLETE` last; the newest `keep` steps are
 * kept there and in the pod; each stored step is announced on the trial's metrics subject, which is how
 * the Trial's status learns `checkpoint` (and what a pre-emption wasted). Only the newest complete step
 * is uploaded: when the trainer writes faster than the store takes them, older steps are superseded
 * before they would be restored. On SIGTERM, what is complete is flushed within the flush budget (the
 * pod's grace period, not the agent's short metrics deadline); a flush cut off leaves no `_COMPLETE`.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { COMPLETE_MARKER } from '../core/trial/index.js';
import { metricsSubject, msgIds, backoffDelay, type Logger, type MetricMessage } from '../bus/index.js';
import { realClock, sleep, type Clock } from '../controller/runtime/clock.js';
import { completeSteps, pruneCheckpoints } from '../checkpoint/local.js';
import { checkpointUri, stepsToDelete } from '../checkpoint/layout.js';
import type { CheckpointStore, StepTransfer, TransferOptions } from '../checkpoint/store.js';
import type { MetricSink } from './forwarder.js';
import { within, type AgentPart, type PartReport } from './part.js';

export interface UploaderOptions {
  checkpointDir: string;
  store: Pick<CheckpointStore, 'bucket' | 'steps' | 'uploadStep' | 'deleteSteps'>;
  /** The trial's key prefix in the store (checkpoint/layout.ts trialBase). */
  base: string;
  keep: number;
  hpoJobUid: string;
  trialIndex: number;
  podUid: string;
  sink: MetricSink;
  log: Logger;
  clock?: Clock;
  /** How often the folder is looked at, ms (default 100: a step is stored within about this of its `.complete`). */
  pollMs?: number;
  /** The final flush's budget after SIGTERM, ms (default 25 s: a 30 s grace period less a margin). */
  flushMs?: number;
  transfer?: Omit<TransferOptions, 'signal'>;
}

export class CheckpointUploader implements AgentPart {
  readonly name = 'checkpoints';
  private readonly clock: Clock;
  private readonly stopped = new AbortController();
  /** Aborts uploads in flight when the flush budget is spent. */
  private readonly cutOff = new AbortController();
  /** The newest step known complete in the store; undefined until listed. */
  private stored: number | undefined;
  private listed = false;
  private loop: Promise<void> = Promise.resolve();
  private current: Promise<void> = Promise.resolve();
  private failures = 0;
  private uploads = 0;
  private bytes = 0;
  private uploadMs = 0;

  constructor(private readonly o: UploaderOptions) {
    this.clock = o.clock ?? realClock;
  }

  start(): void {
    this.loop = this.run();
  }

  async finish(deadlineMs: number): Promise<PartReport> {
    const t0 = this.clock.now();
    const budgetEnd = Math.max(deadlineMs, t0 + (this.o.flushMs ?? 25_000));
    this.stopped.abort();
    const flushed = (async () => {
      await this.loop;
      // One last look: the trainer may have completed a step as it was stopped.
      await this.tick();
      return true;
    })();
    const ok = await within(flushed, budgetEnd - this.clock.now(), false);
    if (!ok) this.cutOff.abort();
    const newestLocal = this.newestLocal();
    const complete = ok && (newestLocal === undefined || newestLocal === this.stored);
    return {
      complete,
      figures: {
        uploads: this.uploads,
        bytes: this.bytes,
        uploadMs: this.uploadMs,
        flushMs: this.clock.now() - t0,
        ...(this.stored !== undefined ? { stored: this.stored } : {}),
      },
    };
  }

  private async run(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      await this.tick();
      const wait = this.failures
        ? backoffDelay(this.failures, { initialMs: 1_000, maxMs: 30_000 })
        : (this.o.pollMs ?? 100);
      await sleep(this.clock, wait, this.stopped.signal).catch(() => undefined);
    }
  }

  /** One look at the folder; never rejects (a failure is logged and backs off). */
  private tick(): Promise<void> {
    this.current = this.current.then(async () => {
      try {
        await this.uploadNewest();
        this.failures = 0;
      } catch (error) {
        this.failures++;
        if (this.cutOff.signal.aborted) return;
        this.o.log.warn('checkpoint upload failed; retrying', {
          error: String(error),
          failures: this.failures,
        });
      }
    });
    return this.current;
  }

  private newestLocal(): number | undefined {
    return completeSteps(this.o.checkpointDir).at(-1);
  }

  private async uploadNewest(): Promise<void> {
    const { store, base } = this.o;
    const signal = this.cutOff.signal;
    if (!this.listed) {
      // A restored pod finds its step already stored: it is not uploaded again.
      this.stored = (await store.steps(base, signal)).complete.at(-1);
      this.listed = true;
    }
    const step = this.newestLocal();
    if (step === undefined || (this.stored !== undefined && step <= this.stored)) return;
    const completedAt = markerTime(join(this.o.checkpointDir, String(step), COMPLETE_MARKER));
    const t: StepTransfer = await store.uploadStep(join(this.o.checkpointDir, String(step)), base, step, {
      ...this.o.transfer,
      signal,
    });
    this.stored = step;
    this.uploads++;
    this.bytes += t.bytes;
    this.uploadMs += t.ms;
    this.o.log.info('checkpoint uploaded', { step, files: t.files, bytes: t.bytes, ms: t.ms });
    await this.announce(step, completedAt);
    const drop = stepsToDelete(await store.steps(base, signal), this.o.keep);
    if (drop.length) await store.deleteSteps(base, drop, signal);
    pruneCheckpoints(this.o.checkpointDir, this.o.keep);
  }

  private async announce(step: number, completedAt: string | undefined): Promise<void> {
    const { hpoJobUid, trialIndex, podUid } = this.o;
    const msg: MetricMessage = {
      v: 1,
      kind: 'checkpoint',
      pod: podUid,
      step,
      uri: checkpointUri(this.o.store.bucket, this.o.base, step),
      at: new Date(this.clock.now()).toISOString(),
      ...(completedAt ? { completedAt } : {}),
    };
    // The step is stored either way; a lost announcement only leaves the Trial's status behind.
    await this.o.sink
      .publish(metricsSubject(hpoJobUid, trialIndex), msg, msgIds.checkpoint(hpoJobUid, trialIndex, step))
      .catch((error: unknown) =>
        this.o.log.warn('checkpoint announcement not delivered', { step, error: String(error) }),
      );
  }
}

/** When the trainer wrote a step's `.complete`; undefined when it is gone already. */
function markerTime(path: string): string | undefined {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return undefined;
  }
}
