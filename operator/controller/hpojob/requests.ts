/**
 * Suggestion requests and answers, pure: what the operator publishes for a ledger entry, and whether a
 * sampler's answer fits the request and the space (ARCHITECTURE §5).
 */
import {
  isFinishedPhase,
  type HPOJob,
  type ResolvedHPOJobSpec,
  type SuggestionRequestRecord,
  type Trial,
} from '../../api/index.js';
import type { SuggestAnswer, SuggestRequest } from '../../bus/index.js';
import { Space } from '../../core/space/index.js';

/**
 * The request for a ledger entry. Trials whose observation is published are what the sampler replays
 * (up to the highest sequence); every other trial, a finished one whose observation is not out yet
 * included, is pending for it.
 */
export function buildRequest(
  job: HPOJob,
  spec: ResolvedHPOJobSpec,
  trials: readonly Trial[],
  record: SuggestionRequestRecord,
): SuggestRequest {
  let upToSeq = 0;
  let count = 0;
  const pending: SuggestRequest['pending'] = [];
  for (const t of [...trials].sort((a, b) => a.spec.index - b.spec.index)) {
    const seq = t.status?.observationSeq;
    if (seq !== undefined && isFinishedPhase(t.status?.phase ?? 'Pending')) {
      count++;
      upToSeq = Math.max(upToSeq, seq);
    } else pending.push({ index: t.spec.index, params: t.spec.params });
  }
  return {
    v: 1,
    kind: 'suggest',
    id: record.id,
    job: {
      namespace: job.metadata.namespace ?? 'default',
      name: job.metadata.name,
      uid: job.metadata.uid ?? '',
    },
    sampler: { name: spec.sampler.name, settings: spec.sampler.settings },
    parameters: spec.parameters,
    direction: spec.objective.direction,
    seed: spec.seed,
    indices: record.indices,
    pending,
    observations: { upToSeq, count },
    maxTrials: spec.budget.maxTrials,
    sentAt: record.sentAt,
  };
}

/** What is wrong with an answer (empty when it fits): wrong or missing indices, values outside the space. */
export function answerProblems(
  answer: SuggestAnswer,
  record: SuggestionRequestRecord,
  spec: ResolvedHPOJobSpec,
): string[] {
  const problems: string[] = [];
  const asked = new Set(record.indices);
  const seen = new Set<number>();
  const space = new Space(spec.parameters);
  for (const c of answer.configs) {
    if (!asked.has(c.index))
      problems.push(`index ${c.index} was not asked for (asked: ${record.indices.join(', ')})`);
    else if (seen.has(c.index)) problems.push(`index ${c.index} answered twice`);
    seen.add(c.index);
    for (const p of space.validate(c.params)) problems.push(`index ${c.index}: ${p}`);
  }
  for (const i of record.indices) if (!seen.has(i)) problems.push(`no configuration for index ${i}`);
  return problems;
}
