// The cozy-proxmox command line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../package-root';
import { codecCommands } from './commands/codec-commands';
import { configCommand } from './commands/config-commands';
import { keyCommand } from './commands/key-commands';
import { runCommands } from './commands/run-commands';
import { workerCommand } from './commands/worker-command';
import { CliError, EXIT_BAD_INPUT, EXIT_FAILURE } from './errors';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The sandbox package, which adds its own commands where it is installed (a clone; the image has the product only). */
export const SANDBOX_PACKAGE = '@cozy-proxmox/sandbox';

function developmentCommands(): { commands: Command[]; installed: boolean } {
  let plugin: { commands(): Command[] };
  try {
    // Synchronous, as the command tree is built: an optional package, present or not.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    plugin = require(SANDBOX_PACKAGE) as typeof plugin;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(SANDBOX_PACKAGE);
    if (missing) return { commands: ['sandbox', 'demo'].map(notInstalled), installed: false };
    throw err;
  }
  return { commands: plugin.commands(), installed: true };
}

/** `sandbox`/`demo` where the sandbox is not installed: hidden from help, and saying where to find it when used. */
function notInstalled(name: string): Command {
  const cmd = new Command(name).allowUnknownOption().allowExcessArguments().helpOption(false);
  return cmd.action(() => {
    throw new CliError(`\`${name}\` comes with the sandbox (${SANDBOX_PACKAGE}), a development package this installation does not have: run it from a clone of the repository (npm ci, then npm run demo)`);
  });
}

export function buildProgram(): Command {
  const program = new Command('cozy-proxmox')
    .description('Integrate a Proxmox VE installation with a CozyStack (Kubernetes) cluster, step by checked step, on Temporal.')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)');
  for (const cmd of [...runCommands(), workerCommand(), configCommand(), keyCommand(), ...codecCommands()]) program.addCommand(cmd);
  const development = developmentCommands();
  for (const cmd of development.commands) program.addCommand(cmd, { hidden: !development.installed });
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
