/** The operator's ClusterRole in manifests/ grants what each reconciler says it needs, and no more. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { HPOJOB_RBAC } from './hpojob/reconciler.js';
import { TRIAL_RBAC } from './trial/reconciler.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
const docs = parseAllDocuments(readFileSync(join(repo, 'manifests/base/rbac-operator.yaml'), 'utf8')).map(
  (d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: Rule[] },
);
const grants = (rules: readonly Rule[]): Set<string> =>
  new Set(
    rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    ),
  );

it('the ClusterRole grants exactly the union of the reconcilers’ needs', () => {
  const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'ultron-operator')!;
  const needed = grants(
    [...HPOJOB_RBAC, ...TRIAL_RBAC].map((r) => ({
      ...r,
      apiGroups: [...r.apiGroups],
      resources: [...r.resources],
      verbs: [...r.verbs],
    })),
  );
  expect([...grants(role.rules!)].sort()).toEqual([...needed].sort());
});

it('leader election may only touch Leases, in its own namespace (a Role, not a ClusterRole)', () => {
  const role = docs.find((d) => d.kind === 'Role')!;
  expect(grants(role.rules!)).toEqual(
    new Set([
      'coordination.k8s.io/leases:get',
      'coordination.k8s.io/leases:create',
      'coordination.k8s.io/leases:update',
    ]),
  );
});

it('quota reads only the ultron-quotas ConfigMap, in its own namespace', () => {
  const role = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'ultron-operator-quota')!;
  expect(grants(role.rules!)).toEqual(new Set(['/configmaps:get']));
  expect((role.rules![0] as Rule & { resourceNames?: string[] }).resourceNames).toEqual(['ultron-quotas']);
});
