// `config validate` and `config init`.
import { existsSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { buildPlan } from '../../catalogue';
import { ConfigError, loadConfigFile, type ConfigProblem } from '../../config/load';
import { checkSecretsPresent } from '../../config/secret-check';
import type { IntegrationConfig } from '../../config/schema';
import { EXAMPLE_CONFIG } from '../../config/example';
import { BadInputError } from '../errors';
import { printJson } from '../output';

function problemsText(source: string, problems: ConfigProblem[]): string {
  return `${source}: invalid config\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`;
}

/** Loads a config or throws bad input (exit 2) naming every problem. */
export function loadValidConfig(file: string, checkSecrets: boolean): IntegrationConfig {
  let config: IntegrationConfig;
  try {
    config = loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new BadInputError(err.message);
    throw err;
  }
  if (checkSecrets) {
    const problems = checkSecretsPresent(config);
    if (problems.length > 0) throw new BadInputError(problemsText(file, problems));
  }
  return config;
}

export function configCommand(): Command {
  const config = new Command('config').description('validate or create an integration config');

  config
    .command('validate')
    .description('validate a config file; exit 2 naming each bad field')
    .argument('<file>', 'config file (YAML)')
    .option('--skip-secret-check', 'do not check that referenced secrets exist here')
    .option('--json', 'print the result as JSON')
    .action((file: string, opts) => {
      try {
        const cfg = loadValidConfig(file, !opts.skipSecretCheck);
        const plan = buildPlan(cfg);
        if (opts.json) printJson({ valid: true, cluster: cfg.cluster.name, steps: plan.map((s) => s.id) });
        else process.stdout.write(`${file}: valid (cluster ${cfg.cluster.name}, ${plan.length} steps)\n`);
      } catch (err) {
        if (opts.json && err instanceof BadInputError) {
          printJson({ valid: false, error: err.message });
        }
        throw err;
      }
    });

  config
    .command('init')
    .description('write an example config to start from')
    .option('-o, --output <file>', 'where to write it', 'cozy-proxmox.yaml')
    .option('--force', 'overwrite an existing file')
    .action((opts) => {
      if (existsSync(opts.output) && !opts.force) throw new BadInputError(`${opts.output} exists; pass --force to overwrite it`);
      writeFileSync(opts.output, EXAMPLE_CONFIG);
      process.stdout.write(`wrote ${opts.output}; edit it, then: cozy-proxmox config validate ${opts.output}\n`);
    });

  return config;
}
