/**
 * The bed's NATS, Redis and MinIO killed and started again (e2e/cluster/servers.sh kill|start), for
 * fault-injection tests: SIGKILL, as a crash would end them, then the same command line on the data left.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './ultron.js';

const run = promisify(execFile);
export type BedServer = 'nats' | 'redis' | 'minio';

const servers = async (verb: 'kill' | 'start', name: BedServer): Promise<void> =>
  void (await run('bash', [join(REPO, 'e2e/cluster/servers.sh'), verb, name]));

export const killBedServer = (name: BedServer): Promise<void> => servers('kill', name);
export const startBedServer = (name: BedServer): Promise<void> => servers('start', name);
