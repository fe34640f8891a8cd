/** The early-stopping schedulers by name (spec.earlyStopping.name). */
import { ashaSchedulerFactory } from './asha.js';
import { hyperbandSchedulerFactory } from './hyperband.js';
import { medianSchedulerFactory } from './median.js';
import { noneSchedulerFactory } from './none.js';
import type { SchedulerFactory } from './types.js';

const FACTORIES: ReadonlyMap<string, SchedulerFactory> = new Map(
  [noneSchedulerFactory, medianSchedulerFactory, ashaSchedulerFactory, hyperbandSchedulerFactory].map((f) => [
    f.name,
    f,
  ]),
);

export function schedulerNames(): string[] {
  return [...FACTORIES.keys()];
}

export function getSchedulerFactory(name: string): SchedulerFactory | undefined {
  return FACTORIES.get(name);
}
