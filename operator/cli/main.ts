/** The `ultron` command line: dispatches to a command and returns its exit code. */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { processIo, type Io } from '../local/io.js';

const USAGE = `usage: ultron <command> [flags]

commands:
  run FILE          run an HPOJob on this machine, trials as local processes (ultron run --help)
  validate FILE...  check HPOJob and Trial manifests; prints every error with its field path
  agent             the pod agent of a trial pod (run by the operator's sidecar)
  restore           puts a trial's newest complete checkpoint in place (the trial pod's init container)
  checkpoints delete  deletes an HPOJob's checkpoints from the object store (run by the operator)
  operator          the Kubernetes operator (ultron operator --help)
  samplerd          the sampler service: built-in samplers over NATS (ultron samplerd --help)

flags:
  --help, -h        this help
  --version         the version`;

function version(): string {
  // operator/cli in sources, dist/operator/cli when built: the package root is two or three levels up.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'ultron') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { validateCommand } = await import('./validate.js');
        return await validateCommand(rest, io);
      }
      case 'run': {
        const { runCommand } = await import('./run.js');
        return await runCommand(rest, io);
      }
      case 'operator': {
        const { operatorCommand } = await import('./operator.js');
        return await operatorCommand(rest, io);
      }
      case 'samplerd': {
        const { samplerdCommand } = await import('./samplerd.js');
        return await samplerdCommand(rest, io);
      }
      case 'agent': {
        const { agentCommand } = await import('./agent.js');
        return await agentCommand(rest, io);
      }
      case 'restore': {
        const { restoreCommand } = await import('./restore.js');
        return await restoreCommand(rest, io);
      }
      case 'checkpoints': {
        const { checkpointsCommand } = await import('./checkpoints.js');
        return await checkpointsCommand(rest, io);
      }
      case '--version':
        io.out(version());
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`ultron: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ultron ${command}: ${e.message}`);
      if (e.usage) io.err(`\n${e.usage}`);
      return 2;
    }
    throw e;
  }
}
