// The cozy-proxmox command line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../package-root';
import { codecCommands } from './commands/codec-commands';
import { configCommand } from './commands/config-commands';
import { runCommands } from './commands/run-commands';
import { demoCommand } from './commands/demo-command';
import { sandboxCommand, workerCommand } from './commands/sandbox-commands';
import { CliError, EXIT_BAD_INPUT, EXIT_FAILURE } from './errors';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('cozy-proxmox')
    .description('Integrate a Proxmox VE installation with a CozyStack (Kubernetes) cluster, step by checked step, on Temporal.')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)');
  for (const cmd of [...runCommands(), workerCommand(), sandboxCommand(), demoCommand(), configCommand(), ...codecCommands()]) program.addCommand(cmd);
  // Usage errors (unknown option, missing argument, bad choice) are bad input: exit 2, in every subcommand.
  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
