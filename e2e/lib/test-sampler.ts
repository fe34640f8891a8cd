/**
 * A custom sampler written for a test, as a third party would write one from docs/sampler-protocol.md:
 * a durable consumer on `ultron.suggest.<name>` of the bed's NATS, one answer per request on
 * `ultron.suggestions.<job uid>`, then the ack. `answer` decides what to send for each request.
 */
import {
  connectBus,
  msgIds,
  parseSuggestRequest,
  samplerConsumerName,
  SUGGEST_STREAM,
  suggestSubject,
  suggestionsSubject,
  type Bus,
  type SuggestRequest,
} from '../../operator/bus/index.js';
import type { ParamConfig } from '../../operator/api/index.js';
import { bedEnv } from './bed.js';

export interface TestSampler {
  requests: SuggestRequest[];
  stop(): Promise<void>;
}

export async function startTestSampler(
  name: string,
  answer: (req: SuggestRequest, n: number) => Array<{ index: number; params: ParamConfig }>,
): Promise<TestSampler> {
  const bus: Bus = connectBus({ servers: bedEnv()['ULTRON_NATS_URL']!, name: `e2e-sampler-${name}` });
  await bus.ready;
  await bus.ensureStreams();
  const requests: SuggestRequest[] = [];
  const stop = new AbortController();
  const consumption = bus.consume(
    SUGGEST_STREAM.name,
    samplerConsumerName(name),
    [suggestSubject(name)],
    async (m) => {
      const req = parseSuggestRequest(m.data);
      if (!req.ok) return;
      requests.push(req.value);
      const configs = answer(req.value, requests.length);
      await bus.publish(
        suggestionsSubject(req.value.job.uid),
        { v: 1, kind: 'suggestions', requestId: req.value.id, sampler: name, configs },
        msgIds.answer(req.value.id),
      );
    },
    { signal: stop.signal },
  );
  await consumption.ready;
  return {
    requests,
    stop: async () => {
      stop.abort();
      await consumption.done;
      await bus.close();
    },
  };
}
