// Runs the compiled CLI (bin/cozy-proxmox.js) as a user would, and captures its output and exit code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'cozy-proxmox.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).result;
}

export interface RunningCli {
  pid: number;
  /** What it printed so far. */
  output(): CliResult;
  result: Promise<CliResult>;
}

/** Starts the CLI and lets the test read its output while it runs. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000, command: string[] = [process.execPath, BIN]): RunningCli {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: the test command builds it first (npm run build)');
  }
  const child = spawn(command[0], [...command.slice(1), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const result = new Promise<CliResult>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command.join(' ')} ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code: code ?? (signal ? -1 : 0), stdout, stderr });
    });
  });
  return { pid: child.pid as number, output: () => ({ code: -1, stdout, stderr }), result };
}
