/**
 * The operator's HTTP endpoints for the kubelet and Prometheus:
 *   /healthz  the process answers (liveness: restart it when this fails);
 *   /readyz   every registered check passes (readiness), the body naming each check and why it fails, in
 *             the API server's own `[+]name ok` / `[-]name failed: reason` form;
 *   /metrics  Prometheus text format.
 * Plain node:http: three routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import type { Metrics } from './metrics.js';

/** Resolves to undefined when ready, or to the reason it is not. A throw counts as not ready. */
export type ReadinessCheck = () => string | undefined | Promise<string | undefined>;

export interface OpsServerOptions {
  metrics?: Metrics;
  /** A check that has not answered by then fails, so one hung dependency cannot hang the probe. */
  checkTimeoutMs?: number;
  clock?: Clock;
}

export class OpsServer {
  private readonly server: Server;
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly checkTimeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly options: OpsServerOptions = {}) {
    this.checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
    this.clock = options.clock ?? realClock;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => send(res, 500, `internal error: ${message(e)}\n`));
    });
  }

  /** Registers (or replaces) a readiness check under `name`. */
  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Listens; port 0 picks a free port. Resolves to the port in use. */
  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  /** Runs every check at once; `ok` only when all pass. */
  async readiness(): Promise<{ ok: boolean; results: Array<{ name: string; reason?: string }> }> {
    const results = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const reason = await this.runCheck(check);
        return reason === undefined ? { name } : { name, reason };
      }),
    );
    return { ok: results.every((r) => r.reason === undefined), results };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    switch (path) {
      case '/healthz':
        return send(res, 200, 'ok\n');
      case '/readyz': {
        const { ok, results } = await this.readiness();
        const lines = results.map((r) =>
          r.reason === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.reason}`,
        );
        lines.push(ok ? 'readyz check passed' : 'readyz check failed');
        return send(res, ok ? 200 : 503, `${lines.join('\n')}\n`);
      }
      case '/metrics': {
        if (!this.options.metrics) return send(res, 404, 'no metrics\n');
        const { contentType, body } = await this.options.metrics.expose();
        return send(res, 200, body, contentType);
      }
      default:
        return send(res, 404, 'not found\n');
    }
  }

  private async runCheck(check: ReadinessCheck): Promise<string | undefined> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = this.clock.setTimeout(
        () => resolve(`no answer within ${this.checkTimeoutMs} ms`),
        this.checkTimeoutMs,
      );
    });
    try {
      return await Promise.race([Promise.resolve().then(check), timeout]);
    } catch (e) {
      return message(e);
    } finally {
      if (timer) this.clock.clearTimeout(timer);
    }
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
