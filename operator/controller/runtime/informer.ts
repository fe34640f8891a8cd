/**
 * A supervised informer. client-node 2.0.1's ListWatch re-lists by itself on 410 Gone and reconnects after
 * a watch timeout, but on any other error (a refused connection, a 403, a failed list) it emits `error`
 * and stops for good. Restarting it naively on every error floods the API server with requests
 * (kubernetes-client/javascript#1933), so this restarts it with jittered exponential back-off, reset once
 * a start has stayed healthy for a while, as client-go's reflector does.
 *
 * The same ListWatch is restarted rather than replaced: it keeps its cache and resourceVersion, so a
 * restart resumes the watch (or re-lists, emitting deletes for what vanished) instead of replaying every
 * object as a fresh add.
 */
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  type ObjectCache,
} from '@kubernetes/client-node';
import { UltronError } from '../../core/errors.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';

export type UnderlyingInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Builds the informer to supervise; tests pass one that builds a fake. */
export type InformerFactory<T extends KubernetesObject> = (
  path: string,
  listFn: ListPromise<T>,
  labelSelector?: string,
) => UnderlyingInformer<T>;

export function clientNodeInformerFactory<T extends KubernetesObject>(kc: KubeConfig): InformerFactory<T> {
  return (path, listFn, labelSelector) => makeInformer<T>(kc, path, listFn, labelSelector);
}

export type InformerEvent = 'add' | 'update' | 'delete';

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  /** For status and errors: "trials", "pods". */
  name: string;
  /** The watch path, e.g. /apis/ultron.dev/v1alpha1/trials. */
  path: string;
  listFn: ListPromise<T>;
  labelSelector?: string;
  factory: InformerFactory<T>;
  clock?: Clock;
  random?: () => number;
  /** First restart delay; it doubles per consecutive failure up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Each delay is stretched by up to this fraction at random, so replicas do not restart in step. */
  jitter?: number;
  /** A start that ran this long before failing resets the back-off. */
  healthyAfterMs?: number;
  /**
   * Drops what no reader needs, in place, on the object the informer stores (client-node caches the very
   * object it hands to listeners), before any listener runs.
   */
  trim?: (obj: T) => void;
  /** The informer failed and will restart after `restartInMs`. */
  onError?: (error: unknown, restartInMs: number) => void;
  /** An event listener threw; the other listeners still ran. */
  onListenerError?: (error: unknown, event: InformerEvent) => void;
}

type State = 'idle' | 'starting' | 'running' | 'backing-off' | 'stopped';

export class InformerStoppedError extends UltronError {
  constructor(name: string) {
    super('InformerStopped', `informer ${name} stopped before its first list`);
  }
}

export class SupervisedInformer<T extends KubernetesObject> {
  private readonly informer: UnderlyingInformer<T>;
  private readonly clock: Clock;
  private readonly listeners: Record<InformerEvent, Set<(obj: T) => void>> = {
    add: new Set(),
    update: new Set(),
    delete: new Set(),
  };
  private readonly syncedPromise: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (e: Error) => void;
  private state: State = 'idle';
  private isSynced = false;
  private listed = false;
  private failures = 0;
  private lastStart = 0;
  private lastError: unknown;
  private restartAt = 0;
  private restartTimer: TimerHandle | undefined;

  constructor(private readonly options: SupervisedInformerOptions<T>) {
    this.clock = options.clock ?? realClock;
    this.syncedPromise = new Promise((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    this.syncedPromise.catch(() => undefined); // rejection is for callers who await it
    const listFn: ListPromise<T> = async () => {
      const list = await options.listFn();
      this.listed = true;
      return list;
    };
    this.informer = options.factory(options.path, listFn, options.labelSelector);
    const trim = options.trim;
    for (const event of ['add', 'update', 'delete'] as const) {
      this.informer.on(event, (obj) => {
        if (trim) trim(obj);
        this.emit(event, obj);
      });
    }
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  /** Lists and watches; idempotent. */
  start(): void {
    if (this.state === 'idle') void this.launch();
  }

  /** Stops for good: no restart follows, whatever the informer reports afterwards. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.restartTimer) this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (!this.isSynced) this.rejectSynced(new InformerStoppedError(this.options.name));
    void this.informer.stop().catch(() => undefined);
  }

  /** Resolves once the first list is in the cache; rejects with InformerStoppedError if stopped first. */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.informer.list(namespace);
  }

  get(namespace: string, name: string): T | undefined {
    // client-node's ObjectCache takes (name, namespace).
    return this.informer.get(name, namespace);
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on(event: InformerEvent, fn: (obj: T) => void): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  /** A readiness check: why the cache cannot be trusted, or undefined. */
  health(): string | undefined {
    const name = `informer ${this.options.name}`;
    if (this.state === 'backing-off') {
      const seconds = Math.max(0, Math.ceil((this.restartAt - this.clock.now()) / 1000));
      return `${name}: restarting in ${seconds} s after: ${describe(this.lastError)}`;
    }
    if (this.state === 'stopped') return `${name}: stopped`;
    if (!this.isSynced) return `${name}: not synced yet`;
    return undefined;
  }

  /** The delay before restart after `failures` consecutive failures (from 0), before jitter. */
  backoff(failures: number): number {
    const base = this.options.baseDelayMs ?? 1_000;
    return Math.min(base * 2 ** Math.min(failures, 30), this.options.maxDelayMs ?? 30_000);
  }

  private async launch(): Promise<void> {
    this.restartTimer = undefined;
    this.state = 'starting';
    this.lastStart = this.clock.now();
    try {
      await this.informer.start();
    } catch (e) {
      // start() rejects (and emits nothing) when the request cannot even be built, e.g. bad credentials.
      this.failed(e);
    }
    // Read again: stop() or an error may have changed it while start() ran.
    const state = this.state as State;
    if (state === 'stopped') return;
    if (this.listed && !this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
    if (state === 'starting') this.state = 'running';
  }

  private failed(err: unknown): void {
    // Stopping aborts the watch, which the informer reports as an error; a restart is already pending for
    // an error reported twice.
    if (this.state === 'stopped' || this.state === 'idle' || this.restartTimer) return;
    if (this.clock.now() - this.lastStart >= (this.options.healthyAfterMs ?? 120_000)) this.failures = 0;
    const delay = Math.round(
      this.backoff(this.failures++) *
        (1 + (this.options.random ?? Math.random)() * (this.options.jitter ?? 0.5)),
    );
    this.state = 'backing-off';
    this.lastError = err;
    this.restartAt = this.clock.now() + delay;
    this.restartTimer = this.clock.setTimeout(() => void this.launch(), delay);
    this.options.onError?.(err, delay);
  }

  private emit(event: InformerEvent, obj: T): void {
    for (const fn of this.listeners[event]) {
      try {
        fn(obj);
      } catch (e) {
        this.options.onListenerError?.(e, event);
      }
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
