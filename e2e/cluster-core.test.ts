/**
 * The bed's core: real nodes (kubelet + containerd) of the pinned release with GPU capacity, and node
 * loss — the real node-lifecycle controller and taint-based eviction move a Job's pod elsewhere.
 */
import { readFileSync } from 'node:fs';
import { BED_DIR, bedEnv, kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { failNode, restartNode } from './lib/nodes.js';
import { jobPods } from './lib/pods.js';

let ns: string;
beforeAll(async () => {
  ns = await createNamespace('e2e-nodes');
});
afterAll(async () => {
  await deleteNamespace(ns);
});

interface NodeInfo {
  status: {
    conditions: Array<{ type: string; status: string }>;
    allocatable: Record<string, string>;
    addresses: Array<{ type: string; address: string }>;
    nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string };
  };
}
const node = (name: string) => kubectlJson<NodeInfo>(['get', 'node', name]);
const ready = async (name: string) =>
  (await node(name)).status.conditions.find((c) => c.type === 'Ready')?.status;
const gpus = async (name: string) => (await node(name)).status.allocatable['nvidia.com/gpu'];
// What the running bed was started with and pinned to, not what this process's environment says.
const expectedGpus = readFileSync(`${BED_DIR}/gpus`, 'utf8').trim();
const pinned = Object.fromEntries(
  readFileSync(new URL('./cluster/versions.env', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

it('has its nodes Ready, on the pinned release, at their bridge address, with nvidia.com/gpu capacity', async () => {
  const names = bedEnv()['ULTRON_BED_NODE_NAMES']!.split(' ');
  for (const [i, name] of names.entries()) {
    const n = await node(name);
    expect(n.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(n.status.nodeInfo.kubeletVersion).toBe(pinned['KUBERNETES_VERSION']);
    // go install stamps the module version, possibly with a suffix.
    const containerd = pinned['CONTAINERD_VERSION']!.replace(/^v/, '').replaceAll('.', '\\.');
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(new RegExp(`^containerd://${containerd}`));
    // Not loopback: `kubectl logs` and exec reach the kubelet at this address.
    expect(n.status.addresses).toContainEqual({ type: 'InternalIP', address: `10.244.${i + 1}.1` });
    expect(n.status.allocatable['nvidia.com/gpu']).toBe(expectedGpus);
  }
});

it('replaces the pod of a failed node on the other node', async () => {
  const nodes = bedEnv()['ULTRON_BED_NODE_NAMES']!.split(' ');
  expect(nodes.length).toBeGreaterThanOrEqual(2);
  await kubectl(
    ['apply', '-n', ns, '-f', '-'],
    `
apiVersion: batch/v1
kind: Job
metadata: {name: survivor}
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ultron.local/python:latest
        imagePullPolicy: Never
        command: [python3, -c, "import time; time.sleep(20)"]
`,
  );
  const first = await eventually(async () => {
    const [pod] = await jobPods(ns, 'survivor');
    expect(pod?.status.phase).toBe('Running');
    return pod!;
  });
  const lost = first.spec.nodeName!;
  await failNode(lost);
  try {
    await eventually(async () => expect(await ready(lost)).not.toBe('True'), 60_000);
    const replacement = await eventually(async () => {
      const pod = (await jobPods(ns, 'survivor')).find(
        (p) => p.metadata.name !== first.metadata.name && p.status.phase === 'Running',
      );
      expect(pod).toBeDefined();
      return pod!;
    }, 90_000);
    expect(replacement.spec.nodeName).not.toBe(lost);
  } finally {
    await restartNode(lost);
  }
  await eventually(async () => expect(await ready(lost)).toBe('True'), 60_000);
  await eventually(async () => expect(await gpus(lost)).toBe(expectedGpus));
});
