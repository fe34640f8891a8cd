/**
 * The bed runs real workloads: Jobs with init containers, native sidecars and ConfigMap volumes through
 * the real scheduler, kubelet and job controller; eviction, failure policies, GPU capacity and garbage
 * collection behave as on a real cluster.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { kubectl, kubectlJson } from './lib/bed.js';
import { eventually } from './lib/eventually.js';
import { createNamespace, deleteNamespace } from './lib/namespace.js';
import { evict, jobPods, logs, type PodInfo } from './lib/pods.js';

let ns: string;
beforeAll(async () => {
  ns = await createNamespace('e2e-work');
});
afterAll(async () => {
  await deleteNamespace(ns);
});

interface JobInfo {
  status: {
    succeeded?: number;
    failed?: number;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
  };
}
const job = (name: string) => kubectlJson<JobInfo>(['-n', ns, 'get', 'job', name]);
const condition = (j: JobInfo, type: string) =>
  j.status.conditions?.find((c) => c.type === type && c.status === 'True');

const PY = 'ultron.local/python:latest';

it('runs a Job with an init container, a native sidecar and a ConfigMap script to Complete', async () => {
  await kubectl(
    ['apply', '-n', ns, '-f', '-'],
    `
apiVersion: v1
kind: ConfigMap
metadata: {name: scripts}
data:
  main.py: |
    import os, time
    assert open('/shared/init.txt').read() == 'from init'
    open('/shared/main.txt', 'w').write('from main')
    print('main done', flush=True)
  sidecar.py: |
    import os, signal, sys, time
    def stop(sig, frame):
        seen = os.path.exists('/shared/main.txt')
        print(f'sidecar got SIGTERM; saw main file: {seen}', flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    print('sidecar up', flush=True)
    while True:
        time.sleep(0.2)
---
apiVersion: batch/v1
kind: Job
metadata: {name: sidecar}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      volumes:
      - {name: shared, emptyDir: {}}
      - {name: scripts, configMap: {name: scripts}}
      initContainers:
      - name: init
        image: ${PY}
        imagePullPolicy: Never
        command: [python3, -c, "open('/shared/init.txt','w').write('from init'); print('init done')"]
        volumeMounts: [{name: shared, mountPath: /shared}]
      - name: sidecar
        image: ${PY}
        imagePullPolicy: Never
        restartPolicy: Always
        command: [python3, /scripts/sidecar.py]
        volumeMounts: [{name: shared, mountPath: /shared}, {name: scripts, mountPath: /scripts}]
      containers:
      - name: main
        image: ${PY}
        imagePullPolicy: Never
        command: [python3, /scripts/main.py]
        volumeMounts: [{name: shared, mountPath: /shared}, {name: scripts, mountPath: /scripts}]
`,
  );
  await eventually(async () => expect(condition(await job('sidecar'), 'Complete')).toBeTruthy(), 90_000);
  const [pod] = await jobPods(ns, 'sidecar');
  const terminated = (list: PodInfo['status']['containerStatuses'], name: string) =>
    list?.find((c) => c.name === name)?.state.terminated;
  expect(terminated(pod!.status.containerStatuses, 'main')?.exitCode).toBe(0);
  expect(terminated(pod!.status.initContainerStatuses, 'init')?.exitCode).toBe(0);
  expect(await logs(ns, pod!.metadata.name, 'init')).toContain('init done');
  expect(await logs(ns, pod!.metadata.name, 'main')).toContain('main done');
  await eventually(async () =>
    expect(await logs(ns, pod!.metadata.name, 'sidecar')).toContain(
      'sidecar got SIGTERM; saw main file: True',
    ),
  );
});

it('evicting a pod of a Job that ignores DisruptionTarget gives a new pod without using backoffLimit; exit 1 does use it', async () => {
  const manifest = (name: string, command: string, hostDir: string) => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  backoffLimit: 1
  podReplacementPolicy: Failed
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      volumes: [{name: out, hostPath: {path: ${hostDir}}}]
      containers:
      - name: main
        image: ${PY}
        imagePullPolicy: Never
        volumeMounts: [{name: out, mountPath: /out}]
        command: [python3, -c, "${command}"]
`;
  // The first pod marks a hostPath folder and sleeps; its replacement finds the mark and succeeds.
  const dir = `/var/tmp/ultron-e2e-evict-${randomBytes(3).toString('hex')}`;
  mkdirSync(dir, { recursive: true });
  const script = `import os, time; m = '/out/first'; first = not os.path.exists(m); open(m, 'a').close(); time.sleep(300 if first else 1)`;
  await kubectl(['apply', '-n', ns, '-f', '-'], manifest('evicted', script, dir));
  const first = await eventually(async () => {
    const pods = await jobPods(ns, 'evicted');
    expect(pods[0]?.status.phase).toBe('Running');
    return pods[0]!;
  });
  await evict(ns, first.metadata.name);
  await eventually(async () => expect(condition(await job('evicted'), 'Complete')).toBeTruthy(), 90_000);
  expect((await job('evicted')).status.failed ?? 0).toBe(0);
  const pods = await jobPods(ns, 'evicted');
  expect(pods.some((p) => p.metadata.name !== first.metadata.name && p.status.phase === 'Succeeded')).toBe(
    true,
  );
  rmSync(dir, { recursive: true, force: true });

  await kubectl(['apply', '-n', ns, '-f', '-'], manifest('exits', 'import sys; sys.exit(1)', '/var/tmp'));
  await eventually(async () => expect(condition(await job('exits'), 'Failed')).toBeTruthy(), 90_000);
  expect((await job('exits')).status.failed).toBe(2); // backoffLimit 1: two failed pods
});

it('keeps pods asking for more nvidia.com/gpu than is free Pending until capacity frees', async () => {
  const gpuJob = (name: string, seconds: number) => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: node-1}
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${PY}
        imagePullPolicy: Never
        command: [python3, -c, "import time; time.sleep(${seconds})"]
        resources: {limits: {nvidia.com/gpu: 1}}
`;
  await kubectl(['apply', '-n', ns, '-f', '-'], gpuJob('gpu-a', 6) + '---' + gpuJob('gpu-b', 60));
  await eventually(async () => {
    for (const name of ['gpu-a', 'gpu-b']) expect((await jobPods(ns, name))[0]?.status.phase).toBe('Running');
  });
  await kubectl(['apply', '-n', ns, '-f', '-'], gpuJob('gpu-c', 1));
  await eventually(async () => {
    const events = await kubectl(['-n', ns, 'get', 'events', '--field-selector', 'reason=FailedScheduling']);
    expect(events).toContain('Insufficient nvidia.com/gpu');
  });
  expect((await jobPods(ns, 'gpu-c'))[0]?.status.phase).toBe('Pending');
  await eventually(async () => expect(condition(await job('gpu-c'), 'Complete')).toBeTruthy(), 60_000);
  expect(condition(await job('gpu-a'), 'Complete')).toBeTruthy();
  await kubectl(['-n', ns, 'delete', 'job', 'gpu-b', '--wait=false']);
});

it('deleting a Job deletes its pods through the garbage collector, each container getting SIGTERM', async () => {
  const dir = `/var/tmp/ultron-e2e-gc-${randomBytes(3).toString('hex')}`;
  mkdirSync(dir, { recursive: true });
  try {
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      `
apiVersion: batch/v1
kind: Job
metadata: {name: gc}
spec:
  parallelism: 2
  completions: 2
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 20
      volumes: [{name: out, hostPath: {path: ${dir}}}]
      containers:
      - name: main
        image: ${PY}
        imagePullPolicy: Never
        volumeMounts: [{name: out, mountPath: /out}]
        command:
        - python3
        - -c
        - |
          import os, signal, sys, time
          def stop(sig, frame):
              open('/out/' + os.environ['HOSTNAME'], 'w').write('SIGTERM')
              sys.exit(0)
          signal.signal(signal.SIGTERM, stop)
          while True: time.sleep(0.1)
`,
    );
    const pods = await eventually(async () => {
      const p = await jobPods(ns, 'gc');
      expect(p.filter((x) => x.status.phase === 'Running')).toHaveLength(2);
      return p;
    });
    await kubectl(['-n', ns, 'delete', 'job', 'gc', '--cascade=background', '--wait=false']);
    await eventually(async () => expect(await jobPods(ns, 'gc')).toHaveLength(0), 60_000);
    for (const p of pods) expect(readFileSync(`${dir}/${p.metadata.name}`, 'utf8')).toBe('SIGTERM');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
