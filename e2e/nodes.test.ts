/** Node loss: the real node-lifecycle controller and taint-based eviction move a Job's pod elsewhere. */
import { bedEnv, kubectl, kubectlJson } from './lib/bed.js';
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

const ready = async (node: string) =>
  (
    await kubectlJson<{ status: { conditions: Array<{ type: string; status: string }> } }>([
      'get',
      'node',
      node,
    ])
  ).status.conditions.find((c) => c.type === 'Ready')?.status;

it('has its nodes Ready with nvidia.com/gpu capacity', async () => {
  for (const node of bedEnv()['ULTRON_BED_NODES']!.split(' ')) {
    expect(await ready(node)).toBe('True');
    const n = await kubectlJson<{ status: { allocatable: Record<string, string> } }>(['get', 'node', node]);
    expect(n.status.allocatable['nvidia.com/gpu']).toBe(process.env['ULTRON_BED_GPUS'] ?? '2');
  }
});

it('replaces the pod of a failed node on the other node', async () => {
  const nodes = bedEnv()['ULTRON_BED_NODES']!.split(' ');
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
});
