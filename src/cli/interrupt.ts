// Ctrl-C (SIGINT), SIGTERM and SIGHUP turned into an abort for commands that start processes of their own: the
// command stops what it started, says what it stopped, and exits 128 + the signal's number, as a shell reports it.
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
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    error: () => (controller.signal.aborted ? (controller.signal.reason as Interrupted) : undefined),
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}
