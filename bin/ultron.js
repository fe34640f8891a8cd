#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`. Ultron runs on Node.js >= 24; when this
// `node` is older and the project installed Node 24 (node_modules/.bin/node), the CLI runs on that one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const MIN_NODE = 24;
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'operator', 'cli', 'main.js');
const projectNode = join(root, 'node_modules', '.bin', 'node');

if (Number(process.versions.node.split('.')[0]) < MIN_NODE) {
  if (!existsSync(projectNode)) {
    console.error(
      `ultron: needs Node.js >= ${MIN_NODE}, this is ${process.version}; run \`npm run setup\` in ${root} ` +
        `(it installs Node ${MIN_NODE} on Linux x64) or install Node.js ${MIN_NODE} LTS.`,
    );
    process.exit(2);
  }
  // The terminal sends Ctrl-C to the child too; this process only waits for it and passes its end on.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  if (!existsSync(entry)) {
    console.error(`ultron: ${entry} is missing; run \`npm run setup\` in ${root} first.`);
    process.exit(2);
  }
  // `ultron agent` is PID 1 of a trial pod's sidecar, where a signal without a handler is dropped: a
  // trainer that ends at once gets the agent its SIGTERM while it is still loading, and the pod would
  // then wait out its whole grace period. So the stop is caught here, before any import, for the agent.
  if (process.argv[2] === 'agent') {
    globalThis[Symbol.for('ultron.agent.stop')] = new Promise((resolve) => {
      for (const s of ['SIGTERM', 'SIGINT']) process.once(s, () => resolve(s));
    });
  }
  const { main } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
}
