/**
 * One concern of the pod agent: the metrics forwarder now, the checkpoint uploader next. The agent
 * starts every part, and when the pod stops (SIGTERM) asks each to finish by one shared deadline.
 */
export interface AgentPart {
  readonly name: string;
  /** Begins the part's work in the background. Never throws: a part retries and logs its failures. */
  start(): void;
  /**
   * The pod is stopping: complete what can be completed (a final read, a flush, an end marker) before
   * `deadlineMs` (epoch ms), then stop all work and resolve. Never rejects.
   */
  finish(deadlineMs: number): Promise<PartReport>;
}

export interface PartReport {
  /** Everything the part had was delivered before the deadline. */
  complete: boolean;
  /** Figures for the agent's last log line. */
  figures: Record<string, number | boolean>;
}

/** `p`, or `fallback` if it has not settled within `ms`; the timer never outlives the race. */
export function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), Math.max(0, ms));
    p.then(
      (v) => resolve(v),
      () => resolve(fallback),
    ).finally(() => clearTimeout(timer));
  });
}
