/**
 * A trial's demand: what its pod asks of the cluster, computed as the scheduler computes a pod's
 * requests (k8s.io/component-helpers resource.PodRequests), so the quota counts what Kubernetes reserves.
 *
 * - A container's request for a resource is `requests[r]`, or `limits[r]` when only a limit is set (the
 *   API server defaults the request to the limit; this is how GPUs, set only as limits, are counted).
 * - Regular containers run together: their requests add up.
 * - Init containers run one after another before them: the pod needs the largest one at least.
 * - Native sidecars (init containers with restartPolicy Always) start in order and keep running: each adds
 *   to the regular containers' sum, and to every init container that starts after it.
 * - `spec.overhead` (a RuntimeClass's) is added on top.
 *
 * Pass the worker Job's pod spec (workload's buildJob), not the user's template alone, so Ultron's own
 * restore step and agent sidecar are counted too.
 */
import type { Container, PodSpec } from '../api/index.js';
import { InvalidQuotaInput } from './errors.js';
import { toUnits } from './quantity.js';
import { combine, isResourceName, sorted, type Resources } from './resources.js';

/** The pod's effective requests, in quota units (cpu in millicores), resources at 0 left out. */
export function podDemand(
  spec: Pick<PodSpec, 'containers' | 'initContainers'> & { overhead?: unknown },
): Resources {
  let regular: Resources = {};
  for (const c of spec.containers) regular = combine(regular, containerRequests(c));
  let sidecars: Resources = {};
  let init: Resources = {};
  for (const c of spec.initContainers ?? []) {
    const own = containerRequests(c);
    let atStart: Resources;
    if (c['restartPolicy'] === 'Always') {
      sidecars = combine(sidecars, own);
      atStart = sidecars;
    } else {
      atStart = combine(own, sidecars);
    }
    init = max(init, atStart);
  }
  const pod = max(combine(regular, sidecars), init);
  return combine(pod, quantities(spec.overhead, 'spec.overhead'));
}

/** One container's request per resource: requests, else limits. */
export function containerRequests(c: Container): Resources {
  const requests = quantities(c.resources?.requests, `container ${c.name}: resources.requests`);
  const limits = quantities(c.resources?.limits, `container ${c.name}: resources.limits`);
  return sorted({ ...limits, ...requests });
}

function quantities(field: unknown, where: string): Resources {
  if (field === undefined || field === null) return {};
  if (typeof field !== 'object' || Array.isArray(field))
    throw new InvalidQuotaInput(`${where}: not a mapping`);
  const out: Record<string, number> = {};
  for (const [resource, value] of Object.entries(field as Record<string, unknown>)) {
    if (!isResourceName(resource))
      throw new InvalidQuotaInput(`${where}: '${resource}' is not a resource name`);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new InvalidQuotaInput(`${where}.${resource}: not a quantity`);
    }
    try {
      out[resource] = toUnits(resource, value, 'up');
    } catch (err) {
      throw new InvalidQuotaInput(
        `${where}.${resource}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return out;
}

function max(a: Resources, b: Resources): Resources {
  const out: Record<string, number> = { ...a };
  for (const [r, n] of Object.entries(b)) out[r] = Math.max(out[r] ?? 0, n);
  return combine({}, out);
}
