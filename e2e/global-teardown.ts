/** Always stops the bed after the e2e suite, unless it was reused (ULTRON_BED_REUSE=1). */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function teardown(): void {
  if (process.env['ULTRON_BED_REUSE'] === '1') return;
  execFileSync('bash', [join(dirname(fileURLToPath(import.meta.url)), 'cluster/down.sh')], {
    stdio: 'inherit',
  });
}
