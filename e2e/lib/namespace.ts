/** A fresh namespace per test file, deleted afterwards (its objects go with it). */
import { randomBytes } from 'node:crypto';
import { kubectl } from './bed.js';

export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name]);
  // The ServiceAccount controller creates `default`; pods cannot be created before it exists.
  for (let i = 0; i < 100; i++) {
    try {
      await kubectl(['-n', name, 'get', 'serviceaccount', 'default']);
      return name;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`namespace ${name}: no default ServiceAccount`);
}

export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--wait=false']);
}
