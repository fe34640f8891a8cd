/** The examples' ConfigMaps carry their training code as it is in the repository. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ConfigMapSpec {
  out: string;
  name: string;
  files: string[];
}

it('every generated example ConfigMap matches its source (else: node scripts/example-configmaps.mjs)', async () => {
  const mod = (await import(join(repo, 'scripts/example-configmaps.mjs'))) as {
    EXAMPLE_CONFIGMAPS: ConfigMapSpec[];
    render(spec: ConfigMapSpec): string;
  };
  expect(mod.EXAMPLE_CONFIGMAPS.length).toBeGreaterThan(0);
  for (const spec of mod.EXAMPLE_CONFIGMAPS)
    expect({ file: spec.out, text: readFileSync(join(repo, spec.out), 'utf8') }).toEqual({
      file: spec.out,
      text: mod.render(spec),
    });
});
