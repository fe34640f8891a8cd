/**
 * The sampler service (ARCHITECTURE §5): for each built-in sampler one durable consumer
 * `ultron-sampler-<name>` on ULTRON_SUGGEST filtered to `ultron.suggest.<name>`, shared by every
 * replica, so any replica serves any request. Each request is answered on `ultron.suggestions.<job uid>`
 * and acked only after the answer is stored. Requests of different jobs run concurrently, one job's in
 * arrival order. The only state is the observation cache, rebuilt from ULTRON_OBSERVATIONS on demand.
 */
import type { Bus } from '../bus/jetstream.js';
import type { Consumption } from '../bus/consume.js';
import type { Logger } from '../bus/log.js';
import { silentLogger } from '../bus/log.js';
import {
  OBSERVATIONS_STREAM,
  observationsSubject,
  samplerConsumerName,
  SUGGEST_STREAM,
  suggestionsSubject,
  suggestSubject,
} from '../bus/subjects.js';
import { sleep, realClock, type Clock } from '../controller/runtime/clock.js';
import { UltronError } from '../errors.js';
import { builtinSamplerNames, isBuiltinSampler } from '../core/samplers/index.js';
import { backoffDelay } from '../bus/streams.js';
import type { CacheOptions } from './cache.js';
import { KeyedSerial } from './serial.js';
import { SuggestService, type Outcome, type ServiceStats } from './service.js';

export class UnknownSampler extends UltronError {
  constructor(name: string) {
    super('UnknownSampler', `'${name}' is not a built-in sampler (${builtinSamplerNames().join(', ')})`);
  }
}

/**
 * Samplers are CPU-bound and Node runs them on one thread: more requests in flight only add waiting and
 * heap (bench/samplerd, 100 jobs × 1,000 observations: 176 MiB RSS with 1 in flight, 260 MiB with 8).
 * Two lets one request's replay (I/O) overlap another's sampling. Scale with replicas instead.
 */
export const DEFAULT_CONCURRENCY = 2;

export interface SamplerdOptions {
  bus: Bus;
  /** Built-in samplers to serve (default: all of them). */
  samplers?: readonly string[];
  /** Requests in flight per sampler in this replica (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Time before an unacked request goes to another replica, ms (default 30,000). */
  ackWaitMs?: number;
  cache?: CacheOptions;
  /** Bound and timeout of one replay of a job's observations. */
  replay?: { maxMessages?: number; timeoutMs?: number };
  log?: Logger;
  clock?: Clock;
  /** Fault injection for tests: runs after the reply is published, before the ack. */
  beforeAck?: (outcome: Outcome) => Promise<void>;
}

export interface SamplerdStatus {
  ready: boolean;
  message: string;
}

export interface Samplerd {
  /** Resolves when the streams exist and every sampler's consumer pulls. */
  readonly ready: Promise<void>;
  readonly samplers: readonly string[];
  status(): SamplerdStatus;
  stats(): ServiceStats & { inFlightJobs: number; consumers: Record<string, string> };
  /**
   * `drain` (default): stop pulling, finish and ack the requests in flight (up to `timeoutMs`, default
   * 20 s), then drain the connection. Otherwise cut at once: unacked requests go to another replica.
   */
  close(opts?: { drain?: boolean; timeoutMs?: number }): Promise<void>;
}

export function startSamplerd(opts: SamplerdOptions): Samplerd {
  const samplers = [...(opts.samplers ?? builtinSamplerNames())];
  for (const name of samplers) if (!isBuiltinSampler(name)) throw new UnknownSampler(name);
  const { bus } = opts;
  const log = opts.log ?? silentLogger;
  const clock = opts.clock ?? realClock;
  const stopping = new AbortController();
  const serial = new KeyedSerial();
  const consumers = new Map<string, Consumption>();
  let phase = 'connecting to NATS';

  const service = new SuggestService({
    log,
    ...(opts.cache ? { cache: opts.cache } : {}),
    now: () => clock.now(),
    source: {
      read: async (jobUid, fromSeq, upToSeq) =>
        bus.replay(OBSERVATIONS_STREAM.name, observationsSubject(jobUid), upToSeq, {
          ...opts.replay,
          fromSeq,
        }),
    },
    publish: (jobUid, reply, msgId) => bus.publish(suggestionsSubject(jobUid), reply, msgId),
  });

  const handlerFor = (sampler: string) => async (m: { data: Uint8Array; storedAt: number }) => {
    const prepared = service.prepare(sampler, m.data, { storedAt: m.storedAt, receivedAt: clock.now() });
    await serial.run(prepared.key, async () => {
      const outcome = await prepared.run();
      await opts.beforeAck?.(outcome);
    });
  };

  const start = async (): Promise<void> => {
    await bus.ready;
    // Whoever starts first creates the streams; retried, since an operator may be fixing them.
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        phase = 'creating streams';
        await bus.ensureStreams();
        break;
      } catch (e) {
        const delay = backoffDelay(attempt, { initialMs: 1_000, maxMs: 30_000 });
        phase = `cannot create the streams: ${e instanceof Error ? e.message : String(e)}`;
        log.warn('ensureStreams failed', { error: e, retryInMs: delay });
        await sleep(clock, delay, stopping.signal).catch(() => {});
      }
    }
    for (const name of samplers) {
      const c = bus.consume(
        SUGGEST_STREAM.name,
        samplerConsumerName(name),
        [suggestSubject(name)],
        handlerFor(name),
        {
          signal: stopping.signal,
          concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
          ...(opts.ackWaitMs !== undefined ? { ackWaitMs: opts.ackWaitMs } : {}),
          clock,
        },
      );
      consumers.set(name, c);
    }
    await Promise.all([...consumers.values()].map((c) => c.ready));
    if (stopping.signal.aborted) return;
    phase = 'serving';
    log.info('samplerd ready', { samplers, nats: bus.status().message });
  };
  const ready = start();
  ready.catch(() => {});

  return {
    ready,
    samplers,
    status: () => {
      const conn = bus.status();
      const serving = phase === 'serving' && conn.connected;
      const message = serving
        ? `serving ${samplers.join(', ')}; ${conn.message}`
        : `${phase}; ${conn.message}`;
      return { ready: serving, message };
    },
    stats: () => ({
      ...service.stats(),
      inFlightJobs: serial.size,
      consumers: Object.fromEntries([...consumers].map(([n, c]) => [n, c.status()])),
    }),
    close: async (o = {}) => {
      stopping.abort();
      if (o.drain === false) return bus.close({ drain: false });
      const finished = Promise.all([...consumers.values()].map((c) => c.done));
      const deadline = new AbortController();
      const timedOut = await Promise.race([
        finished.then(() => false),
        sleep(clock, o.timeoutMs ?? 20_000, deadline.signal).then(
          () => true,
          () => false,
        ),
      ]);
      deadline.abort();
      if (timedOut) log.warn('requests still in flight at shutdown; they will be redelivered');
      await bus.close({ drain: !timedOut });
    },
  };
}
