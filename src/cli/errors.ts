// Exit codes of the CLI: 0 success, 1 failure (a run failed, a request was refused, a server unreachable),
// 2 bad input (invalid config, unknown option, bad argument). Commands throw these; main() maps them.
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export class BadInputError extends CliError {
  constructor(message: string) {
    super(message, EXIT_BAD_INPUT);
  }
}
