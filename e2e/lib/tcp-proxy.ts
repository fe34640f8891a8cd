/**
 * A loopback TCP proxy in front of a server, for faults a client cannot tell from a real network's: the
 * server's replies dropped (the request ran, the answer never came) and every connection cut at once.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** While on, what the server sends is thrown away; requests still reach it. */
  dropReplies(on: boolean): void;
  /** Destroys every open connection (the client sees its connection reset and reconnects). */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  let dropping = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host, port: targetPort });
    open.add(client);
    open.add(upstream);
    client.on('data', (b) => upstream.write(b));
    upstream.on('data', (b) => {
      if (!dropping) client.write(b);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    dropReplies: (on) => {
      dropping = on;
    },
    cut: () => {
      for (const s of open) s.destroy();
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
