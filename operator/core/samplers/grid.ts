/**
 * Grid search: every combination of every parameter's values, each exactly once.
 *
 * A categorical contributes its values, an int all its integers (or min + k·step), a float needs `step`.
 * Conditional parameters multiply the grid only where their `when` condition holds. Points already used
 * by observed or pending trials are skipped, so a re-request after a failure never repeats a point;
 * once every point is used the sampler throws `SpaceExhausted`.
 *
 * Settings: `shuffle` (default true) — visit points in an order shuffled by the job seed, so a job
 * stopped early still covers the space evenly; `false` visits them in lexicographic order.
 */
import type { JsonObject, ParamConfig, ParamValue } from '../../api/types.js';
import { InvalidSettings, SpaceExhausted } from '../errors.js';
import { Rng } from '../rng.js';
import { numericGrid, type Space } from '../space/space.js';
import { readBoolean, rejectUnknownSettings } from './settings.js';
import type { SampleRequest, Sampler, SamplerFactory } from './types.js';

/** The largest grid the sampler enumerates; a bigger one is almost surely a mistake in `step`. */
export const MAX_GRID_POINTS = 200_000;

function valuesOf(space: Space): ParamValue[][] {
  return space.params.map((p, i) => {
    if (p.type === 'categorical') return p.values;
    const grid = numericGrid(p);
    if (!grid) {
      throw new InvalidSettings(
        `spec.parameters[${i}].step: the grid sampler needs a step for float parameter '${p.name}'`,
      );
    }
    return grid;
  });
}

/** Every point of the grid in lexicographic order (parameters in spec order). */
export function enumerateGrid(space: Space): ParamConfig[] {
  const values = valuesOf(space);
  const out: ParamConfig[] = [];
  const walk = (i: number, config: ParamConfig): void => {
    if (out.length > MAX_GRID_POINTS) {
      throw new InvalidSettings(
        `the grid has more than ${MAX_GRID_POINTS} points; use larger steps or another sampler`,
      );
    }
    if (i === space.params.length) {
      out.push({ ...config });
      return;
    }
    const p = space.params[i]!;
    if (!space.isActive(p, config)) {
      walk(i + 1, config);
      return;
    }
    for (const v of values[i]!) {
      config[p.name] = v;
      walk(i + 1, config);
    }
    delete config[p.name];
  };
  walk(0, {});
  return out;
}

/** Canonical key of a configuration: values in parameter order, so key order in objects never matters. */
export function configKey(space: Space, config: ParamConfig): string {
  return JSON.stringify(space.params.map((p) => (p.name in config ? config[p.name] : null)));
}

class GridSampler implements Sampler {
  readonly name = 'grid';
  sample(request: SampleRequest): ParamConfig[] {
    const { space } = request;
    const shuffle = readBoolean(request.settings, 'shuffle', true);
    let points = enumerateGrid(space);
    if (shuffle) points = Rng.derive(request.seed, 'grid').shuffle(points);
    const used = new Set<string>();
    for (const o of request.observations) used.add(configKey(space, o.params));
    for (const p of request.pending) used.add(configKey(space, p.params));
    const out: ParamConfig[] = [];
    for (const point of points) {
      if (out.length === request.indices.length) break;
      const key = configKey(space, point);
      if (used.has(key)) continue;
      used.add(key);
      out.push(point);
    }
    if (out.length < request.indices.length) {
      throw new SpaceExhausted(`all ${points.length} grid points have been used`);
    }
    return out;
  }
}

export const gridSamplerFactory: SamplerFactory = {
  name: 'grid',
  validateSettings: (settings: JsonObject) => {
    rejectUnknownSettings('the grid sampler', settings, ['shuffle']);
    readBoolean(settings, 'shuffle', true);
  },
  validateSpace: (space: Space) => void valuesOf(space),
  create: () => new GridSampler(),
};
