/**
 * `ultron agent`, the pod agent (ARCHITECTURE §6): runs its parts until the pod stops, then gives them
 * one shared deadline to finish, closes NATS and returns. It adds nothing to a pod's end while NATS and
 * the store are up (a stop takes milliseconds); with either away it holds on up to the deadline — the
 * pod's grace period less a margin (ULTRON_AGENT_FLUSH_SECONDS) — so a short outage loses nothing.
 */
import type { Logger } from '../bus/index.js';
import { realClock, type Clock } from '../controller/runtime/clock.js';
import { within, type AgentPart, type PartReport } from './part.js';

/** How long the parts may take to finish after SIGTERM by default (what is not delivered by then is lost). */
export const SHUTDOWN_MS = 3_000;

export interface AgentRun {
  parts: readonly AgentPart[];
  log: Logger;
  /** Resolves with the signal's name when the pod stops. */
  stop: Promise<string>;
  /** Closes the NATS connection; `drain` when every part delivered everything. */
  close(drain: boolean): Promise<void>;
  shutdownMs?: number;
  clock?: Clock;
}

export async function runAgent(run: AgentRun): Promise<number> {
  const clock = run.clock ?? realClock;
  for (const part of run.parts) part.start();
  const signal = await run.stop;
  const t0 = clock.now();
  const deadline = t0 + (run.shutdownMs ?? SHUTDOWN_MS);
  const reports = await Promise.all(
    run.parts.map((p) =>
      p.finish(deadline).catch((error: unknown): PartReport => {
        run.log.error('agent part failed to finish', { part: p.name, error });
        return { complete: false, figures: {} };
      }),
    ),
  );
  const complete = reports.every((r) => r.complete);
  // A drain waits for the server; never past the deadline (plus a moment to say goodbye).
  const left = Math.max(100, deadline - clock.now());
  await within(run.close(complete), left, undefined);
  const figures = Object.fromEntries(
    run.parts.flatMap((p, i) => Object.entries(reports[i]!.figures).map(([k, v]) => [`${p.name}.${k}`, v])),
  );
  const fields = { signal, ms: clock.now() - t0, ...figures };
  if (complete) run.log.info('agent stopped', fields);
  else run.log.warn('agent stopped before delivering everything (NATS unreachable?)', fields);
  return 0;
}
