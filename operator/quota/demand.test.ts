import type { Container } from '../api/index.js';
import { InvalidQuotaInput } from './errors.js';
import { podDemand } from './demand.js';

const GPU = 'nvidia.com/gpu';
const Mi = 2 ** 20;
const c = (
  name: string,
  requests?: Record<string, string | number>,
  limits?: Record<string, string | number>,
  extra: Partial<Container> = {},
): Container => ({
  name,
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
  ...extra,
});
const sidecar = (name: string, requests: Record<string, string>): Container =>
  c(name, requests, undefined, { restartPolicy: 'Always' });

describe('podDemand', () => {
  it('adds up the containers; GPUs come from limits; a limit alone stands for the request', () => {
    expect(
      podDemand({
        containers: [
          c('trainer', { cpu: '2', memory: '4Gi' }, { [GPU]: 1, memory: '8Gi' }),
          c('helper', { cpu: '500m' }, { memory: '128Mi' }),
          c('bare'),
        ],
      }),
    ).toEqual({ cpu: 2500, memory: 4 * 1024 * Mi + 128 * Mi, [GPU]: 1 });
  });

  it('needs the largest init container when it is bigger than the containers, per resource', () => {
    expect(
      podDemand({
        initContainers: [c('download', { cpu: '4', memory: '100Mi' }), c('unpack', { memory: '3Gi' })],
        containers: [c('trainer', { cpu: '1', memory: '1Gi' })],
      }),
    ).toEqual({ cpu: 4000, memory: 3 * 1024 * Mi });
  });

  it('counts native sidecars with the containers and under every init container started after them', () => {
    // As the worker Job has it: restore (init), a user's init container, then the agent (sidecar); and a
    // second sidecar started before an init container, which runs beside it.
    expect(
      podDemand({
        initContainers: [
          c('restore', { cpu: '10m', memory: '64Mi' }),
          sidecar('proxy', { cpu: '100m', memory: '32Mi' }),
          c('warmup', { cpu: '3', memory: '32Mi' }),
          sidecar('agent', { cpu: '10m', memory: '64Mi' }),
        ],
        containers: [c('trainer', { cpu: '1', memory: '1Gi' }, { [GPU]: 2 })],
      }),
    ).toEqual({ cpu: 3100, memory: 1024 * Mi + 96 * Mi, [GPU]: 2 });
  });

  it('adds the pod overhead, rounds fractions up and leaves zeros out', () => {
    expect(
      podDemand({
        containers: [c('t', { cpu: '0.0001', memory: '0', 'ephemeral-storage': '1.5' })],
        overhead: { cpu: '250m', memory: '120Mi' },
      }),
    ).toEqual({ cpu: 251, 'ephemeral-storage': 2, memory: 120 * Mi });
  });

  it('names the container and field of a quantity it cannot read', () => {
    expect(() => podDemand({ containers: [c('trainer', { cpu: 'lots' })] })).toThrow(InvalidQuotaInput);
    expect(() => podDemand({ containers: [c('trainer', { cpu: 'lots' })] })).toThrow(
      /container trainer: resources.requests.cpu: invalid quantity 'lots'/,
    );
    expect(() => podDemand({ containers: [c('t', undefined, { 'bad name!': 1 })] })).toThrow(
      /resources.limits/,
    );
  });
});
