/**
 * The sampler ledger (HPOJob status.sampler), pure. The operator records a request here as it publishes
 * it (the status write and the publish go out together), so after any crash it knows which indices are
 * asked for:
 * - a request stays until every one of its indices has a Trial (the commit point, ARCHITECTURE §5);
 * - indices are handed out once, from `nextIndex` up: no index is created twice or skipped; a request
 *   that went out without its ledger (the write failed, the leader died) has indices at or past
 *   `nextIndex`, and its answer waits (redelivered) until a ledger records the request or moves past it;
 * - an unanswered request is re-published with the same id (JetStream deduplicates it);
 * - an invalid answer gets a new attempt with a new id for the same indices.
 */
import type { SamplerStatus, SuggestionRequestRecord } from '../../api/index.js';

export const emptyLedger = (): SamplerStatus => ({ nextIndex: 0, requests: [] });

/** `r-<job uid>-<first index>-<count>-<attempt>`: unique per job, indices and attempt. */
export function requestId(jobUid: string, indices: readonly number[], attempt: number): string {
  return `r-${jobUid}-${indices[0] ?? 0}-${indices.length}-${attempt}`;
}

/**
 * The ledger without requests whose indices all have Trials, and `nextIndex` past every known trial (a
 * ledger lost with an old status must not hand out an index a Trial already has).
 */
export function settleLedger(ledger: SamplerStatus, trialIndices: ReadonlySet<number>): SamplerStatus {
  const requests = ledger.requests.filter((r) => r.indices.some((i) => !trialIndices.has(i)));
  const maxTrial = Math.max(-1, ...trialIndices);
  const nextIndex = Math.max(ledger.nextIndex, maxTrial + 1);
  return { ...ledger, nextIndex, requests };
}

/** Indices asked for that have no Trial yet. */
export function outstandingIndices(ledger: SamplerStatus, trialIndices: ReadonlySet<number>): number[] {
  return ledger.requests.flatMap((r) => r.indices.filter((i) => !trialIndices.has(i)));
}

/** A new request for the next `n` indices; the caller writes the ledger, then publishes. */
export function addRequest(
  ledger: SamplerStatus,
  n: number,
  jobUid: string,
  now: string,
): { ledger: SamplerStatus; request: SuggestionRequestRecord } {
  const indices = Array.from({ length: n }, (_, k) => ledger.nextIndex + k);
  const request = { id: requestId(jobUid, indices, 1), indices, sentAt: now, attempt: 1 };
  return {
    ledger: { ...ledger, nextIndex: ledger.nextIndex + n, requests: [...ledger.requests, request] },
    request,
  };
}

/** Requests published longer than `timeoutMs` ago (to publish again, same id), with their new sentAt. */
export function expiredRequests(
  ledger: SamplerStatus,
  nowMs: number,
  timeoutMs: number,
): SuggestionRequestRecord[] {
  return ledger.requests.filter((r) => nowMs - Date.parse(r.sentAt) >= timeoutMs);
}

/** Marks requests as published again at `now`. */
export function touchRequests(ledger: SamplerStatus, ids: ReadonlySet<string>, now: string): SamplerStatus {
  return { ...ledger, requests: ledger.requests.map((r) => (ids.has(r.id) ? { ...r, sentAt: now } : r)) };
}

/**
 * After an invalid answer: the same indices (those still without a Trial) under a new attempt and id.
 * Undefined when the request is not in the ledger (a stale or duplicate answer).
 */
export function retryRequest(
  ledger: SamplerStatus,
  id: string,
  jobUid: string,
  trialIndices: ReadonlySet<number>,
  now: string,
): { ledger: SamplerStatus; request?: SuggestionRequestRecord } {
  const old = ledger.requests.find((r) => r.id === id);
  if (!old) return { ledger };
  const indices = old.indices.filter((i) => !trialIndices.has(i));
  const rest = ledger.requests.filter((r) => r.id !== id);
  if (indices.length === 0) return { ledger: { ...ledger, requests: rest } };
  const attempt = old.attempt + 1;
  const request = { id: requestId(jobUid, indices, attempt), indices, sentAt: now, attempt };
  return { ledger: { ...ledger, requests: [...rest, request] }, request };
}

/** Drops a request for good (the sampler said SpaceExhausted or the job finished). */
export function dropRequest(ledger: SamplerStatus, id: string): SamplerStatus {
  return { ...ledger, requests: ledger.requests.filter((r) => r.id !== id) };
}
