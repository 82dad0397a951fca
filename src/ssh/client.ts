// SSH to the Proxmox host: key authentication, the host key pinned to an OpenSSH SHA256 fingerprint (an unknown or
// changed key ends the attempt before any credential is sent to it), and remote commands given as argv, each quoted
// for the remote shell, with exit code, stdout, stderr and a time limit. The private key is only ever held in memory
// and handed to the protocol library; no message, log line or error carries it.
import { Client, utils, type ClientChannel, type ConnectConfig } from 'ssh2';
import { SshAuthError, SshCommandTimeoutError, SshConnectionError, SshKeyError } from './errors';
import { openSshSha256Fingerprint, sameFingerprint } from './host-key-fingerprint';
import { SshHostKeyError } from './host-key-error';
import { redact, TailBuffer, tailLines } from './output-buffer';
import { shellCommandFromArgv } from './shell-quote';

export interface SshConnectOptions {
  host: string;
  port: number;
  user: string;
  /** The private key text (OpenSSH or PEM), already resolved from its secret reference. */
  privateKey: string;
  /** The pinned host key, `SHA256:...` as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** Limit for TCP connect plus handshake and authentication; default 20 s. */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ExecOptions {
  /** Default 60 s; the channel is closed when it runs out. */
  timeoutMs?: number;
  /** Written to the command's standard input, then closed (keeps secrets out of argv). */
  stdin?: string;
  /** Values scrubbed from the output and from error messages. */
  redact?: readonly string[];
  /** Keep at most this many bytes of each stream (the end); default 1 MiB. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** The remote command line as sent (quoted argv). */
  command: string;
  /** Exit status; null when the command ended by a signal or the channel closed without one. */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The last lines of stderr (or stdout when stderr is empty), for a failure message. */
export function outputTail(result: ExecResult, lines = 8): string {
  return tailLines(result.stderr.trim() ? result.stderr : result.stdout, lines);
}

// A cancellable command reports its process ID first (on stderr, removed from what the caller sees): sshd makes each
// session's command a process-group leader, so a cancellation can end the command and everything it started, which
// closing the channel alone does not (the command keeps running with its output going nowhere).
const PID_TAG = 'cozy-proxmox-pid:';

function cancellable(command: string): string {
  return `sh -c 'echo "${PID_TAG}$$" >&2; exec "$@"' sh ${command}`;
}

function checkPrivateKey(privateKey: string): void {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    // The parser's message names the problem (format, passphrase), never the key material.
    throw new SshKeyError(`the SSH private key cannot be used: ${parsed.message}`);
  }
}

export class SshClient {
  private closed = false;

  private constructor(
    private readonly conn: Client,
    readonly target: string,
    /** The fingerprint the server presented (equal to the pinned one). */
    readonly hostKeyFingerprint: string,
  ) {
    conn.on('close', () => (this.closed = true));
    // After the handshake a socket error ends in 'close', which fails any running command; without a listener the
    // error event would throw.
    conn.on('error', () => (this.closed = true));
  }

  static async connect(opts: SshConnectOptions): Promise<SshClient> {
    checkPrivateKey(opts.privateKey);
    const target = `${opts.user}@${opts.host}:${opts.port}`;
    // A cancellation that came before the connection: no connection is opened.
    if (opts.signal?.aborted) throw new SshConnectionError(`connecting to ${target} was cancelled`);
    const conn = new Client();
    let offered: string | undefined;
    return new Promise<SshClient>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (error) {
          conn.end();
          reject(error);
        } else {
          resolve(new SshClient(conn, target, offered as string));
        }
      };
      const onAbort = () => settle(new SshConnectionError(`connecting to ${target} was cancelled`));
      opts.signal?.addEventListener('abort', onAbort);

      const config: ConnectConfig = {
        host: opts.host,
        port: opts.port,
        username: opts.user,
        privateKey: opts.privateKey,
        readyTimeout: opts.readyTimeoutMs ?? 20_000,
        // Only key authentication: no password or keyboard-interactive prompt is ever answered.
        authHandler: ['publickey'],
        hostVerifier: (key: Buffer) => {
          offered = openSshSha256Fingerprint(key);
          return sameFingerprint(offered, opts.hostKeyFingerprint);
        },
      };
      conn.once('ready', () => settle());
      conn.once('error', (err: Error & { level?: string }) => {
        if (offered !== undefined && !sameFingerprint(offered, opts.hostKeyFingerprint)) {
          settle(new SshHostKeyError(opts.host, opts.port, offered, opts.hostKeyFingerprint));
        } else if (err.level === 'client-authentication') {
          settle(new SshAuthError(`${target} refused the SSH key (publickey authentication failed); add its public key to ~${opts.user}/.ssh/authorized_keys on the host`));
        } else if (err.level === 'client-timeout') {
          settle(new SshConnectionError(`no SSH handshake with ${target} within ${Math.round((opts.readyTimeoutMs ?? 20_000) / 1000)} s`));
        } else {
          settle(new SshConnectionError(`cannot connect to ${target}: ${err.message}`));
        }
      });
      conn.once('close', () => settle(new SshConnectionError(`${target} closed the connection during the handshake`)));
      try {
        conn.connect(config);
      } catch (err) {
        settle(new SshConnectionError(`cannot connect to ${target}: ${(err as Error).message}`));
      }
    });
  }

  /** Runs argv on the host (each argument quoted for the remote shell); resolves with the exit code, never throws on it. */
  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const command = shellCommandFromArgv(argv);
    const secrets = opts.redact ?? [];
    const shown = redact(command, secrets);
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const stdout = new TailBuffer(opts.maxOutputBytes ?? 1 << 20);
    const stderr = new TailBuffer(opts.maxOutputBytes ?? 1 << 20);
    const started = Date.now();
    if (this.closed) return Promise.reject(new SshConnectionError(`the SSH connection to ${this.target} is closed`));
    // A cancellation that came before the command: it is not started.
    if (opts.signal?.aborted) return Promise.reject(new SshConnectionError(`\`${shown}\` on ${this.target} was cancelled`));

    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let done = false;
      /** The command's process (and group) ID on the host, once it reported it. */
      let pid: number | undefined;
      let stderrHead: string | undefined = opts.signal ? '' : undefined;
      const finish = (error: Error | undefined, result?: ExecResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (error) {
          channel?.close();
          reject(error);
        } else {
          resolve(result as ExecResult);
        }
      };
      const timer = setTimeout(() => {
        channel?.signal('KILL');
        finish(new SshCommandTimeoutError(shown, timeoutMs, redact(tailLines(stderr.text(), 3), secrets)));
      }, timeoutMs);
      const onAbort = () => {
        const cancelled = () => finish(new SshConnectionError(`\`${shown}\` on ${this.target} was cancelled`));
        channel?.signal('KILL');
        if (pid === undefined) {
          cancelled();
          return;
        }
        // Settles once the command's process group is gone (or after 5 s), not before.
        setTimeout(cancelled, 5_000).unref();
        this.conn.exec(`kill -KILL -- -${pid} 2>/dev/null || kill -KILL ${pid} 2>/dev/null; true`, (err, killer) => {
          if (err) {
            cancelled();
            return;
          }
          killer.on('close', cancelled);
          killer.resume();
          killer.stderr.resume();
          killer.end();
        });
      };
      opts.signal?.addEventListener('abort', onAbort);
      const onConnClose = () => finish(new SshConnectionError(`the connection to ${this.target} dropped while \`${shown}\` ran`));
      this.conn.once('close', onConnClose);

      this.conn.exec(opts.signal ? cancellable(command) : command, (err, ch) => {
        if (err) {
          this.conn.removeListener('close', onConnClose);
          finish(new SshConnectionError(`cannot run \`${shown}\` on ${this.target}: ${err.message}`));
          return;
        }
        channel = ch;
        let exitCode: number | null = null;
        let exitSignal: string | undefined;
        ch.on('data', (d: Buffer) => stdout.push(d));
        ch.stderr.on('data', (d: Buffer) => {
          if (stderrHead === undefined) {
            stderr.push(d);
            return;
          }
          stderrHead += d.toString('utf8');
          const end = stderrHead.indexOf('\n');
          if (end < 0 && stderrHead.length < 64) return; // the tag line is short: wait for its end
          const tag = new RegExp(`^${PID_TAG}(\\d+)$`).exec(end < 0 ? '' : stderrHead.slice(0, end));
          if (tag) pid = Number(tag[1]);
          stderr.push(Buffer.from(tag ? stderrHead.slice(end + 1) : stderrHead));
          stderrHead = undefined;
        });
        ch.on('exit', (code: number | null, sig?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          if (sig) exitSignal = sig;
        });
        ch.on('close', () => {
          this.conn.removeListener('close', onConnClose);
          if (stderrHead) stderr.push(Buffer.from(stderrHead)); // ended before it could report its ID
          finish(undefined, {
            command: shown,
            exitCode,
            ...(exitSignal ? { signal: exitSignal } : {}),
            stdout: redact(stdout.text(), secrets),
            stderr: redact(stderr.text(), secrets),
            durationMs: Date.now() - started,
          });
        });
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    });
  }

  close(): void {
    if (!this.closed) this.conn.end();
    this.closed = true;
  }
}

/** Connects, runs `body`, and always closes the connection. */
export async function withSsh<T>(opts: SshConnectOptions, body: (ssh: SshClient) => Promise<T>): Promise<T> {
  const ssh = await SshClient.connect(opts);
  try {
    return await body(ssh);
  } finally {
    ssh.close();
  }
}
