/**
 * Building protocol messages (protocol.ts has their types and checkers): what the operator sends and
 * what a sampler answers, with the envelope filled in, so no shell writes `v` and `kind` by hand.
 */
import type { Observation } from '../core/samplers/index.js';
import {
  PROTOCOL_VERSION,
  type ObservationMessage,
  type SuggestAnswer,
  type SuggestError,
  type SuggestErrorCode,
  type SuggestRequest,
} from './protocol.js';

export type SuggestReply = SuggestAnswer | SuggestError;

export type SuggestRequestFields = Omit<SuggestRequest, 'v' | 'kind' | 'sentAt'>;

export function suggestRequest(fields: SuggestRequestFields, sentAt: Date): SuggestRequest {
  return { v: PROTOCOL_VERSION, kind: 'suggest', ...fields, sentAt: sentAt.toISOString() };
}

export function suggestAnswer(
  requestId: string,
  sampler: string,
  configs: SuggestAnswer['configs'],
): SuggestAnswer {
  return { v: PROTOCOL_VERSION, kind: 'suggestions', requestId, sampler, configs };
}

export function suggestError(
  requestId: string,
  sampler: string,
  code: SuggestErrorCode,
  message: string,
): SuggestError {
  return { v: PROTOCOL_VERSION, kind: 'error', requestId, sampler, code, message };
}

/** The message for a finished trial; absent optional fields stay absent (JSON has no undefined). */
export function observationMessage(o: Observation): ObservationMessage {
  const m: ObservationMessage = {
    v: PROTOCOL_VERSION,
    kind: 'observation',
    index: o.index,
    params: o.params,
    state: o.state,
  };
  if (o.value !== undefined) m.value = o.value;
  if (o.intermediate !== undefined)
    m.intermediate = o.intermediate.map(({ step, value }) => ({ step, value }));
  return m;
}

/** The core's view of an observation message (the envelope dropped). */
export function observationOf(m: ObservationMessage): Observation {
  const o: Observation = { index: m.index, params: m.params, state: m.state };
  if (m.value !== undefined) o.value = m.value;
  if (m.intermediate !== undefined) o.intermediate = m.intermediate;
  return o;
}
