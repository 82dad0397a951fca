// One control-plane component as a child process: output to a log file, stopped with SIGTERM and, if it lingers,
// SIGKILL, and only considered stopped once the kernel has reported its exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Run in a process group of its own and do not keep this process alive: the component outlives the process that
   * started it (`sandbox up` returns while the control plane keeps running) and a Ctrl-C there does not reach it.
   */
  detached?: boolean;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitDescription: string | undefined;

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    const log = openSync(options.logFile, 'a');
    try {
      this.child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', log, log],
        detached: options.detached ?? false,
      });
      if (options.detached) this.child.unref();
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      this.child.once('error', (error) => {
        this.exitDescription = `could not start: ${error.message}`;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process is gone, or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exitDescription;
  }

  get running(): boolean {
    return this.exitDescription === undefined;
  }

  /** The last lines of the component's log, for error messages. */
  logTail(lines = 30): string {
    if (!existsSync(this.logFile)) return '';
    const all = readFileSync(this.logFile, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    if (await this.exitsWithin(graceMs)) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  }
}
