// Ctrl-C (SIGINT), SIGTERM and SIGHUP turned into an abort for commands that start processes of their own: the
// command stops what it started, says what it stopped, and exits 128 + the signal's number, as a shell reports it.
// A closed output pipe (`sandbox up 2>&1 | head`) counts as SIGPIPE: Node ignores that signal and reports an EPIPE
// error on the stream instead, which would otherwise end the command at once and leave its processes running.
import { constants } from 'node:os';
import { CliError } from './errors';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class Interrupted extends CliError {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}`, 128 + (constants.signals[signalName] ?? 0));
  }
}

export interface InterruptWatch {
  /** Aborted, with an Interrupted as its reason, at the first signal. */
  signal: AbortSignal;
  /** The Interrupted to throw after cleaning up, if a signal came. */
  error(): Interrupted | undefined;
  dispose(): void;
}

export function watchInterrupts(say: (m: string) => void): InterruptWatch {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`${sig} again: still stopping what was started, please wait`);
      return;
    }
    say(`${sig}: stopping everything this command started`);
    controller.abort(new Interrupted(sig));
  };
  const streams = [process.stdout, process.stderr];
  const closed = new Set<NodeJS.WriteStream>();
  const onStreamError = (stream: NodeJS.WriteStream) => (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed.add(stream);
    if (!controller.signal.aborted) handler('SIGPIPE');
  };
  const listeners = streams.map((stream) => [stream, onStreamError(stream)] as const);
  for (const s of SIGNALS) process.on(s, handler);
  for (const [stream, listener] of listeners) stream.on('error', listener);
  return {
    signal: controller.signal,
    error: () => (controller.signal.aborted ? (controller.signal.reason as Interrupted) : undefined),
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
      // A closed stdio pipe is never destroyed: every later write fails with EPIPE again, so its listener stays and
      // drops those errors (the command has been aborted already).
      for (const [stream, listener] of listeners) if (!closed.has(stream)) stream.off('error', listener);
    },
  };
}
