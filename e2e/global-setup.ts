/** Starts one bed (2 nodes) for the e2e suite; reuses a running one with ULTRON_BED_REUSE=1. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export default function setup(): void {
  const bedDir = process.env['ULTRON_BED_DIR'] ?? '/var/tmp/ultron-bed';
  if (process.env['ULTRON_BED_REUSE'] === '1' && existsSync(join(bedDir, 'bed.env'))) return;
  execFileSync('bash', [join(root, 'e2e/cluster/up.sh')], {
    stdio: 'inherit',
    env: { ...process.env, ULTRON_BED_NODES: process.env['ULTRON_BED_NODES'] ?? '2' },
  });
}
