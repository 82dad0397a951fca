// Background processes of the sandbox: started detached (so `sandbox up` can return), logged to files, found again
// by pid, and stopped with SIGTERM then SIGKILL.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { freeLoopbackPorts } from './kubernetes/ports';

/** A free loopback port for a process to listen on (kubernetes/ports.ts: why below the ephemeral range). */
export async function freePort(): Promise<number> {
  const [port] = await freeLoopbackPorts(1);
  return port;
}

export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.once('error', () => ok(false));
    srv.listen(port, host, () => srv.close(() => ok(true)));
  });
}

/** The preferred port when it is free (friendlier defaults such as 7233), any free port otherwise. */
export async function preferredPort(port: number): Promise<number> {
  return (await portIsFree(port)) ? port : freePort();
}

export function spawnDaemon(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A process that exited but was not reaped yet (a zombie) still takes signals: it is not running. Detached
  // sandbox processes outlive the command that started them, and their new parent may reap them seconds later.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: the signal test is all there is
  }
}

export async function waitForPort(port: number, what: string, timeoutMs: number, pid?: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new Error(`${what} exited during start`);
    const open = await new Promise<boolean>((ok) => {
      const sock = new Socket();
      sock.once('connect', () => (sock.destroy(), ok(true)));
      sock.once('error', () => (sock.destroy(), ok(false)));
      sock.connect(port, host);
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000}s`);
}

/** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopProcess(pid: number | undefined, graceMs = 10_000): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      // Detached children lead their own process group: signal the group so their children stop too.
      process.kill(-(pid as number), sig);
    } catch {
      try {
        process.kill(pid as number, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    signal('SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** The compiled JavaScript of a module of this package (the sandbox runs its components as node processes). */
export function compiledModule(relativeToSrc: string): string {
  const root = repoRoot();
  const file = join(root, 'dist', 'packages', 'sandbox', 'src', relativeToSrc);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

export function repoRoot(): string {
  // This file is packages/sandbox/src/processes.ts or dist/packages/sandbox/src/processes.js.
  const up = __filename.endsWith('.ts') ? ['..', '..', '..'] : ['..', '..', '..', '..'];
  return resolve(__dirname, ...up);
}
