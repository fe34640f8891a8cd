import { applyDefaults, type HPOJobSpec, type PodTemplateSpec } from '../api/index.js';
import { expandVars } from '../core/trial/index.js';
import { UltronError } from '../errors.js';
import { buildJob, WorkloadConflict, type BuildJobInput, type WorkloadOptions } from './index.js';

type Obj = Record<string, unknown>;

const OPTIONS: WorkloadOptions = {
  agentImage: 'ultron.local/ultron:latest',
  imagePullPolicy: 'Never',
  natsUrl: 'nats://nats.ultron-system:4222',
};

function specWith(template: PodTemplateSpec, extra: Partial<HPOJobSpec['trialTemplate']> = {}) {
  const spec: HPOJobSpec = {
    objective: { metric: 'loss', direction: 'minimize' },
    parameters: [
      { name: 'lr', type: 'float', min: 1e-4, max: 1, log: true },
      { name: 'optimizer', type: 'categorical', values: ['adam', 'sgd'] },
    ],
    trialTemplate: { template, ...extra },
  };
  return applyDefaults(spec, 1);
}

const simple: PodTemplateSpec = {
  spec: { containers: [{ name: 'trainer', image: 'py', command: ['python3', 'train.py'] }] },
};

function input(over: Partial<BuildJobInput> = {}, template = simple): BuildJobInput {
  return {
    trial: {
      metadata: { name: 'quick-7', namespace: 'team-a', uid: 'trial-uid' },
      spec: { index: 7, params: { lr: 0.01, optimizer: 'sgd' }, seed: 99 },
    },
    hpoJob: { name: 'quick', uid: 'job-uid' },
    spec: specWith(template),
    options: OPTIONS,
    ...over,
  };
}

const podSpec = (i: BuildJobInput) => buildJob(i).spec!.template.spec!;
const envOf = (c: { env?: Array<{ name: string; value?: string }> }) =>
  Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
/** The kubelet's rule: an env value sees only the variables defined before it in the list. */
function kubeletEnv(env: Array<{ name: string; value?: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) out[e.name] = expandVars(e.value ?? '', out);
  return out;
}

describe('buildJob', () => {
  it('makes a one-pod Job named after the Trial, owned by it, labelled, with retries as backoffLimit', () => {
    const job = buildJob(input());
    const labels = { 'ultron.dev/hpojob': 'quick', 'ultron.dev/trial': 'quick-7', 'ultron.dev/index': '7' };
    expect(job.metadata).toEqual({
      name: 'quick-7',
      namespace: 'team-a',
      labels,
      ownerReferences: [
        {
          apiVersion: 'ultron.dev/v1alpha1',
          kind: 'Trial',
          name: 'quick-7',
          uid: 'trial-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 3 });
    expect(job.spec!.template.metadata!.labels).toEqual(labels);
    expect(job.spec!.podFailurePolicy).toEqual({
      rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
    });
    expect(job.spec!.podReplacementPolicy).toBe('Failed');
    expect(job.spec!.template.spec!.restartPolicy).toBe('Never');
  });

  it.each([
    ['retries 0', { retries: 0 }, 0],
    ['retries 5', { retries: 5 }, 5],
    ['default', {}, 3],
  ])('backoffLimit = retries (%s)', (_name, extra, expected) => {
    expect(buildJob({ ...input(), spec: specWith(simple, extra) }).spec!.backoffLimit).toBe(expected);
  });

  it.each(['OnFailure', 'Never', undefined])('sets restartPolicy Never (template: %s)', (policy) => {
    const t: PodTemplateSpec = { spec: { ...simple.spec, ...(policy ? { restartPolicy: policy } : {}) } };
    expect(podSpec(input({}, t)).restartPolicy).toBe('Never');
  });

  it('gives the trainer Ultron’s environment first, then the user’s, so the user’s may use $(ULTRON_*)', () => {
    const t: PodTemplateSpec = {
      spec: {
        containers: [
          {
            name: 'trainer',
            args: ['--lr', '$(ULTRON_PARAM_LR)'],
            env: [
              { name: 'OPT', value: 'opt=$(ULTRON_PARAM_OPTIMIZER)' },
              { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
            ],
          },
        ],
      },
    };
    const trainer = podSpec(input({}, t)).containers[0]!;
    const names = trainer.env!.map((e) => e.name);
    expect(names.slice(-2)).toEqual(['OPT', 'FROM_SECRET']);
    expect(envOf(trainer)).toMatchObject({
      ULTRON_PARAMS: JSON.stringify({ lr: 0.01, optimizer: 'sgd' }),
      ULTRON_PARAM_LR: '0.01',
      ULTRON_PARAM_OPTIMIZER: 'sgd',
      ULTRON_TRIAL: '7',
      ULTRON_HPOJOB: 'quick',
      ULTRON_SEED: '99',
      ULTRON_CHECKPOINT_DIR: '/ultron/checkpoints',
      ULTRON_METRICS_FILE: '/ultron/metrics.jsonl',
    });
    expect(kubeletEnv(trainer.env!)['OPT']).toBe('opt=sgd');
    expect(trainer.env!.find((e) => e.name === 'FROM_SECRET')!.valueFrom).toEqual({
      secretKeyRef: { name: 's', key: 'k' },
    });
    expect(trainer.args).toEqual(['--lr', '$(ULTRON_PARAM_LR)']); // the kubelet expands it
  });

  it('lets a user entry with an Ultron name replace it, leaving no duplicate', () => {
    const t: PodTemplateSpec = {
      spec: { containers: [{ name: 'trainer', env: [{ name: 'ULTRON_SEED', value: '1' }] }] },
    };
    const env = podSpec(input({}, t)).containers[0]!.env!;
    expect(env.filter((e) => e.name === 'ULTRON_SEED')).toEqual([{ name: 'ULTRON_SEED', value: '1' }]);
  });

  it('picks the container named trainer, else the first; other containers get no ULTRON_* env', () => {
    const t: PodTemplateSpec = {
      spec: { containers: [{ name: 'logger', env: [{ name: 'A', value: '1' }] }, { name: 'trainer' }] },
    };
    const [logger, trainer] = podSpec(input({}, t)).containers;
    expect(logger!.env).toEqual([{ name: 'A', value: '1' }]);
    expect(envOf(trainer!)['ULTRON_TRIAL']).toBe('7');
    expect(buildJob(input({}, t)).spec!.template.metadata!.annotations).toEqual({
      'kubectl.kubernetes.io/default-container': 'trainer',
    });
    const first: PodTemplateSpec = { spec: { containers: [{ name: 'main' }] } };
    expect(envOf(podSpec(input({}, first)).containers[0]!)['ULTRON_TRIAL']).toBe('7');
  });

  it('adds the agent as a native sidecar after the user’s init containers', () => {
    const t: PodTemplateSpec = {
      spec: { ...simple.spec, initContainers: [{ name: 'fetch-data', image: 'busybox' }] },
    };
    const init = podSpec(input({}, t)).initContainers!;
    expect(init.map((c) => c.name)).toEqual(['fetch-data', 'ultron-agent']);
    const agent = init[1]!;
    expect(agent).toMatchObject({
      image: 'ultron.local/ultron:latest',
      imagePullPolicy: 'Never',
      args: ['agent'],
      restartPolicy: 'Always',
      resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    });
    expect(agent.env).toEqual([
      { name: 'ULTRON_METRICS_FILE', value: '/ultron/metrics.jsonl' },
      { name: 'ULTRON_NATS_URL', value: 'nats://nats.ultron-system:4222' },
      { name: 'ULTRON_HPOJOB_UID', value: 'job-uid' },
      { name: 'ULTRON_TRIAL_INDEX', value: '7' },
      { name: 'ULTRON_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'ULTRON_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'ULTRON_AGENT_FLUSH_SECONDS', value: '28' }, // Kubernetes' default grace period, 30 s
    ]);
    expect(init[0]!.restartPolicy).toBeUndefined();
  });

  it('mounts the ultron emptyDir at /ultron in every container and keeps the user’s volumes', () => {
    const t: PodTemplateSpec = {
      spec: {
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [{ name: 'prep', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        containers: [
          { name: 'trainer', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          { name: 'side' },
        ],
      },
    };
    const pod = podSpec(input({}, t));
    expect(pod.volumes).toEqual([
      { name: 'data', emptyDir: {} },
      { name: 'ultron', emptyDir: {} },
    ]);
    const ultron = { name: 'ultron', mountPath: '/ultron' };
    for (const c of [...pod.initContainers!, ...pod.containers])
      expect(c.volumeMounts).toContainEqual(ultron);
    expect(pod.containers[0]!.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }, ultron]);
  });

  it('keeps the rest of the user’s template', () => {
    const t: PodTemplateSpec = {
      metadata: {
        labels: { team: 'vision', 'ultron.dev/index': 'spoofed' },
        annotations: { note: 'x', 'kubectl.kubernetes.io/default-container': 'mine' },
      },
      spec: {
        nodeSelector: { gpu: 'a100' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
        terminationGracePeriodSeconds: 5,
        serviceAccountName: 'trainer-sa',
        containers: [
          {
            name: 'trainer',
            image: 'py',
            resources: { requests: { cpu: '2' }, limits: { 'nvidia.com/gpu': 1 } },
            workingDir: '/work',
          },
        ],
      },
    };
    const job = buildJob(input({}, t));
    const pod = job.spec!.template.spec! as unknown as Obj;
    expect(pod).toMatchObject({
      nodeSelector: { gpu: 'a100' },
      tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 5,
      serviceAccountName: 'trainer-sa',
      containers: [
        {
          name: 'trainer',
          image: 'py',
          resources: { requests: { cpu: '2' }, limits: { 'nvidia.com/gpu': 1 } },
          workingDir: '/work',
        },
      ],
    });
    expect(job.spec!.template.metadata!.labels).toEqual({
      team: 'vision',
      'ultron.dev/hpojob': 'quick',
      'ultron.dev/trial': 'quick-7',
      'ultron.dev/index': '7',
    });
    expect(job.spec!.template.metadata!.annotations).toEqual({
      note: 'x',
      'kubectl.kubernetes.io/default-container': 'mine',
    });
  });

  it('never mutates its input', () => {
    const t: PodTemplateSpec = {
      metadata: { labels: { a: 'b' } },
      spec: {
        restartPolicy: 'OnFailure',
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [{ name: 'prep' }],
        containers: [{ name: 'trainer', env: [{ name: 'X', value: '1' }], volumeMounts: [] }],
      },
    };
    const i = input({}, t);
    const before = JSON.stringify(i);
    const deepFreeze = (o: unknown): void => {
      if (o && typeof o === 'object') {
        Object.freeze(o);
        Object.values(o).forEach(deepFreeze);
      }
    };
    deepFreeze(i);
    const job = buildJob(i);
    expect(JSON.stringify(i)).toBe(before);
    expect(job.spec!.template.spec!.containers[0]).not.toBe(t.spec.containers[0]);
  });

  it('adds no restore step without a checkpoint store (the default)', () => {
    const init = podSpec(input()).initContainers!;
    expect(init.map((c) => c.name)).toEqual(['ultron-agent']);
    expect(envOf(init[0]!)['ULTRON_CHECKPOINT_DIR']).toBeUndefined();
  });

  it.each([
    ['enabled', true, ['ultron-restore', 'prep', 'ultron-agent']],
    ['disabled', false, ['prep', 'ultron-agent']],
  ])('with a checkpoint store and checkpoints %s', (_name, enabled, names) => {
    const store = { secretName: 'ultron-checkpoints' };
    const t: PodTemplateSpec = {
      spec: { ...simple.spec, initContainers: [{ name: 'prep' }], terminationGracePeriodSeconds: 60 },
    };
    const i: BuildJobInput = {
      ...input({}, t),
      spec: specWith(t, { checkpoint: { enabled, keep: 2 } }),
      options: { ...OPTIONS, checkpointStore: store },
    };
    const init = podSpec(i).initContainers!;
    expect(init.map((c) => c.name)).toEqual(names);
    const agent = init.at(-1)!;
    // The agent may use the grace period, less a margin, to deliver what it has (NATS or the store away).
    expect(envOf(agent)['ULTRON_AGENT_FLUSH_SECONDS']).toBe('58');
    if (enabled) {
      expect(init[0]).toMatchObject({ image: OPTIONS.agentImage, args: ['restore'] });
      expect(envOf(init[0]!)).toMatchObject({
        ULTRON_CHECKPOINT_DIR: '/ultron/checkpoints',
        ULTRON_HPOJOB: 'quick',
        ULTRON_HPOJOB_UID: i.hpoJob.uid,
        ULTRON_TRIAL_INDEX: String(i.trial.spec.index),
      });
      expect(init[0]!.volumeMounts).toEqual([{ name: 'ultron', mountPath: '/ultron' }]);
      expect(envOf(agent)).toMatchObject({ ULTRON_CHECKPOINT_KEEP: '2' });
      // The store's settings come from the Secret in the trial's namespace; the credentials are required.
      for (const c of [init[0]!, agent]) {
        const refs = Object.fromEntries(
          (c.env ?? []).flatMap((e) => {
            const ref = (
              e as { valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }
            ).valueFrom?.secretKeyRef;
            return ref ? [[e.name, ref]] : [];
          }),
        );
        const ref = (key: string) => ({ name: 'ultron-checkpoints', key, optional: true });
        expect(refs['ULTRON_S3_BUCKET']).toEqual(ref('bucket'));
        expect(refs['ULTRON_S3_ACCESS_KEY']).toEqual(ref('accessKeyId'));
        expect(refs['ULTRON_S3_SECRET_KEY']).toEqual(ref('secretAccessKey'));
        expect(refs['ULTRON_S3_ENDPOINT']).toEqual({
          name: 'ultron-checkpoints',
          key: 'endpoint',
          optional: true,
        });
        const namespace = (c.env ?? []).find((e) => e.name === 'ULTRON_NAMESPACE');
        expect(namespace).toEqual({
          name: 'ULTRON_NAMESPACE',
          valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
        });
      }
    } else expect(envOf(agent)['ULTRON_S3_BUCKET']).toBeUndefined();
  });

  it.each<[string, PodTemplateSpec]>([
    ['a volume named ultron', { spec: { volumes: [{ name: 'ultron' }], containers: [{ name: 'trainer' }] } }],
    [
      'a mount at /ultron',
      { spec: { containers: [{ name: 'trainer', volumeMounts: [{ name: 'x', mountPath: '/ultron/' }] }] } },
    ],
    [
      'a container named ultron-agent',
      { spec: { containers: [{ name: 'trainer' }, { name: 'ultron-agent' }] } },
    ],
  ])('refuses a template with %s', (_name, t) => {
    expect(() => buildJob(input({}, t))).toThrow(WorkloadConflict);
  });

  it('needs the Trial’s uid for the owner reference', () => {
    const i = input();
    const noUid = { ...i, trial: { ...i.trial, metadata: { name: 'quick-7' } } };
    expect(() => buildJob(noUid)).toThrow(UltronError);
  });

  it('takes the agent image, pull policy and resources from the options', () => {
    const agentResources = {
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { cpu: '50m', memory: '128Mi' },
    };
    const i = input({ options: { agentImage: 'reg/ultron:1.2', natsUrl: 'nats://n:4222', agentResources } });
    const agent = podSpec(i).initContainers![0]!;
    expect(agent.image).toBe('reg/ultron:1.2');
    expect(agent.imagePullPolicy).toBeUndefined();
    expect(agent.resources).toEqual(agentResources);
    expect(envOf(agent)['ULTRON_NATS_URL']).toBe('nats://n:4222');
  });
});
