/**
 * The operator's API client on the bed's real API server: requests share connections (client-node 2.0.1
 * alone opens a new TCP + TLS connection per request), and watches and concurrent writes still work.
 */
import * as net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../operator/controller/runtime/index.js';
import { bedEnv } from './lib/bed.js';

/** Counts TCP connections opened while `fn` runs. */
async function socketsOpened(fn: () => Promise<void>): Promise<number> {
  let opened = 0;
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    opened++;
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  try {
    await fn();
  } finally {
    net.Socket.prototype.connect = connect;
  }
  return opened;
}

const kubeconfigPath = () => bedEnv()['KUBECONFIG']!;

it('50 requests share a connection or two, where the stock KubeConfig opens one each', async () => {
  const run = (kc: k8s.KubeConfig) => async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    for (let i = 0; i < 50; i++) await core.readNamespace({ name: 'default' });
  };
  const pooled = new PooledKubeConfig();
  pooled.loadFromFile(kubeconfigPath());
  const stock = new k8s.KubeConfig();
  stock.loadFromFile(kubeconfigPath());
  const mine = await socketsOpened(run(pooled));
  const theirs = await socketsOpened(run(stock));
  console.log(`50 GETs: ${mine} connection(s) pooled, ${theirs} stock`);
  expect(mine).toBeLessThanOrEqual(2);
  expect(theirs).toBeGreaterThanOrEqual(40); // if this fails, client-node fixed it: drop PooledKubeConfig
});

it('a watch and concurrent writes work over the shared pool', async () => {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(kubeconfigPath());
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = `kube-client-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  try {
    const seen = new Set<string>();
    const req = await new k8s.Watch(kc).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      {},
      (type: string, cm: k8s.V1ConfigMap) => {
        if (type === 'ADDED' && cm.metadata?.name?.startsWith('cm-')) seen.add(cm.metadata.name);
      },
      () => undefined,
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}` } } }),
      ),
    );
    for (let t = 0; seen.size < 20 && t < 100; t++) await new Promise((r) => setTimeout(r, 100));
    req.abort();
    expect(seen.size).toBe(20);
  } finally {
    await core.deleteNamespace({ name: ns });
  }
});
