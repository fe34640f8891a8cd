/**
 * The pod agents' heartbeats (`ultron.alive.<job uid>.<index>`, core NATS), while this operator leads:
 * each one is the newest moment its pod is known to have been running (MetricsStore.lastHeard), which
 * is where a pod lost with its node stops being charged. Heartbeats sent while no operator listened are
 * simply gone; the next one, a second later, says the same.
 */
import { ALL_ALIVE } from '../bus/index.js';
import type { Connection } from '../bus/connection.js';
import type { Clock, Logger } from './runtime/index.js';

export function followHeartbeats(
  conn: Connection,
  signal: AbortSignal,
  onAlive: (subject: string, data: Uint8Array, at: number) => void,
  deps: { clock: Clock; log: Logger },
): Promise<void> {
  const run = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        const { nc } = await conn.get(signal);
        // A subscription lives as long as its connection (the client renews it across reconnects).
        const sub = nc.subscribe(ALL_ALIVE, {
          callback: (err, msg) => {
            if (!err) onAlive(msg.subject, msg.data, deps.clock.now());
          },
        });
        const aborted = new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        await Promise.race([nc.closed(), aborted]);
        if (!nc.isClosed()) sub.unsubscribe();
      } catch (e) {
        if (signal.aborted) return;
        deps.log.warn({ err: String(e) }, 'heartbeat subscription failed; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  return run();
}
