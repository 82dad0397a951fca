// PostgreSQL for the sandbox's real Temporal server: Debian's server binaries, a cluster made with initdb in the
// sandbox directory, listening on 127.0.0.1 only (no Unix socket), password authentication. PostgreSQL refuses to
// run as root: a root sandbox runs it in a user namespace of its own where root is mapped to the `postgres` user
// (the Debian package makes it), so that it reaches the sandbox directory wherever that is (under /root, say) and
// leaves its files owned by root outside.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../../../../src/tools/tool-paths';
import { spawnDaemon, waitForPort } from '../processes';

export const POSTGRES_USER = 'temporal';

export interface SandboxPostgres {
  pid: number;
  port: number;
  user: string;
  /** The password, in a file only its owner reads (the Temporal server config and the schema tool take it). */
  passwordFile: string;
  dataDir: string;
}

/** The command line that runs a PostgreSQL program: as it is, or for root inside a user namespace as `postgres`. */
function asNonRoot(program: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [program, args];
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('PostgreSQL cannot run as root and there is no `postgres` user (the Debian package postgresql-15 makes it: npm run tools -- debian)');
  const [, , uid, gid] = line.split(':');
  return ['unshare', ['--user', `--map-user=${uid}`, `--map-group=${gid}`, '--', program, ...args]];
}

/** Makes the cluster once (dir/postgres), then starts the server on `port`; returns once it accepts connections. */
export async function startPostgres(dir: string, port: number, logFile: string): Promise<SandboxPostgres> {
  const bin = toolPath('POSTGRES_BIN_DIR', 'temporal-server');
  const root = join(dir, 'postgres');
  const dataDir = join(root, 'data');
  const passwordFile = join(dir, 'secrets', 'postgres-password');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const [program, args] = asNonRoot(join(bin, 'initdb'), ['-D', dataDir, '-U', POSTGRES_USER, `--pwfile=${passwordFile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions']);
    try {
      await promisify(execFile)(program, args);
    } catch (err) {
      throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    }
  }
  // fsync off: the data goes with the sandbox; a restart of the Temporal server (not of PostgreSQL) is what is rehearsed.
  const [program, args] = asNonRoot(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'log_min_messages=warning']);
  const pid = spawnDaemon(program, args, logFile);
  await waitForPort(port, `PostgreSQL (see ${logFile})`, 60_000, pid);
  return { pid, port, user: POSTGRES_USER, passwordFile, dataDir };
}
