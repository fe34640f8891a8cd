/**
 * Step 6 of an HPOJob reconcile: the sampler's parked answers. A valid answer becomes Trials (created,
 * or already there: AlreadyExists counts as done) and is then acked; an invalid one is reported (Event,
 * condition) and its indices are asked for again under a new request id; an error answer is handled
 * by its code. Nothing is lost: a failure leaves the answer to be redelivered.
 */
import {
  HPOJobReasons as R,
  type HPOJob,
  type ResolvedHPOJobSpec,
  type SamplerStatus,
  type Trial,
} from '../../api/index.js';
import type { SuggestAnswer, SuggestError } from '../../bus/index.js';
import { describeSampler } from '../../core/samplers/index.js';
import { Space } from '../../core/space/index.js';
import type { KubeApi } from '../kube.js';
import type { Logger } from '../runtime/index.js';
import type { AnswerInbox } from './inbox.js';
import { dropRequest, retryRequest } from './ledger.js';
import { answerProblems } from './requests.js';
import type { SamplerHealth } from './status.js';
import { newTrial } from './trials.js';

type Parked = ReturnType<AnswerInbox['take']>[number];

export interface SettleInput {
  job: HPOJob;
  spec: ResolvedHPOJobSpec;
  trials: readonly Trial[];
  ledger: SamplerStatus;
  parked: Parked[];
  kube: KubeApi;
  now: string;
  event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  log: Logger;
  /** The Trials of request `id` exist (for the round-trip figures). */
  onCommitted?: (id: string, trials: number) => void;
}

export interface SettleResult {
  ledger: SamplerStatus;
  health?: SamplerHealth;
  /** The sampler refused the job's settings or space: the job fails with InvalidSpec. */
  specError?: string;
}

export async function settleAnswers(input: SettleInput): Promise<SettleResult> {
  const { job, spec, kube, now, log } = input;
  let ledger = input.ledger;
  let health: SamplerHealth | undefined;
  let specError: string | undefined;
  const indices = new Set(input.trials.map((t) => t.spec.index));
  const uid = job.metadata.uid ?? '';
  const sampler = spec.sampler.name;
  for (const [k, p] of input.parked.entries()) {
    const reply = p.reply;
    const record = ledger.requests.find((r) => r.id === reply.requestId);
    if (!record) {
      // Indices not handed out yet: published with a status write that failed, or by a leader that
      // died before writing it (reconciler.ts, writeAndPublish). It comes back after a delay and meets
      // the ledger the next pass writes. Anything else is stale: answered before, or superseded.
      if (notHandedOut(reply, ledger))
        p.retry(new Error(`request ${reply.requestId} is not in the ledger yet`));
      else p.done();
      continue;
    }
    try {
      if (reply.kind === 'error') {
        if (reply.code === 'SpaceExhausted') {
          ledger = { ...dropRequest(ledger, record.id), spaceExhausted: true };
        } else if (reply.code === 'InvalidSettings') {
          specError = `sampler '${sampler}' refused the job: ${reply.message}`;
          ledger = dropRequest(ledger, record.id);
        } else {
          const message = `sampler '${sampler}' answered ${reply.code}: ${reply.message}; asking again`;
          await input.event('Warning', R.SamplerError, message);
          health = { healthy: false, reason: R.SamplerError, message };
          ledger = retryRequest(ledger, record.id, uid, indices, now).ledger;
        }
        p.done();
        continue;
      }
      const problems = answerProblems(reply, record, spec);
      if (problems.length) {
        const message = `sampler '${sampler}' answered request ${record.id} with an invalid suggestion (${problems.slice(0, 5).join('; ')}); asking again`;
        log.warn({ requestId: record.id, problems }, 'invalid suggestion');
        await input.event('Warning', R.InvalidSuggestion, message);
        health = { healthy: false, reason: R.InvalidSuggestion, message };
        ledger = {
          ...retryRequest(ledger, record.id, uid, indices, now).ledger,
          invalidAnswers: (ledger.invalidAnswers ?? 0) + 1,
        };
        p.done();
        continue;
      }
      // The commit point: the Trials exist, then the answer is acked.
      await Promise.all(
        reply.configs
          .filter((c) => !indices.has(c.index))
          .map((c) => kube.createTrial(newTrial(job, spec, c.index, c.params))),
      );
      for (const c of reply.configs) indices.add(c.index);
      input.onCommitted?.(record.id, reply.configs.length);
      health = { healthy: true, reason: R.SamplerAnswering, message: answeringMessage(spec) };
      p.done();
    } catch (e) {
      // This answer and every one not settled yet are redelivered; the pass runs again.
      const error = e instanceof Error ? e : new Error(String(e));
      for (const q of input.parked.slice(k)) q.retry(error);
      throw e;
    }
  }
  return { ledger, ...(health ? { health } : {}), ...(specError !== undefined ? { specError } : {}) };
}

/** An answer whose every index is at or past the ledger's next index (none is handed out yet). */
function notHandedOut(reply: SuggestAnswer | SuggestError, ledger: SamplerStatus): boolean {
  return (
    reply.kind === 'suggestions' &&
    reply.configs.length > 0 &&
    reply.configs.every((c) => c.index >= ledger.nextIndex)
  );
}

/** The SamplerHealthy message of a sampler that answers; auto's names the sampler it runs and why. */
export function answeringMessage(spec: ResolvedHPOJobSpec): string {
  const sampler = spec.sampler.name;
  const note = describeSampler(sampler, new Space(spec.parameters), spec.budget.maxTrials);
  return `sampler '${sampler}' is answering${note ? ` (${note})` : ''}`;
}

/**
 * The fast path for an answer that fits its request: its Trials are created right away, without waiting
 * for the job's turn in the work queue (a Trial is the commit point and creating one twice is harmless).
 * Anything else (an unknown request, a misfit, an error reply, a finished job) returns false and goes
 * through the job's reconcile, which owns the ledger. Returns whether the answer was committed.
 */
export async function commitFittingAnswer(args: {
  job: HPOJob;
  spec: ResolvedHPOJobSpec;
  reply: SuggestAnswer | SuggestError;
  kube: KubeApi;
}): Promise<boolean> {
  const { job, spec, reply, kube } = args;
  if (reply.kind !== 'suggestions' || job.status?.phase === 'Succeeded' || job.status?.phase === 'Failed')
    return false;
  const record = job.status?.sampler?.requests.find((r) => r.id === reply.requestId);
  if (!record || answerProblems(reply, record, spec).length > 0) return false;
  await Promise.all(reply.configs.map((c) => kube.createTrial(newTrial(job, spec, c.index, c.params))));
  return true;
}
